"""State and observation layout of the light-key grid world."""

from __future__ import annotations

from typing import Final, NamedTuple

from selfplay.envs import grid

CHANNELS: Final = (
    "agent",
    "wall",
    "door_closed",
    "door_open",
    "key_switch_off",
    "key_switch_on",
    "lamp_switch_off",
    "lamp_switch_on",
    "corner",
    "flag",
)
"""Names of the observation channels, in order. The flag comes last so that the
target features, which leave it out, are one slice of the observation grid."""
(
    AGENT,
    WALL,
    DOOR_CLOSED,
    DOOR_OPEN,
    KEY_SWITCH_OFF,
    KEY_SWITCH_ON,
    LAMP_SWITCH_OFF,
    LAMP_SWITCH_ON,
    CORNER,
    FLAG,
) = range(len(CHANNELS))

DARK_HIDDEN_CHANNELS: Final = (
    WALL,
    DOOR_CLOSED,
    DOOR_OPEN,
    KEY_SWITCH_OFF,
    KEY_SWITCH_ON,
    FLAG,
)
"""Channels that are all zero while the light is off."""

Position = tuple[int, int]


class LightKeyState(NamedTuple):
    """A snapshot of :class:`LightKeyEnv`: the complete simulator state.

    Positions are ``(row, col)``, and ``None`` marks an absent object.
    """

    agent: Position
    wall: grid.WallOrientation | None
    """``"horizontal"`` (the wall fills the door's row), ``"vertical"`` (the door's
    column) or ``None`` for no wall."""
    door: Position | None
    door_open: bool
    key_switch: Position | None
    lamp_switch: Position | None
    light_on: bool
    flag: Position | None
    """The target task's flag, or ``None`` in a self-play episode."""


def validate_state(state: LightKeyState, size: int) -> dict[str, int]:
    """Validate ``state`` for a ``size`` x ``size`` grid and return its cells.

    Returns:
        The cell number of each position field, -1 for an absent object.

    Raises:
        ValueError: If an object lies outside the grid, on the wall or on another
            object. Also if the wall lies on the grid's edge, if a wall comes
            without a door or a door without a wall, if a key switch has no door,
            or if the light is off without a lamp.
    """
    names = ("agent", "door", "key_switch", "lamp_switch", "flag")
    cells = {name: _cell_or_absent(size, getattr(state, name)) for name in names}
    if cells["agent"] < 0:
        raise ValueError("invalid snapshot: the agent position is missing")
    if state.wall not in (None, grid.HORIZONTAL, grid.VERTICAL):
        raise ValueError(
            f"invalid snapshot: wall {state.wall!r}, expected 'horizontal', "
            "'vertical' or None"
        )
    if (state.wall is None) != (cells["door"] < 0):
        raise ValueError(
            f"invalid snapshot: wall {state.wall!r} with door {state.door!r}, "
            "but a wall needs exactly one door and a door needs a wall"
        )
    if cells["key_switch"] >= 0 and cells["door"] < 0:
        raise ValueError("invalid snapshot: a key switch needs a door to open")
    if cells["lamp_switch"] < 0 and not state.light_on:
        raise ValueError("invalid snapshot: the light is off but there is no lamp")

    objects = [name for name in names[2:] if cells[name] >= 0]
    if len({cells[name] for name in objects}) < len(objects):
        raise ValueError(f"invalid snapshot: objects share a cell in {state!r}")
    if state.wall is None:
        return cells

    index = grid.line_through(size, state.wall, cells["door"])
    if not 1 <= index <= size - 2:
        raise ValueError(
            f"invalid snapshot: a {state.wall} wall through door {state.door} lies "
            "on the edge of the grid, expected a row or column from 1 to "
            f"{size - 2}"
        )
    wall = set(grid.wall_line(size, state.wall, index).tolist())
    agent_in_doorway = cells["agent"] == cells["door"] and state.door_open
    for name in ["agent", *objects]:
        if cells[name] in wall and not (name == "agent" and agent_in_doorway):
            raise ValueError(
                f"invalid snapshot: {name} at {getattr(state, name)} is on the "
                "wall, or in a closed doorway"
            )
    return cells


def _cell_or_absent(size: int, position: Position | None) -> int:
    return -1 if position is None else grid.to_cell(size, position)
