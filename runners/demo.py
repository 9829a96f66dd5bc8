"""``selfplay demo``: self-play against target-only on LightKey 6 x 6, then the plot."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from selfplay.config import TrainConfig
from selfplay.runners.common import UsageError, check_replaceable, check_train_config
from selfplay.runners.parallel import train_runs

ENV_ID = "SelfPlay/LightKey-6x6-v0"
MODES = ("repeat", "reverse", "target-only")
SEEDS = 3
TARGET_EPISODES = 8000
# REINFORCE is the project's fastest learner per environment step: about 25,000
# steps/s in one process against about 1,500 for PPO, on the 2-core x86_64 machine
# of docs/RESULTS.md. That budget fits 3 modes x 3 seeds in about 5 minutes there.
ALGO = "reinforce"
PLOT_NAME = "efficiency.png"
DESCRIPTION = (
    f"Train on {ENV_ID} in {', '.join(MODES)} mode with {ALGO}, several seeds each, "
    "in parallel, and write the episode-efficiency plot. Each run's directory is "
    "OUT/MODE/seedN; the plot is OUT/efficiency.png."
)


def demo_configs(seeds: int, target_episodes: int) -> list[TrainConfig]:
    """Return the demo's run configurations, one per mode and seed."""
    return [
        TrainConfig(
            env_id=ENV_ID,
            mode=mode,
            seed=seed,
            algo=ALGO,
            target_episodes=target_episodes,
        )
        for mode in MODES
        for seed in range(seeds)
    ]


def run_dir(out: Path, config: TrainConfig) -> Path:
    """Return the directory of one demo run."""
    return out / config.mode / f"seed{config.seed}"


def run_demo(
    out: Path,
    seeds: int = SEEDS,
    target_episodes: int = TARGET_EPISODES,
    workers: int | None = None,
    force: bool = False,
) -> Path:
    """Train every demo run in parallel processes, then plot them.

    Returns:
        The path of the plot.

    Raises:
        UsageError: If ``out`` contains files and ``force`` is not set, or an argument
            is not positive.
    """
    for name, value in (("seeds", seeds), ("target_episodes", target_episodes)):
        if value < 1:
            raise UsageError(
                f"--{name.replace('_', '-')} must be positive, got {value}"
            )
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be positive, got {workers}")
    configs = [check_train_config(c) for c in demo_configs(seeds, target_episodes)]
    _prepare_demo_dir(out, force)

    workers = workers or os.cpu_count() or 1
    directories = [run_dir(out, c) for c in configs]
    for directory in directories:
        directory.mkdir(parents=True)
    train_runs(configs, directories, workers)

    from selfplay.plots import load_runs, plot_efficiency

    return plot_efficiency(load_runs(directories), out / PLOT_NAME)


def _prepare_demo_dir(out: Path, force: bool) -> None:
    """Create ``out``, or empty an earlier demo there when ``force`` is set.

    Only an earlier demo's layout is removed: ``MODE/seedN`` run directories and the
    plot. Anything else in ``out`` makes the demo stop without deleting a file.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise UsageError(
                f"--out {str(out)!r} is not empty; pass --force to replace the demo "
                "there, or choose another directory"
            )
        runs = _earlier_demo_runs(out)
        for run in runs:
            shutil.rmtree(run)
        for mode in MODES:
            if (out / mode).is_dir():
                (out / mode).rmdir()
        (out / PLOT_NAME).unlink(missing_ok=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create --out {str(out)!r}: {error}") from None


def _earlier_demo_runs(out: Path) -> list[Path]:
    """Return the run directories of an earlier demo in ``out``, checking its layout."""
    runs = []
    for entry in out.iterdir():
        if entry.name == PLOT_NAME and entry.is_file():
            continue
        if entry.name not in MODES or not entry.is_dir():
            raise UsageError(
                f"--out {str(out)!r} contains {entry.name!r}, which is not part of a "
                "demo; --force replaces an earlier demo only"
            )
        for run in entry.iterdir():
            if not run.is_dir() or not run.name.startswith("seed"):
                raise UsageError(
                    f"{str(run)!r} is not a demo run directory; --force replaces an "
                    "earlier demo only"
                )
            check_replaceable(run)
            runs.append(run)
    return runs
