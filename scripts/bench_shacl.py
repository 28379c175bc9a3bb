#!/usr/bin/env python3
"""Benchmark: SHACL validation of a built claims graph, pySHACL (rdflib) against graph.shacl (pyoxigraph).

Generates and builds claims projects with the command line (`python -m graph.generate`, `claimgraph build`), then
times, in this one process, pySHACL and the engine on the same graph. Sizes above --pyshacl-up-to are timed for
the engine only, and pySHACL's time there is extrapolated linearly from the largest size it ran (said so in the
table; pySHACL grows at least linearly, so the ratio shown is a lower bound). Sizes above --build-up-to are not
built: the largest build is copied into the store as many times as needed, every IRI under the build's base
renamed per copy (the ontology is shared), which is what a build of that size holds, only faster to make.

    .venv/bin/python scripts/bench_shacl.py                                   # 200 1000 | 10000 100000
    .venv/bin/python scripts/bench_shacl.py --sizes 200 1000 --pyshacl-up-to 200
"""

from __future__ import annotations

import argparse
import gc
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, URIRef

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.shacl import validate  # noqa: E402

BASE = b"<https://w3id.org/claimgraph/id/"  # the build's default --base
SH_RESULT = URIRef("http://www.w3.org/ns/shacl#result")
T = TypeVar("T")


def timed(action: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """The best of ``repeat`` runs (a shared machine adds noise, never removes it)."""
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        value = action()
        best = min(best, time.perf_counter() - started)
    return best, value  # type: ignore[return-value]


def build(folder: Path, claims: int) -> Path:
    """Generate and build a project of ``claims`` claims with the command line; return its claims.ttl."""
    python = sys.executable
    subprocess.run([python, "-m", "graph.generate", "--claims", str(claims), str(folder)], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    subprocess.run([python, "-m", "graph.cli", "build", "--out", str(folder / "out")], cwd=folder, check=True,
                   capture_output=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})  # fmt: skip
    return folder / "out" / "claims.ttl"


def replicated_store(ttl: Path, copies: int) -> ox.Store:
    """``copies`` renamed copies of a build in one store: the build's own IRIs get a /copyN/ segment."""
    single = ox.Store()
    single.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    text = single.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    store = ox.Store()
    for n in range(copies):
        renamed = text if n == 0 else text.replace(BASE, BASE + f"copy{n}/".encode())
        store.bulk_load(renamed, format=ox.RdfFormat.N_TRIPLES)
    return store


def loaded_store(ttl: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    return store


def run_pyshacl(ttl: Path, shapes: Graph) -> tuple[float, int]:
    """pySHACL as graph/shapes.py calls it, on an rdflib graph parsed beforehand (parsing is not timed)."""
    graph = Graph().parse(ttl, format="turtle")
    started = time.perf_counter()
    _, report, _ = pyshacl_validate(graph, shacl_graph=shapes, inference="none", advanced=True)
    seconds = time.perf_counter() - started
    return seconds, len(list(report.objects(None, SH_RESULT)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 10000, 100000])
    parser.add_argument("--pyshacl-up-to", type=int, default=1000, help="run pySHACL up to this many claims")
    parser.add_argument("--build-up-to", type=int, default=1000, help="build up to this size, copy builds above it")
    parser.add_argument("--repeat", type=int, default=3, help="engine runs per size below 100,000 (best kept)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # rdflib and pySHACL warn on the way; the figures are what matters here
    shapes = Graph().parse(ROOT / "graph" / "shapes.ttl", format="turtle")
    work = Path(tempfile.mkdtemp(prefix="cg-bench-shacl-"))
    rows: list[tuple[int, int, str, float, int, float, str]] = []
    try:
        built: dict[int, Path] = {}
        pyshacl_rate = None  # seconds per claim at the largest size pySHACL ran
        for n in sorted(args.sizes):
            if n <= args.build_up_to:
                built[n] = build(work / f"n{n}", n)
                store_seconds, store = timed(lambda n=n: loaded_store(built[n]))
            else:
                largest = max(built)
                copies = -(-n // largest)
                store_seconds, store = timed(lambda c=copies, t=built[largest]: replicated_store(t, c))
                n = copies * largest
            engine_seconds, found = timed(lambda s=store: validate(s, shapes), args.repeat if n < 100_000 else 1)
            if n <= args.pyshacl_up_to and n in built:
                theirs, their_results = run_pyshacl(built[n], shapes)
                pyshacl_rate, note = theirs / n, "measured"
            else:
                theirs, their_results, note = (pyshacl_rate or float("nan")) * n, -1, "extrapolated"
            rows.append((n, len(store), note, theirs, their_results, engine_seconds, f"{len(found)}"))
            print(f"{n} claims: {len(store)} triples, store loaded in {store_seconds:.1f} s", file=sys.stderr)
            del store
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'claims':>8} {'triples':>9} {'pySHACL s':>12} {'':<13} {'engine s':>9} {'ratio':>8}  results")
    for n, triples, note, theirs, their_results, ours, found in rows:
        results = f"{their_results} / {found}" if their_results >= 0 else f"- / {found}"
        if theirs != theirs:  # NaN: pySHACL ran at no size, nothing to extrapolate from
            print(f"{n:>8} {triples:>9} {'-':>12} {'':<13} {ours:>9.2f} {'-':>8}  {results}")
            continue
        print(f"{n:>8} {triples:>9} {theirs:>12.1f} {note:<13} {ours:>9.2f} {theirs / ours:>7.0f}×  {results}")
    print("\nresults: pySHACL / engine (the generated projects are valid, so 0 / 0 is expected)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
