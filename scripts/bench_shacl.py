#!/usr/bin/env python3
"""Benchmark: SHACL validation of a built claims graph, pySHACL (rdflib) against graph.shacl (pyoxigraph).

Generates claims projects (scripts/make_corpus.py) and builds them with the command line (`claimgraph build`), then
times, in this one process, pySHACL and the engine on the same graph. Sizes above --pyshacl-up-to are timed for
the engine only, and pySHACL's time there is extrapolated linearly from the largest size it ran (said so in the
table; pySHACL grows at least linearly, so the ratio shown is a lower bound). Sizes above --build-up-to are not
built: the largest build is copied into the store as many times as needed, every IRI under the build's base
renamed per copy (the ontology is shared), which is what a build of that size holds, only faster to make.

Both wall-clock and CPU seconds are shown: on a shared machine the wall clock follows the other jobs, the CPU
time of this process does not (both validators run in this thread).

    .venv/bin/python scripts/bench_shacl.py                                   # 200 1000 | 10000 100000
    .venv/bin/python scripts/bench_shacl.py --build-up-to 10000               # build 10,000 claims too (minutes)
    .venv/bin/python scripts/bench_shacl.py --sizes 200 1000 --pyshacl-up-to 200
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, URIRef

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import best_of  # noqa: E402  (this script's folder)

from graph.shacl import validate  # noqa: E402

BASE = b"<https://w3id.org/claimgraph/id/"  # the build's default --base
SH_RESULT = URIRef("http://www.w3.org/ns/shacl#result")


@dataclass
class Row:
    claims: int
    triples: int
    theirs: tuple[float, float]  # pySHACL (wall, cpu) seconds, measured or extrapolated
    measured: bool
    their_results: int | None
    ours: tuple[float, float]  # the engine's (wall, cpu) seconds
    our_results: int


def build(folder: Path, claims: int) -> Path:
    """Generate and build a project of ``claims`` claims with the command line; return its claims.ttl."""
    python, env = sys.executable, {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    generate = [python, str(ROOT / "scripts" / "make_corpus.py"), str(claims), "--out", str(folder)]
    subprocess.run(generate, cwd=ROOT, check=True, capture_output=True, env=env)
    build_it = [python, "-m", "graph.cli", "build", "--out", str(folder / "out")]
    subprocess.run(build_it, cwd=folder, check=True, capture_output=True, env=env)
    return folder / "out" / "claims.ttl"


def loaded_store(ttl: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    return store


def replicated_store(ttl: Path, copies: int) -> ox.Store:
    """``copies`` renamed copies of a build in one store: the build's own IRIs get a /copyN/ segment."""
    text = loaded_store(ttl).dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    store = ox.Store()
    for n in range(copies):
        renamed = text if n == 0 else text.replace(BASE, BASE + f"copy{n}/".encode())
        store.bulk_load(renamed, format=ox.RdfFormat.N_TRIPLES)
    return store


def run_pyshacl(ttl: Path, shapes: Graph) -> tuple[tuple[float, float], int]:
    """pySHACL as graph/shapes.py calls it, on an rdflib graph parsed beforehand (parsing is not timed)."""
    graph = Graph().parse(ttl, format="turtle")
    (_, report, _), seconds = best_of(
        lambda: pyshacl_validate(graph, shacl_graph=shapes, inference="none", advanced=True)
    )
    return seconds, len(list(report.objects(None, SH_RESULT)))


def measure(n: int, args: argparse.Namespace, work: Path, built: dict[int, Path], shapes: Graph) -> Row:
    if n <= args.build_up_to:
        built[n] = build(work / f"n{n}", n)
        store, loading = best_of(lambda: loaded_store(built[n]))
    else:  # copies of the largest build
        largest = max(built)
        copies = -(-n // largest)
        store, loading = best_of(lambda: replicated_store(built[largest], copies))
        n = copies * largest
    found, ours = best_of(lambda: validate(store, shapes), args.repeat if n < 100_000 else 1)
    print(f"{n} claims: {len(store)} triples, store loaded in {loading[0]:.1f} s", file=sys.stderr)
    if n <= args.pyshacl_up_to and n in built:
        theirs, their_results = run_pyshacl(built[n], shapes)
        return Row(n, len(store), theirs, True, their_results, ours, len(found))
    return Row(n, len(store), (float("nan"), float("nan")), False, None, ours, len(found))


def extrapolate(rows: list[Row]) -> None:
    """pySHACL's seconds per claim at the largest size it ran, times the claims (a lower bound)."""
    ran = [r for r in rows if r.measured]
    if not ran:
        return
    base = max(ran, key=lambda r: r.claims)
    for row in rows:
        if not row.measured:
            row.theirs = (base.theirs[0] / base.claims * row.claims, base.theirs[1] / base.claims * row.claims)


def report(rows: list[Row]) -> None:
    head = ("claims", "triples", "pySHACL wall", "cpu", "", "engine wall", "cpu", "ratio wall", "cpu", "results")
    line = "{:>8} {:>9} {:>13} {:>8} {:<12} {:>12} {:>7} {:>11} {:>6}  {}"
    print("\n" + line.format(*head))
    for r in rows:
        known = r.theirs[0] == r.theirs[0]  # NaN when pySHACL ran at no size
        theirs = [f"{r.theirs[0]:.1f}", f"{r.theirs[1]:.1f}"] if known else ["-", "-"]
        ratios = [f"{r.theirs[0] / r.ours[0]:.0f}×", f"{r.theirs[1] / r.ours[1]:.0f}×"] if known else ["-", "-"]
        note = "measured" if r.measured else "extrapolated" if known else ""
        results = f"{r.their_results if r.measured else '-'} / {r.our_results}"
        print(line.format(r.claims, r.triples, *theirs, note, f"{r.ours[0]:.2f}", f"{r.ours[1]:.2f}", *ratios, results))
    print("\nresults: pySHACL / engine; the generated projects are valid, so 0 / 0 is expected.")


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
    try:
        built: dict[int, Path] = {}
        rows = [measure(n, args, work, built, shapes) for n in sorted(args.sizes)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    extrapolate(rows)
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
