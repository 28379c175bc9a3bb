"""CSV tables as researchers write them: header row, free column order, line numbers kept."""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from pathlib import Path

from ..escape import csv_value
from ..files import read_text
from ..problems import Problem


@dataclass(frozen=True)
class Row:
    """One record of a table, with the line it starts on (records may span lines)."""

    file: str
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        """The cell's value: white space trimmed, and a spreadsheet's text escape (``'=…``) undone."""
        return csv_value(self.cells.get(column, "").strip())

    def problem(self, column: str, message: str, severity: str = "error") -> Problem:
        return Problem(self.file, self.line, column, message, severity)


def read_table(path: Path, required: tuple[str, ...], optional: tuple[str, ...], problems: list[Problem]) -> list[Row]:
    """Read a CSV table, checking its header; problems are appended, never raised."""
    name = str(path)
    if not Path(path).is_file():
        problems.append(
            Problem(name, 0, "", "is a folder, not a CSV file" if Path(path).is_dir() else "file not found")
        )
        return []
    before = len(problems)
    text = read_text(path, problems)
    if not text and len(problems) > before:  # unreadable (UTF-16, binary): that one line says why
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        problems.append(Problem(name, 1, "", "empty file: a header row is required"))
        return []
    except csv.Error as err:
        problems.append(Problem(name, 1, "", f"malformed CSV header: {err}"))
        return []
    for column in required:
        if column not in header:
            problems.append(Problem(name, 1, column, f"missing required column '{column}'"))
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(Problem(name, 1, column, f"column '{column}' appears twice"))
        seen.add(column)
        if column not in required and column not in optional:
            problems.append(_unknown_column(name, column, [c for c in optional if c not in header]))
    rows = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                if len(record) > len(header):
                    problems.append(Problem(name, start, "", f"{len(record)} fields but the header has {len(header)}"))
                rows.append(Row(name, start, dict(zip(header, record, strict=False))))
            start = reader.line_num + 1
    except csv.Error as err:  # the rest of the file cannot be split into records reliably
        reason = "a quoted field opened here is never closed" if "end of data" in str(err) else f"malformed CSV: {err}"
        problems.append(Problem(name, start, "", f"{reason}; the rows from here on were not read"))
    return rows


def _unknown_column(name: str, column: str, absent: list[str]) -> Problem:
    """A warning for a column the table does not know; an error when it is a misspelling of an optional column the
    header lacks ('certainity'): every row would silently take that column's default (certain, affirmed …)."""
    meant = difflib.get_close_matches(column, absent, n=1, cutoff=0.8)
    if meant:
        return Problem(name, 1, column, f"unknown column '{column}'; did you mean '{meant[0]}'? (without it, every "
                       f"row takes the default {meant[0]})")  # fmt: skip
    return Problem(name, 1, column, f"unknown column '{column}' is ignored", severity="warning")
