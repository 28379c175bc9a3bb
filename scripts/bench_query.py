#!/usr/bin/env python3
"""Benchmark: loading a build and running every named query on the memory store vs Oxigraph (and Virtuoso).

Generates valid claims projects of N claims, builds them, then times, per store: loading the build, and each
named query. Prints the seconds side by side with the ratio to the memory store (the baseline).

    .venv/bin/python scripts/bench_query.py                      # sizes 250 1000 4000
    .venv/bin/python scripts/bench_query.py --sizes 1000 --virtuoso   # also start a throw-away Virtuoso
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.generate import generate_project  # noqa: E402
from graph.named import named_queries, parse_params  # noqa: E402
from graph.project import load_project  # noqa: E402
from graph.push import push  # noqa: E402
from graph.remote import EndpointStore  # noqa: E402
from graph.store import MemoryStore  # noqa: E402

from graph.files import read_graph  # noqa: E402
from graph.rdf import build_graph, serialize  # noqa: E402


def timed(action):
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--virtuoso", action="store_true", help="start a throw-away Virtuoso and include it")
    parser.add_argument("--endpoint", help="include this running SPARQL endpoint (push needs update rights)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    server_context = None
    endpoint = args.endpoint
    if args.virtuoso:
        from tests.virtuoso_server import running_virtuoso

        server_context = running_virtuoso(work / "virtuoso")
        endpoint = server_context.__enter__().sparql
    try:
        for n in args.sizes:
            bench(work / f"n{n}", n, endpoint)
    finally:
        if server_context is not None:
            server_context.__exit__(None, None, None)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def bench(folder: Path, n: int, endpoint: str | None) -> None:
    from graph.oxstore import OxigraphStore

    generate_project(folder, n)
    project = load_project(folder / "claims.csv", [folder / "ontology.ttl"], folder / "sources")
    ttl = folder / "claims.ttl"
    ttl.write_bytes(serialize(build_graph(project)))
    stores: dict[str, tuple[float, object]] = {}
    stores["memory"] = timed(lambda: MemoryStore(read_graph(ttl)))
    stores["oxigraph"] = timed(lambda: OxigraphStore.open(folder / "ox", ttl))
    if endpoint:
        graph = f"https://example.org/bench/{n}"
        t, _ = timed(lambda: push(ttl, endpoint, graph, gsp=endpoint.replace("/sparql", "/sparql-graph-crud")))
        stores["virtuoso"] = (t, EndpointStore(endpoint, default_graph=graph))
    triples = len(stores["memory"][1].graph)
    names = list(stores)
    print(f"\n{n} claims, {triples} triples — seconds (ratio to memory)")
    print(f"{'step':<16}" + "".join(f"{name:>22}" for name in names))
    base = stores["memory"][0]
    print(f"{'load':<16}" + "".join(f"{stores[s][0]:>12.3f} ({stores[s][0] / base:>6.2f}x)" for s in names))
    for query in named_queries():
        bindings = parse_params(query, [f"{p}={'entity 1' if p == 'entity' else 'G00042'}" for p in query.params])
        times = {}
        for name in names:
            times[name], _ = timed(lambda s=stores[name][1], q=query, b=bindings: s.query(q.text, b))
        base = times["memory"] or 1e-9
        print(f"{query.name:<16}" + "".join(f"{times[s]:>12.3f} ({times[s] / base:>6.2f}x)" for s in names), flush=True)


if __name__ == "__main__":
    sys.exit(main())
