"""Count-based exploration, a baseline of Sukhbaatar et al. (ICLR 2018).

Bob's reward on each target-task step gains ``alpha / sqrt(N(s'))``, where ``s'`` is
the state the step led to and ``N`` counts the visits to its hashed observation over
the whole run, this visit included. Observations are hashed exactly, or per cell of
width ``cell`` in every entry for continuous observations.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np

from selfplay.game import Segment


class CountBonus:
    """Visit counts over hashed observations, and the bonus they give.

    Args:
        alpha: Scale of the bonus, in reward units.
        obs_dim: Length of the environment's flat observation, the first part of
            Bob's input vector.
        cell: Width of a counting cell in every observation entry; None counts exact
            observations.
    """

    def __init__(self, alpha: float, obs_dim: int, cell: float | None = None) -> None:
        self.alpha = alpha
        self.obs_dim = obs_dim
        self.cell = cell
        self.counts: Counter[bytes] = Counter()

    def key(self, observation: np.ndarray) -> bytes:
        """Return the hash key of one environment observation."""
        if self.cell is None:
            return np.ascontiguousarray(observation, dtype=np.float32).tobytes()
        return np.floor(observation / self.cell).astype(np.int64).tobytes()

    def apply(self, segment: Segment) -> Segment:
        """Count the states a target-task segment visited and add their bonuses.

        Returns:
            A copy of ``segment`` whose rewards include the bonus.
        """
        inputs = np.concatenate(
            [segment.observations[1:], segment.final_observation[None]]
        )
        next_states = inputs[:, : self.obs_dim]
        bonus = np.empty(len(next_states), dtype=np.float32)
        for t, state in enumerate(next_states):
            key = self.key(state)
            self.counts[key] += 1
            bonus[t] = self.alpha / np.sqrt(self.counts[key])
        return dataclasses.replace(segment, rewards=segment.rewards + bonus)

    def state_dict(self) -> dict:
        """Return the counts, for checkpoints."""
        return {"counts": dict(self.counts)}

    def load_state_dict(self, state: dict) -> None:
        """Restore counts from :meth:`state_dict`."""
        self.counts = Counter(state["counts"])
