"""Audit rules: one SPARQL SELECT per file, with a header naming its id, kind, severity and description."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from ..problems import Problem, raise_if_errors

KINDS = ("contradiction", "unsupported", "uncited-evidence", "weak-evidence", "overclaim", "hedge-mismatch")
SEVERITIES = ("error", "warning", "info")
HEADER = re.compile(r"^#\s*(id|kind|severity|description):\s*(.*?)\s*$")
RULE_ID = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: str
    description: str
    sparql: str
    path: str


def builtin_rules_dir() -> Path:
    return Path(str(resources.files("graph").joinpath("rules")))


def load_rules(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> list[Rule]:
    """The built-in rules plus every *.rq in ``extra_dirs``; raises InvalidInput listing every bad file."""
    problems: list[Problem] = []
    rules: dict[str, Rule] = {}
    for directory in (builtin_rules_dir(), *map(Path, extra_dirs)):
        if not directory.is_dir():
            problems.append(Problem(str(directory), 0, "", "rules folder not found"))
            continue
        for path in sorted(directory.glob("*.rq")):
            rule = _read_rule(path, problems)
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


def _located(err: SyntaxError) -> tuple[int, int, str]:
    """Line, column and a one-line message from Oxigraph's 'error at LINE:COL: expected one of …'."""
    text = str(err.msg)
    m = re.match(r"error at (\d+):(\d+): (.*)", text, flags=re.S)
    if not m:
        return err.lineno or 0, err.offset or 0, text.splitlines()[0] if text else "invalid query"
    message = " ".join(m.group(3).split())
    return int(m.group(1)), int(m.group(2)), message if len(message) <= 100 else message[:99] + "…"


def _read_rule(path: Path, problems: list[Problem]) -> Rule | None:
    text = path.read_text(encoding="utf-8")
    header: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        if m := HEADER.match(line):
            header[m.group(1)] = (m.group(2), number)
    before = len(problems)
    for field in ("id", "kind", "severity", "description"):
        if field not in header:
            problems.append(Problem(str(path), 1, field, f"missing header line '# {field}: …'"))
    if "id" in header and not RULE_ID.match(header["id"][0]):
        problems.append(
            Problem(str(path), header["id"][1], "id", f"bad rule id '{header['id'][0]}': use a-z, 0-9 and -")
        )
    if "kind" in header and header["kind"][0] not in KINDS:
        problems.append(
            Problem(
                str(path),
                header["kind"][1],
                "kind",
                f"'{header['kind'][0]}' is not a finding kind; use one of: {', '.join(KINDS)}",
            )
        )
    if "severity" in header and header["severity"][0] not in SEVERITIES:
        problems.append(
            Problem(
                str(path),
                header["severity"][1],
                "severity",
                f"'{header['severity'][0]}' is not a severity; use one of: {', '.join(SEVERITIES)}",
            )
        )
    try:  # run on an empty store: Oxigraph parses fast and says where a syntax error is
        answer = ox.Store().query(text)
    except SyntaxError as err:
        line, column, message = _located(err)
        problems.append(Problem(str(path), line, f"col {column}", f"SPARQL syntax error: {message}"))
        return None
    if not isinstance(answer, ox.QuerySolutions):
        problems.append(Problem(str(path), 0, "sparql", "a rule must be a SELECT query"))
    elif "claim" not in {v.value for v in answer.variables}:
        problems.append(Problem(str(path), 0, "sparql", "a rule must select ?claim (a claim id)"))
    if len(problems) > before:
        return None
    return Rule(header["id"][0], header["kind"][0], header["severity"][0], header["description"][0], text, str(path))
