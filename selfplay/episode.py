"""One episode's record: each agent's transitions and the episode's counts.

:class:`selfplay.game.SelfPlayGame` fills these in; learners read :class:`Segment`,
and the metrics read :class:`EpisodeStats`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np


@dataclasses.dataclass
class Segment:
    """One agent's transitions in one episode.

    Attributes:
        observations: Agent inputs, shape ``(T, input_dim)``, float32.
        actions: Actions taken, shape ``(T,)`` for discrete spaces or ``(T, d)``.
        rewards: Rewards, shape ``(T,)``, float32.
        terminated: Whether the segment ended in a terminal state.
        truncated: Whether it was cut off by the time budget (learners bootstrap).
        final_observation: The agent's input after its last action, shape
            ``(input_dim,)``, for bootstrapping a truncated segment.
    """

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: bool
    truncated: bool
    final_observation: np.ndarray

    def __len__(self) -> int:
        return len(self.rewards)


@dataclasses.dataclass(frozen=True)
class EpisodeStats:
    """Counts and outcomes of one episode.

    Attributes:
        is_target: Whether it was a target-task episode.
        alice_steps: ``t_A``, STOP included; 0 in target-task episodes.
        bob_steps: ``t_B``: Bob's steps, or ``t_max - t_A`` when he failed; in
            target-task episodes, the episode's length.
        env_steps: Decisions taken in the episode, both agents' and STOPs included.
        bob_success: Whether Bob reached Alice's target (self-play only).
        alice_reward: ``R_A`` (0 in target-task episodes).
        bob_reward: ``R_B`` in self-play; the environment's return in target tasks.
        target_success: Whether a target-task episode succeeded (the environment's
            ``info["is_success"]``, or else its termination).
    """

    is_target: bool
    alice_steps: int
    bob_steps: int
    env_steps: int
    bob_success: bool
    alice_reward: float
    bob_reward: float
    target_success: bool


@dataclasses.dataclass
class Episode:
    """A finished episode: each agent's segment (None if it did not act) and stats."""

    alice: Segment | None
    bob: Segment | None
    stats: EpisodeStats


class SegmentRecorder:
    """Collects one agent's transitions until its part of the episode ends."""

    def __init__(self) -> None:
        self.observations: list[np.ndarray] = []
        self.actions: list[Any] = []
        self.rewards: list[float] = []

    def add(self, observation: np.ndarray, action: Any, reward: float = 0.0) -> None:
        self.observations.append(observation)
        self.actions.append(action)
        self.rewards.append(reward)

    def __len__(self) -> int:
        return len(self.rewards)

    def finish(
        self, final_observation: np.ndarray, terminated: bool, truncated: bool
    ) -> Segment:
        return Segment(
            observations=np.stack(self.observations).astype(np.float32, copy=False),
            actions=np.asarray(self.actions),
            rewards=np.asarray(self.rewards, dtype=np.float32),
            terminated=terminated,
            truncated=truncated,
            final_observation=final_observation,
        )
