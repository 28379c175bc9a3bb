"""The README's promises: its two commands, its queries, its figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rdflib import Graph

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    block = README.split("```")[1].strip().splitlines()
    assert block == [
        "# build",
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/claimgraph build",
        "# tests",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ]
    assert "awk '/^# tests$/" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_queries_run_as_written_on_the_build(shipped_build: Path):
    queries = re.findall(r"```sparql\n(.*?)```", README, flags=re.DOTALL)
    assert len(queries) >= 3
    graph = Graph().parse(shipped_build / "claims.ttl")
    for query in queries:
        rows = list(graph.query(query))
        assert rows, query
    knee = [str(r[0]) for r in graph.query(queries[2])]
    assert "C36" in knee


def test_readme_figures_are_those_of_the_shipped_build(shipped_run, shipped_build: Path):
    built, audited = shipped_run.stdout.splitlines()[:2]
    assert built.split(" in ")[0].replace(str(shipped_build), "out") in README
    assert audited.replace(str(shipped_build), "out") in README
    summary = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))["summary"]
    for kind, count in summary["by_kind"].items():
        assert f"| `{kind}` | {count} |" in README
