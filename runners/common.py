"""Checks and helpers shared by the ``selfplay`` subcommands."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import gymnasium as gym
import torch
from tqdm import tqdm

from selfplay.agents import alice_learns, build_agent
from selfplay.config import TrainConfig
from selfplay.game import SelfPlayGame
from selfplay.metrics import Counters
from selfplay.train import TrainResult, check_resume, make_game_env, train
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
        except Exception as error:  # noqa: BLE001  the user's module may raise anything
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

    Builds the environment, the game and both agents once, so that every value
    they reject is reported before anything is written.

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
        resolved.check_budget()
    except ValueError as error:
        raise UsageError(str(error)) from None
    try:
        env = make_game_env(resolved.env_id, resolved.env_kwargs)
    except (TypeError, ValueError) as error:
        raise UsageError(
            f"cannot make {config.env_id!r} with env kwargs {resolved.env_kwargs}: "
            f"{error}"
        ) from None
    try:
        game = SelfPlayGame(env, resolved.game_config())
        if alice_learns(resolved):
            build_agent(resolved, "alice", game.input_dim, game.alice_action_space)
        build_agent(resolved, "bob", game.input_dim, game.bob_action_space)
    except (TypeError, ValueError) as error:
        raise UsageError(
            f"mode {resolved.mode!r} with algo {resolved.algo!r} on "
            f"{config.env_id!r}: {error}"
        ) from None
    finally:
        env.close()
    return resolved


RUN_FILES = frozenset(
    {
        "config.json",
        "metrics.csv",
        "alice.pt",
        "bob.pt",
        "alice.zip",
        "bob.zip",
        "progress.csv",
        "progress.json",
        "log.txt",
        "sb3",
        "checkpoint",
        "checkpoint.new",
        "checkpoint.old",
    }
)
"""Names that ``selfplay train`` writes in a run directory, besides TensorBoard's
``events.out.tfevents.*`` files."""


def foreign_entries(run_dir: Path) -> list[str]:
    """Return the names in ``run_dir`` that ``selfplay train`` would not write."""
    return sorted(
        entry.name
        for entry in run_dir.iterdir()
        if entry.name not in RUN_FILES
        and not entry.name.startswith("events.out.tfevents.")
    )


def check_replaceable(run_dir: Path) -> None:
    """Raise :class:`UsageError` unless ``run_dir`` contains an earlier run alone."""
    config = run_dir / "config.json"
    try:
        TrainConfig.from_json(config)
    except (OSError, ValueError, TypeError):
        raise UsageError(
            f"{str(run_dir)!r} contains no readable config.json of a run, so it is "
            "not a run directory; --force replaces run directories only"
        ) from None
    foreign = foreign_entries(run_dir)
    if foreign:
        raise UsageError(
            f"{str(run_dir)!r} also contains {', '.join(foreign)}, which selfplay did "
            "not write; move them away or choose another directory"
        )


def remove_run_files(run_dir: Path) -> None:
    """Delete what ``selfplay train`` wrote in ``run_dir``, keeping the directory."""
    for entry in run_dir.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def prepare_out_dir(out: Path, force: bool) -> None:
    """Create an empty run directory at ``out``.

    An existing non-empty directory is emptied only with ``force``, and only if it
    contains an earlier run and nothing that ``selfplay train`` does not write, so
    ``--force`` cannot delete a user's own files.

    Raises:
        UsageError: If ``out`` is a file, or a non-empty directory that may not be
            replaced, or cannot be created.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise UsageError(
                f"--out {str(out)!r} is not empty; pass --force to replace the run "
                "there, or choose another directory"
            )
        check_replaceable(out)
        remove_run_files(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create --out {str(out)!r}: {error}") from None


def check_resumable(
    run_dir: Path, target_episodes: int | None = None, env_steps: int | None = None
) -> TrainConfig:
    """Return the configuration with which an interrupted run will continue.

    Raises:
        UsageError: If ``run_dir`` is missing, has no checkpoint, or has reached
            its budget, or a new budget is invalid.
    """
    if not run_dir.is_dir():
        raise UsageError(f"--resume {str(run_dir)!r}: directory not found")
    if not (run_dir / "config.json").is_file():
        raise UsageError(f"--resume {str(run_dir)!r} has no config.json")
    try:
        config, _ = check_resume(run_dir, target_episodes, env_steps)
    except FileNotFoundError:
        raise UsageError(
            f"--resume {str(run_dir)!r} has no checkpoint: the run finished, stopped "
            "before its first metrics row, or ran with --checkpoint-interval 0"
        ) from None
    except ValueError as error:
        raise UsageError(f"--resume {str(run_dir)!r}: {error}") from None
    return config


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
