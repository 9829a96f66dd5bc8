"""The economy game: mine minerals, build a production line and train marines."""

from __future__ import annotations

from typing import Any, ClassVar, Final, NamedTuple

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from selfplay.envs import economy_rules as rules
from selfplay.envs.economy_rules import Economy, EconomyState, StepReport, check_state
from selfplay.envs.protocol import (
    REPEAT,
    SELFPLAY_OPTION,
    SelfPlayEnv,
    check_render_mode,
)

HORIZON: Final = 200
START_MINERALS: Final = 50
START_WORKERS: Final = 4
MINERAL_FEATURE_UNIT: Final = 25
MINERAL_FEATURE_CAP: Final = 40

OBSERVATION_SCALES: Final = (
    ("minerals", 1000.0),
    ("workers", 50.0),
    ("supply depots", 20.0),
    ("barracks", 20.0),
    ("marines", 50.0),
    ("supply used", rules.MAX_SUPPLY),
    ("supply cap", rules.MAX_SUPPLY),
    ("steps until the worker in training appears", rules.WORKER_STEPS),
    ("marines in training", 20.0),
    ("supply depots under construction", 10.0),
    ("barracks under construction", 10.0),
    ("steps left until the horizon", HORIZON),
    *(
        (f"mining workers delivering in {k} steps", 20.0)
        for k in range(1, rules.TRIP_STEPS + 1)
    ),
)
"""Name and divisor of each observation entry, in order. The environment divides
the horizon entry by its own ``horizon`` instead. Entries are clipped to 1."""

HORIZON_ENTRY: Final = 11
"""Index of the steps left until the horizon in the observation."""

BAR_PIXELS: Final = 8
"""Height of one observation entry's bar in an ``"rgb_array"`` frame, in pixels."""
FULL_BAR_PIXELS: Final = 160
"""Length of the bar of an observation entry equal to 1, in pixels."""
BAR_COLOR: Final = (40, 80, 160)
BACKGROUND_COLOR: Final = (230, 230, 230)


class EconomySnapshot(NamedTuple):
    """A snapshot of :class:`EconomyEnv`: the complete simulator state."""

    economy: EconomyState
    horizon_left: int
    """Steps left until a target-task episode ends, or -1 in a self-play episode."""


class EconomyEnv(SelfPlayEnv):
    """A StarCraft-like economy in which the agent trains as many marines as it can.

    ## Description

    The agent owns a command centre and starts with ``start_workers`` workers and
    ``start_minerals`` minerals. Workers mine minerals; the command centre trains
    workers; workers construct supply depots, which raise the supply cap, and
    barracks, which train marines. The target task is to have as many marines as
    possible after ``horizon`` steps. This is the StarCraft economy sub-task of
    Sukhbaatar et al., "Intrinsic Motivation and Automatic Curricula via Asymmetric
    Self-Play" (ICLR 2018), rebuilt as a fast simulation with Brood War's costs and
    timings; :mod:`selfplay.envs.economy_rules` lists the rules and their sources.

    The paper's agent commands up to 10 units individually. Here the agent issues
    macro orders instead, so the unit selection and the credit assignment over
    units are gone. The economic planning remains: when to train workers, when to
    build depots and barracks, and when to spend on marines.

    Left out are walking and the placement of buildings, because a builder starts
    at once. Mining does not slow down when workers crowd the mineral patches: every
    worker mines 8 minerals per 8 steps, however many there are. Gas, other units
    and buildings, further command centres and the opponent are left out too.

    ## Action Space

    ``Discrete(6)``. An order that cannot be carried out is rejected and costs
    nothing.

    | action | order | minerals | supply | steps |
    |---|---|---|---|---|
    | 0 | none (idle) | | | |
    | 1 | train a worker at the command centre | 50 | 1 | 13 |
    | 2 | build a supply depot | 100 | | 26 |
    | 3 | build a barracks | 150 | | 52 |
    | 4 | train a marine in the first idle barracks | 50 | 1 | 16 |
    | 5 | train a marine in every idle barracks | 50 each | 1 each | 16 |

    The command centre trains one worker at a time. A building takes one worker
    off mining until it is finished, so it needs a mining worker to start.
    Each barracks trains one marine at a time. Action 5 gives one order per idle
    barracks, in the order the barracks were finished. The orders are paid in turn
    until the minerals or the free supply run out, so the action starts exactly as
    many marines as can be paid for. An order is paid from the minerals held at the
    start of the step. A unit ordered on the step from clock ``t`` to ``t + 1``
    appears in the observation at clock ``t + duration``. Self-play adds STOP as
    action 6 for Alice.

    ## Observation Space

    ``Box(0, 1, (20,), float32)``: counts and timers, each divided by a fixed
    scale and clipped to 1. :data:`OBSERVATION_SCALES` lists them in order:

    | index | entry | divided by |
    |---|---|---|
    | 0 | minerals | 1000 |
    | 1 | workers (mining or constructing) | 50 |
    | 2, 3 | finished supply depots, finished barracks | 20 |
    | 4 | marines | 50 |
    | 5, 6 | supply used (units in training included), supply cap | 200 |
    | 7 | steps until the worker in training appears | 13 |
    | 8 | marines in training | 20 |
    | 9, 10 | supply depots and barracks under construction | 10 |
    | 11 | steps left until the horizon (0 in self-play) | ``horizon`` |
    | 12 to 19 | mining workers delivering in 1, 2, ..., 8 steps | 20 |

    The remaining steps of buildings under construction and of marines in
    training are not observed, only their counts.

    ## Rewards

    In the target task, the number of marines on the step that reaches the
    horizon and 0 on every other step, so the return is the number of marines at
    the end. Marines still in training do not count. A self-play episode gives 0
    on every step.

    ## Starting State

    Clock 0, ``start_minerals`` minerals (50 by default, as in StarCraft),
    ``start_workers`` workers (4 by default) and nothing built or in training.
    The first delivery of each starting worker comes on a step drawn uniformly
    from 1 to 8. That draw is the only random part of the game, which is
    deterministic after it.

    ## Episode End

    A target-task episode terminates on the step at which the clock reaches
    ``horizon`` (200 by default, about 3 minutes of game time), because the game
    has a fixed length and the observation shows the steps left. Stepping a
    terminated episode raises ``RuntimeError``. ``SelfPlay/Economy-v0`` also
    truncates after 200 steps, the same step. A self-play episode never
    terminates. Train with ``t_max`` equal to ``horizon``: a shorter ``t_max``
    cuts target-task episodes off before their only reward.

    The info of every target-task step contains ``"is_success"``, which is True on
    the terminating step if at least one marine is finished, and False otherwise.
    The measure of the target task is the return, the number of marines; the
    success rate only tells whether an episode produced any. The info of a
    self-play step is empty.

    ## Arguments

    - ``horizon``: length of a target-task episode in steps, at least 1 (default 200).
    - ``start_minerals``: minerals at the start, at least 0 (default 50).
    - ``start_workers``: workers at the start, from 1 to 10 (default 4), since
      the command centre's supply is 10.
    - ``render_mode``: ``None``, ``"ansi"`` or ``"rgb_array"``. ``"ansi"`` renders
      the counts as one line of text. ``"rgb_array"`` draws the observation as a
      bar chart, a uint8 frame of shape ``(160, 160, 3)`` with one horizontal
      8-pixel bar per entry, in order, 160 pixels long for an entry of 1.

    ## Self-play

    - Mode: ``"repeat"`` only. Reverse mode would need every change to be
      undoable, but minerals once spent are gone and buildings and units cannot
      be removed.
    - Bob succeeds when every count in ``(min(minerals // 25, 40), workers,
      barracks, supply depots, marines)`` is at least Alice's, as in the paper;
      :meth:`target_features` returns these five numbers. Units and buildings in
      progress do not count.
    - ``reset(options={"selfplay": True})`` draws from the same start
      distribution as the target task.
    - Snapshots are :class:`EconomySnapshot` tuples, which contain every timer and
      production queue.

    ## Version History

    - v0: initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["ansi", "rgb_array"],
        "render_fps": 4,
    }
    selfplay_modes = (REPEAT,)
    stop_action = None

    def __init__(
        self,
        horizon: int = HORIZON,
        start_minerals: int = START_MINERALS,
        start_workers: int = START_WORKERS,
        render_mode: str | None = None,
    ) -> None:
        """Create the economy.

        Args:
            horizon: Length of a target-task episode, in steps.
            start_minerals: Minerals at the start.
            start_workers: Workers at the start.
            render_mode: ``None``, ``"ansi"`` or ``"rgb_array"``.

        Raises:
            ValueError: If an argument is out of range or ``render_mode`` is unknown.
        """
        if horizon < 1:
            raise ValueError(f"invalid horizon {horizon}, expected at least 1 step")
        if start_minerals < 0:
            raise ValueError(f"invalid start_minerals {start_minerals}, expected >= 0")
        if not 1 <= start_workers <= rules.COMMAND_CENTRE_SUPPLY:
            raise ValueError(
                f"invalid start_workers {start_workers}, expected 1 to "
                f"{rules.COMMAND_CENTRE_SUPPLY}, the command centre's supply"
            )
        check_render_mode(render_mode, self.metadata)
        self.horizon = int(horizon)
        self.start_minerals = int(start_minerals)
        self.start_workers = int(start_workers)
        self.render_mode = render_mode
        self.action_space = spaces.Discrete(len(rules.ACTION_NAMES))
        size = len(OBSERVATION_SCALES)
        self.observation_space = spaces.Box(0.0, 1.0, (size,), np.float32)

        scales = [scale for _, scale in OBSERVATION_SCALES]
        scales[HORIZON_ENTRY] = self.horizon
        self._scales = np.array(scales, dtype=np.float32)
        self._economy = Economy(self._start_state())
        self._horizon_left = -1
        self.last_report = StepReport(0, 0, 0, 0)
        """Outcome of the last step: orders accepted and rejected, minerals charged
        and mined. It is kept out of ``info``, which holds only ``"is_success"`` in
        every ``SelfPlay`` environment."""

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
        first_delivery = self.np_random.integers(
            1, rules.TRIP_STEPS + 1, self.start_workers
        )
        mining = [0] * rules.TRIP_STEPS
        for step in first_delivery:
            mining[int(step) % rules.TRIP_STEPS] += 1
        self._economy = Economy(self._start_state(tuple(mining)))
        self._horizon_left = -1 if selfplay else self.horizon
        self.last_report = StepReport(0, 0, 0, 0)
        return self._observation(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Carry out the orders of ``action`` and advance the game by one step.

        Returns:
            The observation, reward, terminated, truncated and info. The info is a
            new dict on every step: ``{"is_success": bool}`` in the target task and
            empty in self-play.

        Raises:
            ValueError: If ``action`` is not an int from 0 to 5.
            RuntimeError: If the target-task episode has already terminated.
        """
        if self._horizon_left == 0:
            raise RuntimeError(
                f"the target-task episode ended at the horizon of {self.horizon} "
                "steps; call reset() to start a new one"
            )
        self.last_report = self._economy.step(int(action))

        if self._horizon_left < 0:
            return self._observation(), 0.0, False, False, {}
        self._horizon_left -= 1
        terminated = self._horizon_left == 0
        reward = float(self._economy.marines) if terminated else 0.0
        return (
            self._observation(),
            reward,
            terminated,
            False,
            {"is_success": terminated and self._economy.marines > 0},
        )

    def render(self) -> str | np.ndarray | None:
        """Render the economy in ``self.render_mode``.

        Returns:
            One line of text in ``"ansi"`` mode. In ``"rgb_array"`` mode, a new
            uint8 array of shape ``(160, 160, 3)`` drawn as the class docstring's
            Arguments section describes. None, with a warning, when
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
        economy = self._economy
        kinds = [kind for kind, _ in economy.constructions]
        training = sum(r != rules.NOT_TRAINING for r in economy.barracks)
        worker_training = int(economy.worker_ready_at != rules.NOT_TRAINING)
        return (
            f"step {economy.clock}: minerals {economy.minerals}, "
            f"workers {economy.workers} (+{worker_training}, "
            f"{len(kinds)} constructing), "
            f"depots {economy.depots} (+{kinds.count(rules.DEPOT)}), "
            f"barracks {len(economy.barracks)} (+{kinds.count(rules.BARRACKS)}), "
            f"marines {economy.marines} (+{training}), "
            f"supply {economy.supply_used}/{economy.supply_cap}\n"
        )

    def snapshot(self) -> EconomySnapshot:
        """Return the economy's state and the steps left as a snapshot."""
        return EconomySnapshot(self._economy.state(), self._horizon_left)

    def restore(self, snapshot: EconomySnapshot) -> np.ndarray:
        """Set the economy to ``snapshot`` and return the observation there.

        Raises:
            ValueError: If ``snapshot`` is not a state the rules can reach.
        """
        state, horizon_left = snapshot
        check_state(state)
        if not -1 <= horizon_left <= self.horizon:
            raise ValueError(
                f"invalid snapshot: horizon_left is {horizon_left}, expected -1 "
                f"(self-play) or 0 to {self.horizon}"
            )
        self._economy = Economy(state)
        self._horizon_left = int(horizon_left)
        return self._observation()

    def target_features(self) -> np.ndarray:
        """Return ``(min(minerals // 25, 40), workers, barracks, depots, marines)``.

        Returns:
            A new float32 array of shape ``(5,)``.
        """
        economy = self._economy
        mineral_units = min(
            economy.minerals // MINERAL_FEATURE_UNIT, MINERAL_FEATURE_CAP
        )
        counts = (
            mineral_units,
            economy.workers,
            len(economy.barracks),
            economy.depots,
            economy.marines,
        )
        return np.array(counts, dtype=np.float32)

    def target_reached(self, features: np.ndarray, target: np.ndarray) -> bool:
        """Return whether every count in ``features`` is at least the target's."""
        return bool(np.all(features >= target))

    def _start_state(self, mining: tuple[int, ...] | None = None) -> EconomyState:
        if mining is None:
            mining = (self.start_workers,) + (0,) * (rules.TRIP_STEPS - 1)
        return EconomyState(
            clock=0,
            minerals=self.start_minerals,
            workers=self.start_workers,
            depots=0,
            marines=0,
            worker_ready_at=rules.NOT_TRAINING,
            barracks=(),
            constructions=(),
            mining=mining,
        )

    def _observation(self) -> np.ndarray:
        economy = self._economy
        clock = economy.clock
        kinds = [kind for kind, _ in economy.constructions]
        worker_left = 0
        if economy.worker_ready_at != rules.NOT_TRAINING:
            worker_left = economy.worker_ready_at - clock
        mining = economy.mining
        slot = (clock + 1) % rules.TRIP_STEPS
        raw = [
            economy.minerals,
            economy.workers,
            economy.depots,
            len(economy.barracks),
            economy.marines,
            economy.supply_used,
            economy.supply_cap,
            worker_left,
            len(economy.barracks) - economy.barracks.count(rules.NOT_TRAINING),
            kinds.count(rules.DEPOT),
            kinds.count(rules.BARRACKS),
            max(self._horizon_left, 0),
            *mining[slot:],
            *mining[:slot],
        ]
        observation = np.array(raw, dtype=np.float32)
        observation /= self._scales
        np.minimum(observation, 1.0, out=observation)
        return observation

    def _render_frame(self) -> np.ndarray:
        observation = self._observation()
        height = BAR_PIXELS * len(observation)
        frame = np.empty((height, FULL_BAR_PIXELS, 3), dtype=np.uint8)
        frame[:] = BACKGROUND_COLOR
        lengths = np.rint(observation * FULL_BAR_PIXELS).astype(int)
        for row, length in enumerate(lengths):
            # One background pixel above and below each bar keeps neighbours apart.
            top = row * BAR_PIXELS
            frame[top + 1 : top + BAR_PIXELS - 1, :length] = BAR_COLOR
        return frame
