"""Measure random-action steps per second of the SelfPlay environments and MiniGrid.

Every environment is built with ``gym.make``, so the default wrappers (order
enforcing, the passive environment checker and the time limit) are timed too. Each
environment runs the same loop: random actions, a reset at every episode end. The
environments take turns within each repeat, so a slow spell on a shared machine
hits all of them alike. Run it as a script::

    python benchmarks/env_speed.py --repeats 5 --seconds 2
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

import selfplay  # noqa: F401  (registers the SelfPlay environments)

MINIGRID_ID = "MiniGrid-DoorKey-8x8-v0"
REFERENCE_ID = "SelfPlay/LightKey-v0"
ACTIONS_PER_CHECK = 1000
"""Steps between two looks at the clock."""
PREDRAWN_ACTIONS = 2**16
"""Length of the action sequence that --predrawn-actions repeats."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed runs per environment"
    )
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="length of one timed run, in seconds"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of resets and actions"
    )
    parser.add_argument(
        "--predrawn-actions",
        action="store_true",
        help="draw the random actions before timing instead of calling "
        "env.action_space.sample() on every step, so that only the environment "
        "is timed",
    )
    return parser.parse_args()


def benchmark_ids() -> list[str]:
    """Return the SelfPlay ids, then MiniGrid's DoorKey if minigrid is installed."""
    env_ids = sorted(
        env_id for env_id, spec in gym.registry.items() if spec.namespace == "SelfPlay"
    )
    try:
        import minigrid  # noqa: F401  (registers the MiniGrid environments)
    except ImportError:
        print(
            f"minigrid is not installed, so {MINIGRID_ID} is skipped. Install "
            "it with pip install 'selfplay[bench]'.",
            file=sys.stderr,
        )
    else:
        env_ids.append(MINIGRID_ID)
    return env_ids


def steps_per_second(
    env_id: str, seconds: float, seed: int, predrawn_actions: bool
) -> float:
    """Step ``env_id`` with random actions for about ``seconds`` and return steps/s."""
    env = gym.make(env_id)
    env.reset(seed=seed)
    env.action_space.seed(seed)

    draw_action: Callable[[], Any] = env.action_space.sample
    if predrawn_actions:
        actions = [env.action_space.sample() for _ in range(PREDRAWN_ACTIONS)]
        draw_action = itertools.cycle(actions).__next__

    steps = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(ACTIONS_PER_CHECK):
            _, _, terminated, truncated, _ = env.step(draw_action())
            if terminated or truncated:
                env.reset()
        steps += ACTIONS_PER_CHECK
    elapsed = time.perf_counter() - start
    env.close()
    return steps / elapsed


def describe_machine() -> str:
    processor = platform.processor() or platform.machine()
    return (
        f"machine: {processor}, {os.cpu_count()} CPUs, {platform.system()}; "
        f"Python {platform.python_version()}, gymnasium {gym.__version__}, "
        f"numpy {np.__version__}"
    )


def main() -> None:
    args = parse_args()
    env_ids = benchmark_ids()
    print(describe_machine())
    sampler = "a pre-drawn list" if args.predrawn_actions else "action_space.sample()"
    print(
        f"{args.repeats} runs of {args.seconds:g} s per environment, "
        f"actions from {sampler}"
    )

    rates: dict[str, list[float]] = {env_id: [] for env_id in env_ids}
    for repeat in range(args.repeats):
        for env_id in env_ids:
            seed = args.seed + repeat
            rate = steps_per_second(env_id, args.seconds, seed, args.predrawn_actions)
            rates[env_id].append(rate)

    medians = {env_id: statistics.median(values) for env_id, values in rates.items()}
    width = max(len(env_id) for env_id in env_ids)
    print(f"{'environment':<{width}}  median steps/s  (min - max)")
    for env_id in env_ids:
        low, high = min(rates[env_id]), max(rates[env_id])
        print(
            f"{env_id:<{width}}  {medians[env_id]:>14,.0f}  ({low:,.0f} - {high:,.0f})"
        )
    if MINIGRID_ID in medians:
        ratio = medians[REFERENCE_ID] / medians[MINIGRID_ID]
        print(f"{REFERENCE_ID} / {MINIGRID_ID}: {ratio:.1f}x")


if __name__ == "__main__":
    main()
