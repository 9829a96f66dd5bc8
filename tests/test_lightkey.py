"""Hand-worked dynamics and start layouts of the light-key grid world."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import selfplay  # noqa: F401  (registers the environments)
from selfplay.envs import grid
from selfplay.envs.lightkey import (
    CELL_COLORS,
    DOWN,
    EMPTY,
    LEFT,
    RIGHT,
    STOP,
    TOGGLE,
    UP,
    LightKeyEnv,
    LightKeyState,
)
from selfplay.envs.lightkey_state import (
    AGENT,
    CHANNELS,
    CORNER,
    DARK_HIDDEN_CHANNELS,
    DOOR_CLOSED,
    DOOR_OPEN,
    FLAG,
    KEY_SWITCH_OFF,
    KEY_SWITCH_ON,
    LAMP_SWITCH_OFF,
    LAMP_SWITCH_ON,
    WALL,
)

# A 10 x 10 layout: a vertical wall in column 5 with its door at (4, 5), the agent,
# the key switch and the lamp switch on the left and the flag on the right.
LAYOUT = LightKeyState(
    agent=(4, 3),
    wall=grid.VERTICAL,
    door=(4, 5),
    door_open=False,
    key_switch=(2, 2),
    lamp_switch=(7, 1),
    light_on=True,
    flag=(4, 8),
)


def make_env(state: LightKeyState = LAYOUT, **kwargs) -> LightKeyEnv:
    env = LightKeyEnv(**kwargs)
    env.reset(seed=0)
    env.restore(state)
    return env


def agent_cells(cells: np.ndarray) -> list[tuple[int, int]]:
    """List the agent's cells in an observation grid of shape (size, size, 10)."""
    return [tuple(cell) for cell in np.argwhere(cells[:, :, AGENT]).tolist()]


def test_channel_order():
    assert len(CHANNELS) == 10
    assert CHANNELS[AGENT] == "agent"
    assert CHANNELS[WALL] == "wall"
    assert CHANNELS[FLAG] == "flag"
    assert FLAG == len(CHANNELS) - 1


def test_observation_is_flat():
    env = make_env()
    obs = env.restore(LAYOUT)
    assert obs.shape == (10 * 10 * 10,)
    assert env.observation_space.shape == (10 * 10 * 10,)
    assert env.observation_space.contains(obs)


def test_grid_reproduces_channel_layout():
    env = make_env()
    obs = env.restore(LAYOUT)
    cells = env.grid(obs)
    assert cells.shape == (10, 10, 10)
    assert np.array_equal(cells.reshape(-1), obs)
    # Row-major [row, col, channel]: element (row * 10 + col) * 10 + channel.
    assert obs[(4 * 10 + 3) * 10 + AGENT] == 1.0
    assert obs[(4 * 10 + 5) * 10 + DOOR_CLOSED] == 1.0
    assert obs[(2 * 10 + 2) * 10 + KEY_SWITCH_OFF] == 1.0
    assert obs[(7 * 10 + 1) * 10 + LAMP_SWITCH_ON] == 1.0
    assert obs[(4 * 10 + 8) * 10 + FLAG] == 1.0
    assert obs[(9 * 10 + 9) * 10 + CORNER] == 1.0
    for index in np.flatnonzero(obs).tolist():
        cell, channel = divmod(index, len(CHANNELS))
        row, col = divmod(cell, 10)
        assert cells[row, col, channel] == 1.0, (index, CHANNELS[channel])


def test_grid_of_batch():
    env = make_env()
    first = env.restore(LAYOUT)
    second = env.restore(LAYOUT._replace(light_on=False))
    batch = np.stack([first, second])
    cells = env.grid(batch)
    assert cells.shape == (2, 10, 10, 10)
    assert np.array_equal(cells[0], env.grid(first))
    assert np.array_equal(cells[1], env.grid(second))


@pytest.mark.parametrize("shape", [(10, 10, 10), (999,), (6 * 6 * 10,), ()])
def test_grid_rejects_wrong_shape(shape):
    env = make_env()
    with pytest.raises(ValueError, match="invalid observation shape"):
        env.grid(np.zeros(shape, dtype=np.float32))


def test_observation_of_layout():
    env = make_env()
    obs = env.grid(env.restore(LAYOUT))
    assert agent_cells(obs) == [(4, 3)]
    assert obs[:, 5, WALL].sum() == 9
    assert obs[4, 5, WALL] == 0.0
    assert obs[4, 5, DOOR_CLOSED] == 1.0
    assert obs[2, 2, KEY_SWITCH_OFF] == 1.0
    assert obs[7, 1, LAMP_SWITCH_ON] == 1.0
    assert obs[4, 8, FLAG] == 1.0
    corners = [(0, 0), (0, 9), (9, 0), (9, 9)]
    assert [tuple(c) for c in np.argwhere(obs[:, :, CORNER]).tolist()] == corners
    assert obs.sum() == 1 + 9 + 1 + 1 + 1 + 1 + 4


@pytest.mark.parametrize(
    ("action", "expected"),
    [(UP, (3, 3)), (DOWN, (5, 3)), (LEFT, (4, 2)), (RIGHT, (4, 4))],
)
def test_move(action, expected):
    env = make_env()
    obs, reward, terminated, truncated, _ = env.step(action)
    assert env.snapshot().agent == expected
    assert agent_cells(env.grid(obs)) == [expected]
    assert reward == pytest.approx(-0.1)
    assert not terminated
    assert not truncated


@pytest.mark.parametrize(
    ("agent", "action"), [((0, 3), UP), ((9, 3), DOWN), ((3, 0), LEFT), ((3, 9), RIGHT)]
)
def test_bump_at_edge(agent, action):
    env = make_env(LAYOUT._replace(agent=agent))
    before = env.restore(env.snapshot())
    obs, reward, _, _, _ = env.step(action)
    assert env.snapshot().agent == agent
    assert np.array_equal(obs, before)
    assert reward == pytest.approx(-0.1)


def test_wall_blocks():
    env = make_env(LAYOUT._replace(agent=(3, 4)))
    env.step(RIGHT)
    assert env.snapshot().agent == (3, 4)


def test_door_blocks_when_closed():
    env = make_env(LAYOUT._replace(agent=(4, 4)))
    env.step(RIGHT)
    assert env.snapshot().agent == (4, 4)


def test_door_passes_when_open():
    env = make_env(LAYOUT._replace(agent=(4, 4), door_open=True))
    env.step(RIGHT)
    assert env.snapshot().agent == (4, 5)
    env.step(RIGHT)
    assert env.snapshot().agent == (4, 6)


def test_toggle_key_switch_flips_door():
    env = make_env(LAYOUT._replace(agent=(2, 2)))
    closed = env.restore(env.snapshot())
    obs, reward, _, _, _ = env.step(TOGGLE)
    opened = env.grid(obs)
    assert env.snapshot().door_open
    assert reward == pytest.approx(-0.1)
    assert opened[4, 5, DOOR_OPEN] == 1.0
    assert opened[4, 5, DOOR_CLOSED] == 0.0
    assert opened[2, 2, KEY_SWITCH_ON] == 1.0
    assert opened[2, 2, KEY_SWITCH_OFF] == 0.0

    closed_again, *_ = env.step(TOGGLE)
    assert not env.snapshot().door_open
    assert np.array_equal(closed_again, closed)


def test_opened_door_lets_agent_through():
    env = make_env(LAYOUT._replace(agent=(2, 2)))
    env.step(TOGGLE)
    for action in (DOWN, DOWN, RIGHT, RIGHT, RIGHT, RIGHT):
        env.step(action)
    assert env.snapshot().agent == (4, 6)


def test_toggle_without_switch_is_noop():
    env = make_env()
    before = env.restore(env.snapshot())
    obs, reward, terminated, _, _ = env.step(TOGGLE)
    assert np.array_equal(obs, before)
    assert env.snapshot() == LAYOUT
    assert reward == pytest.approx(-0.1)
    assert not terminated


@pytest.mark.parametrize("door_open", [False, True])
def test_lamp_toggle_hides_listed_channels(door_open):
    env = make_env(LAYOUT._replace(agent=(7, 1), door_open=door_open))
    lit = env.grid(env.restore(env.snapshot()))
    dark = env.grid(env.step(TOGGLE)[0])
    door, key = (
        (DOOR_OPEN, KEY_SWITCH_ON) if door_open else (DOOR_CLOSED, KEY_SWITCH_OFF)
    )
    assert not env.snapshot().light_on
    for channel in (WALL, door, key, FLAG):
        assert lit[:, :, channel].any(), CHANNELS[channel]
    for channel in DARK_HIDDEN_CHANNELS:
        assert not dark[:, :, channel].any(), CHANNELS[channel]
    for channel in (AGENT, CORNER):
        assert np.array_equal(dark[:, :, channel], lit[:, :, channel])
    assert dark[7, 1, LAMP_SWITCH_OFF] == 1.0
    assert not dark[:, :, LAMP_SWITCH_ON].any()
    assert dark.sum() == 1 + 1 + 4

    lit_again = env.grid(env.step(TOGGLE)[0])
    assert np.array_equal(lit_again, lit)


def test_agent_moves_in_dark():
    env = make_env(LAYOUT._replace(light_on=False))
    obs = env.grid(env.step(UP)[0])
    assert agent_cells(obs) == [(3, 3)]
    assert not obs[:, :, WALL].any()


def test_dark_features_ignore_door():
    dark = LAYOUT._replace(light_on=False)
    closed = make_env(dark).target_features()
    opened = make_env(dark._replace(door_open=True)).target_features()
    assert np.array_equal(closed, opened)
    lit_closed = make_env(LAYOUT).target_features()
    lit_opened = make_env(LAYOUT._replace(door_open=True)).target_features()
    assert not np.array_equal(lit_closed, lit_opened)


def test_features_ignore_flag():
    env = make_env()
    with_flag = env.target_features()
    without_flag = make_env(LAYOUT._replace(flag=None)).target_features()
    assert with_flag.shape == (10 * 10 * 9,)
    assert np.array_equal(with_flag, without_flag)


def test_features_see_light_and_agent():
    start = make_env().target_features()
    dark = make_env(LAYOUT._replace(light_on=False)).target_features()
    moved = make_env(LAYOUT._replace(agent=(4, 2))).target_features()
    env = make_env()
    assert not env.target_reached(dark, start)
    assert not env.target_reached(moved, start)


def test_flag_in_seven_steps():
    env = make_env(LAYOUT._replace(agent=(4, 1), door_open=True))
    rewards, terminations = [], []
    for _ in range(7):
        _, reward, terminated, _, _ = env.step(RIGHT)
        rewards.append(reward)
        terminations.append(terminated)
    assert rewards == pytest.approx([-0.1] * 6 + [0.9])
    assert sum(rewards) == pytest.approx(1 - 0.7)
    assert terminations == [False] * 6 + [True]


def test_flag_reached_in_dark():
    env = make_env(LAYOUT._replace(agent=(4, 7), light_on=False))
    _, reward, terminated, _, _ = env.step(RIGHT)
    assert terminated
    assert reward == pytest.approx(0.9)


def test_is_success_on_flag_step():
    env = make_env(LAYOUT._replace(agent=(4, 6), door_open=True))
    _, _, terminated, _, info = env.step(RIGHT)
    assert not terminated
    assert info == {"is_success": False}
    _, _, terminated, _, info = env.step(RIGHT)
    assert terminated
    assert info == {"is_success": True}


@pytest.mark.parametrize("action", [UP, DOWN, LEFT, RIGHT, TOGGLE, STOP])
def test_is_success_false_off_flag(action):
    env = make_env(LAYOUT._replace(agent=(2, 2)))
    info = env.step(action)[4]
    assert info == {"is_success": False}


def test_failed_episode_returns_minus_8():
    env = gym.make("SelfPlay/LightKey-v0")
    env.reset(seed=0)
    total, steps, truncated, terminated = 0.0, 0, False, False
    while not (terminated or truncated):
        _, reward, terminated, truncated, info = env.step(STOP)
        total += reward
        steps += 1
    assert steps == 80
    assert truncated
    assert not terminated
    assert info == {"is_success": False}
    assert total == pytest.approx(-0.1 * 80)


def test_stop_is_noop():
    env = make_env()
    before = env.restore(env.snapshot())
    obs, reward, terminated, _, _ = env.step(STOP)
    assert np.array_equal(obs, before)
    assert env.snapshot() == LAYOUT
    assert reward == pytest.approx(-0.1)
    assert not terminated


def side(state: LightKeyState, position: tuple[int, int], size: int) -> int:
    cell = grid.to_cell(size, position)
    door = grid.to_cell(size, state.door)
    index = grid.line_through(size, state.wall, door)
    return grid.side_of(size, state.wall, index, cell)


def corners(size: int) -> set[tuple[int, int]]:
    last = size - 1
    return {(0, 0), (0, last), (last, 0), (last, last)}


@pytest.mark.parametrize("size", [10, 6])
def test_target_start_layout(size):
    env = LightKeyEnv(size=size)
    orientations, indices = set(), set()
    for seed in range(300):
        obs = env.grid(env.reset(seed=seed)[0])
        state = env.snapshot()
        door = grid.to_cell(size, state.door)
        index = grid.line_through(size, state.wall, door)
        objects = [state.agent, state.key_switch, state.lamp_switch, state.flag]
        assert 1 <= index <= size - 2
        assert not state.door_open
        assert len(set(objects)) == 4
        assert not set(objects) & corners(size)
        agent_side = side(state, state.agent, size)
        assert agent_side != 0
        assert side(state, state.key_switch, size) == agent_side
        assert side(state, state.lamp_switch, size) == agent_side
        assert side(state, state.flag, size) == -agent_side
        if state.light_on:
            assert obs[(*state.key_switch, KEY_SWITCH_OFF)] == 1.0
            assert obs[(*state.door, DOOR_CLOSED)] == 1.0
        orientations.add(state.wall)
        indices.add(index)
    assert orientations == {grid.HORIZONTAL, grid.VERTICAL}
    assert indices == set(range(1, size - 1))


def test_light_off_fraction():
    env = LightKeyEnv()
    dark = []
    for seed in range(1000):
        env.reset(seed=seed)
        dark.append(not env.snapshot().light_on)
    assert 0.25 < np.mean(dark) < 0.35


@pytest.mark.parametrize("light_off_prob", [0.0, 1.0])
def test_light_off_prob_extremes(light_off_prob):
    env = LightKeyEnv(light_off_prob=light_off_prob)
    for options in (None, {"selfplay": True}):
        lights = set()
        for seed in range(100):
            env.reset(seed=seed, options=options)
            lights.add(env.snapshot().light_on)
        assert lights == {light_off_prob == 0.0}


@pytest.mark.parametrize("size", [10, 6])
def test_selfplay_start_layout(size):
    env = LightKeyEnv(size=size)
    door_states = set()
    for seed in range(300):
        obs = env.grid(env.reset(seed=seed, options={"selfplay": True})[0])
        state = env.snapshot()
        objects = [state.agent, state.key_switch, state.lamp_switch]
        assert state.flag is None
        assert not obs[:, :, FLAG].any()
        assert len(set(objects)) == 3
        assert not set(objects) & corners(size)
        for position in objects:
            assert side(state, position, size) != 0
        door_states.add(state.door_open)
    assert door_states == {False, True}


def test_selfplay_rewards_zero():
    env = LightKeyEnv()
    env.reset(seed=0, options={"selfplay": True})
    rewards = [env.step(action)[1] for action in (UP, TOGGLE, STOP, LEFT)]
    assert rewards == [0.0, 0.0, 0.0, 0.0]


def test_6x6_variant():
    env = gym.make("SelfPlay/LightKey-6x6-v0")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (6 * 6 * len(CHANNELS),)
    assert env.unwrapped.grid(obs).shape == (6, 6, len(CHANNELS))
    assert env.spec.max_episode_steps == 80
    assert env.unwrapped.size == 6


def test_empty_variant_layout():
    env = gym.make("SelfPlay/LightKey-Empty-v0")
    assert env.spec.max_episode_steps == 80
    absent = [WALL, DOOR_CLOSED, DOOR_OPEN, KEY_SWITCH_OFF, KEY_SWITCH_ON]
    absent += [LAMP_SWITCH_OFF, LAMP_SWITCH_ON]
    for seed in range(200):
        obs = env.unwrapped.grid(env.reset(seed=seed)[0])
        state = env.unwrapped.snapshot()
        assert state.wall is None
        assert state.door is None
        assert state.key_switch is None
        assert state.lamp_switch is None
        assert state.light_on
        assert state.flag is not None
        assert state.flag != state.agent
        assert not obs[:, :, absent].any()
        assert obs[(*state.flag, FLAG)] == 1.0


def test_empty_variant_selfplay_start():
    env = LightKeyEnv(empty=True)
    obs, _ = env.reset(seed=0, options={"selfplay": True})
    assert env.snapshot().flag is None
    assert agent_cells(env.grid(obs)) == [env.snapshot().agent]
    assert obs.sum() == 1 + 4


def test_empty_variant_toggle_is_noop():
    env = LightKeyEnv(empty=True)
    before, _ = env.reset(seed=1)
    state = env.snapshot()
    obs, *_ = env.step(TOGGLE)
    assert np.array_equal(obs, before)
    assert env.snapshot() == state


def test_empty_variant_light_always_on():
    env = LightKeyEnv(empty=True, light_off_prob=1.0)
    for seed in range(20):
        env.reset(seed=seed)
        assert env.snapshot().light_on


def test_render_ansi():
    env = make_env(render_mode="ansi")
    lines = env.render().splitlines()
    assert lines[0] == "light on, door closed"
    assert lines[1] == "o....#...o"
    assert lines[3] == "..k..#...."
    assert lines[5] == "...A.+..F."
    assert lines[8] == ".L...#...."
    assert len(lines) == 11


CELL = grid.CELL_PIXELS
INSET = CELL // 4  # pixels of the agent's cell visible on each side of its square


def cell_square(frame: np.ndarray, position: tuple[int, int]) -> np.ndarray:
    """Return the (CELL, CELL, 3) pixels of the cell at ``(row, col)``."""
    row, col = position
    return frame[row * CELL : (row + 1) * CELL, col * CELL : (col + 1) * CELL]


def agent_square(frame: np.ndarray, position: tuple[int, int]) -> np.ndarray:
    """Return the pixels of the agent's inner square in the cell at ``(row, col)``."""
    return cell_square(frame, position)[INSET : CELL - INSET, INSET : CELL - INSET]


def test_render_rgb_array_shape():
    for size in (5, 10):
        env = LightKeyEnv(size=size, render_mode="rgb_array")
        env.reset(seed=0)
        frame = env.render()
        assert frame.shape == (size * CELL, size * CELL, 3)
        assert frame.dtype == np.uint8


def test_render_rgb_array_is_fresh():
    env = make_env(render_mode="rgb_array")
    first = env.render()
    second = env.render()
    assert not np.shares_memory(first, second)
    first[...] = 0
    assert np.array_equal(env.render(), second)


@pytest.mark.parametrize(
    ("position", "kind"),
    [
        ((0, 0), CORNER),
        ((9, 9), CORNER),
        ((3, 5), WALL),
        ((4, 5), DOOR_CLOSED),
        ((2, 2), KEY_SWITCH_OFF),
        ((7, 1), LAMP_SWITCH_ON),
        ((4, 8), FLAG),
        ((0, 1), EMPTY),
    ],
)
def test_render_rgb_array_cell_colors(position, kind):
    frame = make_env(render_mode="rgb_array").render()
    assert np.all(cell_square(frame, position) == CELL_COLORS[kind])


def test_render_rgb_array_open_door_colors():
    frame = make_env(LAYOUT._replace(door_open=True), render_mode="rgb_array").render()
    assert np.all(cell_square(frame, LAYOUT.door) == CELL_COLORS[DOOR_OPEN])
    assert np.all(cell_square(frame, LAYOUT.key_switch) == CELL_COLORS[KEY_SWITCH_ON])


def test_render_rgb_array_colors_distinct():
    lit = {tuple(color) for color in CELL_COLORS.tolist()}
    assert len(lit) == len(CELL_COLORS)

    dimmed = (*DARK_HIDDEN_CHANNELS, EMPTY)
    dark = {
        tuple((color // 2 if kind in dimmed else color).tolist())
        for kind, color in enumerate(CELL_COLORS)
    }
    assert len(dark) == len(CELL_COLORS)


def test_render_rgb_array_agent_square():
    frame = make_env(render_mode="rgb_array").render()
    square = cell_square(frame, LAYOUT.agent)
    assert np.all(agent_square(frame, LAYOUT.agent) == CELL_COLORS[AGENT])
    assert np.all(square[0] == CELL_COLORS[EMPTY])
    assert np.all(square[:, -1] == CELL_COLORS[EMPTY])

    is_agent = np.all(frame == CELL_COLORS[AGENT], axis=-1)
    assert is_agent.sum() == (CELL - 2 * INSET) ** 2


def test_render_rgb_array_agent_over_switch():
    state = LAYOUT._replace(agent=LAYOUT.key_switch)
    frame = make_env(state, render_mode="rgb_array").render()
    square = cell_square(frame, state.agent)
    assert np.all(agent_square(frame, state.agent) == CELL_COLORS[AGENT])
    assert np.all(square[0] == CELL_COLORS[KEY_SWITCH_OFF])
    assert np.all(square[-1] == CELL_COLORS[KEY_SWITCH_OFF])


def dark_and_lit_frames(state: LightKeyState) -> tuple[np.ndarray, np.ndarray]:
    """Render ``state`` with the light off and on, as int arrays."""
    dark = make_env(state._replace(light_on=False), render_mode="rgb_array").render()
    lit = make_env(state._replace(light_on=True), render_mode="rgb_array").render()
    return dark.astype(int), lit.astype(int)


@pytest.mark.parametrize("door_open", [False, True])
def test_render_rgb_array_dark_halves_hidden(door_open):
    dark, lit = dark_and_lit_frames(LAYOUT._replace(door_open=door_open))
    undimmed = {LAYOUT.agent, LAYOUT.lamp_switch, *corners(10)}
    for position in np.ndindex(10, 10):
        if position in undimmed:
            continue
        dark_square = cell_square(dark, position)
        lit_square = cell_square(lit, position)
        assert dark_square.sum() < lit_square.sum(), position
        assert np.array_equal(dark_square, lit_square // 2), position


def test_render_rgb_array_dark_keeps_undimmed():
    dark, lit = dark_and_lit_frames(LAYOUT)
    for position in corners(10):
        assert np.array_equal(cell_square(dark, position), cell_square(lit, position))
    lamp = cell_square(dark, LAYOUT.lamp_switch)
    assert np.all(lamp == CELL_COLORS[LAMP_SWITCH_OFF])
    assert np.all(agent_square(dark, LAYOUT.agent) == CELL_COLORS[AGENT])
    assert np.all(cell_square(dark, LAYOUT.agent)[0] == CELL_COLORS[EMPTY] // 2)


def test_render_rgb_array_dark_agent_on_corner():
    state = LAYOUT._replace(agent=(9, 0), light_on=False)
    frame = make_env(state, render_mode="rgb_array").render()
    assert np.all(cell_square(frame, state.agent)[0] == CELL_COLORS[CORNER])
    assert np.all(agent_square(frame, state.agent) == CELL_COLORS[AGENT])


def test_render_rgb_array_empty_variant():
    env = LightKeyEnv(empty=True, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    flag = env.snapshot().flag
    assert np.all(cell_square(frame, flag) == CELL_COLORS[FLAG])
    is_wall = np.all(frame == CELL_COLORS[WALL], axis=-1)
    assert not is_wall.any()


def test_render_without_mode_warns():
    env = make_env()
    with pytest.warns(UserWarning, match="render_mode='rgb_array'"):
        assert env.render() is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key_switch": (3, 5)}, r"key_switch at \(3, 5\) is on the wall"),
        ({"agent": (4, 5)}, r"agent at \(4, 5\) is on the wall"),
        ({"flag": (2, 2)}, "objects share a cell"),
        ({"agent": (10, 0)}, r"invalid position \(10, 0\)"),
        ({"door": None}, "a wall needs exactly one door"),
        ({"door": (4, 0)}, "lies on the edge of the grid"),
        ({"wall": "diagonal"}, "wall 'diagonal'"),
        ({"wall": None, "door": None}, "a key switch needs a door"),
        ({"lamp_switch": None, "light_on": False}, "there is no lamp"),
    ],
)
def test_restore_rejects_invalid_state(change, message):
    env = make_env()
    with pytest.raises(ValueError, match=message):
        env.restore(LAYOUT._replace(**change))
    assert env.snapshot() == LAYOUT


def test_restore_accepts_agent_in_open_doorway():
    env = make_env(LAYOUT._replace(agent=(4, 5), door_open=True))
    assert env.snapshot().agent == (4, 5)


def test_invalid_action_raises():
    env = make_env()
    with pytest.raises(ValueError, match="invalid action 6"):
        env.step(6)
    with pytest.raises(ValueError, match="invalid action -1"):
        env.step(-1)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="invalid size 4"):
        LightKeyEnv(size=4)
    with pytest.raises(ValueError, match="invalid light_off_prob 1.5"):
        LightKeyEnv(light_off_prob=1.5)
    expected = (
        "invalid render_mode 'human', expected None or one of 'ansi', 'rgb_array'"
    )
    with pytest.raises(ValueError, match=expected):
        LightKeyEnv(render_mode="human")


def test_draw_distinct_uniform():
    rng = np.random.default_rng(0)
    counts: dict[tuple[int, ...], int] = {}
    for _ in range(12000):
        pair = tuple(grid.draw_distinct(rng, [10, 11, 12, 13], 2))
        counts[pair] = counts.get(pair, 0) + 1
    ordered_pairs = {(a, b) for a in range(10, 14) for b in range(10, 14) if a != b}
    assert set(counts) == ordered_pairs
    assert min(counts.values()) > 850
    assert max(counts.values()) < 1150


def test_draw_distinct_rejects_large_count():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="invalid count 3, expected at most 2"):
        grid.draw_distinct(rng, [0, 1], 3)
