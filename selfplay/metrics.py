"""Counters, and the metrics schema that every run writes and ``selfplay plot`` reads.

A run directory's ``metrics.csv`` has one row per logging interval with the columns
in :data:`METRICS_COLUMNS`. Counters are cumulative since the start of the run;
rates and means cover the episodes since the previous row. An empty cell means the
interval had no episode of that kind.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path
from typing import Final

import numpy as np

from selfplay.game import EpisodeStats

METRICS_COLUMNS: Final = (
    "target_episodes",
    "selfplay_episodes",
    "env_steps",
    "target_steps",
    "target_reward",
    "target_success",
    "alice_steps",
    "bob_steps",
    "bob_success",
    "alice_reward",
    "bob_reward",
    "eval_target_reward",
    "eval_target_success",
    "wall_time",
)
"""Columns of ``metrics.csv``:

- ``target_episodes``, ``selfplay_episodes``: episodes of each kind so far.
- ``env_steps``: all decisions so far, self-play (STOP included) and target task.
- ``target_steps``: target-task steps so far.
- ``target_reward``, ``target_success``: mean return and success rate of the target-task
  training episodes in the interval.
- ``alice_steps``, ``alice_reward``: mean ``t_A`` and ``R_A`` over the interval's
  self-play episodes.
- ``bob_steps``, ``bob_reward``, ``bob_success``: mean ``t_B``, mean ``R_B`` and the
  fraction in which Bob reached the target, over the self-play episodes in which
  Bob had a turn (Alice stopped before the budget ran out).
- ``eval_target_reward``, ``eval_target_success``: the latest evaluation on fresh
  target-task episodes with learning paused, where the run evaluates.
- ``wall_time``: seconds since the run started.
"""


@dataclasses.dataclass
class Counters:
    """Cumulative episode and step counts, target task and self-play kept apart."""

    target_episodes: int = 0
    target_steps: int = 0
    selfplay_episodes: int = 0
    alice_steps: int = 0
    bob_steps: int = 0
    """Bob's self-play steps; his target-task steps are in ``target_steps``."""

    @property
    def env_steps(self) -> int:
        """All decisions taken so far, by either agent, in either kind of episode."""
        return self.target_steps + self.alice_steps + self.bob_steps

    def update(self, stats: EpisodeStats) -> None:
        """Count one finished episode."""
        if stats.is_target:
            self.target_episodes += 1
            self.target_steps += stats.env_steps
        else:
            self.selfplay_episodes += 1
            self.alice_steps += stats.alice_steps
            self.bob_steps += stats.env_steps - stats.alice_steps


class IntervalStats:
    """Episode outcomes since the last metrics row."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget the interval's episodes."""
        self._target: list[EpisodeStats] = []
        self._selfplay: list[EpisodeStats] = []

    def add(self, stats: EpisodeStats) -> None:
        """Record one finished episode."""
        (self._target if stats.is_target else self._selfplay).append(stats)

    @property
    def target_episodes(self) -> int:
        """Target-task episodes in the interval."""
        return len(self._target)

    @property
    def selfplay_episodes(self) -> int:
        """Self-play episodes in the interval."""
        return len(self._selfplay)

    def summary(self) -> dict[str, float]:
        """Return the interval's means; NaN where it had no episode of the kind."""
        target, selfplay = self._target, self._selfplay
        # Bob plays only where Alice stopped in time; his columns cover those.
        bob_played = [s for s in selfplay if s.bob_steps > 0]
        return {
            "target_reward": _mean([s.bob_reward for s in target]),
            "target_success": _mean([s.target_success for s in target]),
            "alice_steps": _mean([s.alice_steps for s in selfplay]),
            "bob_steps": _mean([s.bob_steps for s in bob_played]),
            "bob_success": _mean([s.bob_success for s in bob_played]),
            "alice_reward": _mean([s.alice_reward for s in selfplay]),
            "bob_reward": _mean([s.bob_reward for s in bob_played]),
        }


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else math.nan


class MetricsWriter:
    """Appends rows to a ``metrics.csv`` with the columns of :data:`METRICS_COLUMNS`.

    Each row is flushed at once, so an interrupted run keeps every row it logged.

    Args:
        path: The CSV file. It is created with a header unless ``append`` is true
            and it exists.
        append: Continue an existing file (a resumed run).
    """

    def __init__(self, path: str | Path, append: bool = False) -> None:
        self.path = Path(path)
        existing = append and self.path.exists()
        self._file = self.path.open("a" if existing else "w", newline="")
        self._writer = csv.DictWriter(self._file, fieldnames=METRICS_COLUMNS)
        if not existing:
            self._writer.writeheader()
            self._file.flush()

    def write(self, row: dict[str, float]) -> None:
        """Write one row; missing columns and NaN values become empty cells."""
        unknown = set(row) - set(METRICS_COLUMNS)
        if unknown:
            raise KeyError(f"unknown metrics columns: {sorted(unknown)}")
        cells = {}
        for column in METRICS_COLUMNS:
            value = row.get(column, math.nan)
            cells[column] = "" if _is_nan(value) else _format(value)
        self._writer.writerow(cells)
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def _is_nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _format(value: float) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.6g}"


def read_metrics(path: str | Path) -> dict[str, np.ndarray]:
    """Read a ``metrics.csv`` into one float array per column; empty cells are NaN.

    Raises:
        ValueError: If the file lacks a column of :data:`METRICS_COLUMNS`.
    """
    with Path(path).open(newline="") as file:
        reader = csv.DictReader(file)
        missing = [c for c in METRICS_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path} is missing metrics columns {missing}")
        rows = list(reader)
    return {
        column: np.array(
            [float(row[column]) if row[column] != "" else math.nan for row in rows]
        )
        for column in METRICS_COLUMNS
    }
