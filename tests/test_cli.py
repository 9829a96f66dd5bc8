"""The ``selfplay`` command: options, invalid input, and what it writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from selfplay.metrics import read_metrics
from selfplay.runners.cli import build_parser, main

HALLWAY = "SelfPlay/Hallway-v0"

REPEAT_ONLY_MODULE = textwrap.dedent(
    """
    import gymnasium as gym
    import numpy as np

    from selfplay.envs import SelfPlayEnv


    class OneWayEnv(SelfPlayEnv):
        # A counter that only goes up: its changes cannot be undone.
        selfplay_modes = ("repeat",)
        stop_action = 1

        def __init__(self):
            self.action_space = gym.spaces.Discrete(2)
            self.observation_space = gym.spaces.Box(0.0, 100.0, (1,), np.float32)
            self.count = 0

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            self.count = 0
            return np.array([0.0], np.float32), {}

        def step(self, action):
            self.count += int(action == 0)
            done = self.count >= 3
            obs = np.array([self.count], np.float32)
            return obs, float(done), done, False, {"is_success": done}

        def snapshot(self):
            return self.count

        def restore(self, snapshot):
            self.count = snapshot
            return np.array([self.count], np.float32)

        def target_features(self):
            return np.array([self.count], np.float64)

        def target_reached(self, features, target):
            return bool(np.array_equal(features, target))


    gym.register("OneWay-v0", entry_point=OneWayEnv, max_episode_steps=20)
    """
)


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A user's module that registers a repeat-only environment."""
    (tmp_path / "oneway_env.py").write_text(REPEAT_ONLY_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "oneway_env:OneWay-v0"


def run_cli(*args: str) -> int:
    return main([str(a) for a in args])


def train_args(out, *extra):
    return [
        "train",
        "--env",
        HALLWAY,
        "--mode",
        "reverse",
        "--target-episodes",
        "20",
        "--n-envs",
        "2",
        "--no-progress",
        "--out",
        out,
        *extra,
    ]


def test_unknown_env_id(tmp_path, capsys):
    out = tmp_path / "run"
    status = run_cli("train", "--env", "SelfPlay/Nowhere-v0", "--out", out)
    assert status == 2
    error = capsys.readouterr().err
    assert "'SelfPlay/Nowhere-v0'" in error
    assert "SelfPlay/LightKey-v0" in error
    assert not out.exists()


def test_unknown_mode(tmp_path, capsys):
    out = tmp_path / "run"
    status = run_cli("train", "--env", HALLWAY, "--mode", "sideways", "--out", out)
    assert status == 2
    error = capsys.readouterr().err
    assert "'sideways'" in error
    assert "target-only" in error
    assert not out.exists()


def test_unknown_algo(tmp_path, capsys):
    status = run_cli(
        "train", "--env", HALLWAY, "--algo", "dqn", "--out", tmp_path / "r"
    )
    assert status == 2
    assert "trpo" in capsys.readouterr().err


def test_mode_env_cannot_host(tmp_path, capsys, user_module):
    out = tmp_path / "run"
    status = run_cli("train", "--env", user_module, "--mode", "reverse", "--out", out)
    assert status == 2
    error = capsys.readouterr().err
    assert "'reverse'" in error
    assert "repeat" in error
    assert not out.exists()


def test_user_env_trains_in_repeat(tmp_path, user_module):
    out = tmp_path / "run"
    status = run_cli(
        "train",
        "--env",
        user_module,
        "--mode",
        "repeat",
        "--target-episodes",
        "10",
        "--n-envs",
        "2",
        "--no-progress",
        "--out",
        out,
    )
    assert status == 0
    assert read_metrics(out / "metrics.csv")["target_episodes"][-1] == 10


def test_non_empty_out_needs_force(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert run_cli(*train_args(out)) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"


def test_force_refuses_non_run_directory(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert run_cli(*train_args(out, "--force")) == 2
    assert (out / "notes.txt").exists()


def test_force_replaces_run(tmp_path):
    out = tmp_path / "run"
    assert run_cli(*train_args(out)) == 0
    (out / "alice.zip").write_text("from an earlier PPO run")
    assert run_cli(*train_args(out, "--force")) == 0
    assert not (out / "alice.zip").exists()
    assert (out / "metrics.csv").exists()


def test_force_keeps_user_files(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_cli(*train_args(out)) == 0
    (out / "notes.txt").write_text("mine")
    assert run_cli(*train_args(out, "--force")) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "config.json").exists()


def test_force_refuses_fake_config(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text("{}")
    (out / "paper.tex").write_text("mine")
    assert run_cli(*train_args(out, "--force")) == 2
    assert (out / "paper.tex").exists()


def test_demo_force_keeps_foreign_files(tmp_path, capsys):
    out = tmp_path / "demo"
    (out / "reverse").mkdir(parents=True)
    (out / "reverse" / "notes.txt").write_text("mine")
    assert run_cli("demo", "--out", out, "--force", "--target-episodes", "5") == 2
    assert (out / "reverse" / "notes.txt").exists()


def test_train_prints_summary(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_cli(*train_args(out)) == 0
    printed = capsys.readouterr().out
    assert "20 target episodes" in printed
    assert f"wrote {out}" in printed


def test_invalid_env_kwargs(tmp_path, capsys):
    out = tmp_path / "run"
    status = run_cli(*train_args(out, "--env-kwargs", '{"no_such_argument": 1}'))
    assert status == 2
    assert "no_such_argument" in capsys.readouterr().err
    assert not out.exists()


def test_invalid_budget(tmp_path, capsys):
    status = run_cli(*train_args(tmp_path / "r", "--target-episodes", "0"))
    assert status == 2
    assert "target_episodes" in capsys.readouterr().err


def test_help_names_units():
    parser = build_parser()._subparsers._group_actions[0].choices["train"]
    text = " ".join(parser.format_help().split())
    assert "--target-episodes" in text
    assert "--env-steps" in text
    assert "steps" in text
    assert "self-play steps included" in text


def test_plot_command(tmp_path):
    runs = []
    for mode in ("reverse", "target-only"):
        out = tmp_path / mode
        args = train_args(out, "--log-interval", "5")
        args[args.index("reverse")] = mode
        assert run_cli(*args) == 0
        runs.append(out)
    image = tmp_path / "plot.png"
    assert run_cli("plot", *runs, "-o", image) == 0
    assert image.stat().st_size > 0


def test_plot_missing_run(tmp_path, capsys):
    status = run_cli("plot", tmp_path / "missing", "-o", tmp_path / "p.png")
    assert status == 2
    assert "missing" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--p-target", "0"], "--env-steps"),
        (["--learning-rate", "0"], "learning_rate"),
        (["--entropy-coef", "-1"], "entropy_coef"),
        (["--gamma", "nan"], "gamma"),
        (["--t-max", "1"], "t_max"),
        (["--algo", "ppo", "--sb3-kwargs", '{"n_steps": 7}'], "n_steps"),
        (["--algo", "ppo", "--sb3-kwargs", '{"no_such_option": 1}'], "no_such_option"),
        (["--env-kwargs", '{"length": 1}'], "length"),
    ],
)
def test_invalid_values_write_nothing(tmp_path, capsys, extra, message):
    out = tmp_path / "run"
    assert run_cli(*train_args(out, *extra)) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_reinforce_rejects_box_actions(tmp_path, capsys):
    out = tmp_path / "run"
    status = run_cli(
        "train",
        "--env",
        "SelfPlay/MountainCarSparseContinuous-v0",
        "--algo",
        "reinforce",
        "--out",
        out,
    )
    assert status == 2
    assert "Discrete" in capsys.readouterr().err
    assert not out.exists()


def test_random_alice_on_repeat_only_env(tmp_path, user_module):
    out = tmp_path / "run"
    status = run_cli(
        "train",
        "--env",
        user_module,
        "--mode",
        "random-alice",
        "--target-episodes",
        "5",
        "--n-envs",
        "2",
        "--no-progress",
        "--out",
        out,
    )
    assert status == 0


def interrupted_run(tmp_path) -> str:
    """Return a run directory left with a checkpoint, as after Ctrl-C."""
    from selfplay.config import TrainConfig
    from selfplay.train import train

    out = tmp_path / "run"

    def stop(counters):
        if counters.target_episodes >= 25:
            raise KeyboardInterrupt

    config = TrainConfig(
        env_id=HALLWAY,
        mode="reverse",
        target_episodes=60,
        n_envs=2,
        log_interval=10,
        log_formats="csv",
    )
    with pytest.raises(KeyboardInterrupt):
        train(config, out, progress=stop)
    return out


def test_resume_rejects_other_options(tmp_path, capsys):
    out = interrupted_run(tmp_path)
    assert run_cli("train", "--resume", out, "--mode", "repeat", "--seed", "9") == 2
    error = capsys.readouterr().err
    assert "--mode" in error
    assert "--seed" in error


def test_resume_rejects_reached_budget(tmp_path, capsys):
    out = interrupted_run(tmp_path)
    before = (out / "config.json").read_text()
    assert run_cli("train", "--resume", out, "--target-episodes", "10") == 2
    assert "larger --target-episodes" in capsys.readouterr().err
    assert (out / "config.json").read_text() == before
    assert (out / "checkpoint").exists()


def test_resume_rejects_negative_budget(tmp_path, capsys):
    out = interrupted_run(tmp_path)
    assert run_cli("train", "--resume", out, "--target-episodes", "-3") == 2
    assert (out / "checkpoint").exists()


def test_resume_keeps_progress_rows(tmp_path):
    out = interrupted_run(tmp_path)
    rows_before = (out / "metrics.csv").read_text().splitlines()
    progress_before = (out / "progress.csv").read_text().splitlines()
    assert run_cli("train", "--resume", out, "--no-progress") == 0
    rows_after = (out / "metrics.csv").read_text().splitlines()
    progress_after = (out / "progress.csv").read_text().splitlines()
    assert rows_after[: len(rows_before)] == rows_before
    assert progress_after[: len(progress_before)] == progress_before
    assert len(progress_after) == len(rows_after)


def test_resume_command(tmp_path):
    out = tmp_path / "run"
    assert run_cli(*train_args(out, "--log-interval", "5")) == 0
    shutil.rmtree(out / "checkpoint", ignore_errors=True)
    assert run_cli("train", "--resume", out, "--no-progress") == 2


def test_console_script_exit_status(tmp_path):
    out = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "selfplay.runners.cli",
        "train",
        "--env",
        "SelfPlay/Nowhere-v0",
        "--out",
        str(out),
    ]
    completed = subprocess.run(command, capture_output=True, text=True)
    assert completed.returncode == 2
    assert "unknown env id" in completed.stderr
    assert not out.exists()


def test_config_json_records_cli_options(tmp_path):
    out = tmp_path / "run"
    assert run_cli(*train_args(out, "--gamma", "0.5", "--seed", "3")) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["gamma"] == 0.5
    assert config["seed"] == 3
    assert config["mode"] == "reverse"
