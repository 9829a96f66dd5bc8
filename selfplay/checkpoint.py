"""Checkpoints of a training run, for ``selfplay train --resume``.

A checkpoint is the folder ``checkpoint/`` of the run directory:

- ``alice.*`` and ``bob.*``: the agents. REINFORCE files hold weights, optimiser
  state, random state and the pending batch. SB3 files are the models' own ``.zip``
  (weights and optimiser state), with ``*_buffer.npz`` holding the rollout collected
  since the last update;
- ``state.pt``: counters, metrics rows written, the evaluation schedule, and the
  random states of every game, its environment and torch.

It is written to ``checkpoint.new/`` first and then moved into place, so an
interruption while writing leaves the previous checkpoint whole.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from selfplay.agents import agent_file, load_agent
from selfplay.learners.sb3 import SB3Agent
from selfplay.metrics import Counters

if TYPE_CHECKING:
    from selfplay.train import Trainer

CHECKPOINT = "checkpoint"
_BUFFER_FIELDS = (
    "observations",
    "actions",
    "rewards",
    "episode_starts",
    "values",
    "log_probs",
)


def save_checkpoint(trainer: Trainer) -> Path:
    """Write the trainer's state to ``OUT/checkpoint`` and return that path."""
    out = trainer.out_dir
    staging = out / f"{CHECKPOINT}.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()

    agents = {"alice": trainer.alice, "bob": trainer.bob}
    agent_states = {}
    for name, agent in agents.items():
        if agent is None:
            continue
        agent.save(staging / agent_file(trainer.config, name))
        if isinstance(agent, SB3Agent):
            _save_buffer(agent, staging / f"{name}_buffer.npz")
            agent_states[name] = agent.state_dict()

    state = {
        "counters": dataclasses.asdict(trainer.counters),
        "rows_written": trainer.rows_written,
        "last_row": trainer.last_row,
        "eval_result": trainer.eval_result,
        "next_eval": trainer.next_eval,
        "elapsed": trainer.elapsed(),
        "game_rng": trainer.batch.rng_states(),
        "eval_rng": None
        if trainer._eval_batch is None
        else trainer._eval_batch.rng_states(),
        "torch_rng": torch.get_rng_state(),
        "agent_states": agent_states,
        "count_bonus": None
        if trainer.count_bonus is None
        else trainer.count_bonus.state_dict(),
    }
    torch.save(state, staging / "state.pt")

    final = out / CHECKPOINT
    old = out / f"{CHECKPOINT}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def checkpoint_dir(out: Path) -> Path:
    """Return the run's checkpoint folder, or raise FileNotFoundError."""
    for name in (CHECKPOINT, f"{CHECKPOINT}.old"):
        if (out / name / "state.pt").exists():
            return out / name
    raise FileNotFoundError(
        f"no checkpoint in {str(out)!r}: the run finished (its checkpoint is removed "
        "then) or stopped before its first metrics row"
    )


def read_checkpoint_state(out: Path) -> dict[str, Any]:
    """Return the ``state.pt`` of the run's checkpoint, or raise FileNotFoundError."""
    return torch.load(checkpoint_dir(out) / "state.pt", weights_only=False)


def load_checkpoint(trainer: Trainer, state: dict[str, Any] | None = None) -> None:
    """Restore the trainer from ``OUT/checkpoint``, and cut ``metrics.csv`` to match.

    Args:
        trainer: A trainer built from the run's configuration.
        state: The checkpoint's ``state.pt``, if already read.
    """
    folder = checkpoint_dir(trainer.out_dir)
    if state is None:
        state = torch.load(folder / "state.pt", weights_only=False)

    for name in ("alice", "bob"):
        if getattr(trainer, name) is None:
            continue
        agent = load_agent(
            trainer.config,
            folder / agent_file(trainer.config, name),
            state["agent_states"].get(name),
            trainer._agent_loggers.get(name),
        )
        if isinstance(agent, SB3Agent):
            _load_buffer(agent, folder / f"{name}_buffer.npz")
        setattr(trainer, name, agent)

    if state["count_bonus"] is not None:
        trainer.count_bonus.load_state_dict(state["count_bonus"])
    trainer.counters = Counters(**state["counters"])
    trainer.rows_written = state["rows_written"]
    trainer.last_row = state["last_row"]
    trainer.eval_result = state["eval_result"]
    trainer.next_eval = state["next_eval"]
    trainer.elapsed_before = state["elapsed"]
    trainer.batch.restart(state["game_rng"])
    if state["eval_rng"] is not None:
        trainer.restore_eval_rng(state["eval_rng"])
    torch.set_rng_state(state["torch_rng"])
    _truncate_metrics(trainer.out_dir / "metrics.csv", state["rows_written"])


def _save_buffer(agent: SB3Agent, path: Path) -> None:
    buffer = agent.model.rollout_buffer
    arrays: dict[str, Any] = {f: getattr(buffer, f) for f in _BUFFER_FIELDS}
    np.savez(path, pos=buffer.pos, **arrays)


def _load_buffer(agent: SB3Agent, path: Path) -> None:
    buffer = agent.model.rollout_buffer
    with np.load(path) as data:
        for field in _BUFFER_FIELDS:
            getattr(buffer, field)[...] = data[field]
        buffer.pos = int(data["pos"])
    buffer.full = False


def _truncate_metrics(path: Path, rows: int) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[: rows + 1]))
