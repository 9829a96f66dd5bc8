"""The long hallway: a chain of cells where the agent must stop on a goal cell."""

from __future__ import annotations

from typing import Any, ClassVar, Final, NamedTuple

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from selfplay.envs import grid
from selfplay.envs.protocol import (
    REPEAT,
    REVERSE,
    SELFPLAY_OPTION,
    SelfPlayEnv,
    check_render_mode,
)

LEFT: Final = 0
RIGHT: Final = 1
STOP: Final = 2

EMPTY_COLOR: Final = np.array((225, 225, 225), dtype=np.uint8)
"""RGB colour of a cell without the goal in ``"rgb_array"`` frames: light grey."""
GOAL_COLOR: Final = np.array((40, 160, 70), dtype=np.uint8)
"""RGB colour of the goal cell: green."""
AGENT_COLOR: Final = np.array((220, 40, 40), dtype=np.uint8)
"""RGB colour of the agent, drawn as a square inside its cell: red."""
EMPTY_COLOR.flags.writeable = False
GOAL_COLOR.flags.writeable = False
AGENT_COLOR.flags.writeable = False


class HallwayState(NamedTuple):
    """A snapshot of :class:`HallwayEnv`: the complete simulator state."""

    position: int
    """Cell of the agent, from 0 to ``length - 1``."""

    goal: int | None
    """Cell of the goal, or ``None`` in a self-play episode."""


class HallwayEnv(SelfPlayEnv):
    """A one-dimensional hallway in which the agent must stop on a goal cell.

    ## Description

    The hallway is a chain of ``length`` cells numbered from 0 to ``length - 1``
    (25 by default). The agent moves one cell left or right per step. The target
    task is to walk to the goal cell and choose stop there. This is the long
    hallway of Sukhbaatar et al., "Intrinsic Motivation and Automatic Curricula via
    Asymmetric Self-Play" (ICLR 2018), where the learners are tabular.

    ## Action Space

    ``Discrete(3)``:

    | action | meaning |
    |---|---|
    | 0 | move left (a move off cell 0 keeps the agent in place) |
    | 1 | move right (a move off the last cell keeps the agent in place) |
    | 2 | stop |

    ## Observation Space

    ``Box(0, 1, (2 * length,), float32)``: a one-hot vector of the agent's cell,
    followed by a one-hot vector of the goal cell. In a self-play episode there is
    no goal, and the second half is all zeros. With ``goal_in_observation=False``
    the second half is always zeros, and the goal is known only through
    :meth:`target_task_goal`.

    ## Rewards

    +1 for choosing stop on the goal cell and 0 for every other step. Stop on
    any other cell is a no-op with reward 0. Self-play episodes always give 0.

    ## Starting State

    The target task starts the agent and the goal on two different cells, each
    drawn uniformly at random.

    ## Episode End

    The episode terminates when the agent chooses stop on the goal cell. A
    self-play episode never terminates. ``SelfPlay/Hallway-v0`` truncates after
    30 steps.

    The info of every target-task step contains ``"is_success"``: True on the
    step that stops on the goal and False on every other step. Stable-Baselines3
    2.9 reads it at episode end for ``rollout/success_rate`` and EvalCallback's
    success rate. The info of a self-play step is empty.

    ## Arguments

    - ``length``: number of cells, at least 2 (default 25).
    - ``render_mode``: ``None``, ``"ansi"`` or ``"rgb_array"``. ``"ansi"``
      renders the hallway as one line of text, with ``A`` the agent, ``G`` the
      goal and ``*`` both. ``"rgb_array"`` renders it as a one-row strip, a uint8
      frame of shape ``(16, 16 * length, 3)`` with a 16-pixel square per cell.
      Cells are light grey and the goal green. The agent is a smaller red square
      inside its cell, so a goal under it stays visible.
    - ``goal_in_observation``: whether the observation shows the goal (default
      True). ``selfplay train`` turns it off and gives Bob the goal as his target
      (:meth:`target_task_goal`), as the paper's tabular hallway does.

    ## Self-play

    - Modes: ``"reverse"`` and ``"repeat"``. Every move can be undone by a move
      in the other direction.
    - Bob is compared on the agent's cell only: :meth:`target_features` returns
      the cell as a 1-D float array, and the target is reached on equality.
    - ``reset(options={"selfplay": True})`` puts the agent on a uniformly random
      cell, with no goal.
    - Snapshots are :class:`HallwayState` tuples.

    ## Version History

    - v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["ansi", "rgb_array"],
        "render_fps": 4,
    }
    selfplay_modes = (REVERSE, REPEAT)
    stop_action = STOP

    def __init__(
        self,
        length: int = 25,
        render_mode: str | None = None,
        goal_in_observation: bool = True,
    ) -> None:
        """Create a hallway.

        Args:
            length: Number of cells, at least 2.
            render_mode: ``None``, ``"ansi"`` or ``"rgb_array"``.
            goal_in_observation: Whether the observation shows the goal cell. The
                self-play trainer turns it off and passes the goal to Bob as his
                target instead (:meth:`target_task_goal`); a plain single-agent
                learner needs it on.

        Raises:
            ValueError: If ``length`` is below 2 or ``render_mode`` is unknown.
        """
        if length < 2:
            raise ValueError(
                f"invalid hallway length {length}, expected at least 2 so that the "
                "agent and the goal can start on different cells"
            )
        check_render_mode(render_mode, self.metadata)
        self.length = int(length)
        self.render_mode = render_mode
        self.goal_in_observation = bool(goal_in_observation)
        self.action_space = spaces.Discrete(3)
        self.observation_space = spaces.Box(0.0, 1.0, (2 * self.length,), np.float32)

        self._position = 0
        self._goal = -1  # -1 when there is no goal
        self._obs = np.zeros(2 * self.length, dtype=np.float32)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a target-task episode, or a self-play one with ``{"selfplay": True}``.

        Args:
            seed: Seed for ``self.np_random``.
            options: ``{"selfplay": True}`` selects the self-play start.

        Returns:
            The first observation and an empty info dict.
        """
        super().reset(seed=seed)
        selfplay = bool(options and options.get(SELFPLAY_OPTION, False))

        if selfplay:
            self._position = int(self.np_random.integers(self.length))
            self._goal = -1
        else:
            # Two distinct cells: draw the goal among the other length - 1 cells.
            self._position = int(self.np_random.integers(self.length))
            offset = int(self.np_random.integers(1, self.length))
            self._goal = (self._position + offset) % self.length

        self._render_observation()
        return self._obs.copy(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Move left, move right or stop.

        Returns:
            The observation, reward, terminated, truncated and info. The info is
            a new dict on every step: ``{"is_success": bool}`` in the target task
            and empty in self-play.

        Raises:
            ValueError: If ``action`` is not 0, 1 or 2.
        """
        action = int(action)
        position = self._position
        reward = 0.0
        terminated = False

        if action == LEFT:
            if position > 0:
                self._move_to(position - 1)
        elif action == RIGHT:
            if position < self.length - 1:
                self._move_to(position + 1)
        elif action == STOP:
            if position == self._goal:
                reward = 1.0
                terminated = True
        else:
            raise ValueError(
                f"invalid action {action}, expected 0 (left), 1 (right) or 2 (stop)"
            )

        if self._goal < 0:
            return self._obs.copy(), reward, terminated, False, {}
        return self._obs.copy(), reward, terminated, False, {"is_success": terminated}

    def render(self) -> str | np.ndarray | None:
        """Render the hallway in ``self.render_mode``.

        Returns:
            One line of text in ``"ansi"`` mode. In ``"rgb_array"`` mode, a new
            uint8 array of shape ``(16, 16 * length, 3)`` drawn as the class
            docstring's Arguments section describes. None, with a warning, when
            ``render_mode`` is None.
        """
        if self.render_mode == "rgb_array":
            return self._render_frame()
        if self.render_mode != "ansi":
            gym.logger.warn(
                "render() returns None because render_mode is None. Create the "
                "environment with render_mode='ansi' to render text or "
                "render_mode='rgb_array' to render an RGB frame."
            )
            return None
        cells = ["."] * self.length
        if self._goal >= 0:
            cells[self._goal] = "G"
        cells[self._position] = "*" if self._position == self._goal else "A"
        return "".join(cells) + "\n"

    def snapshot(self) -> HallwayState:
        """Return the agent's cell and the goal cell as a :class:`HallwayState`."""
        goal = None if self._goal < 0 else self._goal
        return HallwayState(position=self._position, goal=goal)

    def restore(self, snapshot: HallwayState) -> np.ndarray:
        """Set the hallway to ``snapshot`` and return the observation there.

        Raises:
            ValueError: If a cell in ``snapshot`` lies outside the hallway.
        """
        position, goal = snapshot
        for name, cell in (("position", position), ("goal", goal)):
            if cell is not None and not 0 <= cell < self.length:
                raise ValueError(
                    f"invalid snapshot: {name} {cell} is outside the hallway, "
                    f"whose cells run from 0 to {self.length - 1}"
                )
        self._position = int(position)
        self._goal = -1 if goal is None else int(goal)
        self._render_observation()
        return self._obs.copy()

    def target_features(self) -> np.ndarray:
        """Return the agent's cell as a float array of shape ``(1,)``."""
        return np.array([self._position], dtype=np.float32)

    def target_reached(self, features: np.ndarray, target: np.ndarray) -> bool:
        """Return whether the agent's cell equals the target cell."""
        return bool(np.array_equal(features, target))

    def target_task_goal(self) -> np.ndarray | None:
        """Return the self-play observation of standing on the goal, or ``None``.

        In a target-task episode this is a one-hot vector of the goal cell followed
        by zeros, the observation a self-play episode shows with the agent there.
        A self-play episode has no goal and returns ``None``.
        """
        if self._goal < 0:
            return None
        goal = np.zeros(2 * self.length, dtype=np.float32)
        goal[self._goal] = 1.0
        return goal

    def _move_to(self, position: int) -> None:
        self._obs[self._position] = 0.0
        self._obs[position] = 1.0
        self._position = position

    def _render_observation(self) -> None:
        self._obs.fill(0.0)
        self._obs[self._position] = 1.0
        if self._goal >= 0 and self.goal_in_observation:
            self._obs[self.length + self._goal] = 1.0

    def _render_frame(self) -> np.ndarray:
        cell_colors = np.tile(EMPTY_COLOR, (1, self.length, 1))
        if self._goal >= 0:
            cell_colors[0, self._goal] = GOAL_COLOR
        return grid.draw_frame(cell_colors, (0, self._position), AGENT_COLOR)
