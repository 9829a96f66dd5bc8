"""Hand-worked dynamics of the hallway."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import selfplay  # noqa: F401  (registers the environments)
from selfplay.envs import grid
from selfplay.envs.hallway import (
    AGENT_COLOR,
    EMPTY_COLOR,
    GOAL_COLOR,
    LEFT,
    RIGHT,
    STOP,
    HallwayEnv,
    HallwayState,
)

LENGTH = 25


def make_env(position: int, goal: int | None) -> HallwayEnv:
    env = HallwayEnv()
    env.reset(seed=0)
    env.restore(HallwayState(position=position, goal=goal))
    return env


def test_observation_layout():
    env = HallwayEnv()
    obs = env.restore(HallwayState(position=3, goal=10))
    expected = np.zeros(2 * LENGTH, dtype=np.float32)
    expected[3] = 1.0
    expected[LENGTH + 10] = 1.0
    assert obs.shape == (50,)
    assert np.array_equal(obs, expected)


def test_move_right_then_left():
    env = make_env(position=3, goal=10)
    obs, reward, terminated, truncated, _ = env.step(RIGHT)
    assert env.snapshot().position == 4
    assert obs[4] == 1.0
    assert obs[:LENGTH].sum() == 1.0
    assert obs[LENGTH + 10] == 1.0
    assert reward == 0.0
    assert not terminated
    assert not truncated

    env.step(LEFT)
    env.step(LEFT)
    assert env.snapshot().position == 2


@pytest.mark.parametrize(("position", "action"), [(0, LEFT), (LENGTH - 1, RIGHT)])
def test_bump_at_end(position, action):
    env = make_env(position=position, goal=12)
    before = env.restore(env.snapshot())
    obs, reward, terminated, _, _ = env.step(action)
    assert env.snapshot().position == position
    assert np.array_equal(obs, before)
    assert reward == 0.0
    assert not terminated


def test_stop_on_goal_succeeds():
    env = make_env(position=4, goal=5)
    _, reward, terminated, _, info = env.step(RIGHT)
    assert reward == 0.0
    assert not terminated
    assert info == {"is_success": False}
    _, reward, terminated, _, info = env.step(STOP)
    assert reward == 1.0
    assert terminated
    assert info == {"is_success": True}


def test_stop_off_goal_is_noop():
    env = make_env(position=4, goal=9)
    before = env.restore(env.snapshot())
    obs, reward, terminated, _, info = env.step(STOP)
    assert np.array_equal(obs, before)
    assert reward == 0.0
    assert not terminated
    assert info == {"is_success": False}
    assert env.snapshot() == HallwayState(position=4, goal=9)


def test_walking_over_goal_pays_nothing():
    env = make_env(position=4, goal=5)
    rewards = [env.step(RIGHT)[1] for _ in range(3)]
    assert rewards == [0.0, 0.0, 0.0]
    assert env.snapshot().position == 7


def test_target_start_layout():
    env = HallwayEnv()
    starts, goals = set(), set()
    for seed in range(500):
        obs, _ = env.reset(seed=seed)
        state = env.snapshot()
        assert state.goal is not None
        assert state.position != state.goal
        assert obs[:LENGTH].sum() == 1.0
        assert obs[LENGTH:].sum() == 1.0
        assert obs[state.position] == 1.0
        assert obs[LENGTH + state.goal] == 1.0
        starts.add(state.position)
        goals.add(state.goal)
    assert starts == set(range(LENGTH))
    assert goals == set(range(LENGTH))


def test_selfplay_start_has_no_goal():
    env = HallwayEnv()
    for seed in range(50):
        obs, _ = env.reset(seed=seed, options={"selfplay": True})
        assert env.snapshot().goal is None
        assert obs[:LENGTH].sum() == 1.0
        assert not obs[LENGTH:].any()


def test_selfplay_stop_never_terminates():
    env = HallwayEnv()
    env.reset(seed=0, options={"selfplay": True})
    for action in [STOP, LEFT, STOP, RIGHT, RIGHT, STOP]:
        _, reward, terminated, _, info = env.step(action)
        assert reward == 0.0
        assert not terminated
        assert info == {}


def test_time_limit_truncates_at_30():
    env = gym.make("SelfPlay/Hallway-v0")
    env.reset(seed=0)
    for step in range(1, 31):
        _, _, terminated, truncated, _ = env.step(LEFT if step % 2 else RIGHT)
        assert not terminated
        assert truncated == (step == 30)


def test_target_features_are_position():
    env = make_env(position=7, goal=2)
    start = env.target_features()
    assert start.dtype == np.float32
    assert np.array_equal(start, np.array([7.0], dtype=np.float32))
    env.step(RIGHT)
    moved = env.target_features()
    assert np.array_equal(moved, np.array([8.0], dtype=np.float32))
    assert not env.target_reached(moved, start)
    env.step(LEFT)
    assert env.target_reached(env.target_features(), start)


def test_target_features_ignore_goal():
    with_goal = make_env(position=7, goal=2).target_features()
    without_goal = make_env(position=7, goal=None).target_features()
    assert np.array_equal(with_goal, without_goal)


def test_snapshot_is_plain_tuple():
    env = make_env(position=6, goal=11)
    state = env.snapshot()
    assert state == (6, 11)
    assert type(state.position) is int
    assert type(state.goal) is int


def test_custom_length():
    env = HallwayEnv(length=5)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (10,)
    env.restore(HallwayState(position=4, goal=0))
    env.step(RIGHT)
    assert env.snapshot().position == 4


def test_render_ansi():
    env = HallwayEnv(length=6, render_mode="ansi")
    env.restore(HallwayState(position=1, goal=4))
    assert env.render() == ".A..G.\n"
    env.restore(HallwayState(position=4, goal=4))
    assert env.render() == "....*.\n"


CELL = grid.CELL_PIXELS
INSET = CELL // 4  # pixels of the agent's cell visible on each side of its square


def cell_square(frame: np.ndarray, cell: int) -> np.ndarray:
    """Return the (CELL, CELL, 3) pixels of hallway cell ``cell``."""
    return frame[:, cell * CELL : (cell + 1) * CELL]


def rgb_frame(position: int, goal: int | None, length: int = 6) -> np.ndarray:
    env = HallwayEnv(length=length, render_mode="rgb_array")
    env.restore(HallwayState(position=position, goal=goal))
    return env.render()


def test_render_rgb_array_shape():
    frame = rgb_frame(position=1, goal=4)
    assert frame.shape == (CELL, 6 * CELL, 3)
    assert frame.dtype == np.uint8


def test_render_rgb_array_cells():
    frame = rgb_frame(position=1, goal=4)
    agent = cell_square(frame, 1)
    assert np.all(agent[INSET : CELL - INSET, INSET : CELL - INSET] == AGENT_COLOR)
    assert np.all(agent[0] == EMPTY_COLOR)
    assert np.all(cell_square(frame, 4) == GOAL_COLOR)
    for cell in (0, 2, 3, 5):
        assert np.all(cell_square(frame, cell) == EMPTY_COLOR), cell


def test_render_rgb_array_agent_on_goal():
    square = cell_square(rgb_frame(position=4, goal=4), 4)
    assert np.all(square[INSET : CELL - INSET, INSET : CELL - INSET] == AGENT_COLOR)
    assert np.all(square[0] == GOAL_COLOR)
    assert np.all(square[:, 0] == GOAL_COLOR)


def test_render_rgb_array_without_goal():
    frame = rgb_frame(position=2, goal=None)
    is_goal = np.all(frame == GOAL_COLOR, axis=-1)
    is_agent = np.all(frame == AGENT_COLOR, axis=-1)
    assert not is_goal.any()
    assert is_agent.sum() == (CELL - 2 * INSET) ** 2


def test_render_rgb_array_is_fresh():
    env = HallwayEnv(render_mode="rgb_array")
    env.reset(seed=0)
    first = env.render()
    second = env.render()
    assert not np.shares_memory(first, second)
    first[...] = 0
    assert np.array_equal(env.render(), second)


def test_invalid_action_raises():
    env = make_env(position=3, goal=5)
    with pytest.raises(ValueError, match="invalid action 3"):
        env.step(3)


def test_restore_rejects_outside_cell():
    env = HallwayEnv()
    with pytest.raises(ValueError, match="position 25 is outside"):
        env.restore(HallwayState(position=25, goal=None))
    with pytest.raises(ValueError, match="goal -1 is outside"):
        env.restore(HallwayState(position=0, goal=-1))


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="invalid hallway length 1"):
        HallwayEnv(length=1)
    expected = (
        "invalid render_mode 'human', expected None or one of 'ansi', 'rgb_array'"
    )
    with pytest.raises(ValueError, match=expected):
        HallwayEnv(render_mode="human")


def test_goal_hidden_when_not_in_observation():
    env = HallwayEnv(goal_in_observation=False)
    obs, _ = env.reset(seed=3)
    assert obs[env.length :].sum() == 0.0
    assert obs[: env.length].sum() == 1.0


def test_target_task_goal_is_goal_cell():
    env = HallwayEnv()
    env.reset(seed=3)
    goal = env.snapshot().goal
    expected = np.zeros(2 * env.length, dtype=np.float32)
    expected[goal] = 1.0
    np.testing.assert_array_equal(env.target_task_goal(), expected)


def test_target_task_goal_none_in_selfplay():
    env = HallwayEnv()
    env.reset(seed=3, options={"selfplay": True})
    assert env.target_task_goal() is None
