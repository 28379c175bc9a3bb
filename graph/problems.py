"""One type for every validation message, and one way to print them."""

from __future__ import annotations

from dataclasses import dataclass

from .escape import one_line


@dataclass(frozen=True, order=True)
class Problem:
    """A problem in a user's input, located as precisely as the input allows.

    ``column`` is a CSV column name, or ``col N`` for a character position in a text file.
    """

    file: str
    line: int
    column: str
    message: str
    severity: str = "error"
    more: int = 0  # a summary standing for this many further problems that were counted, not kept

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        label = "" if self.severity == "error" else f"{self.severity}: "
        text = f"{where}: {self.column}: {label}{self.message}" if self.column else f"{where}: {label}{self.message}"
        return one_line(text)


class InvalidInput(Exception):
    """Raised with every problem found, after all inputs were checked."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(p for p in problems if p.severity == "error")
        self.warnings = sorted(p for p in problems if p.severity != "error")
        self.count = sum(1 + p.more for p in self.problems)  # with the ones only counted
        super().__init__(f"{self.count} problem(s) in the input")


def raise_if_errors(problems: list[Problem]) -> list[Problem]:
    """Raise InvalidInput if any problem is an error; otherwise return the warnings."""
    if any(p.severity == "error" for p in problems):
        raise InvalidInput(problems)
    return sorted(problems)


def missing_file(path: object, hint: str = "") -> Problem:
    """The one message for an input file that is not there."""
    return Problem(str(path), 0, "", "no such file" + (f" ({hint})" if hint else ""))
