"""Small protocol environments with hand-checkable dynamics, for the game's tests."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from selfplay.envs import SelfPlayEnv


class LineEnv(SelfPlayEnv):
    """A walk on cells 0..size-1 that starts at ``start``.

    Actions: 0 left, 1 right, and 2 stop when ``with_stop``. The target task pays -1
    per step and ends (terminated, success) on reaching cell ``goal``. The cell
    ``trap``, if set, ends every episode when entered.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        size: int = 11,
        start: int = 5,
        goal: int = 8,
        with_stop: bool = True,
        trap: int | None = None,
        modes: tuple[str, ...] = ("reverse", "repeat"),
    ) -> None:
        self.size, self.start, self.goal, self.trap = size, start, goal, trap
        self.selfplay_modes = modes
        self.stop_action = 2 if with_stop else None
        self.action_space = gym.spaces.Discrete(3 if with_stop else 2)
        self.observation_space = gym.spaces.Box(0.0, 1.0, (size,), np.float32)
        self.position = start

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.size, dtype=np.float32)
        obs[self.position] = 1.0
        return obs

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.position = self.start
        return self._obs(), {}

    def step(self, action: Any):
        if action == 0:
            self.position = max(0, self.position - 1)
        elif action == 1:
            self.position = min(self.size - 1, self.position + 1)
        reached = self.position == self.goal
        trapped = self.trap is not None and self.position == self.trap
        info = {"is_success": reached} if reached or trapped else {}
        return self._obs(), -1.0, reached or trapped, False, info

    def snapshot(self) -> int:
        return self.position

    def restore(self, snapshot: int) -> np.ndarray:
        self.position = snapshot
        return self._obs()

    def target_features(self) -> np.ndarray:
        return np.array([self.position], dtype=np.float64)

    def target_reached(self, features: np.ndarray, target: np.ndarray) -> bool:
        return bool(np.array_equal(features, target))


@pytest.fixture
def line_env():
    """A factory for :class:`LineEnv`."""
    return LineEnv
