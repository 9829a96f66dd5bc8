"""Checks and helpers shared by the ``selfplay`` subcommands."""

from __future__ import annotations

import dataclasses
import importlib
import shutil
from pathlib import Path

import gymnasium as gym
import torch
from tqdm import tqdm

from selfplay.config import TrainConfig
from selfplay.envs import check_selfplay_env
from selfplay.metrics import Counters
from selfplay.train import TrainResult, make_game_env, train
from selfplay.train import resume as resume_run


class UsageError(Exception):
    """Invalid command-line input; the command exits with status 2."""


def selfplay_env_ids() -> list[str]:
    """Return the registered ids in the ``SelfPlay`` namespace, sorted."""
    return sorted(i for i, spec in gym.registry.items() if spec.namespace == "SelfPlay")


def check_env_id(env_id: str) -> None:
    """Raise :class:`UsageError` unless ``env_id`` (or ``module:id``) can be made."""
    module, _, name = env_id.rpartition(":")
    if module:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise UsageError(
                f"cannot import module {module!r} of env id {env_id!r}: {error}"
            ) from None
    if name not in gym.registry:
        raise UsageError(
            f"unknown env id {env_id!r}; registered self-play ids are "
            f"{', '.join(selfplay_env_ids())} (or use 'module:Id' for your own)"
        )


def check_train_config(config: TrainConfig) -> TrainConfig:
    """Validate ``config`` against its environment and return it resolved.

    Raises:
        UsageError: Naming the invalid value and the valid choices.
    """
    try:
        config.validate()
    except ValueError as error:
        raise UsageError(str(error)) from None
    check_env_id(config.env_id)
    resolved = config.resolved()
    try:
        env = make_game_env(resolved.env_id, resolved.env_kwargs)
    except TypeError as error:
        raise UsageError(
            f"invalid env kwargs {resolved.env_kwargs} for {config.env_id!r}: {error}"
        ) from None
    try:
        mode = resolved.game_config().selfplay_mode
        if mode is not None:
            check_selfplay_env(env, mode)
    except (TypeError, ValueError) as error:
        raise UsageError(
            f"mode {config.mode!r} on {config.env_id!r}: {error}"
        ) from None
    finally:
        env.close()
    return resolved


def prepare_out_dir(out: Path, force: bool) -> None:
    """Create an empty run directory at ``out``.

    An existing non-empty directory is replaced only with ``force``, and only if it
    is an earlier run directory (it holds ``config.json``), so ``--force`` cannot
    empty an unrelated folder.

    Raises:
        UsageError: If ``out`` is a file, or a non-empty directory that may not be
            replaced.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise UsageError(
                f"--out {str(out)!r} is not empty; pass --force to replace the run "
                "there, or choose another directory"
            )
        if not (out / "config.json").exists():
            raise UsageError(
                f"--out {str(out)!r} holds files but no config.json, so it is not a "
                "run directory; --force replaces run directories only"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def check_resumable(run_dir: Path) -> TrainConfig:
    """Return the configuration of an interrupted run that can be resumed.

    Raises:
        UsageError: If ``run_dir`` has no ``config.json`` or no checkpoint.
    """
    config_path = run_dir / "config.json"
    if not config_path.is_file():
        raise UsageError(f"--resume {str(run_dir)!r} has no config.json")
    if not any(
        (run_dir / name / "state.pt").exists()
        for name in ("checkpoint", "checkpoint.old")
    ):
        raise UsageError(
            f"--resume {str(run_dir)!r} has no checkpoint: the run finished, or it "
            "stopped before its first metrics row"
        )
    return check_train_config(TrainConfig.from_json(config_path))


def run_training(
    config: TrainConfig,
    out: Path,
    show_progress: bool,
    resume: bool = False,
    target_episodes: int | None = None,
    env_steps: int | None = None,
) -> TrainResult:
    """Run or resume a training run with a progress bar over its budget.

    Torch uses one thread: the agents' networks are small, so more threads cost more
    in synchronisation than they save, and parallel runs would compete for cores.
    """
    torch.set_num_threads(1)
    if resume and (target_episodes is not None or env_steps is not None):
        config = dataclasses.replace(
            config, target_episodes=target_episodes, env_steps=env_steps
        )
    if config.target_episodes is not None:
        total, unit, key = config.target_episodes, "target episodes", "target_episodes"
    else:
        total, unit, key = config.env_steps, "env steps", "env_steps"
    bar = tqdm(
        total=total,
        unit=" " + unit,
        disable=not show_progress,
        desc=f"{config.mode} seed {config.seed}",
        mininterval=0.5,
        dynamic_ncols=True,
    )

    def progress(counters: Counters) -> None:
        value = min(getattr(counters, key), total)
        if value != bar.n:
            bar.update(value - bar.n)

    try:
        if resume:
            return resume_run(out, progress, target_episodes, env_steps)
        return train(config, out, progress)
    finally:
        bar.close()
