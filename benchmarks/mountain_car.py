"""Compare repeat-mode self-play with target-only training on sparse Mountain Car.

For each learner (TRPO and PPO), each mode (``repeat`` and ``target-only``) and each
seed, the script trains Alice and Bob with :func:`selfplay.train.train` on one fixed
budget, then plays fresh target-task episodes with the saved Bob (``bob.zip``),
learning off. It prints Bob's final target success per (learner, mode): the mean
over seeds with a 95% bootstrap interval (:func:`selfplay.plots.bootstrap_mean_band`).
It writes every run under ``--out``, a ``results.csv`` with one row per run, and the
episode-efficiency plot ``efficiency.png``.

The budget is either ``--target-episodes`` or ``--env-steps``. With the Mountain Car
default p_target of 0.01, a target-episode budget gives self-play about a hundred
self-play episodes per target episode, so the env-step budget is the fairer one when
every environment step costs the same. Sukhbaatar et al. (ICLR 2018) count target
episodes only.

NOTE: the trainer counts an episode's steps when the episode ends, so a run can
overshoot ``--env-steps`` by up to ``n_envs * t_max`` steps (8000 with the defaults).
The table reports the steps each run used.

Run it as a script::

    python benchmarks/mountain_car.py --seeds 5 --env-steps 2000000 --out runs/mc
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import dataclasses
import math
import os
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Final

import numpy as np
import torch
from tqdm import tqdm

import selfplay  # noqa: F401  (registers the environments)
from selfplay.config import TrainConfig
from selfplay.game import TARGET_ONLY, SelfPlayGame
from selfplay.learners.sb3 import algo_class
from selfplay.plots import bootstrap_mean_band, load_runs, plot_efficiency
from selfplay.rollout import GameBatch
from selfplay.train import make_game_env, train

ENV_IDS: Final = (
    "SelfPlay/MountainCarSparse-v0",
    "SelfPlay/MountainCarSparseContinuous-v0",
)
ALGOS: Final = ("trpo", "ppo")
MODES: Final = ("repeat", "target-only")
EVAL_SEED_OFFSET: Final = 900_000
"""Added to the evaluation games' seeds, so that they differ from training's."""


@dataclasses.dataclass(frozen=True)
class RunResult:
    """One trained run and Bob's evaluation on fresh target-task episodes."""

    algo: str
    mode: str
    seed: int
    eval_success: float
    eval_return: float
    eval_episodes: int
    target_episodes: int
    env_steps: int
    wall_s: float


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env", default=ENV_IDS[0], choices=ENV_IDS, help="environment id"
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds per (algo, mode)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write")

    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument(
        "--target-episodes", type=int, help="budget: target-task episodes per run"
    )
    budget.add_argument(
        "--env-steps",
        type=int,
        help="budget: environment steps per run, self-play steps included",
    )

    parser.add_argument(
        "--eval-episodes",
        type=int,
        default=100,
        help="fresh target-task episodes that evaluate each run's final Bob",
    )
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="evaluate with Bob's most likely action instead of sampling",
    )
    parser.add_argument(
        "--n-envs", type=int, default=16, help="games stepped in lockstep per run"
    )
    parser.add_argument(
        "--log-interval",
        type=int,
        default=10,
        help="target-task episodes per metrics row (for the plot)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="runs trained in parallel processes (default: the number of CPUs)",
    )

    args = parser.parse_args(argv)
    counts = ("seeds", "target_episodes", "env_steps", "eval_episodes", "n_envs")
    for name in (*counts, "log_interval", "workers"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive, got {value}")
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"--out {str(args.out)!r} is not empty; choose a new directory")
    return args


def run_configs(args: argparse.Namespace) -> list[TrainConfig]:
    """Return one configuration per (algo, mode, seed).

    Settings not given here come from the environment's entry in
    :mod:`selfplay.defaults` and SB3's own defaults.
    """
    return [
        TrainConfig(
            env_id=args.env,
            mode=mode,
            seed=seed,
            algo=algo,
            target_episodes=args.target_episodes,
            env_steps=args.env_steps,
            n_envs=args.n_envs,
            log_interval=args.log_interval,
            log_formats=["csv"],
            checkpoint_interval=0,
        )
        for algo in ALGOS
        for mode in MODES
        for seed in range(args.seeds)
    ]


def run_dir(out: Path, config: TrainConfig) -> Path:
    """Return the directory of one run: ``OUT/ALGO/MODE/seedN``."""
    return out / str(config.algo) / config.mode / f"seed{config.seed}"


def train_and_evaluate(
    config: TrainConfig, directory: Path, eval_episodes: int, deterministic: bool
) -> RunResult:
    """Train one run in this process, then evaluate its saved Bob."""
    # Small networks run fastest on one thread, and the runs share the cores.
    torch.set_num_threads(1)
    start = time.perf_counter()
    result = train(config, directory)
    resolved = TrainConfig.from_json(directory / "config.json")
    success, mean_return, played = evaluate_bob(
        resolved, directory, eval_episodes, deterministic
    )
    return RunResult(
        algo=str(config.algo),
        mode=config.mode,
        seed=config.seed,
        eval_success=success,
        eval_return=mean_return,
        eval_episodes=played,
        target_episodes=result.counters.target_episodes,
        env_steps=result.counters.env_steps,
        wall_s=time.perf_counter() - start,
    )


def evaluate_bob(
    config: TrainConfig, directory: Path, episodes: int, deterministic: bool
) -> tuple[float, float, int]:
    """Play fresh target-task episodes with the run's ``bob.zip``.

    Bob's inputs are laid out by :class:`selfplay.game.SelfPlayGame`, as in training.
    Each of the ``n`` games counts only its first ``ceil(episodes / n)`` episodes,
    because counting the first episodes to end across games would favour
    successes, which end early.

    Returns:
        The success rate, the mean return and the number of episodes played (at
        least ``episodes``).
    """
    model = algo_class(str(config.algo)).load(directory / "bob.zip", device="cpu")
    rules = dataclasses.replace(config.game_config(), mode=TARGET_ONLY, p_target=1.0)
    n_games = min(config.n_envs, episodes)
    quota = math.ceil(episodes / n_games)
    games = []
    for index in range(n_games):
        game = SelfPlayGame(make_game_env(config.env_id, config.env_kwargs), rules)
        game.reset(seed=EVAL_SEED_OFFSET + config.seed * n_games + index)
        games.append(game)
    batch = GameBatch(games)

    def act(observations: np.ndarray) -> np.ndarray:
        return model.predict(observations, deterministic=deterministic)[0]

    finished: list[list] = [[] for _ in range(n_games)]
    while min(len(stats) for stats in finished) < quota:
        for index, episode in batch.step(None, act):
            if len(finished[index]) < quota:
                finished[index].append(episode.stats)
    batch.close()
    stats = [s for per_game in finished for s in per_game]
    success = float(np.mean([s.target_success for s in stats]))
    mean_return = float(np.mean([s.bob_reward for s in stats]))
    return success, mean_return, len(stats)


def run_all(args: argparse.Namespace, configs: list[TrainConfig]) -> list[RunResult]:
    """Train and evaluate every configuration in parallel processes."""
    directories = [run_dir(args.out, config) for config in configs]
    for directory in directories:
        directory.mkdir(parents=True)
    results = []
    workers = min(args.workers, len(configs))
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(
                train_and_evaluate,
                config,
                directory,
                args.eval_episodes,
                args.deterministic,
            )
            for config, directory in zip(configs, directories, strict=True)
        ]
        with tqdm(total=len(futures), unit=" runs", dynamic_ncols=True) as bar:
            for future in concurrent.futures.as_completed(futures):
                result = future.result()
                results.append(result)
                bar.write(
                    f"{result.algo} {result.mode} seed {result.seed}: eval success "
                    f"{result.eval_success:.2f} after {result.target_episodes} "
                    f"target episodes, {result.env_steps} env steps, "
                    f"{result.wall_s:.0f} s"
                )
                bar.update()
    return sorted(results, key=lambda r: (ALGOS.index(r.algo), r.mode, r.seed))


def write_results(results: list[RunResult], path: Path) -> None:
    fields = [field.name for field in dataclasses.fields(RunResult)]
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        for result in results:
            writer.writerow(dataclasses.asdict(result))


def print_table(results: list[RunResult]) -> None:
    """Print Bob's final target success per (algo, mode) with a bootstrap interval."""
    header = (
        f"{'algo':<5} {'mode':<12} {'seeds':>5} {'success':>8} {'95% CI':>14} "
        f"{'target episodes':>16} {'env steps':>11} {'run s':>6}"
    )
    print(header)
    for algo in ALGOS:
        for mode in MODES:
            group = [r for r in results if r.algo == algo and r.mode == mode]
            if not group:
                continue
            values = np.array([[r.eval_success] for r in group])  # (seeds, 1)
            band = bootstrap_mean_band(values)
            interval = f"[{band.low[0]:.2f}, {band.high[0]:.2f}]"
            episodes = np.mean([r.target_episodes for r in group])
            steps = np.mean([r.env_steps for r in group])
            wall = np.mean([r.wall_s for r in group])
            print(
                f"{algo:<5} {mode:<12} {len(group):>5} {band.mean[0]:>8.2f} "
                f"{interval:>14} {episodes:>16.0f} {steps:>11.0f} {wall:>6.0f}"
            )


def describe_machine() -> str:
    processor = platform.processor() or platform.machine()
    return (
        f"machine: {platform.platform()}, {processor}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}, torch {torch.__version__}"
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    command = shlex.join([sys.executable, *sys.argv] if argv is None else argv)
    print(describe_machine())
    print(f"command: {command}")
    if args.env_steps is not None:
        budget = f"{args.env_steps} environment steps per run, self-play included"
    else:
        budget = f"{args.target_episodes} target-task episodes per run"
    print(
        f"{args.env}: {len(ALGOS)} learners x {len(MODES)} modes x {args.seeds} "
        f"seeds, budget {budget}; Bob evaluated on {args.eval_episodes} fresh "
        f"target-task episodes, {args.workers} workers"
    )

    start = time.perf_counter()
    configs = run_configs(args)
    results = run_all(args, configs)
    elapsed = time.perf_counter() - start

    print()
    print(f"final target success of Bob, mean over seeds ({budget}):")
    print_table(results)
    args.out.mkdir(parents=True, exist_ok=True)
    write_results(results, args.out / "results.csv")
    print(f"total wall time {elapsed:.0f} s")
    print(f"wrote {args.out / 'results.csv'}")
    try:
        runs = load_runs([run_dir(args.out, config) for config in configs])
        print(f"wrote {plot_efficiency(runs, args.out / 'efficiency.png')}")
    except ValueError as error:
        # Short runs with p_target 0.01 can end with no target-task row to plot.
        print(f"no plot written: {error}")


if __name__ == "__main__":
    main()
