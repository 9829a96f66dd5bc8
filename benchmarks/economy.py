"""Economy benchmark: marines at the end against target-task episodes, per mode.

Trains ``SelfPlay/Economy-v0`` with the environment's defaults (REINFORCE and the
StarCraft settings of Sukhbaatar et al., ICLR 2018, in :mod:`selfplay.defaults`) in
self-play (repeat), target-only and count-based mode, one run per (mode, seed), in
parallel processes. It then writes the episode-efficiency plot ``OUT/economy.png``
and prints, per mode, the final target reward (marines at the end of a target-task
episode) with 95% bootstrap confidence intervals over seeds. A seed's final value is
the mean of its last ``--final-rows`` metrics rows, ``--log-interval`` target-task
episodes each. Run it as a script::

    python benchmarks/economy.py --seeds 5 --target-episodes 5000 --out runs/economy
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from selfplay.config import TrainConfig
from selfplay.runners.parallel import train_runs

ENV_ID = "SelfPlay/Economy-v0"
MODES = ("repeat", "target-only", "count-based")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--modes", nargs="+", default=list(MODES), help="game modes to compare"
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds per mode")
    parser.add_argument(
        "--target-episodes",
        type=int,
        default=5000,
        help="target-task episodes per run; self-play episodes are not counted",
    )
    parser.add_argument(
        "--count-cell",
        type=float,
        default=0.05,
        help="count-based mode: width of a counting cell in every observation entry; "
        "the observation's timers make exact states almost never repeat",
    )
    parser.add_argument(
        "--log-interval",
        type=int,
        default=50,
        help="target-task episodes per metrics row",
    )
    parser.add_argument(
        "--final-rows",
        type=int,
        default=5,
        help="last metrics rows averaged into a seed's final target reward",
    )

    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel training processes (default: the number of CPUs)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("runs/economy"), help="output directory"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace earlier runs of these modes"
    )
    args = parser.parse_args(argv)

    for name in ("seeds", "target_episodes", "log_interval", "final_rows", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def run_configs(args: argparse.Namespace) -> list[TrainConfig]:
    """Return one configuration per (mode, seed); unset fields take the defaults."""
    return [
        TrainConfig(
            env_id=ENV_ID,
            mode=mode,
            seed=seed,
            target_episodes=args.target_episodes,
            log_interval=args.log_interval,
            log_formats=["csv"],
            count_cell=args.count_cell,
        )
        for mode in args.modes
        for seed in range(args.seeds)
    ]


def run_dir(out: Path, config: TrainConfig) -> Path:
    """Return the directory of one run: ``OUT/MODE/seedN``."""
    return out / config.mode / f"seed{config.seed}"


def train_all(
    args: argparse.Namespace, configs: list[TrainConfig]
) -> tuple[list[Path], list[float]]:
    """Train every run in parallel processes, with a progress bar.

    Returns:
        The run directories and each run's training time in seconds, in the
        order of ``configs``.
    """
    directories = [run_dir(args.out, config) for config in configs]
    for directory in directories:
        if directory.exists():
            if not args.force:
                sys.exit(
                    f"{directory} exists; pass --force to replace it, or choose "
                    "another --out"
                )
            shutil.rmtree(directory)
        directory.mkdir(parents=True)

    wall_times = train_runs(configs, directories, args.workers)
    return directories, wall_times


def final_rewards(directories: list[Path], final_rows: int) -> dict[str, list[float]]:
    """Return each mode's per-seed final target reward, in marines."""
    from selfplay.plots import load_runs

    rewards: dict[str, list[float]] = {}
    for run in load_runs(directories):
        values = run.metrics["target_reward"]
        values = values[~np.isnan(values)]
        rewards.setdefault(run.mode, []).append(float(values[-final_rows:].mean()))
    return rewards


def print_table(
    rewards: dict[str, list[float]], wall_times: dict[str, list[float]]
) -> None:
    """Print each mode's final target reward over seeds, with 95% bootstrap CIs."""
    from selfplay.plots import bootstrap_mean_band, median_with_ci

    header = (
        f"{'mode':<12} {'seeds':>5}  {'mean marines [95% CI]':<24}"
        f"{'median [95% CI]':<24}{'median run time':>15}"
    )
    print(header)
    for mode, values in rewards.items():
        band = bootstrap_mean_band(np.array(values)[:, None])
        median = median_with_ci(values)
        mean_text = f"{band.mean[0]:.2f} [{band.low[0]:.2f}, {band.high[0]:.2f}]"
        median_text = f"{median.value:.2f} [{median.low:.2f}, {median.high:.2f}]"
        run_time = statistics.median(wall_times[mode])
        print(
            f"{mode:<12} {len(values):>5}  {mean_text:<24}{median_text:<24}"
            f"{run_time:>13.0f} s"
        )


def describe_machine() -> str:
    import torch

    processor = platform.processor() or platform.machine()
    return (
        f"machine: {processor}, {os.cpu_count()} CPUs, {platform.system()}; "
        f"Python {platform.python_version()}, torch {torch.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(describe_machine())
    print("command:", shlex.join([sys.executable, *sys.argv]))
    configs = run_configs(args)
    resolved = configs[0].resolved()
    print(
        f"{ENV_ID}: {len(args.modes)} modes x {args.seeds} seeds, "
        f"{args.target_episodes} target-task episodes per run, {args.workers} "
        f"workers; {resolved.algo}, t_max {resolved.t_max}, p_target "
        f"{resolved.p_target}, batch {resolved.batch_episodes} episodes"
    )

    start = time.perf_counter()
    directories, wall_times = train_all(args, configs)
    elapsed = time.perf_counter() - start

    from selfplay.plots import load_runs, plot_efficiency

    figure = plot_efficiency(load_runs(directories), args.out / "economy.png")
    times_by_mode: dict[str, list[float]] = {}
    for config, wall_time in zip(configs, wall_times, strict=True):
        times_by_mode.setdefault(config.mode, []).append(wall_time)
    print(
        f"final target reward: mean of the last {args.final_rows} rows of "
        f"{args.log_interval} target-task episodes per seed, at "
        f"{args.target_episodes} target-task episodes"
    )
    print_table(final_rewards(directories, args.final_rows), times_by_mode)
    print(f"wall time {elapsed:.0f} s; wrote {figure} and the runs in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
