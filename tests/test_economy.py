"""The economy game: timings, costs, supply, rewards, snapshots and order invariants."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import selfplay  # noqa: F401  (registers the environments)
from selfplay.config import TrainConfig
from selfplay.defaults import env_defaults
from selfplay.envs.economy import HORIZON, EconomyEnv, EconomySnapshot
from selfplay.envs.economy_rules import (
    BARRACKS,
    BARRACKS_COST,
    BUILD_BARRACKS,
    BUILD_DEPOT,
    DEPOT,
    DEPOT_COST,
    IDLE,
    MARINE_COST,
    NOT_TRAINING,
    TRAIN_MARINE,
    TRAIN_MARINES,
    TRAIN_WORKER,
    WORKER_COST,
    EconomyState,
)
from selfplay.game import GameConfig, SelfPlayGame
from selfplay.metrics import read_metrics
from selfplay.train import make_game_env, train

torch.set_num_threads(1)

ENV_ID = "SelfPlay/Economy-v0"
STOP = 6
"""Alice's STOP, which the game adds after the six actions."""


def state_with(**changes) -> EconomyState:
    """A clock-0 state of 4 workers, all delivering on steps 8, 16, ..., and 50
    minerals, with ``changes`` applied."""
    base = EconomyState(
        clock=0,
        minerals=50,
        workers=4,
        depots=0,
        marines=0,
        worker_ready_at=NOT_TRAINING,
        barracks=(),
        constructions=(),
        mining=(4, 0, 0, 0, 0, 0, 0, 0),
    )
    return base._replace(**changes)


def env_at(state: EconomyState, in_selfplay: bool = False, **kwargs) -> EconomyEnv:
    env = EconomyEnv(**kwargs)
    env.reset(seed=0, options={"selfplay": in_selfplay})
    horizon_left = -1 if in_selfplay else env.horizon - state.clock
    env.restore(EconomySnapshot(state, horizon_left))
    return env


def economy(env: EconomyEnv) -> EconomyState:
    return env.snapshot().economy


def idle(env: EconomyEnv, steps: int) -> None:
    for _ in range(steps):
        env.step(IDLE)


def supply_used(state: EconomyState) -> int:
    in_training = sum(r != NOT_TRAINING for r in state.barracks)
    in_training += state.worker_ready_at != NOT_TRAINING
    return state.workers + state.marines + in_training


def supply_cap(state: EconomyState) -> int:
    return min(10 + 8 * state.depots, 200)


def scripted_action(state: EconomyState) -> int:
    """A fixed build order: 8 workers, 2 barracks, depots ahead of supply, marines."""
    kinds = [kind for kind, _ in state.constructions]
    if state.workers < 8 and state.worker_ready_at == NOT_TRAINING:
        if state.minerals >= WORKER_COST and supply_used(state) < supply_cap(state):
            return TRAIN_WORKER
    if len(state.barracks) + kinds.count(BARRACKS) < 2:
        return BUILD_BARRACKS if state.minerals >= BARRACKS_COST else IDLE
    free_supply = supply_cap(state) - supply_used(state)
    if free_supply < 3 and DEPOT not in kinds and state.minerals >= DEPOT_COST:
        return BUILD_DEPOT
    return TRAIN_MARINES


def play_script(env: EconomyEnv, steps: int) -> list[tuple]:
    results = []
    for _ in range(steps):
        results.append(env.step(scripted_action(economy(env))))
    return results


# ------------------------------------------------------------------ start and mining


def test_start_counts():
    env = EconomyEnv()
    obs, info = env.reset(seed=0)
    state = economy(env)
    assert info == {}
    assert state.minerals == 50
    assert state.workers == 4
    assert sum(state.mining) == 4
    assert (state.depots, state.marines, state.barracks) == (0, 0, ())
    assert obs[5] * 200 == pytest.approx(4)
    assert obs[6] * 200 == pytest.approx(10)
    assert obs[11] == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_start_workers_deliver_once_in_first_trip(seed):
    env = EconomyEnv()
    env.reset(seed=seed)
    idle(env, 8)
    assert economy(env).minerals == 50 + 4 * 8


def test_mining_delivers_every_eight_steps():
    env = env_at(state_with())
    idle(env, 7)
    assert economy(env).minerals == 50
    env.step(IDLE)
    assert economy(env).minerals == 50 + 32
    idle(env, 8)
    assert economy(env).minerals == 50 + 64
    assert env.last_report.mined == 32


# ----------------------------------------------------------------- timing and costs


@pytest.mark.parametrize("order_clock", [0, 5])
def test_worker_appears_after_13_steps(order_clock):
    env = env_at(state_with(minerals=200))
    idle(env, order_clock)
    env.step(TRAIN_WORKER)
    assert env.last_report.charged == WORKER_COST
    assert supply_used(economy(env)) == 5
    idle(env, 11)
    assert economy(env).clock == order_clock + 12
    assert economy(env).workers == 4
    env.step(IDLE)
    assert economy(env).clock == order_clock + 13
    assert economy(env).workers == 5
    assert supply_used(economy(env)) == 5


def test_worker_charged_once_and_mines_after_a_trip():
    env = env_at(state_with())
    env.step(TRAIN_WORKER)
    assert economy(env).minerals == 0
    idle(env, 12)  # clock 13: the worker appears; the old four delivered at 8
    assert economy(env).minerals == 32
    idle(env, 7)  # clock 20: the old four delivered again at 16
    assert economy(env).minerals == 64
    env.step(IDLE)  # clock 21: the new worker's first delivery, 13 + 8
    assert economy(env).minerals == 72


def test_command_centre_trains_one_worker_at_a_time():
    env = env_at(state_with(minerals=200))
    env.step(TRAIN_WORKER)
    env.step(TRAIN_WORKER)
    assert env.last_report.accepted == 0
    assert env.last_report.rejected == 1
    assert env.last_report.charged == 0
    assert economy(env).minerals == 150


def test_depot_ready_after_26_steps():
    env = env_at(state_with(minerals=100))
    env.step(BUILD_DEPOT)
    state = economy(env)
    assert state.minerals == 0
    assert sum(state.mining) == 3
    assert state.constructions == ((DEPOT, 26),)
    idle(env, 24)
    assert supply_cap(economy(env)) == 10
    env.step(IDLE)
    state = economy(env)
    assert state.clock == 26
    assert state.depots == 1
    assert supply_cap(state) == 18
    assert sum(state.mining) == 4
    # Three miners delivered at 8, 16 and 24; the builder's first trip ends at 34.
    assert state.minerals == 3 * 3 * 8
    idle(env, 8)
    assert economy(env).minerals == 72 + 24 + 8


def test_barracks_ready_after_52_steps():
    env = env_at(state_with(minerals=150))
    env.step(BUILD_BARRACKS)
    idle(env, 50)
    assert economy(env).barracks == ()
    env.step(IDLE)
    assert economy(env).clock == 52
    assert economy(env).barracks == (NOT_TRAINING,)


def test_builder_is_latest_deliverer():
    state = state_with(minerals=100, workers=2, mining=(0, 0, 0, 0, 0, 1, 1, 0))
    env = env_at(state)
    env.step(BUILD_DEPOT)
    # Slot 0 delivered at clock 0 and slot 7 at clock -1; both are empty, so the
    # builder comes from slot 6, which delivered at clock -2.
    assert economy(env).mining == (0, 0, 0, 0, 0, 1, 0, 0)


def test_marine_appears_after_16_steps():
    env = env_at(state_with(barracks=(NOT_TRAINING,)))
    env.step(TRAIN_MARINE)
    assert env.last_report.charged == MARINE_COST
    idle(env, 14)
    assert economy(env).marines == 0
    env.step(IDLE)
    assert economy(env).marines == 1
    assert economy(env).barracks == (NOT_TRAINING,)


def test_building_needs_a_mining_worker():
    env = env_at(state_with(workers=1, mining=(1, 0, 0, 0, 0, 0, 0, 0), minerals=400))
    env.step(BUILD_DEPOT)
    assert env.last_report.accepted == 1
    env.step(BUILD_BARRACKS)
    assert env.last_report.rejected == 1
    assert env.last_report.charged == 0
    assert economy(env).minerals == 300


REJECTED_ORDERS = {
    "worker without minerals": (state_with(minerals=49), TRAIN_WORKER),
    "depot without minerals": (state_with(minerals=99), BUILD_DEPOT),
    "barracks without minerals": (state_with(minerals=149), BUILD_BARRACKS),
    "marine without barracks": (state_with(minerals=500), TRAIN_MARINE),
    "marines without barracks": (state_with(minerals=500), TRAIN_MARINES),
    "marine without minerals": (
        state_with(minerals=49, barracks=(NOT_TRAINING,)),
        TRAIN_MARINE,
    ),
    "marine at supply cap": (
        state_with(minerals=500, marines=6, barracks=(NOT_TRAINING,)),
        TRAIN_MARINE,
    ),
    "worker at supply cap": (state_with(minerals=500, marines=6), TRAIN_WORKER),
}


@pytest.mark.parametrize(
    ("state", "action"), REJECTED_ORDERS.values(), ids=REJECTED_ORDERS
)
def test_rejected_order_costs_nothing(state, action):
    env = env_at(state)
    env.step(action)
    after = economy(env)
    assert env.last_report.accepted == 0
    assert env.last_report.rejected == 1
    assert env.last_report.charged == 0
    assert after.minerals == state.minerals
    assert supply_used(after) == supply_used(state)
    assert after.constructions == ()
    assert after.worker_ready_at == NOT_TRAINING


def test_depot_lifts_supply_block():
    env = env_at(state_with(minerals=500, marines=6, barracks=(NOT_TRAINING,)))
    env.step(BUILD_DEPOT)
    env.step(TRAIN_MARINE)
    assert env.last_report.accepted == 0
    idle(env, 24)
    env.step(TRAIN_MARINE)
    assert env.last_report.accepted == 1
    assert supply_used(economy(env)) == 11


# (minerals, barracks ready steps, marines) -> (started, rejected)
MARINE_ORDERS = {
    "two idle, minerals for one": ((99, (0, 0), 0), (1, 1)),
    "two idle, minerals for two": ((100, (0, 0), 0), (2, 0)),
    "three idle, minerals for two": ((120, (0, 0, 0), 0), (2, 1)),
    "three idle, supply for one": ((500, (0, 0, 0), 5), (1, 2)),
    "one of two busy": ((500, (0, 9), 0), (1, 0)),
    "all busy": ((500, (9, 9), 0), (0, 1)),
}


@pytest.mark.parametrize(
    ("setup", "expected"), MARINE_ORDERS.values(), ids=MARINE_ORDERS
)
def test_train_marines_pays_what_it_can(setup, expected):
    minerals, barracks, marines = setup
    state = state_with(minerals=minerals, barracks=barracks, marines=marines)
    env = env_at(state)
    env.step(TRAIN_MARINES)
    started, rejected = expected
    after = economy(env)
    assert env.last_report.accepted == started
    assert env.last_report.rejected == rejected
    assert env.last_report.charged == started * MARINE_COST
    assert after.minerals == minerals - started * MARINE_COST
    assert after.minerals >= 0
    busy_before = sum(r != NOT_TRAINING for r in barracks)
    assert sum(r != NOT_TRAINING for r in after.barracks) == busy_before + started


def test_invalid_action_rejected():
    env = EconomyEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="invalid action 6"):
        env.step(6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"horizon": 0},
        {"start_minerals": -1},
        {"start_workers": 0},
        {"start_workers": 11},
    ],
)
def test_constructor_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="invalid"):
        EconomyEnv(**kwargs)


# ------------------------------------------------------------------ rewards and end


def test_reward_at_horizon_equals_marines():
    env = EconomyEnv()
    env.reset(seed=0)
    results = play_script(env, HORIZON)
    rewards = [reward for _, reward, _, _, _ in results]
    terminated = [term for _, _, term, _, _ in results]
    successes = [info["is_success"] for *_, info in results]
    marines = economy(env).marines
    assert marines > 0
    assert rewards[-1] == marines
    assert rewards[:-1] == [0.0] * (HORIZON - 1)
    assert terminated == [False] * (HORIZON - 1) + [True]
    assert successes == terminated  # at least one marine, so the end is a success
    assert not any(trunc for _, _, _, trunc, _ in results)
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(IDLE)


def test_no_marines_is_no_success():
    env = EconomyEnv()
    env.reset(seed=0)
    for _ in range(HORIZON):
        _, reward, terminated, _, info = env.step(IDLE)
    assert terminated
    assert reward == 0.0
    assert info["is_success"] is False


def test_marines_in_training_not_paid():
    state = state_with(clock=HORIZON - 1, marines=3, barracks=(HORIZON + 5,))
    env = env_at(state)
    _, reward, terminated, _, _ = env.step(IDLE)
    assert terminated
    assert reward == 3.0


def test_horizon_argument():
    env = EconomyEnv(horizon=10)
    env.reset(seed=0)
    terminated = [env.step(IDLE)[2] for _ in range(10)]
    assert terminated == [False] * 9 + [True]


def test_registered_time_limit_agrees():
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    for _ in range(HORIZON - 1):
        _, _, terminated, truncated, _ = env.step(IDLE)
        assert not (terminated or truncated)
    _, _, terminated, truncated, _ = env.step(IDLE)
    assert terminated
    assert truncated


def test_selfplay_pays_nothing_past_horizon():
    env = EconomyEnv()
    obs, _ = env.reset(seed=0, options={"selfplay": True})
    assert obs[11] == 0.0
    for _, reward, terminated, truncated, info in play_script(env, HORIZON + 50):
        assert reward == 0.0
        assert not terminated
        assert not truncated
        assert info == {}


# --------------------------------------------------------------- observation, render


def test_observation_scales_and_clips():
    state = state_with(minerals=5000, workers=6, mining=(6, 0, 0, 0, 0, 0, 0, 0))
    state = state._replace(depots=2, marines=3, barracks=(0, 7), clock=3)
    env = env_at(state)
    obs = env.restore(EconomySnapshot(state, HORIZON - 3))
    assert obs[0] == 1.0
    assert obs[1] * 50 == pytest.approx(6)
    assert obs[2] * 20 == pytest.approx(2)
    assert obs[3] * 20 == pytest.approx(2)
    assert obs[4] * 50 == pytest.approx(3)
    assert obs[5] * 200 == pytest.approx(10)
    assert obs[6] * 200 == pytest.approx(26)
    assert obs[8] * 20 == pytest.approx(1)
    assert obs[11] * HORIZON == pytest.approx(HORIZON - 3)
    # Slot 0 delivers at clock 8, five steps after clock 3.
    assert obs[12:].tolist() == [0, 0, 0, 0, pytest.approx(6 / 20), 0, 0, 0]


def test_render_modes():
    text_env = EconomyEnv(render_mode="ansi")
    text_env.reset(seed=0)
    assert text_env.render().startswith("step 0: minerals 50, workers 4")
    frame_env = EconomyEnv(render_mode="rgb_array")
    frame_env.reset(seed=0)
    frame = frame_env.render()
    assert frame.shape == (160, 160, 3)
    assert frame.dtype == np.uint8


# ------------------------------------------------------------------ snapshot, restore


def queued_env() -> EconomyEnv:
    """An env after a scripted opening, with something in every production queue."""
    env = EconomyEnv(start_minerals=400)
    env.reset(seed=3)
    play_script(env, 110)
    for action in (TRAIN_MARINES, BUILD_DEPOT, TRAIN_WORKER):
        idle(env, 2)
        env.step(action)
    return env


def test_snapshot_contains_queues():
    state = economy(queued_env())
    assert state.worker_ready_at != NOT_TRAINING
    assert any(kind == DEPOT for kind, _ in state.constructions)
    assert any(ready != NOT_TRAINING for ready in state.barracks)


def test_restore_reproduces_trajectory_with_queues():
    env = queued_env()
    snapshot = env.snapshot()
    actions = np.random.default_rng(0).integers(6, size=80).tolist()

    def run(target: EconomyEnv) -> list:
        return [(*target.step(a)[:3], target.target_features()) for a in actions]

    first = run(env)
    final = env.snapshot()
    env.restore(snapshot)
    second = run(env)
    fresh = EconomyEnv(start_minerals=400)
    fresh.reset(seed=99)
    fresh.restore(snapshot)
    third = run(fresh)
    for steps in (second, third):
        for a, b in zip(first, steps, strict=True):
            assert np.array_equal(a[0], b[0])
            assert a[1:3] == b[1:3]
            assert np.array_equal(a[3], b[3])
    assert env.snapshot() == final
    assert fresh.snapshot() == final


INVALID_STATES = {
    "negative minerals": state_with(minerals=-1),
    "workers not matching miners": state_with(workers=5),
    "short mining ring": state_with(mining=(4, 0, 0)),
    "ready step in the past": state_with(clock=10, worker_ready_at=5),
    "unknown building": state_with(
        workers=5, constructions=((7, 30),), mining=(4, 0, 0, 0, 0, 0, 0, 0)
    ),
    "supply over cap": state_with(marines=7),
}


@pytest.mark.parametrize("state", INVALID_STATES.values(), ids=INVALID_STATES)
def test_restore_rejects_invalid_state(state):
    env = EconomyEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="invalid state"):
        env.restore(EconomySnapshot(state, HORIZON))


def test_restore_rejects_bad_horizon_left():
    env = EconomyEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="horizon_left"):
        env.restore(EconomySnapshot(state_with(), HORIZON + 1))


# ------------------------------------------------------------------ target features


@pytest.mark.parametrize(
    ("minerals", "feature"),
    [(0, 0), (24, 0), (25, 1), (999, 39), (1000, 40), (5000, 40)],
)
def test_mineral_feature_capped_at_40(minerals, feature):
    env = env_at(state_with(minerals=minerals))
    assert env.target_features()[0] == feature


def test_target_features_count_finished_units():
    state = state_with(
        minerals=100,
        workers=6,
        depots=3,
        marines=2,
        worker_ready_at=9,
        barracks=(0, 12),
        constructions=((BARRACKS, 40),),
        mining=(5, 0, 0, 0, 0, 0, 0, 0),
    )
    env = env_at(state)
    assert env.target_features().tolist() == [4, 6, 2, 3, 2]


def test_target_reached_elementwise():
    env = EconomyEnv()
    target = np.array([10, 5, 1, 1, 2], dtype=np.float32)
    assert env.target_reached(target.copy(), target)
    assert env.target_reached(target + 3, target)
    for index in range(5):
        features = target.copy()
        features[index] -= 1
        assert not env.target_reached(features, target), index
    capped = np.array([40, 5, 1, 1, 2], dtype=np.float32)
    assert env.target_reached(capped, capped)


# ----------------------------------------------------------------- self-play, train


def test_bob_repeating_alice_succeeds():
    env = make_game_env(ENV_ID, {})
    config = GameConfig("repeat", t_max=HORIZON, gamma=0.01, p_target=0.0)
    game = SelfPlayGame(env, config)
    game.reset(seed=0)
    assert game.alice_action_space.n == 7
    actions = []
    for _ in range(40):
        actions.append(scripted_action(env.unwrapped.snapshot().economy))
        assert game.step(actions[-1]) is None
    assert game.step(STOP) is None
    episode = None
    for action in actions:
        episode = game.step(action)
        if episode is not None:
            break
    assert episode is not None
    assert episode.stats.bob_success
    assert episode.stats.bob_steps <= 40


def test_defaults_follow_starcraft_column():
    defaults = env_defaults(ENV_ID)
    assert defaults.t_max == 200
    assert defaults.gamma == 0.01
    assert defaults.p_target == 0.1
    assert defaults.learning_rate == 0.003
    assert defaults.batch_episodes == 32
    assert defaults.selfplay_mode == "repeat"
    assert defaults.algo == "reinforce"


@pytest.mark.parametrize("mode", ["repeat", "count-based"])
def test_training_runs(tmp_path, mode):
    config = TrainConfig(
        env_id=ENV_ID,
        mode=mode,
        seed=0,
        target_episodes=4,
        n_envs=2,
        log_interval=2,
        log_formats=["csv"],
    )
    train(config, tmp_path)
    metrics = read_metrics(tmp_path / "metrics.csv")
    assert metrics["target_episodes"].tolist() == [2, 4]
    assert np.all(metrics["target_reward"] >= 0)


# ---------------------------------------------------------------------- invariants


def started_counts(before: EconomyState, after: EconomyState) -> dict[str, int]:
    """Units whose order was accepted in the step, read from the count changes."""

    def building(state: EconomyState, kind: int) -> int:
        return sum(k == kind for k, _ in state.constructions)

    def busy(state: EconomyState) -> int:
        return sum(r != NOT_TRAINING for r in state.barracks)

    training = (before.worker_ready_at != 0, after.worker_ready_at != 0)
    return {
        "worker": after.workers - before.workers + training[1] - training[0],
        "depot": after.depots
        - before.depots
        + building(after, DEPOT)
        - building(before, DEPOT),
        "barracks": len(after.barracks)
        - len(before.barracks)
        + building(after, BARRACKS)
        - building(before, BARRACKS),
        "marine": after.marines - before.marines + busy(after) - busy(before),
    }


def expected_started(state: EconomyState, action: int) -> dict[str, int]:
    """What ``action`` can start from ``state``: exactly what can be paid for."""
    started = {"worker": 0, "depot": 0, "barracks": 0, "marine": 0}
    free_supply = supply_cap(state) - supply_used(state)
    has_miner = sum(state.mining) > 0
    idle_barracks = state.barracks.count(NOT_TRAINING)
    if action == TRAIN_WORKER:
        cc_idle = state.worker_ready_at == NOT_TRAINING
        paid = state.minerals >= WORKER_COST and free_supply >= 1
        started["worker"] = int(cc_idle and paid)
    elif action == BUILD_DEPOT:
        started["depot"] = int(has_miner and state.minerals >= DEPOT_COST)
    elif action == BUILD_BARRACKS:
        started["barracks"] = int(has_miner and state.minerals >= BARRACKS_COST)
    elif action in (TRAIN_MARINE, TRAIN_MARINES):
        requested = 1 if action == TRAIN_MARINE else idle_barracks
        started["marine"] = min(
            requested, idle_barracks, state.minerals // 50, free_supply
        )
    return started


COSTS = {
    "worker": WORKER_COST,
    "depot": DEPOT_COST,
    "barracks": BARRACKS_COST,
    "marine": MARINE_COST,
}


def check_step(before: EconomyState, action: int, after: EconomyState, report) -> None:
    started = started_counts(before, after)
    charged = sum(COSTS[name] * count for name, count in started.items())
    mined = after.minerals - before.minerals + charged

    assert after.clock == before.clock + 1
    assert after.minerals >= 0
    for name in ("minerals", "workers", "depots", "marines"):
        assert getattr(after, name) >= 0, name
    assert min(after.mining) >= 0
    assert sum(after.mining) + len(after.constructions) == after.workers
    assert supply_used(after) <= supply_cap(after)

    assert started == expected_started(before, action)
    assert report.charged == charged
    assert report.accepted == sum(started.values())
    assert report.mined == mined
    assert mined % 8 == 0
    assert 0 <= mined <= 8 * sum(before.mining)
    if started["depot"] == started["barracks"] == 0:
        assert mined == 8 * before.mining[after.clock % 8]
    if report.accepted == 0:
        assert after.minerals == before.minerals + mined


@settings(max_examples=100, deadline=None, database=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    start_minerals=st.sampled_from([0, 50, 300, 2000]),
    in_selfplay=st.booleans(),
    prefix=st.lists(st.integers(0, 5), max_size=50),
    weights=st.lists(st.integers(0, 4), min_size=6, max_size=6).filter(any),
    length=st.integers(0, 400),
)
def test_orders_keep_invariants(
    seed, start_minerals, in_selfplay, prefix, weights, length
):
    # Hypothesis draws the first actions one by one, so that a failure shrinks, and
    # a mix of actions from which numpy draws the long rest of the episode.
    rng = np.random.default_rng(seed)
    probabilities = np.array(weights) / sum(weights)
    actions = prefix + rng.choice(6, size=length, p=probabilities).tolist()
    env = EconomyEnv(start_minerals=start_minerals)
    env.reset(seed=seed, options={"selfplay": in_selfplay})
    start = economy(env)
    total_charged = 0
    for action in actions:
        before = economy(env)
        obs, _, terminated, _, _ = env.step(action)
        after = economy(env)
        check_step(before, action, after, env.last_report)
        assert env.observation_space.contains(obs)
        total_charged += env.last_report.charged
        if terminated:
            break

    # Every unit finished or in progress was paid for once, and nothing refunded.
    end = economy(env)
    units = started_counts(start, end)
    assert total_charged == sum(COSTS[name] * count for name, count in units.items())
