"""Learning curves over seeds: loading runs, a common x grid, bootstrap bands.

A run directory contains ``config.json`` and ``metrics.csv`` (columns in
:data:`selfplay.metrics.METRICS_COLUMNS`, one row per logging interval). This module
reads those files only, so it works on finished runs without the training code.

Conventions used throughout:

- A seed's curve is its non-empty rows of one column against a cumulative counter,
  optionally smoothed by a trailing mean over ``smooth`` rows.
- Seeds are put on a common grid by linear interpolation between logged rows. A seed
  has no value (NaN) before its first row or after its last, so nothing is
  extrapolated, and the grid ends at the shortest seed.
- Aggregates over seeds come with percentile bootstrap intervals drawn from
  ``numpy.random.default_rng(seed)``, so the same inputs give the same interval.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple

import numpy as np

from selfplay.metrics import METRICS_COLUMNS, read_metrics

logger = logging.getLogger(__name__)

CONFIG_KEYS: Final = ("env_id", "mode", "seed", "algo")
"""Keys that every run's ``config.json`` must contain."""

X_COLUMNS: Final = ("target_episodes", "env_steps")
"""Cumulative counters that curves can be drawn against."""

MODE_ORDER: Final = ("reverse", "repeat", "target-only", "random-alice", "count-based")
"""Order of groups in legends. Other modes follow in alphabetical order."""

DEFAULT_SMOOTH: Final = 5
"""Rows in the trailing mean that smooths each seed's curve."""

DEFAULT_NUM_POINTS: Final = 200
DEFAULT_N_BOOT: Final = 2000


@dataclasses.dataclass(frozen=True, eq=False)
class Run:
    """One training run read from its directory.

    Attributes:
        path: The run directory.
        config: The parsed ``config.json``.
        metrics: One float array of shape ``(rows,)`` per column of ``metrics.csv``,
            NaN where a cell is empty.
    """

    path: Path
    config: dict[str, Any]
    metrics: dict[str, np.ndarray]

    @property
    def env_id(self) -> str:
        """Gymnasium id of the target-task environment."""
        return str(self.config["env_id"])

    @property
    def mode(self) -> str:
        """Self-play mode, such as ``reverse`` or ``target-only``."""
        return str(self.config["mode"])

    @property
    def algo(self) -> str:
        """Name of the learning algorithm."""
        return str(self.config["algo"])

    @property
    def seed(self) -> int:
        """Random seed of the run."""
        return int(self.config["seed"])


class Band(NamedTuple):
    """Mean over seeds and its bootstrap interval, each of shape ``(points,)``."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A point estimate with the ends of its bootstrap confidence interval."""

    value: float
    low: float
    high: float


def load_run(run_dir: str | Path) -> Run:
    """Read ``config.json`` and ``metrics.csv`` from one run directory.

    Raises:
        FileNotFoundError: If the directory or one of the two files does not exist.
        ValueError: If ``config.json`` is not a JSON object with the keys in
            :data:`CONFIG_KEYS`, or ``metrics.csv`` lacks a column, has a
            non-numeric cell or has no rows.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"run directory {path} does not exist")
    config_path = path / "config.json"
    metrics_path = path / "metrics.csv"
    for required in (config_path, metrics_path):
        if not required.is_file():
            raise FileNotFoundError(
                f"{required} not found; a run directory needs config.json and "
                "metrics.csv, written by the training loop"
            )

    config = _read_config(config_path)
    metrics = _read_metrics_checked(metrics_path)
    return Run(path=path, config=config, metrics=metrics)


def load_runs(run_dirs: Sequence[str | Path]) -> list[Run]:
    """Read several run directories with :func:`load_run`, keeping their order."""
    if not run_dirs:
        raise ValueError("no run directories given")
    return [load_run(run_dir) for run_dir in run_dirs]


def _read_config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(config, dict):
        # The file's content is wrong, not the caller's argument type.
        raise ValueError(  # noqa: TRY004
            f"{path} must contain a JSON object, got {type(config).__name__}"
        )
    missing = [key for key in CONFIG_KEYS if key not in config]
    if missing:
        raise ValueError(f"{path} is missing config keys {missing}")
    return config


def _read_metrics_checked(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="") as file:
        header = next(csv.reader(file), [])
    missing = [column for column in METRICS_COLUMNS if column not in header]
    if missing:
        raise ValueError(
            f"{path} is missing metrics columns {missing}; "
            f"expected all of {list(METRICS_COLUMNS)}"
        )
    try:
        metrics = read_metrics(path)
    except ValueError as err:
        raise ValueError(f"{path} has a cell that is not a number: {err}") from err
    if len(metrics["target_episodes"]) == 0:
        raise ValueError(f"{path} has a header but no rows; the run logged nothing yet")
    return metrics


def group_runs(
    runs: Sequence[Run], label: Callable[[Run], str] | None = None
) -> dict[str, list[Run]]:
    """Group runs, one group per curve in a plot.

    Args:
        runs: The runs, typically one per seed and configuration.
        label: Maps a run to its group's name. By default the name is the mode,
            with the algorithm added as ``"reverse (ppo)"`` when the runs use several
            algorithms and the env id added as ``"Env-v0: reverse"`` when they use
            several environments.

    Returns:
        Group name to runs, ordered by :data:`MODE_ORDER` and then by name.
    """
    if label is None:
        with_algo = len({run.algo for run in runs}) > 1
        with_env = len({run.env_id for run in runs}) > 1

        def default_label(run: Run) -> str:
            return _default_label(run, with_algo, with_env)

        label = default_label

    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(label(run), []).append(run)
    for name, members in groups.items():
        seeds = [run.seed for run in members]
        if len(set(seeds)) < len(seeds):
            logger.warning("group %r has repeated seeds %s", name, sorted(seeds))

    def order(name: str) -> tuple[int, str]:
        mode = groups[name][0].mode
        rank = MODE_ORDER.index(mode) if mode in MODE_ORDER else len(MODE_ORDER)
        return rank, name

    return {name: groups[name] for name in sorted(groups, key=order)}


def _default_label(run: Run, with_algo: bool, with_env: bool) -> str:
    label = run.mode
    if with_algo:
        label = f"{label} ({run.algo})"
    if with_env:
        label = f"{run.env_id}: {label}"
    return label


def smooth_trailing(values: np.ndarray, window: int) -> np.ndarray:
    """Average each element with up to ``window - 1`` elements before it.

    The first elements average over the fewer elements available, so the output has
    the input's shape ``(n,)`` and uses no later element.
    """
    if window < 1:
        raise ValueError(f"smoothing window must be at least 1 row, got {window}")
    values = np.asarray(values, dtype=float)
    if window == 1 or values.size == 0:
        return values.copy()
    # Differences of cumulative sums lose precision, enough to put the mean of 0.9
    # and 0.7 below a 0.8 threshold, so each window is summed directly.
    sums = np.convolve(values, np.ones(window))[: values.size]
    counts = np.minimum(np.arange(1, values.size + 1), window)
    return sums / counts


def run_curve(
    run: Run, column: str, x: str = "target_episodes", smooth: int = DEFAULT_SMOOTH
) -> tuple[np.ndarray, np.ndarray]:
    """Return one run's curve: x values and smoothed ``column`` values, shape ``(n,)``.

    Rows where either cell is empty are dropped before smoothing.

    Raises:
        ValueError: If ``x`` is not in :data:`X_COLUMNS`, ``column`` is unknown, or
            the run has no row with both values.
    """
    if x not in X_COLUMNS:
        raise ValueError(f"x must be one of {list(X_COLUMNS)}, got {x!r}")
    if column not in run.metrics:
        raise ValueError(
            f"unknown metrics column {column!r}; use one of {list(METRICS_COLUMNS)}"
        )
    xs, ys = run.metrics[x], run.metrics[column]
    valid = ~(np.isnan(xs) | np.isnan(ys))
    if not valid.any():
        raise ValueError(
            f"{run.path / 'metrics.csv'} has no row with both {x!r} and {column!r}"
        )
    return xs[valid], smooth_trailing(ys[valid], smooth)


def align_curves(
    runs: Sequence[Run],
    column: str,
    x: str = "target_episodes",
    *,
    num_points: int = DEFAULT_NUM_POINTS,
    smooth: int = DEFAULT_SMOOTH,
) -> tuple[np.ndarray, np.ndarray]:
    """Put every run's curve on one x grid by linear interpolation.

    The grid runs from 0 to the smallest last x among the runs. A run's value is NaN
    at grid points before its first logged row.

    Returns:
        The grid, shape ``(num_points,)``, and the values, shape
        ``(len(runs), num_points)``.
    """
    if not runs:
        raise ValueError("no runs to align")
    if num_points < 2:
        raise ValueError(f"num_points must be at least 2, got {num_points}")
    curves = [run_curve(run, column, x, smooth) for run in runs]
    end = min(xs[-1] for xs, _ in curves)
    if end <= 0:
        raise ValueError(f"the shortest run ends at {x}={end}; nothing to plot")

    grid = np.linspace(0.0, end, num_points)
    values = np.stack([interpolate_curve(xs, ys, grid) for xs, ys in curves])
    return grid, values


def interpolate_curve(xs: np.ndarray, ys: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Interpolate ``ys(xs)`` linearly at ``grid``, with NaN outside the logged xs."""
    return np.interp(grid, xs, ys, left=math.nan, right=math.nan)


def bootstrap_mean_band(
    values: np.ndarray,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    confidence: float = 0.95,
    seed: int = 0,
) -> Band:
    """Compute the mean over seeds and its percentile bootstrap interval per point.

    Each bootstrap draw resamples the seeds with replacement, the same seeds at every
    grid point, so one ``(n_boot, seeds)`` matrix of counts serves the whole curve.
    With a single seed every draw equals that seed, so the band is the curve itself.

    Args:
        values: Shape ``(seeds, points)``.
        n_boot: Number of bootstrap draws.
        confidence: Coverage of the interval, such as 0.95.
        seed: Seed of ``numpy.random.default_rng``.

    Returns:
        Mean, low and high, each of shape ``(points,)``. All three are NaN at points
        where any seed has no value.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[0] == 0:
        raise ValueError(f"values must have shape (seeds, points), got {values.shape}")
    _check_bootstrap_args(n_boot, confidence)
    n_seeds, n_points = values.shape
    complete = ~np.isnan(values).any(axis=0)
    mean, low, high = (np.full(n_points, math.nan) for _ in range(3))

    rng = np.random.default_rng(seed)
    # Counts of n_seeds uniform draws with replacement are multinomial.
    counts = rng.multinomial(n_seeds, np.full(n_seeds, 1.0 / n_seeds), size=n_boot)
    draws = counts @ values[:, complete] / n_seeds  # (n_boot, complete points)
    mean[complete] = values[:, complete].mean(axis=0)
    low[complete], high[complete] = _percentile_interval(draws, confidence)
    return Band(mean, low, high)


def _check_bootstrap_args(n_boot: int, confidence: float) -> None:
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")


def _percentile_interval(
    draws: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    # The ends are drawn values, never interpolated, because interpolating between
    # a finite and an infinite draw gives NaN.
    alpha = (1.0 - confidence) / 2.0
    low = np.quantile(draws, alpha, axis=0, method="lower")
    high = np.quantile(draws, 1.0 - alpha, axis=0, method="higher")
    return low, high


def first_crossing(xs: np.ndarray, ys: np.ndarray, threshold: float) -> float:
    """Return the first ``xs[i]`` with ``ys[i] >= threshold``, or ``inf`` if none."""
    reached = np.flatnonzero(np.asarray(ys) >= threshold)
    return float(xs[reached[0]]) if reached.size else math.inf


def episodes_to_success(
    run: Run,
    threshold: float = 0.8,
    column: str = "target_success",
    x: str = "target_episodes",
    smooth: int = DEFAULT_SMOOTH,
) -> float:
    """Return the x of the first logged row where the smoothed curve reaches threshold.

    The crossing is read at logged rows, not interpolated between them. The trailing
    mean uses no later row, so the crossing uses only data seen by then.

    Returns:
        The x value, or ``inf`` if the curve never reaches ``threshold``.
    """
    xs, ys = run_curve(run, column, x, smooth)
    return first_crossing(xs, ys, threshold)


def seed_episodes_to_success(
    runs: Sequence[Run],
    threshold: float = 0.8,
    column: str = "target_success",
    x: str = "target_episodes",
    smooth: int = DEFAULT_SMOOTH,
) -> np.ndarray:
    """Apply :func:`episodes_to_success` to each run.

    Returns:
        One x value per run, shape ``(len(runs),)``, with ``inf`` for runs that never
        reach ``threshold``.
    """
    return np.array(
        [episodes_to_success(run, threshold, column, x, smooth) for run in runs]
    )


def median_with_ci(
    values: Sequence[float] | np.ndarray,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    confidence: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """Compute the median over seeds with a percentile bootstrap interval.

    Seeds that never reach the threshold count as ``inf``, which sorts above every
    finite value. The median is therefore ``inf`` when at least half of the seeds
    fail, and an interval end is ``inf`` when it falls on such a bootstrap median.

    Args:
        values: Per-seed values, shape ``(seeds,)``; ``inf`` allowed, NaN not.
    """
    values = _per_seed(values, "values")
    _check_bootstrap_args(n_boot, confidence)
    medians = _bootstrap_medians(values, n_boot, np.random.default_rng(seed))
    low, high = _percentile_interval(medians, confidence)
    return Estimate(float(np.median(values)), float(low), float(high))


def ratio_of_medians(
    numerator: Sequence[float] | np.ndarray,
    denominator: Sequence[float] | np.ndarray,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    confidence: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """Compute ``median(numerator) / median(denominator)`` with a bootstrap interval.

    The bootstrap is stratified: each draw resamples the seeds of each group
    independently, keeping the group sizes. A ratio of two infinite medians is
    undefined (NaN), and an interval end is NaN if any draw is undefined.

    Args:
        numerator: Per-seed values of one group, shape ``(seeds_a,)``.
        denominator: Per-seed values of the other group, shape ``(seeds_b,)``.
    """
    numerator = _per_seed(numerator, "numerator")
    denominator = _per_seed(denominator, "denominator")
    _check_bootstrap_args(n_boot, confidence)
    rng = np.random.default_rng(seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.median(numerator) / np.median(denominator)
        ratios = _bootstrap_medians(numerator, n_boot, rng) / _bootstrap_medians(
            denominator, n_boot, rng
        )
    if np.isnan(ratios).any():
        logger.warning(
            "%d of %d bootstrap ratios are undefined (both medians infinite)",
            int(np.isnan(ratios).sum()),
            n_boot,
        )
    low, high = _percentile_interval(ratios, confidence)
    return Estimate(float(value), float(low), float(high))


def _per_seed(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence, got shape {values.shape}"
        )
    if np.isnan(values).any():
        raise ValueError(f"{name} contains NaN; use inf for seeds that never succeed")
    return values


def _bootstrap_medians(
    values: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    indices = rng.integers(0, values.size, size=(n_boot, values.size))
    return np.median(values[indices], axis=1)
