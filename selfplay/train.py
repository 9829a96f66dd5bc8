"""The training loop: games in lockstep, both agents learning, metrics, checkpoints.

:func:`train` is what ``selfplay train`` runs, and :func:`resume` what
``selfplay train --resume`` runs. A run directory holds:

- ``config.json``: the resolved :class:`selfplay.config.TrainConfig`;
- ``metrics.csv``: one row per logging interval, columns in
  :data:`selfplay.metrics.METRICS_COLUMNS`;
- the trained agents, ``alice.pt`` and ``bob.pt`` (REINFORCE) or ``alice.zip`` and
  ``bob.zip`` (SB3, loadable with e.g. ``PPO.load``). Alice is saved only where she
  learns, so not in target-only and random-Alice runs;
- ``progress.csv`` and TensorBoard event files from SB3's logger, with the same
  metrics under ``selfplay/``. An SB3 model's own training statistics are in
  ``sb3/alice`` and ``sb3/bob``;
- ``checkpoint/``: the latest state for ``--resume``, removed when the run finishes.

What a resumed run can still differ in from an uninterrupted one: the episodes that
were in flight at the checkpoint are dropped, and every game starts a fresh episode
from its saved random state. Everything else (agents with their optimiser states and
pending REINFORCE batches, SB3 rollout buffers, counters, random states, metrics rows
up to the checkpoint) continues exactly.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.logger import (
    CSVOutputFormat,
    JSONOutputFormat,
    Logger,
    configure,
)

from selfplay.agents import agent_file, alice_learns, build_agent
from selfplay.checkpoint import load_checkpoint, read_checkpoint_state, save_checkpoint
from selfplay.config import TrainConfig
from selfplay.exploration import CountBonus
from selfplay.game import COUNT_BASED, TARGET_ONLY, Episode, Phase, SelfPlayGame
from selfplay.metrics import Counters, IntervalStats, MetricsWriter
from selfplay.rollout import GameBatch
from selfplay.workers import SubprocGameBatch

logger = logging.getLogger(__name__)

ProgressFn = Callable[[Counters], None]


@dataclasses.dataclass
class TrainResult:
    """Final counters and metrics row of a finished run.

    Attributes:
        counters: Final episode and step counts.
        last_row: The last metrics row written.
        out_dir: The run directory.
    """

    counters: Counters
    last_row: dict[str, float]
    out_dir: Path


def make_game_env(env_id: str, env_kwargs: dict) -> gym.Env:
    """Make an environment for the game, without Gymnasium's ``TimeLimit``.

    The game enforces ``t_max`` itself, so a registered ``max_episode_steps`` must not
    cut a self-play episode short.
    """
    return gym.make(env_id, max_episode_steps=-1, **env_kwargs)


def _game_seed(config: TrainConfig, index: int, offset: int = 0) -> int:
    return config.seed * 100_003 + offset + index


def make_batch(config: TrainConfig) -> GameBatch | SubprocGameBatch:
    """Build ``config.n_envs`` reset games, in worker processes if ``workers`` > 0."""
    game_config = config.game_config()
    if config.workers > 0:
        specs = [
            (config.env_id, config.env_kwargs, game_config, _game_seed(config, i))
            for i in range(config.n_envs)
        ]
        return SubprocGameBatch(specs, n_workers=min(config.workers, config.n_envs))
    games = []
    for index in range(config.n_envs):
        game = SelfPlayGame(
            make_game_env(config.env_id, config.env_kwargs), game_config
        )
        game.reset(seed=_game_seed(config, index))
        games.append(game)
    return GameBatch(games)


def budget_reached(config: TrainConfig, counters: Counters) -> bool:
    """Return whether the run has used its target-episode or env-step budget."""
    episodes_done = (
        config.target_episodes is not None
        and counters.target_episodes >= config.target_episodes
    )
    steps_done = config.env_steps is not None and counters.env_steps >= config.env_steps
    return episodes_done or steps_done


def make_sb3_logger(
    folder: Path, formats: list[str], keep_rows: int | None = None
) -> Logger:
    """Return an SB3 logger writing ``formats`` into ``folder``.

    TensorBoard is left out, with a warning in the log, if its package is missing.

    Args:
        folder: Where the outputs go.
        formats: SB3 output format names.
        keep_rows: On resume, the rows of an existing ``progress.csv`` and
            ``progress.json`` to keep: SB3 truncates both when it opens them, so the
            kept rows are written back and new rows follow them. None starts afresh.
    """
    formats = list(formats)
    if "tensorboard" in formats:
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            logger.warning("tensorboard is not installed; logging without it")
            formats.remove("tensorboard")
    kept = {}
    if keep_rows is not None:
        for name, header in (("progress.csv", 1), ("progress.json", 0)):
            path = folder / name
            if path.exists():
                lines = path.read_text().splitlines(keepends=True)
                kept[name] = lines[: header + keep_rows] if len(lines) > header else []
    sb3_logger = configure(str(folder), formats)
    for output in sb3_logger.output_formats:
        if isinstance(output, CSVOutputFormat) and kept.get("progress.csv"):
            output.file.write("".join(kept["progress.csv"]))
            output.file.flush()
            output.keys = kept["progress.csv"][0].rstrip("\n").split(",")
        elif isinstance(output, JSONOutputFormat) and kept.get("progress.json"):
            output.file.write("".join(kept["progress.json"]))
            output.file.flush()
    return sb3_logger


class Trainer:
    """One run: the games, both agents, the counters and the run directory.

    Use :func:`train` or :func:`resume` rather than building one directly.
    """

    def __init__(
        self, config: TrainConfig, out_dir: Path, log_rows: dict | None = None
    ) -> None:
        self.config = config
        self.out_dir = out_dir
        self.batch = make_batch(config)
        self.input_dim, alice_space, bob_space = _agent_spaces(config)

        resuming = log_rows is not None
        log_rows = log_rows or {}
        formats = config.log_formats
        self.run_logger = make_sb3_logger(out_dir, formats, log_rows.get("run"))
        # SB3 models log their own training statistics; REINFORCE has none there.
        agent_formats = [f for f in formats if f != "stdout"]
        names = [] if config.algo == "reinforce" else ["bob"]
        if alice_learns(config) and names:
            names.insert(0, "alice")
        self._agent_loggers = {
            name: make_sb3_logger(
                out_dir / "sb3" / name, agent_formats, log_rows.get(name)
            )
            for name in names
        }

        self.alice = None
        if alice_learns(config):
            self.alice = build_agent(
                config,
                "alice",
                self.input_dim,
                alice_space,
                self._agent_loggers.get("alice"),
            )
        self.bob = build_agent(
            config, "bob", self.input_dim, bob_space, self._agent_loggers.get("bob")
        )

        self.count_bonus = None
        if config.mode == COUNT_BASED:
            obs_dim = (self.input_dim - 2) // 2
            self.count_bonus = CountBonus(
                config.count_alpha, obs_dim, config.count_cell
            )

        self.counters = Counters()
        self.interval = IntervalStats()
        self.rows_written = 0
        self.last_row: dict[str, float] = {}
        self.eval_result: dict[str, float] = {}
        self.next_eval = config.eval_interval or None
        self.elapsed_before = 0.0
        self._pending: list[dict[Phase, list]] = [
            {Phase.ALICE: [], Phase.BOB: []} for _ in range(config.n_envs)
        ]
        self._eval_batch: GameBatch | None = None
        self._resuming = resuming

    # ----------------------------------------------------------------- the loop

    def run(self, progress: ProgressFn | None) -> TrainResult:
        """Train until the budget is used, then save the agents."""
        self._start = time.perf_counter()
        config = self.config
        self.writer = MetricsWriter(self.out_dir / "metrics.csv", append=self._resuming)
        alice_act = self.alice.act if self.alice is not None else None
        record = self._record if config.algo != "reinforce" else None
        try:
            while not budget_reached(config, self.counters):
                finished = self.batch.step(alice_act, self.bob.act, record)
                for index, episode in finished:
                    # Episodes that end in the same step as the last one the budget
                    # allows are left out, so the counts stop exactly at the budget.
                    if budget_reached(config, self.counters):
                        break
                    self._learn(index, episode)
                    self._count(episode)
                if progress is not None:
                    progress(self.counters)
            self._write_row()
        finally:
            self.writer.close()
            self.batch.close()
            if self._eval_batch is not None:
                self._eval_batch.close()

        if self.alice is not None:
            self.alice.save(self.out_dir / agent_file(config, "alice"))
        self.bob.save(self.out_dir / agent_file(config, "bob"))
        shutil.rmtree(self.out_dir / "checkpoint", ignore_errors=True)
        return TrainResult(self.counters, self.last_row, self.out_dir)

    def _record(
        self, index: int, phase: Phase, obs: Any, action: Any, extra: Any
    ) -> None:
        agent = Phase.ALICE if phase is Phase.ALICE else Phase.BOB
        self._pending[index][agent].append(extra)

    def _learn(self, index: int, episode: Episode) -> None:
        pending = self._pending[index]
        if self.alice is not None and episode.alice is not None:
            self.alice.add(episode.alice, pending[Phase.ALICE] or None)
        if episode.bob is not None:
            segment = episode.bob
            if self.count_bonus is not None:
                segment = self.count_bonus.apply(segment)
            self.bob.add(segment, pending[Phase.BOB] or None)
        pending[Phase.ALICE] = []
        pending[Phase.BOB] = []

    def _count(self, episode: Episode) -> None:
        self.counters.update(episode.stats)
        self.interval.add(episode.stats)
        if (
            self.next_eval is not None
            and self.counters.target_episodes >= self.next_eval
        ):
            self.eval_result = self.evaluate()
            self.next_eval += self.config.eval_interval
        by_target = self.config.game_config().p_target > 0
        filled = (
            self.interval.target_episodes
            if by_target
            else self.interval.selfplay_episodes
        )
        if filled >= self.config.log_interval:
            self._write_row()
            interval = self.config.checkpoint_interval
            if interval and self.rows_written % interval == 0:
                self.save_checkpoint()

    # ------------------------------------------------------------------ metrics

    def _write_row(self) -> None:
        if self.interval.target_episodes + self.interval.selfplay_episodes == 0:
            return
        counters = self.counters
        row = {
            "target_episodes": counters.target_episodes,
            "selfplay_episodes": counters.selfplay_episodes,
            "env_steps": counters.env_steps,
            "target_steps": counters.target_steps,
            **self.interval.summary(),
            **self.eval_result,
            "wall_time": self.elapsed_before + time.perf_counter() - self._start,
        }
        self.writer.write(row)
        for key, value in row.items():
            self.run_logger.record(f"selfplay/{key}", value)
        self.run_logger.dump(step=counters.env_steps)
        self.rows_written += 1
        self.last_row = row
        self.interval.clear()

    def evaluate(self) -> dict[str, float]:
        """Play fresh target-task episodes with Bob, learning paused.

        Returns:
            The mean return and success rate, as the ``eval_*`` metrics columns.
        """
        config = self.config
        if self._eval_batch is None:
            self._eval_batch = self._make_eval_batch()
        else:
            self._eval_batch.restart()

        def act(observations: np.ndarray) -> np.ndarray:
            return self.bob.predict(
                observations, deterministic=config.eval_deterministic
            )

        # Each game counts its own next episodes, up to a quota. Counting the first
        # episodes to end over all games would favour short ones, which on most
        # tasks are the successes.
        n_games = len(self._eval_batch)
        quotas = [
            config.eval_episodes // n_games + (i < config.eval_episodes % n_games)
            for i in range(n_games)
        ]
        results: list[list] = [[] for _ in range(n_games)]
        while any(len(r) < q for r, q in zip(results, quotas, strict=True)):
            for index, episode in self._eval_batch.step(None, act):
                if len(results[index]) < quotas[index]:
                    results[index].append(episode.stats)
        stats = [s for game_stats in results for s in game_stats]
        return {
            "eval_target_reward": float(np.mean([s.bob_reward for s in stats])),
            "eval_target_success": float(np.mean([s.target_success for s in stats])),
        }

    def _make_eval_batch(self) -> GameBatch:
        config = self.config
        eval_config = dataclasses.replace(
            config.game_config(), mode=TARGET_ONLY, p_target=1.0
        )
        games = []
        for index in range(min(config.n_envs, config.eval_episodes)):
            env = make_game_env(config.env_id, config.env_kwargs)
            game = SelfPlayGame(env, eval_config)
            game.reset(seed=_game_seed(config, index, offset=50_000))
            games.append(game)
        return GameBatch(games)

    def restore_eval_rng(self, states: list[dict]) -> None:
        """Rebuild the evaluation games with the random states of a checkpoint."""
        self._eval_batch = self._make_eval_batch()
        self._eval_batch.restart(states)

    # -------------------------------------------------------------- checkpoints

    def save_checkpoint(self) -> None:
        """Write ``checkpoint/`` so that :func:`resume` can continue from here."""
        save_checkpoint(self)

    def elapsed(self) -> float:
        """Seconds of training so far, over all sessions of this run."""
        return self.elapsed_before + time.perf_counter() - self._start


def _agent_spaces(config: TrainConfig) -> tuple[int, gym.Space, gym.Space]:
    env = make_game_env(config.env_id, config.env_kwargs)
    try:
        game = SelfPlayGame(env, config.game_config())
        return game.input_dim, game.alice_action_space, game.bob_action_space
    finally:
        env.close()


def train(
    config: TrainConfig, out_dir: str | Path, progress: ProgressFn | None = None
) -> TrainResult:
    """Train Alice and Bob with the settings of ``config`` and write the run directory.

    Args:
        config: The run's settings; resolved here against the environment's defaults.
        out_dir: The run directory; created if missing, and expected to be empty.
        progress: Called with the counters after every step of the games.

    Returns:
        The final counters and the last metrics row.
    """
    config = config.resolved()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    config.to_json(out_dir / "config.json")
    torch.manual_seed(config.seed)
    trainer = Trainer(config, out_dir)
    return trainer.run(progress)


def resume(
    out_dir: str | Path,
    progress: ProgressFn | None = None,
    target_episodes: int | None = None,
    env_steps: int | None = None,
) -> TrainResult:
    """Continue an interrupted run from its last checkpoint.

    Args:
        out_dir: The run directory of the interrupted run.
        progress: As in :func:`train`.
        target_episodes: A new target-episode budget, if given.
        env_steps: A new environment-step budget, if given.

    Raises:
        FileNotFoundError: If the directory has no ``config.json`` or no checkpoint.
        ValueError: If a new budget is invalid, or the run has reached its budget.
    """
    out_dir = Path(out_dir)
    config, state = check_resume(out_dir, target_episodes, env_steps)
    config.to_json(out_dir / "config.json")
    log_rows = {"run": state["rows_written"]}
    for name, agent_state in state["agent_states"].items():
        log_rows[name] = agent_state["updates"]
    trainer = Trainer(config, out_dir, log_rows=log_rows)
    load_checkpoint(trainer, state)
    return trainer.run(progress)


def check_resume(
    out_dir: Path, target_episodes: int | None = None, env_steps: int | None = None
) -> tuple[TrainConfig, dict]:
    """Return the configuration a resumed run will use, and its checkpoint state.

    A budget that is given replaces the run's own; the other stays.

    Raises:
        FileNotFoundError: If the directory has no ``config.json`` or no checkpoint.
        ValueError: If a new budget is invalid, or the run has reached its budget.
    """
    config = TrainConfig.from_json(out_dir / "config.json")
    state = read_checkpoint_state(out_dir)
    counters = Counters(**state["counters"])
    budget = {}
    if target_episodes is not None:
        budget["target_episodes"] = target_episodes
    if env_steps is not None:
        budget["env_steps"] = env_steps
    config = dataclasses.replace(config, **budget)
    config.validate()
    if budget_reached(config, counters):
        raise ValueError(
            f"the run already has {counters.target_episodes} target episodes and "
            f"{counters.env_steps} env steps, which reaches its budget "
            f"(target_episodes={config.target_episodes}, env_steps={config.env_steps});"
            " give a larger --target-episodes or --env-steps"
        )
    return config, state
