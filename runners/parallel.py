"""Many training runs in parallel processes, with one progress bar over all of them."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from selfplay.config import TrainConfig


def _train_one(config: TrainConfig, directory: Path) -> float:
    # Small networks run fastest on one thread, and the runs share the cores.
    import torch

    torch.set_num_threads(1)
    from selfplay.train import train

    return train(config, directory).last_row["wall_time"]


def completed_target_episodes(directory: Path) -> int:
    """Return the target-task episodes of a run's last metrics row, 0 before one."""
    metrics = directory / "metrics.csv"
    if not metrics.exists():
        return 0
    lines = metrics.read_text().strip().splitlines()
    return int(float(lines[-1].split(",")[0])) if len(lines) > 1 else 0


def train_runs(
    configs: Sequence[TrainConfig], directories: Sequence[Path], workers: int
) -> list[float]:
    """Train each configuration into its directory, ``workers`` runs at a time.

    The progress bar counts target-task episodes over all runs, read from their
    ``metrics.csv`` files, so it needs every run to have a ``target_episodes``
    budget.

    Returns:
        Each run's training time in seconds, in the order of ``configs``.
    """
    total = sum(config.target_episodes for config in configs)
    # spawn: each worker starts clean, without the parent's threads or torch state.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [
            pool.submit(_train_one, config, directory)
            for config, directory in zip(configs, directories, strict=True)
        ]
        with tqdm(total=total, unit=" target episodes", dynamic_ncols=True) as bar:
            while not all(future.done() for future in futures):
                time.sleep(0.5)
                done = sum(completed_target_episodes(d) for d in directories)
                bar.update(min(done, total) - bar.n)
            bar.update(total - bar.n)
        return [future.result() for future in futures]
