"""The light-key grid world: a wall with a door, a key switch and a lamp switch."""

from __future__ import annotations

from typing import Any, ClassVar, Final

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from selfplay.envs import grid
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
    LightKeyState,
    Position,
    validate_state,
)
from selfplay.envs.protocol import (
    REPEAT,
    REVERSE,
    SELFPLAY_OPTION,
    SelfPlayEnv,
    check_render_mode,
)

UP, DOWN, LEFT, RIGHT, TOGGLE, STOP = range(6)

STEP_REWARD: Final = -0.1
FLAG_REWARD: Final = 1.0

EMPTY: Final = len(CHANNELS)
"""Row of :data:`CELL_COLORS` for a cell without an object, after the channels."""

CELL_COLORS: Final = np.array(
    [
        (220, 40, 40),  # agent: red
        (80, 80, 80),  # wall: dark grey
        (140, 80, 30),  # door closed: brown
        (230, 190, 140),  # door open: tan
        (150, 130, 20),  # key switch off: olive
        (250, 220, 50),  # key switch on: yellow
        (40, 60, 150),  # lamp switch off: dark blue
        (100, 180, 250),  # lamp switch on: light blue
        (160, 90, 190),  # corner marker: purple
        (40, 160, 70),  # flag: green
        (225, 225, 225),  # empty: light grey
    ],
    dtype=np.uint8,
)
"""RGB colour of each object in ``"rgb_array"`` frames, shape ``(11, 3)``, indexed
by the channel constants of :mod:`~selfplay.envs.lightkey_state` and :data:`EMPTY`."""
CELL_COLORS.flags.writeable = False


class LightKeyEnv(SelfPlayEnv):
    """A grid world where a wall with a door separates the agent from a flag.

    ## Description

    The grid has ``size`` x ``size`` cells and no border walls: a move off the grid
    is a bump that leaves the agent in place. A wall, horizontal or vertical with
    probability 0.5 each, spans the grid along a row or column other than the
    first and the last. One cell of the wall is a door, passable only while open.
    The key switch opens and closes the door, and the lamp switch turns the light
    on and off. The agent flips a switch by choosing toggle while standing on it.
    The four corner cells carry markers that the agent can stand on. While the
    light is off, the observation shows only the agent, the lamp switch and the
    corner markers. This is the MazeBase light-key task of Sukhbaatar et al.,
    "Intrinsic Motivation and Automatic Curricula via Asymmetric Self-Play" (ICLR
    2018).

    ## Action Space

    ``Discrete(6)``: 0 up, 1 down, 2 left, 3 right, 4 toggle, 5 stop. Toggle on a
    cell without a switch and stop are no-ops.

    ## Observation Space

    ``Box(0, 1, (size * size * 10,), float32)``: a grid of one-hot channels
    indexed ``[row, col, channel]`` and flattened in row-major order, so channel
    ``c`` of cell ``(row, col)`` is element ``(row * size + col) * 10 + c``.
    :meth:`grid` turns an observation back into the ``(size, size, 10)`` grid.
    The observation is flat because the ``check_env`` of Stable-Baselines3 2.9
    takes every 3-D Box for an image and warns about a float32 one-hot grid. The
    channels are, in the order of :data:`CHANNELS`:

    | channel | contents |
    |---|---|
    | 0 | agent |
    | 1 | wall (the door cell excluded) |
    | 2, 3 | door closed, door open |
    | 4, 5 | key switch off, key switch on |
    | 6, 7 | lamp switch off (light off), lamp switch on (light on) |
    | 8 | corner marker |
    | 9 | flag |

    The key switch is on exactly while the door is open. While the light is off,
    channels 1 to 5 and 9 are all zero.

    ## Rewards

    In the target task, -0.1 for every step and +1 more on the step that reaches
    the flag, so an episode that reaches the flag on step ``t`` returns
    ``1 - 0.1 t`` and one that does not returns ``-0.1 t``. A self-play episode,
    which has no flag, gives 0 on every step.

    The info of every target-task step contains ``"is_success"``: True on the
    step that reaches the flag and False on every other step. Stable-Baselines3
    2.9 reads it at episode end for ``rollout/success_rate`` and EvalCallback's
    success rate. The info of a self-play step is empty.

    ## Starting State

    The target task starts with the door closed, the agent and both switches on
    one side of the wall and the flag on the other. The light is off with
    probability ``light_off_prob``. The agent, the switches and the flag start on
    distinct cells, none on the wall or a corner.

    ## Episode End

    The episode terminates when the agent reaches the flag, even while the light
    is off. A self-play episode never terminates. The registered versions truncate
    after 80 steps.

    ## Arguments

    - ``size``: side length of the grid, at least 5 with a wall and at least 3
      with ``empty=True`` (default 10).
    - ``light_off_prob``: probability that an episode starts with the light off,
      in the target task and in self-play alike (default 0.3). Sukhbaatar et al.
      describe the target task with the light off. ``light_off_prob=1`` gives that
      hard case, but then every self-play episode starts in the dark as well.
    - ``empty``: drop the wall, the door, both switches and the lamp, so the light
      is always on and ``light_off_prob`` has no effect (default False). The target
      task then puts the flag on a random cell other than the agent's.
    - ``render_mode``: ``None``, ``"ansi"`` or ``"rgb_array"``. Both modes render
      the true state whatever the light. ``"ansi"`` renders text: ``A`` agent,
      ``#`` wall, ``+`` closed door, ``/`` open door, ``k``/``K`` key switch
      off/on, ``l``/``L`` lamp switch off/on, ``F`` flag, ``o`` corner marker.
      ``"rgb_array"`` renders a uint8 frame of shape ``(16 * size, 16 * size, 3)``
      with a 16-pixel square per cell in the colour of :data:`CELL_COLORS`. The
      agent is a smaller red square inside its cell, so the object under it stays
      visible. While the light is off, every cell but the lamp switch and the
      corner markers is drawn at half brightness, and so is the border of the
      agent's cell unless the cell contains one of those.

    Registered versions: ``SelfPlay/LightKey-v0`` (size 10),
    ``SelfPlay/LightKey-6x6-v0`` (size 6) and ``SelfPlay/LightKey-Empty-v0``
    (size 10, ``empty=True``).

    ## Self-play

    - Modes: ``"reverse"`` and ``"repeat"``. The agent can undo every change,
      because a move is undone by the opposite move and a toggle by toggling
      again on the same switch.
    - Bob is compared on the visible state: :meth:`target_features` is the
      flattened observation grid without the flag channel, and the target is reached
      on exact equality. While the light is off, the door and the key switch are
      not compared.
    - ``reset(options={"selfplay": True})`` draws a new wall and places the agent
      and both switches on distinct random cells off the wall and the corners.
      The door is open with probability 0.5, the light is off with probability
      ``light_off_prob``, and there is no flag.
    - Snapshots are :class:`LightKeyState` tuples.

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
        size: int = 10,
        light_off_prob: float = 0.3,
        empty: bool = False,
        render_mode: str | None = None,
    ) -> None:
        """Create a light-key grid world with the arguments described above.

        Raises:
            ValueError: If ``size``, ``light_off_prob`` or ``render_mode`` is invalid.
        """
        min_size = 3 if empty else 5
        if size < min_size:
            raise ValueError(
                f"invalid size {size}, expected at least {min_size} so that every "
                "object fits off the wall and the corners"
            )
        if not 0.0 <= light_off_prob <= 1.0:
            raise ValueError(
                f"invalid light_off_prob {light_off_prob}, expected a probability "
                "in [0, 1]"
            )
        check_render_mode(render_mode, self.metadata)

        self.size = int(size)
        self.light_off_prob = float(light_off_prob)
        self.empty = bool(empty)
        self.render_mode = render_mode
        self.action_space = spaces.Discrete(6)
        self.observation_space = spaces.Box(
            0.0, 1.0, (self.size * self.size * len(CHANNELS),), np.float32
        )

        cell_count = self.size * self.size
        self._neighbors = grid.neighbor_table(self.size)
        self._corners = grid.corner_cells(self.size)
        # Reset draws from these tables because that is faster than building them.
        self._wall_lines, self._start_cells = grid.tabulate_walls(self.size)
        self._open_start_cells = grid.off_corner_cells(self.size)

        # The observation grid, indexed [row, col, channel] and updated in place by
        # every step. _obs_cells is a view of it indexed [cell, channel], and
        # _obs_flat is the flat view that reset, step and restore return copies of.
        self._obs = np.zeros((self.size, self.size, len(CHANNELS)), dtype=np.float32)
        self._obs_cells = self._obs.reshape(cell_count, len(CHANNELS))
        self._obs_flat = self._obs.reshape(-1)

        # Cells are numbered as in selfplay.envs.grid, and -1 marks an absent object.
        self._agent = 0
        self._wall: grid.WallOrientation | None = None
        self._wall_cells: list[int] = []  # without the door
        self._door = -1
        self._door_open = False
        self._key_switch = -1
        self._lamp_switch = -1
        self._light_on = True
        self._flag = -1
        self._passable = [True] * cell_count

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

        if self.empty:
            self._place_empty(selfplay)
        elif selfplay:
            self._place_selfplay()
        else:
            self._place_target()

        self._build_layout()
        return self._obs_flat.copy(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Move, toggle the switch under the agent, or stop.

        Returns:
            The observation, reward, terminated, truncated and info. The info is
            a new dict on every step: ``{"is_success": bool}`` in the target task
            and empty in self-play.

        Raises:
            ValueError: If ``action`` is not an int from 0 to 5.
        """
        action = int(action)
        agent = self._agent

        if 0 <= action < TOGGLE:
            destination = self._neighbors[action][agent]
            if destination != agent and self._passable[destination]:
                self._obs_cells[agent, AGENT] = 0.0
                self._obs_cells[destination, AGENT] = 1.0
                self._agent = destination
        elif action == TOGGLE:
            if agent == self._key_switch:
                self._door_open = not self._door_open
                self._passable[self._door] = self._door_open
                self._render_observation()
            elif agent == self._lamp_switch:
                self._light_on = not self._light_on
                self._render_observation()
        elif action != STOP:
            raise ValueError(
                f"invalid action {action}, expected 0 to 5 (up, down, left, right, "
                "toggle, stop)"
            )

        obs = self._obs_flat.copy()
        if self._flag < 0:
            return obs, 0.0, False, False, {}
        if self._agent == self._flag:
            return obs, STEP_REWARD + FLAG_REWARD, True, False, {"is_success": True}
        return obs, STEP_REWARD, False, False, {"is_success": False}

    def render(self) -> str | np.ndarray | None:
        """Render the true state, whatever the light, in ``self.render_mode``.

        Returns:
            Text in ``"ansi"`` mode. In ``"rgb_array"`` mode, a new uint8 array of
            shape ``(16 * size, 16 * size, 3)`` drawn as the class docstring's
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

        symbols = {int(cell): "o" for cell in self._corners}
        symbols.update({cell: "#" for cell in self._wall_cells})
        if self._door >= 0:
            symbols[self._door] = "/" if self._door_open else "+"
        if self._key_switch >= 0:
            symbols[self._key_switch] = "K" if self._door_open else "k"
        if self._lamp_switch >= 0:
            symbols[self._lamp_switch] = "L" if self._light_on else "l"
        if self._flag >= 0:
            symbols[self._flag] = "F"
        symbols[self._agent] = "A"

        light = "on" if self._light_on else "off"
        door = "open" if self._door_open else "closed"
        if self._door < 0:
            door = "none"
        return f"light {light}, door {door}\n" + grid.text_grid(self.size, symbols)

    def snapshot(self) -> LightKeyState:
        """Return the complete state as a :class:`LightKeyState` of ints and strings."""
        return LightKeyState(
            agent=self._position(self._agent),
            wall=self._wall,
            door=self._position(self._door),
            door_open=self._door_open,
            key_switch=self._position(self._key_switch),
            lamp_switch=self._position(self._lamp_switch),
            light_on=self._light_on,
            flag=self._position(self._flag),
        )

    def restore(self, snapshot: LightKeyState) -> np.ndarray:
        """Set the grid world to ``snapshot`` and return the observation there.

        ``snapshot`` may also be written by hand, for any layout that fits the grid.

        Raises:
            ValueError: If ``snapshot`` is not a layout this grid can hold, as
                :func:`~selfplay.envs.lightkey_state.validate_state` checks.
        """
        state = LightKeyState(*snapshot)
        cells = validate_state(state, self.size)

        self._agent = cells["agent"]
        self._wall = state.wall
        self._door = cells["door"]
        self._door_open = bool(state.door_open) and self._door >= 0
        self._key_switch = cells["key_switch"]
        self._lamp_switch = cells["lamp_switch"]
        self._light_on = bool(state.light_on)
        self._flag = cells["flag"]
        self._build_layout()
        return self._obs_flat.copy()

    def grid(self, observation: np.ndarray) -> np.ndarray:
        """Reshape flat observations into the ``[row, col, channel]`` grid.

        Args:
            observation: An observation of shape ``(size * size * 10,)``, or a
                batch of them of shape ``(..., size * size * 10)``.

        Returns:
            The same values with shape ``(..., size, size, 10)``, indexed by the
            channel constants of :mod:`~selfplay.envs.lightkey_state`. NumPy
            returns a view of ``observation`` where it can reshape without a copy.

        Raises:
            ValueError: If the last axis of ``observation`` does not have
                ``size * size * 10`` elements.
        """
        observation = np.asarray(observation)
        shape = (self.size, self.size, len(CHANNELS))
        length = self.size * self.size * len(CHANNELS)
        if observation.shape[-1:] != (length,):
            raise ValueError(
                f"invalid observation shape {observation.shape}, expected (..., "
                f"{length}) for a {self.size} x {self.size} grid with "
                f"{len(CHANNELS)} channels. Pass observations of an environment "
                "with the same size."
            )
        return observation.reshape(*observation.shape[:-1], *shape)

    def target_features(self) -> np.ndarray:
        """Return the visible observation without the flag channel, flattened.

        Returns:
            A new float32 array of shape ``(size * size * 9,)``.
        """
        return self._obs[:, :, :FLAG].flatten()

    def target_reached(self, features: np.ndarray, target: np.ndarray) -> bool:
        """Return whether the visible states are exactly equal."""
        return bool(np.array_equal(features, target))

    def _place_target(self) -> None:
        self._draw_wall()
        self._door_open = False
        self._light_on = bool(self.np_random.random() >= self.light_off_prob)

        sides = self._start_cells[self._wall, self._wall_index()]
        agent_side = int(self.np_random.integers(2))
        near = grid.draw_distinct(self.np_random, sides[agent_side], 3)
        self._agent, self._key_switch, self._lamp_switch = near
        (self._flag,) = grid.draw_distinct(self.np_random, sides[1 - agent_side], 1)

    def _place_selfplay(self) -> None:
        self._draw_wall()
        self._door_open = bool(self.np_random.random() < 0.5)
        self._light_on = bool(self.np_random.random() >= self.light_off_prob)

        low, high = self._start_cells[self._wall, self._wall_index()]
        placed = grid.draw_distinct(self.np_random, low + high, 3)
        self._agent, self._key_switch, self._lamp_switch = placed
        self._flag = -1

    def _place_empty(self, selfplay: bool) -> None:
        self._wall, self._door, self._door_open = None, -1, False
        self._key_switch = self._lamp_switch = -1
        self._light_on = True

        if selfplay:
            (self._agent,) = grid.draw_distinct(
                self.np_random, self._open_start_cells, 1
            )
            self._flag = -1
        else:
            self._agent, self._flag = grid.draw_distinct(
                self.np_random, self._open_start_cells, 2
            )

    def _draw_wall(self) -> None:
        self._wall = grid.HORIZONTAL if self.np_random.random() < 0.5 else grid.VERTICAL
        index = int(self.np_random.integers(1, self.size - 1))
        line = self._wall_lines[self._wall, index]
        self._door = line[int(self.np_random.integers(self.size))]

    def _wall_index(self) -> int:
        return grid.line_through(self.size, self._wall, self._door)

    def _build_layout(self) -> None:
        """Recompute the wall cells and passability from the state, then render."""
        self._passable = [True] * (self.size * self.size)
        if self._wall is None:
            self._wall_cells = []
        else:
            line = self._wall_lines[self._wall, self._wall_index()]
            self._wall_cells = [cell for cell in line if cell != self._door]
            for cell in self._wall_cells:
                self._passable[cell] = False
            self._passable[self._door] = self._door_open
        self._render_observation()

    def _render_observation(self) -> None:
        """Redraw the whole observation. Steps that only move the agent skip this."""
        obs = self._obs_cells
        obs.fill(0.0)
        obs[self._corners, CORNER] = 1.0
        obs[self._agent, AGENT] = 1.0
        if self._lamp_switch >= 0:
            lamp = LAMP_SWITCH_ON if self._light_on else LAMP_SWITCH_OFF
            obs[self._lamp_switch, lamp] = 1.0
        if not self._light_on:
            return

        obs[self._wall_cells, WALL] = 1.0
        if self._door >= 0:
            obs[self._door, DOOR_OPEN if self._door_open else DOOR_CLOSED] = 1.0
        if self._key_switch >= 0:
            key = KEY_SWITCH_ON if self._door_open else KEY_SWITCH_OFF
            obs[self._key_switch, key] = 1.0
        if self._flag >= 0:
            obs[self._flag, FLAG] = 1.0

    def _render_frame(self) -> np.ndarray:
        # Each cell shows its topmost object, in the order of the text rendering.
        kinds = np.full(self.size * self.size, EMPTY)
        kinds[self._corners] = CORNER
        kinds[self._wall_cells] = WALL
        if self._door >= 0:
            kinds[self._door] = DOOR_OPEN if self._door_open else DOOR_CLOSED
        if self._key_switch >= 0:
            key = KEY_SWITCH_ON if self._door_open else KEY_SWITCH_OFF
            kinds[self._key_switch] = key
        if self._lamp_switch >= 0:
            lamp = LAMP_SWITCH_ON if self._light_on else LAMP_SWITCH_OFF
            kinds[self._lamp_switch] = lamp
        if self._flag >= 0:
            kinds[self._flag] = FLAG

        colors = CELL_COLORS[kinds]
        if not self._light_on:
            # Dim what the observation hides, so a viewer still sees it.
            hidden = np.isin(kinds, (*DARK_HIDDEN_CHANNELS, EMPTY))
            colors[hidden] //= 2

        cell_colors = colors.reshape(self.size, self.size, 3)
        agent = grid.to_row_col(self.size, self._agent)
        return grid.draw_frame(cell_colors, agent, CELL_COLORS[AGENT])

    def _position(self, cell: int) -> Position | None:
        return None if cell < 0 else grid.to_row_col(self.size, cell)
