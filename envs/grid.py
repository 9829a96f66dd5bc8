"""Geometry of a square grid without border walls, shared by the grid environments.

Cells are numbered row-major: cell ``row * size + col``. Row 0 is the top row and
column 0 the left column. :func:`draw_frame` also draws the one-row hallway.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final, Literal

import numpy as np

HORIZONTAL: Final = "horizontal"
"""A wall that fills one row."""
VERTICAL: Final = "vertical"
"""A wall that fills one column."""

WallOrientation = Literal["horizontal", "vertical"]
WallKey = tuple[str, int]
"""A wall's orientation and its row (horizontal) or column (vertical)."""

MOVES: Final = ((-1, 0), (1, 0), (0, -1), (0, 1))
"""Row and column offsets of the moves up, down, left and right, in that order."""

CELL_PIXELS: Final = 16
"""Side length of one cell in an ``"rgb_array"`` frame, in pixels."""


def neighbor_table(size: int) -> list[list[int]]:
    """Tabulate where each move leads from each cell.

    Args:
        size: Side length of the grid, in cells.

    Returns:
        ``table[move][cell]``: the cell that ``MOVES[move]`` leads to from ``cell``,
        or ``cell`` itself where the move would leave the grid. Plain lists, because
        indexing them is faster than indexing arrays with Python ints.
    """
    rows, cols = np.divmod(np.arange(size * size), size)
    table = []
    for d_row, d_col in MOVES:
        next_rows = np.clip(rows + d_row, 0, size - 1)
        next_cols = np.clip(cols + d_col, 0, size - 1)
        table.append((next_rows * size + next_cols).tolist())
    return table


def corner_cells(size: int) -> np.ndarray:
    """Return the four corner cells, shape ``(4,)``."""
    last = size - 1
    return np.array([0, last, last * size, last * size + last])


def wall_line(size: int, orientation: WallOrientation, index: int) -> np.ndarray:
    """Return the cells of a wall across the whole grid, shape ``(size,)``.

    Args:
        size: Side length of the grid, in cells.
        orientation: ``"horizontal"`` fills row ``index``, ``"vertical"`` fills
            column ``index``.
        index: Row or column of the wall.
    """
    along = np.arange(size)
    if orientation == HORIZONTAL:
        return index * size + along
    return along * size + index


def wall_sides(
    size: int, orientation: WallOrientation, index: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split the cells off a wall into the two sides it separates.

    Returns:
        The cells above (horizontal wall) or left of (vertical wall) the wall, then
        the cells below or right of it, each sorted and 1-D.
    """
    rows, cols = np.divmod(np.arange(size * size), size)
    coordinate = rows if orientation == HORIZONTAL else cols
    cells = np.arange(size * size)
    return cells[coordinate < index], cells[coordinate > index]


def line_through(size: int, orientation: WallOrientation, cell: int) -> int:
    """Return the row (horizontal) or column (vertical) of a wall through ``cell``."""
    row, col = divmod(cell, size)
    return row if orientation == HORIZONTAL else col


def side_of(size: int, orientation: WallOrientation, index: int, cell: int) -> int:
    """Return -1 or +1 for the side of the wall that ``cell`` lies on, 0 on the wall."""
    coordinate = line_through(size, orientation, cell)
    return int(np.sign(coordinate - index))


def to_cell(size: int, row_col: tuple[int, int]) -> int:
    """Convert ``(row, col)`` to a cell number.

    Raises:
        ValueError: If ``row_col`` is not two ints inside the grid.
    """
    if len(row_col) != 2:
        raise ValueError(f"invalid position {row_col!r}, expected (row, col)")
    row, col = int(row_col[0]), int(row_col[1])
    if not (0 <= row < size and 0 <= col < size):
        raise ValueError(
            f"invalid position {tuple(row_col)!r}, expected a row and a column "
            f"from 0 to {size - 1} in a {size}x{size} grid"
        )
    return row * size + col


def to_row_col(size: int, cell: int) -> tuple[int, int]:
    """Convert a cell number to ``(row, col)``."""
    row, col = divmod(cell, size)
    return (row, col)


def draw_frame(
    cell_colors: np.ndarray,
    agent: tuple[int, int],
    agent_color: np.ndarray,
    cell_pixels: int = CELL_PIXELS,
) -> np.ndarray:
    """Scale a grid of cell colours up to an RGB frame and draw the agent on it.

    Args:
        cell_colors: uint8 colours of shape ``(rows, cols, 3)``, one per cell.
        agent: ``(row, col)`` of the agent's cell.
        agent_color: uint8 colour of the agent, shape ``(3,)``.
        cell_pixels: Side length of each cell's square, in pixels.

    Returns:
        A new uint8 array of shape ``(rows * cell_pixels, cols * cell_pixels, 3)``.
        The agent is a square inset by a quarter of a cell on every side, so the
        colour of the cell under it stays visible around it.
    """
    frame = np.repeat(np.repeat(cell_colors, cell_pixels, axis=0), cell_pixels, axis=1)

    inset = cell_pixels // 4
    top = agent[0] * cell_pixels + inset
    left = agent[1] * cell_pixels + inset
    side = cell_pixels - 2 * inset
    frame[top : top + side, left : left + side] = agent_color
    return frame


def text_grid(size: int, symbols: dict[int, str]) -> str:
    """Draw the grid as lines of text, ``.`` for cells not in ``symbols``."""
    chars = ["."] * (size * size)
    for cell, symbol in symbols.items():
        chars[cell] = symbol
    lines = ("".join(chars[row * size : (row + 1) * size]) for row in range(size))
    return "\n".join(lines) + "\n"


def off_corner_cells(size: int) -> list[int]:
    """Return every cell but the four corners, in increasing order."""
    corners = set(corner_cells(size).tolist())
    return [cell for cell in range(size * size) if cell not in corners]


def tabulate_walls(
    size: int,
) -> tuple[dict[WallKey, list[int]], dict[WallKey, tuple[list[int], list[int]]]]:
    """Tabulate every wall that spans the grid away from its first and last lines.

    Returns:
        The cells of each wall, and the cells off the corners on its two sides (as
        :func:`wall_sides` orders them), each keyed by ``(orientation, index)``
        for ``index`` from 1 to ``size - 2``.
    """
    off_corner = set(off_corner_cells(size))
    lines: dict[WallKey, list[int]] = {}
    sides: dict[WallKey, tuple[list[int], list[int]]] = {}
    for orientation in (HORIZONTAL, VERTICAL):
        for index in range(1, size - 1):
            key = (orientation, index)
            lines[key] = wall_line(size, orientation, index).tolist()
            low, high = wall_sides(size, orientation, index)
            sides[key] = (
                [cell for cell in low.tolist() if cell in off_corner],
                [cell for cell in high.tolist() if cell in off_corner],
            )
    return lines, sides


def draw_distinct(
    rng: np.random.Generator, cells: Sequence[int], count: int
) -> list[int]:
    """Draw ``count`` distinct items of ``cells``, uniformly without replacement.

    Raises:
        ValueError: If ``cells`` has fewer than ``count`` items.
    """
    if count > len(cells):
        raise ValueError(
            f"invalid count {count}, expected at most {len(cells)}, the number of cells"
        )
    pool = list(cells)
    radices = range(len(pool), len(pool) - count, -1)
    # One uniform integer below n (n - 1) ... encodes the ordered picks in mixed
    # radix, so a single call to the generator draws them all.
    code = int(rng.integers(math.prod(radices)))
    picks = []
    for radix in radices:
        code, pick = divmod(code, radix)
        picks.append(pool.pop(pick))
    return picks
