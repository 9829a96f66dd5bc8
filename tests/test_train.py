"""The training loop end to end: run directories, budgets, evaluation, resume."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from selfplay.config import TrainConfig
from selfplay.game import GameConfig, SelfPlayGame
from selfplay.metrics import METRICS_COLUMNS, read_metrics
from selfplay.rollout import GameBatch
from selfplay.train import make_game_env, resume, train
from selfplay.workers import SubprocGameBatch

torch.set_num_threads(1)

HALLWAY = "SelfPlay/Hallway-v0"
LIGHTKEY = "SelfPlay/LightKey-6x6-v0"


def quick(**overrides) -> TrainConfig:
    values = dict(env_id=HALLWAY, mode="reverse", seed=0, target_episodes=60, n_envs=4)
    values.update(overrides)
    return TrainConfig(**values)


class Interrupt(Exception):
    pass


def interrupt_after(target_episodes: int):
    def progress(counters):
        if counters.target_episodes >= target_episodes:
            raise Interrupt

    return progress


def test_run_directory_contents(tmp_path):
    result = train(quick(log_interval=20), tmp_path)
    assert (tmp_path / "config.json").exists()
    assert (tmp_path / "alice.pt").exists()
    assert (tmp_path / "bob.pt").exists()
    assert not (tmp_path / "checkpoint").exists()
    assert result.counters.target_episodes == 60


def test_metrics_columns_and_rows(tmp_path):
    train(quick(log_interval=20), tmp_path)
    with (tmp_path / "metrics.csv").open() as file:
        header = next(csv.reader(file))
    assert tuple(header) == METRICS_COLUMNS
    metrics = read_metrics(tmp_path / "metrics.csv")
    assert metrics["target_episodes"].tolist() == [20, 40, 60]
    assert np.all(np.diff(metrics["env_steps"]) > 0)
    assert np.all(metrics["target_success"] >= 0)


def test_config_json_is_resolved(tmp_path):
    train(quick(), tmp_path)
    stored = json.loads((tmp_path / "config.json").read_text())
    assert stored["t_max"] == 30
    assert stored["gamma"] == 0.033
    assert stored["learning_rate"] == 0.1
    assert stored["batch_episodes"] == 16


def test_target_only_saves_no_alice(tmp_path):
    train(quick(mode="target-only"), tmp_path)
    assert not (tmp_path / "alice.pt").exists()
    metrics = read_metrics(tmp_path / "metrics.csv")
    assert np.all(metrics["selfplay_episodes"] == 0)


def test_random_alice_runs(tmp_path):
    train(quick(env_id=LIGHTKEY, mode="random-alice", target_episodes=20), tmp_path)
    metrics = read_metrics(tmp_path / "metrics.csv")
    assert metrics["selfplay_episodes"][-1] > 0
    assert not (tmp_path / "alice.pt").exists()


def test_target_budget_is_exact(tmp_path):
    result = train(quick(target_episodes=37, n_envs=8, mode="target-only"), tmp_path)
    assert result.counters.target_episodes == 37
    metrics = read_metrics(tmp_path / "metrics.csv")
    assert metrics["target_episodes"][-1] == 37


def test_env_steps_budget(tmp_path):
    result = train(quick(target_episodes=None, env_steps=2000), tmp_path)
    assert result.counters.env_steps >= 2000
    # The loop stops at the first finished episode past the budget.
    assert result.counters.env_steps < 2000 + 4 * 30


def test_counters_in_metrics_match(tmp_path):
    result = train(quick(), tmp_path)
    metrics = read_metrics(tmp_path / "metrics.csv")
    assert metrics["env_steps"][-1] == result.counters.env_steps
    assert metrics["selfplay_episodes"][-1] == result.counters.selfplay_episodes


def test_evaluation_columns(tmp_path):
    train(quick(eval_interval=20, eval_episodes=10, log_interval=20), tmp_path)
    metrics = read_metrics(tmp_path / "metrics.csv")
    assert not np.isnan(metrics["eval_target_success"]).any()
    assert np.all(
        (metrics["eval_target_success"] >= 0) & (metrics["eval_target_success"] <= 1)
    )


def test_sb3_logger_outputs(tmp_path):
    train(quick(log_formats="csv"), tmp_path)
    with (tmp_path / "progress.csv").open() as file:
        header = next(csv.reader(file))
    assert "selfplay/target_success" in header


def test_resume_continues_counters_and_rows(tmp_path):
    config = quick(log_interval=10, target_episodes=80)
    with pytest.raises(Interrupt):
        train(config, tmp_path, progress=interrupt_after(45))
    assert (tmp_path / "checkpoint" / "state.pt").exists()
    before = read_metrics(tmp_path / "metrics.csv")["target_episodes"].tolist()
    assert before[-1] >= 40

    result = resume(tmp_path)
    metrics = read_metrics(tmp_path / "metrics.csv")
    episodes = metrics["target_episodes"].tolist()
    assert episodes[: len(before)] == before
    assert episodes[-1] == 80
    assert np.all(np.diff(metrics["target_episodes"]) > 0)
    assert np.all(np.diff(metrics["wall_time"]) > 0)
    assert result.counters.target_episodes == 80
    assert (tmp_path / "bob.pt").exists()


def test_resume_new_budget(tmp_path):
    with pytest.raises(Interrupt):
        train(quick(log_interval=10), tmp_path, progress=interrupt_after(25))
    result = resume(tmp_path, target_episodes=100)
    assert result.counters.target_episodes == 100
    assert json.loads((tmp_path / "config.json").read_text())["target_episodes"] == 100


def test_resume_without_checkpoint(tmp_path):
    train(quick(), tmp_path)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        resume(tmp_path)


def test_resume_sb3_restores_buffer(tmp_path):
    config = quick(algo="ppo", n_steps=16, log_interval=10, target_episodes=40)
    with pytest.raises(Interrupt):
        train(config, tmp_path, progress=interrupt_after(25))
    assert list((tmp_path / "checkpoint").glob("bob_buffer.npz"))
    result = resume(tmp_path)
    assert result.counters.target_episodes == 40
    assert (tmp_path / "bob.zip").exists()
    assert (tmp_path / "alice.zip").exists()


def _play(batch, seed: int, steps: int):
    """Step ``batch`` with fixed random policies and return finished episode stats."""
    rng = np.random.default_rng(seed)

    def act(observations):
        return rng.integers(3, size=len(observations))

    stats = []
    for _ in range(steps):
        stats.extend((i, e.stats) for i, e in batch.step(act, act))
    return stats


def test_worker_processes_match_in_process():
    game_config = GameConfig("reverse", 30, 0.033, 0.3)
    specs = [(HALLWAY, {}, game_config, 100 + i) for i in range(4)]
    games = []
    for _, kwargs, rules, seed in specs:
        game = SelfPlayGame(make_game_env(HALLWAY, kwargs), rules)
        game.reset(seed=seed)
        games.append(game)
    local = _play(GameBatch(games), seed=7, steps=200)
    workers = SubprocGameBatch(specs, n_workers=2)
    try:
        remote = _play(workers, seed=7, steps=200)
    finally:
        workers.close()
    assert len(local) > 10
    assert remote == local


def test_training_with_workers(tmp_path):
    result = train(quick(workers=2, target_episodes=20), tmp_path)
    assert result.counters.target_episodes == 20


@pytest.mark.parametrize("n_envs", [1, 4])
def test_hallway_learned_with_n_envs(tmp_path, n_envs):
    config = quick(
        n_envs=n_envs,
        target_episodes=1200,
        eval_interval=600,
        eval_episodes=200,
        log_interval=600,
        seed=1,
    )
    train(config, tmp_path)
    success = read_metrics(tmp_path / "metrics.csv")["eval_target_success"]
    # The first evaluation comes after 600 target episodes, the second at the end.
    # Uniform random actions succeed in about 15% of episodes (2,000 measured).
    assert success[-1] >= 0.35
