"""Learning benchmark: target-task episodes to a success rate, self-play or not.

Trains every (mode, seed) pair on one environment in parallel processes. Then, for
each mode and threshold, it prints the median number of target-task episodes (and
of all environment steps) at which the smoothed training success rate first reaches
the threshold, with a 95% bootstrap confidence interval over seeds. It also prints
the ratio of that median to target-only's, with a stratified bootstrap interval.
A seed that never reaches a threshold counts as infinitely many episodes.

Example, the LightKey benchmark of docs/RESULTS.md::

    python benchmarks/learning.py --env SelfPlay/LightKey-6x6-v0 --light-off-prob 0.5 \\
        --algo reinforce --seeds 5 --target-episodes 10000 --out runs/bench-reinforce
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

MODES = ("reverse", "repeat", "target-only")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="SelfPlay/LightKey-6x6-v0", help="env id")
    parser.add_argument(
        "--light-off-prob", type=float, default=0.5, help="LightKey's p(light off)"
    )
    parser.add_argument("--algo", default="reinforce", help="learner of both agents")
    parser.add_argument("--modes", nargs="+", default=list(MODES), help="game modes")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per mode")
    parser.add_argument(
        "--target-episodes", type=int, default=None, help="target-task episodes per run"
    )
    parser.add_argument(
        "--env-steps", type=int, default=None, help="environment steps per run"
    )
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs="+",
        default=[0.8, 0.5, 0.2],
        help="target success rates to time",
    )
    parser.add_argument(
        "--smooth", type=int, default=5, help="metrics rows in the trailing mean"
    )
    parser.add_argument(
        "--train-args",
        default="{}",
        help="JSON object of further TrainConfig fields, e.g. '{\"n_envs\": 16}'",
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="parallel runs"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for the runs"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse finished runs found under --out"
    )

    args = parser.parse_args(argv)
    if args.target_episodes is None and args.env_steps is None:
        parser.error("give --target-episodes or --env-steps")
    return args


def _run(config_values: dict, directory: str) -> str:
    import torch

    torch.set_num_threads(1)
    from selfplay.config import TrainConfig
    from selfplay.train import train

    train(TrainConfig(**config_values), directory)
    return directory


def run_all(args: argparse.Namespace) -> dict[str, list[Path]]:
    """Train every (mode, seed) run that is not already finished under ``args.out``."""
    extra = json.loads(args.train_args)
    env_kwargs = {}
    if "LightKey" in args.env and "Empty" not in args.env:
        env_kwargs["light_off_prob"] = args.light_off_prob
    jobs = {}
    for mode in args.modes:
        for seed in range(args.seeds):
            directory = args.out / mode / f"seed{seed}"
            finished = (directory / "bob.pt").exists() or (
                directory / "bob.zip"
            ).exists()
            if args.reuse and finished:
                continue
            values = dict(
                env_id=args.env,
                mode=mode,
                seed=seed,
                algo=args.algo,
                target_episodes=args.target_episodes,
                env_steps=args.env_steps,
                env_kwargs=env_kwargs,
                **extra,
            )
            directory.mkdir(parents=True, exist_ok=True)
            jobs[str(directory)] = values

    with concurrent.futures.ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = [pool.submit(_run, values, d) for d, values in jobs.items()]
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            print(f"  finished {future.result()} ({done}/{len(futures)})", flush=True)
    return {
        mode: [args.out / mode / f"seed{s}" for s in range(args.seeds)]
        for mode in args.modes
    }


def _fmt(value: float) -> str:
    return (
        "never"
        if math.isinf(value)
        else ("n/a" if math.isnan(value) else f"{value:.0f}")
    )


def summarize(args: argparse.Namespace, dirs: dict[str, list[Path]]) -> dict:
    """Print the table and return its figures."""
    from selfplay.plots.curves import (
        load_runs,
        median_with_ci,
        ratio_of_medians,
        seed_episodes_to_success,
    )

    runs = {mode: load_runs(paths) for mode, paths in dirs.items()}
    summary: dict = {"thresholds": {}}
    for threshold in args.thresholds:
        rows = {}
        print(
            f"\ntarget success >= {threshold:.0%} (trailing mean of {args.smooth} rows)"
        )
        print(
            f"{'mode':<13} {'target episodes, median [95% CI]':<36} "
            f"{'ratio to target-only [95% CI]':<32} {'env steps, median':<18} reached"
        )
        baseline = None
        if "target-only" in runs:
            baseline = seed_episodes_to_success(
                runs["target-only"], threshold, smooth=args.smooth
            )
        for mode, mode_runs in runs.items():
            episodes = seed_episodes_to_success(
                mode_runs, threshold, smooth=args.smooth
            )
            steps = seed_episodes_to_success(
                mode_runs, threshold, x="env_steps", smooth=args.smooth
            )
            median = median_with_ci(episodes)
            steps_median = median_with_ci(steps)
            ratio = None
            if baseline is not None:
                ratio = ratio_of_medians(episodes, baseline)
            reached = int(np.isfinite(episodes).sum())
            ratio_text = (
                "-"
                if ratio is None
                else f"{ratio.value:.2f} [{ratio.low:.2f}, {ratio.high:.2f}]"
            )
            median_text = (
                f"{_fmt(median.value)} [{_fmt(median.low)}, {_fmt(median.high)}]"
            )
            print(
                f"{mode:<13} {median_text:<36} {ratio_text:<32} "
                f"{_fmt(steps_median.value):<18} {reached}/{len(mode_runs)}"
            )
            rows[mode] = {
                "episodes_per_seed": episodes.tolist(),
                "env_steps_per_seed": steps.tolist(),
                "median": median.value,
                "ci": [median.low, median.high],
                "ratio_to_target_only": None
                if ratio is None
                else [ratio.value, ratio.low, ratio.high],
            }
        summary["thresholds"][str(threshold)] = rows

    print("\nfinal training target success (mean of the last 5 rows), per seed")
    summary["final_success"] = {}
    for mode, mode_runs in runs.items():
        finals = [
            float(np.nanmean(r.metrics["target_success"][-5:])) for r in mode_runs
        ]
        summary["final_success"][mode] = finals
        rounded = [round(f, 3) for f in finals]
        print(f"{mode:<13} mean {np.mean(finals):.3f}  seeds {rounded}")
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print("command: python " + " ".join([sys.argv[0], *(argv or sys.argv[1:])]))
    start = time.perf_counter()
    dirs = run_all(args)
    elapsed = time.perf_counter() - start
    print(f"training took {elapsed:.0f} s with {args.workers} workers")

    summary = summarize(args, dirs)
    from selfplay.plots import load_runs, plot_efficiency

    every = [path for paths in dirs.values() for path in paths]
    plot = plot_efficiency(load_runs(every), args.out / "learning.png")
    summary["elapsed_seconds"] = elapsed
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwrote {plot} and {args.out / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
