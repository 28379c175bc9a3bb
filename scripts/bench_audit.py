#!/usr/bin/env python3
"""Benchmark: the audit rules on rdflib's memory store (the baseline) vs an in-memory Oxigraph.

Generates valid claims projects of N claims (graph.generate), builds each graph once, then runs the same rule files
on both stores in this process, checks that the findings are identical, and prints the seconds side by side with
the ratio Oxigraph / memory. Also shows what the rest of `claimgraph build` costs at that size.

    .venv/bin/python scripts/bench_audit.py                  # sizes 100 500 2000
    .venv/bin/python scripts/bench_audit.py --sizes 5000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.generate import generate_project  # noqa: E402
from graph.oxstore import OxigraphStore  # noqa: E402
from graph.project import load_project  # noqa: E402
from graph.store import MemoryStore  # noqa: E402

from graph.audit import load_rules, run_audit  # noqa: E402
from graph.rdf import build_graph, serialize  # noqa: E402


def measure(size: int, rules: list) -> tuple[str, bool]:
    """One table row for a generated project of ``size`` claims, and whether both stores agree."""
    with tempfile.TemporaryDirectory() as folder:
        root = generate_project(Path(folder), size)
        clock = time.perf_counter()
        project = load_project(root / "claims.csv", [root / "ontology.ttl"], root / "sources")
        t_load, clock = time.perf_counter() - clock, time.perf_counter()
        graph = build_graph(project)
        t_build, clock = time.perf_counter() - clock, time.perf_counter()
        serialize(graph, "turtle")
        t_serialize, clock = time.perf_counter() - clock, time.perf_counter()
        memory = run_audit(MemoryStore(graph), rules)
        t_memory, clock = time.perf_counter() - clock, time.perf_counter()
        oxigraph = run_audit(OxigraphStore.from_graph(graph), rules)
        t_oxigraph = time.perf_counter() - clock
    same = memory.findings == oxigraph.findings and memory.claims == oxigraph.claims
    row = (
        f"| {size} | {len(graph)} | {t_load:.2f} s | {t_build:.2f} s | {t_serialize:.2f} s | "
        f"{t_memory:.2f} s | {t_oxigraph:.2f} s | {t_oxigraph / t_memory:.2f} | {same} |"
    )
    return row, same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    args = parser.parse_args()
    rules = load_rules()
    print(
        "| claims | triples | load+validate | build graph | serialize | audit: memory | audit: Oxigraph "
        "(incl. copy) | ratio Oxigraph/memory | same findings |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for size in args.sizes:
        row, same = measure(size, rules)
        print(row, flush=True)
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
