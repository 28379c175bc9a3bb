"""Audit rules: one SPARQL SELECT per file, with a header naming its id, kind, severity and description.

    # id: unsupported
    # kind: unsupported          (a cg:FindingKind notation of the ontology)
    # severity: warning          (a cg:Severity notation)
    # description: what the rule finds

The query selects ``?claim`` (a claim id), optionally ``?other`` (a second claim id) and ``?message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..files import read_text
from ..problems import InvalidInput, Problem, raise_if_errors
from ..sparql_text import Refused, check_query, variables_in_order
from ..vocab import Vocabulary

HEADER = re.compile(r"^#\s*(id|kind|severity|description):\s*(.*?)\s*$")
RULE_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_NAMES = {"kind": "finding kind", "severity": "severity"}


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: str
    description: str
    sparql: str
    path: str


def builtin_rules_dir() -> Path:
    return Path(str(resources.files("graph").joinpath("audit", "rules")))


def load_rules(vocab: Vocabulary, extra_dirs: list[Path] | tuple[Path, ...] = (), allow_service: bool = False):
    """The built-in rules plus every *.rq in ``extra_dirs``, sorted by id; InvalidInput lists every bad file."""
    problems: list[Problem] = []
    rules: dict[str, Rule] = {}
    for directory in (builtin_rules_dir(), *map(Path, extra_dirs)):
        if not directory.is_dir():
            problems.append(Problem(str(directory), 0, "", "rules folder not found"))
            continue
        for path in sorted(directory.glob("*.rq")):
            rule = _read_rule(path, vocab, problems, allow_service)
            if rule is None:
                continue
            if rule.id in rules:
                problems.append(
                    Problem(str(path), 1, "id", f"rule id '{rule.id}' is already used by {rules[rule.id].path}")
                )
                continue
            rules[rule.id] = rule
    raise_if_errors(problems)
    return sorted(rules.values(), key=lambda r: r.id)


def _read_rule(path: Path, vocab: Vocabulary, problems: list[Problem], allow_service: bool) -> Rule | None:
    before = len(problems)
    text = read_text(path, problems)
    if len(problems) > before:
        return None
    header: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        if m := HEADER.match(line):
            header[m.group(1)] = (m.group(2), number)
    for field in ("id", "kind", "severity", "description"):
        if field not in header:
            problems.append(Problem(str(path), 1, field, f"missing header line '# {field}: …'"))
    if "id" in header and not RULE_ID.match(header["id"][0]):
        problems.append(
            Problem(str(path), header["id"][1], "id", f"bad rule id '{header['id'][0]}': use a-z, 0-9 and -")
        )
    for field, allowed in (("kind", vocab.finding_kinds), ("severity", vocab.severities)):
        if field in header and header[field][0] not in allowed:
            value, line = header[field]
            message = f"'{value}' is not a {_NAMES[field]}; use one of: {allowed.words()}"
            problems.append(Problem(str(path), line, field, message))
    try:
        info = check_query(text, str(path), allow_service=allow_service)
    except InvalidInput as err:
        problems += err.problems
        return None
    except Refused as err:
        problems.append(Problem(str(path), 0, "sparql", str(err)))
        return None
    if info.form != "SELECT":
        problems.append(Problem(str(path), 0, "sparql", "a rule must be a SELECT query"))
    elif "claim" not in variables_in_order(text):
        problems.append(Problem(str(path), 0, "sparql", "a rule must select ?claim (a claim id)"))
    if len(problems) > before:
        return None
    return Rule(header["id"][0], header["kind"][0], header["severity"][0], header["description"][0], text, str(path))
