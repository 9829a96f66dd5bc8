"""Sparse Mountain Car: Gymnasium's car physics, +1 at the goal and 0 on other steps."""

from __future__ import annotations

from typing import Any, Final, NamedTuple

import numpy as np
from gymnasium import spaces
from gymnasium.envs.classic_control.continuous_mountain_car import (
    Continuous_MountainCarEnv,
)

from selfplay.envs.protocol import REPEAT, SELFPLAY_OPTION, SelfPlayEnv

FORCES: Final = (-1.0, -0.5, 0.0, 0.5, 1.0)
"""Force of each discrete action, on the continuous car's scale of [-1, 1]."""

GOAL_POSITION: Final = 0.45
"""Goal position of Gymnasium's ``MountainCarContinuous-v0`` (Gymnasium 1.4)."""

TARGET_THRESHOLD: Final = 0.1
"""Default distance on normalized (position, velocity) that counts as reached."""


class MountainCarState(NamedTuple):
    """A snapshot of :class:`MountainCarSparseEnv`: the complete simulator state.

    Position and velocity are NumPy scalars of the dtype of Gymnasium's state array:
    float64 right after ``reset`` and float32 after a step. Restoring them with
    that dtype makes the next steps repeat exactly.
    """

    position: np.floating
    """Position of the car along the x-axis, in [-1.2, 0.6]."""

    velocity: np.floating
    """Velocity of the car, position units per step, in [-0.07, 0.07]."""

    selfplay: bool
    """Whether the episode is a self-play one, which has no goal."""


class MountainCarSparseEnv(Continuous_MountainCarEnv, SelfPlayEnv):
    """Mountain Car with a sparse reward: +1 on reaching the goal, 0 otherwise.

    ## Description

    An underpowered car in a sinusoidal valley must reach the top of the right
    hill. It cannot drive straight up, so it has to swing back and forth to build
    momentum. The physics are those of Gymnasium's ``MountainCarContinuous-v0``:
    this class subclasses ``Continuous_MountainCarEnv`` and calls its ``step``,
    so the force is clipped to [-1, 1] and scaled by a power of 0.0015, gravity
    pulls with ``0.0025 * cos(3 * position)``, and the left wall is inelastic.

    Sukhbaatar et al., "Intrinsic Motivation and Automatic Curricula via
    Asymmetric Self-Play" (ICLR 2018), use a sparse Mountain Car with a horizon of
    500 steps as their first continuous-control task: plain REINFORCE and TRPO
    fail at it, and repeat-mode self-play solves it. They ran rllab's Box2D car
    (goal at cart position 0.6 and an episode end at ``|position| >= 2``, in
    Box2D's units), whose coordinates do not carry over to Gymnasium's. This
    class keeps Gymnasium's coordinates and its goal, 0.45.
    ``goal_position=0.6`` moves the goal to the right wall.

    ## Action Space

    With ``continuous=False`` (``SelfPlay/MountainCarSparse-v0``), ``Discrete(5)``:
    action ``i`` applies the force ``FORCES[i]``, that is -1, -0.5, 0, 0.5 and 1.

    With ``continuous=True`` (``SelfPlay/MountainCarSparseContinuous-v0``),
    ``Box(-1, 1, (1,), float32)``: the force. Forces outside [-1, 1] are clipped,
    as in Gymnasium.

    ## Observation Space

    ``Box([-1.2, -0.07], [0.6, 0.07], (2,), float32)``, Gymnasium's bounds:

    | index | observation | min | max | unit |
    |---|---|---|---|---|
    | 0 | position of the car along the x-axis | -1.2 | 0.6 | position |
    | 1 | velocity of the car | -0.07 | 0.07 | position per step |

    ## Rewards

    +1 on the step that reaches the goal and 0 on every other step, whatever the
    action. Gymnasium's action cost of ``-0.1 * action ** 2`` and its goal bonus of
    100 are not used. Self-play steps always give 0.

    ## Starting State

    Gymnasium's start: the position is drawn uniformly from [-0.6, -0.4] and the
    velocity is 0. rllab's car instead starts at a fixed position with a random
    velocity. Gymnasium's start is the default because it keeps the target task
    equal to ``MountainCarContinuous-v0`` apart from the reward, and because
    rllab's velocity range is in Box2D units.
    ``max_start_speed`` adds a random start velocity in the style of rllab. As in
    Gymnasium, ``reset(options={"low": ..., "high": ...})`` changes the range of
    the start position.

    ## Episode End

    A target-task episode terminates on the first step that ends with the
    position at ``goal_position`` or beyond and a velocity of at least 0, which
    is Gymnasium's test with its ``goal_velocity`` of 0. A car that arrives from
    the left always has a positive velocity there. Both registered ids truncate
    after 500 steps. A self-play episode never terminates.

    The info of every target-task step contains ``"is_success"``: True on the
    step that reaches the goal and False on every other step. The info of a
    self-play step is empty.

    ## Arguments

    - ``continuous``: whether the action is the force itself (default False, the
      five forces of :data:`FORCES`).
    - ``goal_position``: position that ends the target task, in (-1.2, 0.6]
      (default 0.45, :data:`GOAL_POSITION`).
    - ``max_start_speed``: start velocity drawn uniformly from
      ``[-max_start_speed, max_start_speed]``, at most 0.07 (default 0).
    - ``target_threshold``: Bob's success distance, see Self-play (default 0.1,
      :data:`TARGET_THRESHOLD`).
    - ``render_mode``: ``None``, ``"human"`` or ``"rgb_array"``, drawn by
      Gymnasium's renderer, which needs pygame.

    ## Self-play

    - Modes: ``"repeat"`` only, the mode that Sukhbaatar et al. use for this task.
      Reverse mode needs every change to be undoable by the agent, and no action
      undoes a push: while the car moved, gravity acted, so a push the other way
      does not return the car to its earlier state.
    - STOP: :attr:`stop_action` is None, so the engine gives Alice one extra
      action. In the discrete version Alice has ``Discrete(6)`` and action 5 is
      STOP. In the continuous version Alice has ``Box(-1, 1, (2,))``: entry 0 is
      the force and entry 1 a STOP output, where a value above 0 means STOP.
      The authors' Lua code gives Alice two action heads, five forces and a
      two-way STOP. Here they are one flat Box or Discrete action, because
      Stable-Baselines3's PPO and A2C and sb3-contrib's TRPO accept neither
      Tuple nor Dict action spaces.
    - Bob is compared on (position, velocity), each scaled by the observation
      bounds to [0, 1] (:meth:`target_features`). He has reached the target when
      the Euclidean distance is below ``target_threshold``. The authors' Lua
      code defaults to 0.1 on raw rllab values, and its README's Mountain Car
      command passes 0.2. On the normalized scale, 0.1 is 0.18 in position and
      0.014 in velocity, a tenth of each range.
    - ``reset(options={"selfplay": True})`` starts from the target task's start
      distribution, without a goal.
    - Snapshots are :class:`MountainCarState` tuples.

    ## Version History

    - v0: initial version.
    """

    selfplay_modes = (REPEAT,)
    stop_action = None

    def __init__(
        self,
        continuous: bool = False,
        goal_position: float = GOAL_POSITION,
        max_start_speed: float = 0.0,
        target_threshold: float = TARGET_THRESHOLD,
        render_mode: str | None = None,
    ) -> None:
        """Create a sparse Mountain Car.

        Args:
            continuous: Whether the action is the force itself, or one of
                :data:`FORCES`.
            goal_position: Position that ends the target task, in (-1.2, 0.6].
            max_start_speed: Bound of the uniform start velocity, in [0, 0.07].
            target_threshold: Bob's success distance on normalized features,
                positive.
            render_mode: ``None``, ``"human"`` or ``"rgb_array"``.

        Raises:
            ValueError: If an argument is outside its range.
        """
        super().__init__(render_mode=render_mode)
        self._check_arguments(goal_position, max_start_speed, target_threshold)
        self.continuous = bool(continuous)
        self.goal_position = float(goal_position)
        self.max_start_speed = float(max_start_speed)
        self.target_threshold = float(target_threshold)
        if not self.continuous:
            self.action_space = spaces.Discrete(len(FORCES))

        self._feature_low = self.observation_space.low.astype(np.float64)
        self._feature_range = self.observation_space.high - self._feature_low
        self._selfplay = False

    def _check_arguments(
        self, goal_position: float, max_start_speed: float, target_threshold: float
    ) -> None:
        if not self.min_position < goal_position <= self.max_position:
            raise ValueError(
                f"invalid goal_position {goal_position}, expected a position in "
                f"({self.min_position}, {self.max_position}]"
            )
        if not 0.0 <= max_start_speed <= self.max_speed:
            raise ValueError(
                f"invalid max_start_speed {max_start_speed}, expected a speed in "
                f"[0, {self.max_speed}]"
            )
        if not target_threshold > 0.0:
            raise ValueError(
                f"invalid target_threshold {target_threshold}, expected a positive "
                "distance"
            )
        modes = self.metadata["render_modes"]
        if self.render_mode is not None and self.render_mode not in modes:
            raise ValueError(
                f"invalid render_mode {self.render_mode!r}, expected None or one of "
                f"{', '.join(modes)}"
            )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a target-task episode, or a self-play one with ``{"selfplay": True}``.

        Args:
            seed: Seed for ``self.np_random``.
            options: ``{"selfplay": True}`` selects the self-play start. Gymnasium's
                ``"low"`` and ``"high"`` set the range of the start position.

        Returns:
            The first observation and an empty info dict.
        """
        super().reset(seed=seed, options=options)
        self._selfplay = bool(options and options.get(SELFPLAY_OPTION, False))
        # Drawn after Gymnasium's position, so that the default start consumes the
        # same random numbers as Gymnasium's own reset.
        if self.max_start_speed > 0.0:
            speed = self.max_start_speed
            self.state[1] = self.np_random.uniform(low=-speed, high=speed)
        return np.array(self.state, dtype=np.float32), {}

    def step(
        self, action: int | np.ndarray
    ) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Apply one force with Gymnasium's physics.

        Returns:
            The observation, reward, terminated, truncated and info. The info is a
            new dict on every step: ``{"is_success": bool}`` in the target task and
            empty in self-play.

        Raises:
            ValueError: If a discrete action is not in 0..4, or a continuous one
                does not hold exactly one force.
        """
        state, _, at_goal, _, _ = super().step(self._force(action))
        # Gymnasium returns its state array itself, so a copy keeps callers from
        # changing the simulator through the observation.
        observation = state.copy()
        if self._selfplay:
            return observation, 0.0, False, False, {}
        reward = 1.0 if at_goal else 0.0
        return observation, reward, at_goal, False, {"is_success": at_goal}

    def _force(self, action: int | np.ndarray) -> np.ndarray:
        if self.continuous:
            force = np.asarray(action, dtype=np.float32).reshape(-1)
            if force.size != 1:
                raise ValueError(
                    f"invalid action {action!r}, expected one force of shape (1,)"
                )
            return force
        index = int(action)
        if not 0 <= index < len(FORCES):
            raise ValueError(
                f"invalid action {action!r}, expected an integer in "
                f"0..{len(FORCES) - 1}, one per force in {FORCES}"
            )
        return np.array([FORCES[index]], dtype=np.float32)

    def snapshot(self) -> MountainCarState:
        """Return position, velocity and episode kind as a :class:`MountainCarState`."""
        position, velocity = self.state
        return MountainCarState(position, velocity, self._selfplay)

    def restore(self, snapshot: MountainCarState) -> np.ndarray:
        """Set the car to ``snapshot`` and return the observation there.

        Raises:
            ValueError: If the position or velocity lies outside Gymnasium's bounds.
        """
        position, velocity, selfplay = snapshot
        # The float32 bounds, because a float32 state clipped to 0.07 is above the
        # float 0.07.
        low, high = self.observation_space.low, self.observation_space.high
        if not low[0] <= position <= high[0]:
            raise ValueError(
                f"invalid snapshot: position {position} is outside "
                f"[{self.min_position}, {self.max_position}]"
            )
        if not low[1] <= velocity <= high[1]:
            raise ValueError(
                f"invalid snapshot: velocity {velocity} is outside "
                f"[{-self.max_speed}, {self.max_speed}]"
            )
        # np.array keeps the dtype of NumPy scalars, which the next step computes in.
        self.state = np.array([position, velocity])
        self._selfplay = bool(selfplay)
        return np.array(self.state, dtype=np.float32)

    def target_features(self) -> np.ndarray:
        """Return (position, velocity) scaled to [0, 1], float64 of shape ``(2,)``."""
        return (np.asarray(self.state, dtype=np.float64) - self._feature_low) / (
            self._feature_range
        )

    def target_reached(self, features: np.ndarray, target: np.ndarray) -> bool:
        """Return whether ``features`` lie within ``target_threshold`` of ``target``."""
        distance = np.linalg.norm(np.asarray(features) - np.asarray(target))
        return bool(distance < self.target_threshold)
