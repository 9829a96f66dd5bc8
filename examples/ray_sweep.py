"""Train many (mode, seed) runs as Ray tasks, on one machine or a Ray cluster.

Each task is an ordinary ``selfplay.train.train`` call that writes its own run
directory, so the runs need no coordination; Ray only places them on cores. On a
cluster, start Ray there (``ray start --head`` and ``ray start --address=...``), make
``--out`` a directory that every node can write (a shared file system), and run this
script with ``--address auto``. Then plot the runs with ``selfplay plot``.

Example, on one machine::

    pip install "ray>=2.9"
    python examples/ray_sweep.py --env SelfPlay/Hallway-v0 --seeds 3 \\
        --target-episodes 500 --out runs/ray-hallway
    selfplay plot runs/ray-hallway/*/seed* -o runs/ray-hallway.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import ray


@ray.remote(num_cpus=1)
def train_run(config_values: dict, out_dir: str) -> dict:
    """Train one run in a Ray worker and return its final counts."""
    import torch

    torch.set_num_threads(1)
    from selfplay.config import TrainConfig
    from selfplay.train import train

    result = train(TrainConfig(**config_values), out_dir)
    return {"out_dir": out_dir, "target_episodes": result.counters.target_episodes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="SelfPlay/Hallway-v0", help="env id")
    parser.add_argument(
        "--modes", nargs="+", default=["reverse", "target-only"], help="game modes"
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds per mode")
    parser.add_argument(
        "--target-episodes", type=int, default=500, help="target-task episodes per run"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for the runs"
    )
    parser.add_argument(
        "--address", default=None, help="Ray cluster address; 'auto' joins a cluster"
    )
    args = parser.parse_args(argv)

    ray.init(address=args.address)
    tasks = []
    for mode in args.modes:
        for seed in range(args.seeds):
            directory = args.out / mode / f"seed{seed}"
            directory.mkdir(parents=True, exist_ok=False)
            values = {
                "env_id": args.env,
                "mode": mode,
                "seed": seed,
                "target_episodes": args.target_episodes,
            }
            tasks.append(train_run.remote(values, str(directory)))
    for finished in ray.get(tasks):
        print(f"wrote {finished['out_dir']}: {finished['target_episodes']} target eps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
