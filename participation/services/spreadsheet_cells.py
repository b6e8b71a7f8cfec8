"""Cells of the tables people download (CSV and XLSX): what a cell may hold, and the
defusing of text a spreadsheet would run as a formula (CSV injection). Shared by every
export: surveys, contributions, profiles, the plan and the open-data package."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | None


def defuse(value: Cell) -> Cell:
    """Text that a spreadsheet would take as a formula, with a quote in front so it stays
    text; numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_lines(rows: Iterable[Sequence[Cell]], delimiter: str = ";") -> str:
    """Rows as CSV text (lines end in CRLF, as RFC 4180 has them), every cell defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([defuse(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def xlsx_cell(value: Cell) -> Cell:
    """A cell as openpyxl may write it: defused, without the control characters XLSX
    forbids (openpyxl refuses them)."""
    value = defuse(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
