"""Rules of the economy game: costs, build times, mining, supply and production.

The numbers follow StarCraft: Brood War, as the StarCraft economy task of Sukhbaatar
et al., "Intrinsic Motivation and Automatic Curricula via Asymmetric Self-Play"
(ICLR 2018) played it. One step is 23 game frames, their frame skip, so about 1 s
of game time at the Fastest speed of about 24 frames/s.

- Costs in minerals are those of the paper: worker 50, supply depot 100, barracks 150,
  marine 50.
- Build times are Brood War's in frames divided by 23 and rounded: worker 300 frames
  (13 steps), marine 360 (16), supply depot 600 (26), barracks 1200 (52). Liquipedia's
  Brood War wiki lists the depot at 25 s of Fastest speed and the barracks at 80 s
  of Normal speed (15 frames/s). A GameFAQs Brood War guide lists the worker (SCV)
  at 20 s and the marine at 24 s of Normal speed.
- Mining: a worker brings back 8 minerals per trip, as in Brood War, and a trip takes
  8 steps, so a worker mines 1 mineral per step on average. Liquipedia's Brood War
  wiki gives about 65 minerals per game minute for an SCV, which is about 1.05 per
  step if that minute is at Fastest speed.
- Supply: the command centre provides 10 and each finished depot 8, up to Brood War's
  maximum of 200. Workers and marines take 1 each, counted from the moment their
  training starts, as in the game.

:class:`Economy` is the mutable simulator. :class:`EconomyState` is its complete
state as an immutable tuple, the form that snapshots take.
"""

from __future__ import annotations

from typing import Final, NamedTuple

IDLE, TRAIN_WORKER, BUILD_DEPOT, BUILD_BARRACKS, TRAIN_MARINE, TRAIN_MARINES = range(6)
ACTION_NAMES: Final = (
    "idle",
    "train worker",
    "build supply depot",
    "build barracks",
    "train marine",
    "train marines in every idle barracks",
)

WORKER_COST: Final = 50
DEPOT_COST: Final = 100
BARRACKS_COST: Final = 150
MARINE_COST: Final = 50

WORKER_STEPS: Final = 13
MARINE_STEPS: Final = 16
DEPOT_STEPS: Final = 26
BARRACKS_STEPS: Final = 52

TRIP_MINERALS: Final = 8
TRIP_STEPS: Final = 8

COMMAND_CENTRE_SUPPLY: Final = 10
DEPOT_SUPPLY: Final = 8
MAX_SUPPLY: Final = 200

DEPOT: Final = 0
BARRACKS: Final = 1
"""Kinds of building in :attr:`EconomyState.constructions`."""
_BUILDINGS: Final = {
    DEPOT: (DEPOT_COST, DEPOT_STEPS),
    BARRACKS: (BARRACKS_COST, BARRACKS_STEPS),
}

NOT_TRAINING: Final = 0
"""Ready step of a command centre or barracks that trains nothing. Every real ready
step is at least 1, because training takes at least one step."""


class EconomyState(NamedTuple):
    """The complete state of an :class:`Economy`. Counts are of finished units."""

    clock: int
    """Steps taken since the start."""

    minerals: int

    workers: int
    """Workers, mining or constructing."""

    depots: int

    marines: int

    worker_ready_at: int
    """Step at which the worker in training appears, or :data:`NOT_TRAINING`."""

    barracks: tuple[int, ...]
    """One entry per finished barracks: the step at which its marine in training
    appears, or :data:`NOT_TRAINING`."""

    constructions: tuple[tuple[int, int], ...]
    """``(kind, ready step)`` of each building under construction, in order of
    their orders. Each one occupies one worker until it is ready."""

    mining: tuple[int, ...]
    """Mining workers per delivery slot, :data:`TRIP_STEPS` entries. ``mining[s]``
    workers deliver on every step ``c`` with ``c % TRIP_STEPS == s``."""


class StepReport(NamedTuple):
    """Outcome of one :class:`Economy` step, with amounts in minerals."""

    accepted: int
    """Orders carried out and paid for."""

    rejected: int
    """Orders that could not be carried out and cost nothing."""

    charged: int
    """Minerals paid for the accepted orders."""

    mined: int
    """Minerals delivered by workers at the end of the step."""


def check_state(state: EconomyState) -> None:
    """Check that ``state`` is one the rules can reach.

    Raises:
        ValueError: Naming the first field that is invalid or inconsistent.
    """
    fields = ("clock", "minerals", "workers", "depots", "marines", "worker_ready_at")
    for name in fields:
        value = getattr(state, name)
        if not isinstance(value, int) or value < 0:
            raise ValueError(
                f"invalid state: {name} is {value!r}, expected an int >= 0"
            )
    if len(state.mining) != TRIP_STEPS or min(state.mining) < 0:
        raise ValueError(
            f"invalid state: mining is {state.mining}, expected {TRIP_STEPS} "
            "counts >= 0"
        )
    if sum(state.mining) + len(state.constructions) != state.workers:
        raise ValueError(
            f"invalid state: {sum(state.mining)} mining and "
            f"{len(state.constructions)} constructing workers, but workers is "
            f"{state.workers}"
        )
    kinds = {kind for kind, _ in state.constructions}
    if not kinds <= set(_BUILDINGS):
        raise ValueError(
            f"invalid state: construction kinds {sorted(kinds)}, expected "
            f"{DEPOT} (depot) or {BARRACKS} (barracks)"
        )
    ready = [state.worker_ready_at, *state.barracks] + [
        r for _, r in state.constructions
    ]
    if any(r != NOT_TRAINING and r <= state.clock for r in ready):
        raise ValueError(
            f"invalid state: a ready step in {ready} is not after clock {state.clock}"
        )
    economy = Economy(state)
    if economy.supply_used > economy.supply_cap:
        raise ValueError(
            f"invalid state: supply used {economy.supply_used} exceeds the cap "
            f"{economy.supply_cap}"
        )


class Economy:
    """The economy simulator: one command centre, its workers and buildings.

    Args:
        state: The state to start from; it is not checked here (see
            :func:`check_state`).
    """

    def __init__(self, state: EconomyState) -> None:
        self.clock = state.clock
        self.minerals = state.minerals
        self.workers = state.workers
        self.depots = state.depots
        self.marines = state.marines
        self.worker_ready_at = state.worker_ready_at
        self.barracks = list(state.barracks)
        self.constructions = list(state.constructions)
        self.mining = list(state.mining)
        in_training = sum(r != NOT_TRAINING for r in self.barracks)
        in_training += self.worker_ready_at != NOT_TRAINING
        self.supply_used = self.workers + self.marines + in_training
        """Supply of finished units and of units in training."""

    @property
    def supply_cap(self) -> int:
        """Supply provided by the command centre and the finished depots."""
        return min(COMMAND_CENTRE_SUPPLY + DEPOT_SUPPLY * self.depots, MAX_SUPPLY)

    def state(self) -> EconomyState:
        """Return the current state as an immutable :class:`EconomyState`."""
        return EconomyState(
            clock=self.clock,
            minerals=self.minerals,
            workers=self.workers,
            depots=self.depots,
            marines=self.marines,
            worker_ready_at=self.worker_ready_at,
            barracks=tuple(self.barracks),
            constructions=tuple(self.constructions),
            mining=tuple(self.mining),
        )

    def step(self, action: int) -> StepReport:
        """Carry out the orders of ``action``, then advance the game by one step.

        Orders are paid from the minerals held before the step's mining, so minerals
        delivered during the step can pay only for the next step's orders.

        Raises:
            ValueError: If ``action`` is not one of the six actions.
        """
        minerals_before = self.minerals
        accepted, rejected = self._order(action)
        charged = minerals_before - self.minerals
        mined = self._advance()
        return StepReport(accepted, rejected, charged, mined)

    # ------------------------------------------------------------------- orders

    def _order(self, action: int) -> tuple[int, int]:
        if action == IDLE:
            return 0, 0
        if action == TRAIN_WORKER:
            return (1, 0) if self._train_worker() else (0, 1)
        if action == BUILD_DEPOT:
            return (1, 0) if self._build(DEPOT) else (0, 1)
        if action == BUILD_BARRACKS:
            return (1, 0) if self._build(BARRACKS) else (0, 1)
        if action == TRAIN_MARINE:
            return (1, 0) if self._train_marines(limit=1) else (0, 1)
        if action == TRAIN_MARINES:
            return self._train_marines_everywhere()
        raise ValueError(
            f"invalid action {action!r}, expected an int from 0 to 5: "
            + ", ".join(f"{i} {name}" for i, name in enumerate(ACTION_NAMES))
        )

    def _can_pay(self, cost: int, supply: int) -> bool:
        return self.minerals >= cost and self.supply_used + supply <= self.supply_cap

    def _train_worker(self) -> bool:
        if self.worker_ready_at != NOT_TRAINING or not self._can_pay(WORKER_COST, 1):
            return False
        self.minerals -= WORKER_COST
        self.supply_used += 1
        self.worker_ready_at = self.clock + WORKER_STEPS
        return True

    def _build(self, kind: int) -> bool:
        cost, steps = _BUILDINGS[kind]
        if self.workers == len(self.constructions) or not self._can_pay(cost, 0):
            return False
        self.minerals -= cost
        self._take_builder()
        self.constructions.append((kind, self.clock + steps))
        return True

    def _take_builder(self) -> None:
        # The builder is the mining worker that delivered most recently, so the one
        # whose next delivery is furthest away: slot clock % TRIP_STEPS delivered at
        # this clock, the slot before it one step earlier, and so on.
        for back in range(TRIP_STEPS):
            slot = (self.clock - back) % TRIP_STEPS
            if self.mining[slot]:
                self.mining[slot] -= 1
                return
        raise AssertionError("no mining worker to build with; _build checks for one")

    def _train_marines(self, limit: int) -> int:
        """Start up to ``limit`` marines in idle barracks, oldest barracks first."""
        started = 0
        for index, ready_at in enumerate(self.barracks):
            if started == limit or not self._can_pay(MARINE_COST, 1):
                break
            if ready_at == NOT_TRAINING:
                self.minerals -= MARINE_COST
                self.supply_used += 1
                self.barracks[index] = self.clock + MARINE_STEPS
                started += 1
        return started

    def _train_marines_everywhere(self) -> tuple[int, int]:
        # One order per idle barracks; with none idle the action is one rejected order.
        idle = self.barracks.count(NOT_TRAINING)
        started = self._train_marines(limit=idle)
        return started, max(idle, 1) - started

    # --------------------------------------------------------------------- time

    def _advance(self) -> int:
        clock = self.clock + 1
        self.clock = clock
        slot = clock % TRIP_STEPS
        mined = TRIP_MINERALS * self.mining[slot]
        self.minerals += mined

        # A new or returning worker joins the slot that just delivered, so its first
        # delivery comes one full trip later.
        if self.worker_ready_at == clock:
            self.workers += 1
            self.mining[slot] += 1
            self.worker_ready_at = NOT_TRAINING
        if self.constructions:
            self._finish_constructions(clock, slot)
        for index, ready_at in enumerate(self.barracks):
            if ready_at == clock:
                self.marines += 1
                self.barracks[index] = NOT_TRAINING
        return mined

    def _finish_constructions(self, clock: int, slot: int) -> None:
        remaining = []
        for kind, ready_at in self.constructions:
            if ready_at != clock:
                remaining.append((kind, ready_at))
                continue
            self.mining[slot] += 1
            if kind == DEPOT:
                self.depots += 1
            else:
                self.barracks.append(NOT_TRAINING)
        self.constructions = remaining
