"""Laying text tables out in a width: ids are never cut or wrapped (other columns give way, cut with an
ellipsis in rows, folded in key/value tables), and no line ends in padding.

Widths are terminal cells (a CJK character takes two), as rich measures them.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, chop_cells, set_cell_size

GAP = "  "
ELLIPSIS = "…"
# Below this a cut column would show too little to be worth it; ids keep their whole length regardless.
MIN_CUT_WIDTH = 8
# Gateway ids (`i-…`, `vol-…`, `acc-…`, `op-…`, `req-…`) and access key ids (`CG…`).
ID_PATTERN = re.compile(r"[a-z]{1,5}-[0-9a-f]{16,24}|CG[A-Z0-9]{18}")


def terminal_width(environ: Mapping[str, str] = os.environ) -> int | None:
    """The width to fit: $COLUMNS when set, else the terminal's; None when stdout is not a terminal
    (piped output is not cut: the next program gets every character)."""
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def is_id(text: str) -> bool:
    return ID_PATTERN.fullmatch(text) is not None


def cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, ending in an ellipsis when it had to be cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + ELLIPSIS if width > 0 else ""


def pad(text: str, width: int) -> str:
    return text + " " * (width - cell_len(text))


def fit(natural: Sequence[int], minimum: Sequence[int], available: int) -> list[int]:
    """Column widths within `available` cells: the widest columns give way first, none below its minimum
    (the sum stays above `available` when the minimums alone do not fit)."""
    if sum(natural) <= available:
        return list(natural)

    def widths(level: int) -> list[int]:
        return [max(low, min(wide, level)) for wide, low in zip(natural, minimum, strict=True)]

    low, high = 0, max(natural)  # the highest level every column may reach that still fits
    while low < high:
        level = (low + high + 1) // 2
        if sum(widths(level)) <= available:
            low = level
        else:
            high = level - 1
    fitted = widths(low)
    spare = available - sum(fitted)
    # What the level leaves over makes whole the cut columns that need least, as many as it can.
    for index in sorted(range(len(natural)), key=lambda i: natural[i] - fitted[i]):
        grow = min(spare, natural[index] - fitted[index])
        fitted[index] += grow
        spare -= grow
    return fitted


@dataclass(frozen=True, slots=True)
class Laid:
    """A table laid out: the header line, one line per row, and the columns left out to fit."""

    lines: list[str]
    left_out: list[str]


def table_lines(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None, *, may_leave_out: bool = False
) -> Laid:
    """The header line and one line per row, fitted to `width` (None: every cell whole): the widest
    columns are cut first; when even that does not fit and `may_leave_out`, the last columns are left
    out (never the first)."""
    columns = [list(column) for column in zip(header, *rows, strict=True)] if header else []
    left_out: list[str] = []
    while True:
        natural = [max(cell_len(text) for text in column) for column in columns]
        if width is None:
            return Laid([_line(cells, natural) for cells in zip(*columns, strict=True)], left_out)
        minimum = [_minimum(column, wide) for column, wide in zip(columns, natural, strict=True)]
        available = width - len(GAP) * (len(columns) - 1)
        if sum(minimum) <= available or not may_leave_out or len(columns) <= 1:
            widths = fit(natural, minimum, available)
            return Laid([_line(cells, widths) for cells in zip(*columns, strict=True)], left_out)
        left_out.insert(0, columns.pop()[0])


def _minimum(column: Iterable[str], natural: int) -> int:
    """How narrow a column may get: as wide as its longest id, else MIN_CUT_WIDTH (or its width if less)."""
    ids = [cell_len(text) for text in column if is_id(text)]
    return max([min(natural, MIN_CUT_WIDTH), *ids])


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    texts = [text if is_id(text) else cut(text, wide) for text, wide in zip(cells, widths, strict=True)]
    padded = [pad(text, wide) for text, wide in zip(texts[:-1], widths, strict=False)]
    return GAP.join([*padded, texts[-1]]).rstrip() if texts else ""


def fold(text: str, width: int | None) -> list[str]:
    """`text` in lines of at most `width` cells, broken at spaces; a word too long for a line is split,
    unless it is an id, which keeps a line of its own whole."""
    if width is None or cell_len(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        pieces = [word] if is_id(word) else chop_cells(word, width) or [""]
        lines += pieces[:-1]
        line = pieces[-1]
    lines.append(line)
    return lines


def pairs_lines(pairs: Sequence[tuple[str, str]], width: int | None) -> list[tuple[str, str]]:
    """A key/value table as (key cell, value text) per line: keys padded to one column, each value folded
    into what the width leaves it (continuation lines have an empty key cell)."""
    key_width = max((cell_len(key) for key, _ in pairs), default=0)
    room = None if width is None else max(width - key_width - len(GAP), MIN_CUT_WIDTH)
    lines = []
    for key, value in pairs:
        for index, part in enumerate(fold(value, room)):
            lines.append((pad(key if index == 0 else "", key_width), part))
    return lines
