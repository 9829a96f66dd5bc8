"""Episode-efficiency plots and seed aggregates read from run directories.

Typical use::

    from selfplay.plots import load_runs, plot_efficiency

    runs = load_runs(sorted(Path("runs").glob("*")))
    plot_efficiency(runs, "efficiency.png")

This package reads ``config.json`` and ``metrics.csv`` only and never imports the
training code.
"""

from selfplay.plots.curves import (
    CONFIG_KEYS,
    X_COLUMNS,
    Band,
    Estimate,
    Run,
    align_curves,
    bootstrap_mean_band,
    episodes_to_success,
    first_crossing,
    group_runs,
    interpolate_curve,
    load_run,
    load_runs,
    median_with_ci,
    ratio_of_medians,
    run_curve,
    seed_episodes_to_success,
    smooth_trailing,
)
from selfplay.plots.efficiency import (
    FIGURE_SUFFIXES,
    make_efficiency_figure,
    plot_efficiency,
)

__all__ = [
    "CONFIG_KEYS",
    "FIGURE_SUFFIXES",
    "X_COLUMNS",
    "Band",
    "Estimate",
    "Run",
    "align_curves",
    "bootstrap_mean_band",
    "episodes_to_success",
    "first_crossing",
    "group_runs",
    "interpolate_curve",
    "load_run",
    "load_runs",
    "make_efficiency_figure",
    "median_with_ci",
    "plot_efficiency",
    "ratio_of_medians",
    "run_curve",
    "seed_episodes_to_success",
    "smooth_trailing",
]
