"""waivers.csv: findings and verdicts a reviewer has looked at and set aside, each with a reason.

    id,reason,reviewer,date
    unsupported:C62,"the infection rate is in the package insert; source pending",A. Reviewer,2026-11-27
    verdict:C09,"imprecise wording, not a medical claim",A. Reviewer,2026-11-27

An id is a finding id (RULE:CLAIM or RULE:CLAIM+OTHER, as audit.json lists them) or verdict:CLAIM. A waived
finding is shown as waived, no longer listed among the findings, and ignored by --fail-on.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..problems import Problem, missing_file
from .tables import read_table

REQUIRED = ("id", "reason")
OPTIONAL = ("reviewer", "date")
ID = re.compile(r"^(?:[a-z][a-z0-9-]*:[A-Za-z][A-Za-z0-9_.-]*(?:\+[A-Za-z][A-Za-z0-9_.-]*)?)$")


def read_waivers(path: Path, problems: list[Problem], required: bool = False) -> dict[str, str]:
    """The waivers of a file: id → reason (with the reviewer and date). None when it does not exist, unless the user
    named it (``required``): then that is a problem."""
    if not Path(path).is_file():
        if required:
            problems.append(missing_file(path))
        return {}
    waivers: dict[str, str] = {}
    for row in read_table(Path(path), REQUIRED, OPTIONAL, problems):
        waiver_id, reason = row.get("id"), row.get("reason")
        if not ID.match(waiver_id):
            problems.append(row.problem("id", f"'{waiver_id}' is not a finding id (RULE:CLAIM) or verdict:CLAIM"))
            continue
        if not reason:
            problems.append(row.problem("reason", "a waiver needs a reason"))
            continue
        by = ", ".join(part for part in (row.get("reviewer"), row.get("date")) if part)
        waivers[waiver_id] = reason + (f" ({by})" if by else "")
    return waivers
