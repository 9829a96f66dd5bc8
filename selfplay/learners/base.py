"""Episode data and the learner interface that the self-play training loop uses.

Learners see only arrays: an agent's observations, its actions and its rewards.
They know nothing about environments, Alice, Bob or the game's accounting.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass
class Trajectory:
    """One agent's part of one episode.

    The arrays are converted to the dtypes below on construction (without a copy
    when they already have them), and their lengths must agree.

    Attributes:
        observations: (T, obs_dim) float32 inputs the agent saw before each action.
        actions: (T,) int64 actions the agent took.
        rewards: (T,) float32 rewards received after each action. In self-play each
            agent's reward sits on its last step and the other entries are 0.
    """

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    def __post_init__(self) -> None:
        self.observations = np.asarray(self.observations, dtype=np.float32)
        self.actions = np.asarray(self.actions, dtype=np.int64)
        self.rewards = np.asarray(self.rewards, dtype=np.float32)

        if self.observations.ndim != 2:
            raise ValueError(
                "Trajectory observations must have shape (T, obs_dim), got "
                f"{self.observations.shape}; stack the per-step observations."
            )
        if self.actions.ndim != 1 or self.rewards.ndim != 1:
            raise ValueError(
                "Trajectory actions and rewards must have shape (T,), got "
                f"{self.actions.shape} and {self.rewards.shape}."
            )
        lengths = (len(self.observations), len(self.actions), len(self.rewards))
        if len(set(lengths)) != 1:
            raise ValueError(
                "Trajectory observations, actions and rewards must have the same "
                f"length T, got {lengths}."
            )

    def __len__(self) -> int:
        return len(self.actions)


def returns_to_go(rewards: np.ndarray) -> np.ndarray:
    """Compute the undiscounted return-to-go of every step of one episode.

    G_t = sum_{k >= t} r_k. The sum runs in float64 so that long episodes do not
    accumulate float32 rounding.

    Args:
        rewards: (T,) rewards of one episode.

    Returns:
        (T,) float32 returns-to-go.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    if rewards.ndim != 1:
        raise ValueError(f"rewards must have shape (T,), got {rewards.shape}.")
    return np.cumsum(rewards[::-1])[::-1].astype(np.float32)


@runtime_checkable
class Learner(Protocol):
    """Interface that the training loop uses to drive an agent's learner."""

    def act(self, observations: np.ndarray, deterministic: bool = False) -> np.ndarray:
        """Choose actions for a batch of observations.

        Args:
            observations: (B, obs_dim) float32.
            deterministic: take the most probable action instead of sampling.

        Returns:
            (B,) int64 actions.
        """
        ...

    def add(self, trajectory: Trajectory) -> dict[str, float] | None:
        """Store one episode and update once a full batch has been stored.

        Returns:
            The update's metrics when this episode completed a batch, else None.
        """
        ...

    def state_dict(self) -> dict:
        """Return everything needed to resume: weights, optimiser, RNG, batch."""
        ...

    def load_state_dict(self, state: dict) -> None:
        """Restore a state returned by `state_dict`."""
        ...

    def save(self, path: str | Path) -> None:
        """Write the state and the configuration needed to rebuild the learner."""
        ...

    @classmethod
    def load(cls, path: str | Path) -> Learner:
        """Rebuild a learner from a file written by `save`."""
        ...
