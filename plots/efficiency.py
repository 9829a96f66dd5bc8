"""Episode-efficiency figure: target-task reward and success over seeds, per group.

The figure has four panels. Rows are target reward and target success, and columns
put them against target-task episodes and against all environment steps. Self-play
costs environment steps but no target-task episodes, so only the second column
charges self-play for its experience.

The figure is built on a :class:`matplotlib.figure.Figure` without pyplot, so it
needs no display and leaves pyplot's global state alone.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from selfplay.plots.curves import (
    DEFAULT_N_BOOT,
    DEFAULT_NUM_POINTS,
    DEFAULT_SMOOTH,
    Run,
    align_curves,
    bootstrap_mean_band,
    group_runs,
)

logger = logging.getLogger(__name__)

FIGURE_SUFFIXES: Final = (".png", ".pdf", ".svg")

METRICS: Final = {
    "train": ("target_reward", "target_success"),
    "eval": ("eval_target_reward", "eval_target_success"),
}
"""Reward and success columns for each ``metric`` option."""

_Y_LABELS: Final = {
    "target_reward": "target reward\n(training episodes)",
    "target_success": "target success rate\n(training episodes)",
    "eval_target_reward": "target reward\n(evaluation, learning paused)",
    "eval_target_success": "target success rate\n(evaluation, learning paused)",
}

_X_AXES: Final = (
    ("target_episodes", "target-task episodes (self-play episodes not counted)"),
    (
        "env_steps",
        (
            "environment steps, self-play included\n"
            "(counting target-task episodes alone flatters self-play)"
        ),
    ),
)


def make_efficiency_figure(
    runs: Sequence[Run],
    *,
    metric: str = "train",
    label: Callable[[Run], str] | None = None,
    smooth: int = DEFAULT_SMOOTH,
    num_points: int = DEFAULT_NUM_POINTS,
    n_boot: int = DEFAULT_N_BOOT,
    confidence: float = 0.95,
    seed: int = 0,
) -> Figure:
    """Draw the 2x2 efficiency figure: mean curve and bootstrap band per group.

    Args:
        runs: Runs to plot, one per seed of each group.
        metric: ``"train"`` for the training episodes' ``target_reward`` and
            ``target_success``, or ``"eval"`` for the evaluation columns.
        label: Maps a run to its group's name; see :func:`group_runs` for the default.
        smooth: Rows in the trailing mean applied to each seed before aggregating.
        num_points: Points on each group's common x grid.
        n_boot: Bootstrap draws for the confidence band.
        confidence: Coverage of the band, such as 0.95.
        seed: Seed of the bootstrap's ``numpy.random.default_rng``.

    Raises:
        ValueError: If ``runs`` is empty, ``metric`` is unknown, or ``metric`` is
            ``"eval"`` and a run has no evaluation values.
    """
    if not runs:
        raise ValueError("no runs to plot")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    if metric == "eval":
        _check_eval_present(runs)

    groups = group_runs(runs, label)
    colors = _group_colors(len(groups))
    figure = Figure(figsize=(12, 8.5), layout="constrained")
    axes = figure.subplots(2, 2, sharex="col", sharey="row", squeeze=False)

    for row, column in enumerate(METRICS[metric]):
        for col, (x, x_label) in enumerate(_X_AXES):
            ax = axes[row, col]
            for (name, members), color in zip(groups.items(), colors, strict=False):
                grid, values = align_curves(
                    members, column, x, num_points=num_points, smooth=smooth
                )
                band = bootstrap_mean_band(
                    values, n_boot=n_boot, confidence=confidence, seed=seed
                )
                ax.plot(
                    grid, band.mean, color=color, label=f"{name} (n={len(members)})"
                )
                ax.fill_between(
                    grid, band.low, band.high, color=color, alpha=0.2, linewidth=0
                )
            # Rows share their y axis, so only the left panel needs its label.
            _style_axes(
                ax,
                column,
                y_label=_Y_LABELS[column] if col == 0 else None,
                x_label=x_label if row == 1 else None,
            )

    axes[0, 0].legend(loc="best", fontsize="small")
    figure.suptitle(_title(runs, groups, confidence, smooth))
    return figure


def plot_efficiency(
    runs: Sequence[Run],
    out_path: str | Path,
    *,
    metric: str = "train",
    label: Callable[[Run], str] | None = None,
    smooth: int = DEFAULT_SMOOTH,
    num_points: int = DEFAULT_NUM_POINTS,
    n_boot: int = DEFAULT_N_BOOT,
    confidence: float = 0.95,
    seed: int = 0,
    dpi: int = 150,
) -> Path:
    """Draw the efficiency figure and save it, replacing ``out_path`` in one step.

    The figure is written to a temporary file in the same directory and renamed, so
    a failure leaves neither a partial file nor the temporary file behind. Parent
    directories are created as needed.

    Args:
        runs: Runs to plot, one per seed of each group.
        out_path: Output file. Its suffix, one of :data:`FIGURE_SUFFIXES`, selects
            the format.
        metric, label, smooth, num_points, n_boot, confidence, seed: As in
            :func:`make_efficiency_figure`.
        dpi: Resolution of raster output, in dots per inch.

    Returns:
        ``out_path`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: If the suffix is not in :data:`FIGURE_SUFFIXES`, or for the
            reasons listed in :func:`make_efficiency_figure`.
    """
    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise ValueError(
            f"unsupported figure suffix {out.suffix!r} in {out}; "
            f"use one of {', '.join(FIGURE_SUFFIXES)}"
        )

    figure = make_efficiency_figure(
        runs,
        metric=metric,
        label=label,
        smooth=smooth,
        num_points=num_points,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    _save_atomically(figure, out, suffix.lstrip("."), dpi)
    logger.info("wrote efficiency figure of %d runs to %s", len(runs), out)
    return out


def _save_atomically(figure: Figure, out: Path, file_format: str, dpi: int) -> None:
    handle, temp_name = tempfile.mkstemp(
        dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"
    )
    os.close(handle)
    try:
        figure.savefig(temp_name, format=file_format, dpi=dpi)
        # mkstemp makes the file private (0600); give it the mode a plain open()
        # would, which is 0666 less the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)
        os.replace(temp_name, out)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _check_eval_present(runs: Sequence[Run]) -> None:
    lacking = [
        str(run.path)
        for run in runs
        if all(np.isnan(run.metrics[column]).all() for column in METRICS["eval"])
    ]
    if lacking:
        raise ValueError(
            f"runs without evaluation values: {lacking}; "
            "plot the training episodes with metric='train'"
        )


def _group_colors(count: int) -> list[tuple[float, float, float, float]]:
    # tab10 keeps the colors distinct up to ten groups; tab20 covers more.
    cmap = colormaps["tab10" if count <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(count)]


def _style_axes(
    ax: Axes, column: str, y_label: str | None, x_label: str | None
) -> None:
    if y_label is not None:
        ax.set_ylabel(y_label)
    if x_label is not None:
        ax.set_xlabel(x_label)
    if column.endswith("success"):
        ax.set_ylim(-0.03, 1.03)
    ax.grid(True, alpha=0.3)


def _title(
    runs: Sequence[Run], groups: dict[str, list[Run]], confidence: float, smooth: int
) -> str:
    env_ids = ", ".join(sorted({run.env_id for run in runs}))
    seeds = ", ".join(f"{name}: {len(members)}" for name, members in groups.items())
    return (
        f"{env_ids}: mean over seeds with {confidence:.0%} bootstrap CI "
        f"(trailing mean over {smooth} rows)\nseeds per group: {seeds}"
    )
