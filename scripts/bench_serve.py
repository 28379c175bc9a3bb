#!/usr/bin/env python3
"""Benchmark: `claimgraph serve` under concurrent load, keep-alive against fresh connections, and the server's
start-up time and memory. The server runs in its own process; the clients run here, on loopback.

    .venv/bin/python scripts/bench_serve.py                             # the shipped data, built into a temp dir
    .venv/bin/python scripts/bench_serve.py --graph DIR/out/claims.ttl  # any build (make_corpus.py N --out DIR)
    .venv/bin/python scripts/bench_serve.py --source /tmp/main-src      # the server of another checkout (before/after)
    .venv/bin/python scripts/bench_serve.py --startup-only --graph ...  # only start-up time and memory
    .venv/bin/python scripts/bench_serve.py --url http://127.0.0.1:8000/sparql   # a server started by the shell

Figures printed: start-up (launch until the server prints its URL), memory after start-up and after the load (RSS
summed over the server and its workers, and PSS, which counts a page shared by n processes as 1/n in each: the
honest total when workers share the loaded graph), then for C clients × R distinct queries each (a fresh connection
per request, as urllib makes, and one keep-alive connection per client): requests per second, p50 and p99 latency
and errors; the same load on `GET /` (the HTTP layer alone, no query); and first, on the fresh server, one client's mean
latency on a fresh connection per request against one kept-alive connection.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def query(client: int, index: int) -> str:
    """A distinct query text per request (the comment and the value differ), cheap to answer."""
    claim = f"C{(client * 7 + index) % 97:02d}"
    return (
        f'# client {client} request {index}\nSELECT ?c WHERE {{ ?c <http://purl.org/dc/terms/identifier> "{claim}" }}'
    )


def start(graph: Path, workers: int, store: str | None, source: Path | None) -> tuple[subprocess.Popen, int, float]:
    env = dict(os.environ)
    if source is not None:  # another checkout's package first on the path
        env["PYTHONPATH"] = str(source)
    # run from the checkout itself: `python -m` puts the working directory first on sys.path
    command = [sys.executable, "-m", "graph.cli", "serve", "--port", "0", "--graph", str(Path(graph).resolve())]
    command += ["--workers", str(workers), "--timeout", "60", "--max-rows", "100000"]
    if store:
        command += ["--store", store]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=source or ROOT
    )
    line = process.stdout.readline()
    if not line.startswith("serving http://"):
        process.kill()
        raise SystemExit(f"the server did not start: {line}")
    port = int(urllib.parse.urlsplit(line.split()[1]).port)
    return process, port, time.perf_counter() - started


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(p) for p in (task / "children").read_text().split()]
    return found


def memory(pid: int) -> tuple[float, float, int]:
    """(RSS MB, PSS MB, processes) summed over the server and every process below it."""
    rss = pss = 0
    pids = descendants(pid)
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, pss / 1024, len(pids)


def load(port: int, clients: int, requests: int, keep_alive: bool, path_of) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for index in range(requests):
            began = time.perf_counter()
            try:
                if not keep_alive:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                connection.request("GET", path_of(number, index), headers={"Accept": "text/csv"})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                if not ok:
                    with lock:
                        errors.append(f"{response.status}")
            except Exception as err:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                with lock:
                    errors.append(repr(err))
            finally:
                if not keep_alive:
                    connection.close()
            with lock:
                latencies.append(time.perf_counter() - began)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rate": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def sequential(port: int, count: int, keep_alive: bool) -> float:
    """Mean milliseconds per request for one client, on one kept-alive connection or a fresh one each time."""
    path = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for _ in range(count):
        if not keep_alive:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        began = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - began)
        if not keep_alive:
            connection.close()
    connection.close()
    return statistics.mean(times) * 1000


def shipped_build() -> Path:
    out = Path(tempfile.mkdtemp(prefix="bench-serve-")) / "out"
    subprocess.run(
        [sys.executable, "-m", "graph.cli", "build", "--out", str(out)], cwd=ROOT, check=True, capture_output=True
    )
    return out / "claims.ttl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graph", type=Path, help="a built claims.ttl (default: build the shipped data)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="distinct queries per client")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--store", help="--store for the server (default: its own default)")
    parser.add_argument("--source", type=Path, help="run the server from this checkout (PYTHONPATH)")
    parser.add_argument("--url", help="measure a server that is already running (its /sparql URL)")
    parser.add_argument("--startup-only", action="store_true", help="only start-up time and memory")
    args = parser.parse_args()
    if args.url:  # a server started elsewhere (e.g. by the shell): no start-up or memory figures
        port, process = int(urllib.parse.urlsplit(args.url).port or 80), None
        print(f"server: {args.url} (already running)")
    else:
        graph = args.graph or shipped_build()
        process, port, startup = start(graph, args.workers, args.store, args.source)
    try:
        if process is not None:
            time.sleep(1.0)  # let the workers settle
            rss, pss, count = memory(process.pid)
            print(
                f"server: {args.source or ROOT}  graph: {graph} ({graph.stat().st_size / 1e6:.1f} MB)  "
                f"workers: {args.workers}  store: {args.store or 'default'}"
            )
            print(
                f"start-up: {startup:.2f} s   memory after start-up: RSS {rss:.0f} MB, PSS {pss:.0f} MB "
                f"({count} processes)"
            )
        if args.startup_only:
            return 0
        fresh = sequential(port, 200, keep_alive=False)
        kept = sequential(port, 200, keep_alive=True)
        print(
            f"\none client, mean per request: fresh connection {fresh:.2f} ms, keep-alive {kept:.2f} ms "
            f"(keep-alive / fresh = {kept / fresh:.2f})"
        )
        print(f"\n{args.clients} clients x {args.requests} distinct queries")
        print("| load | requests | seconds | requests/s | p50 ms | p99 ms | errors |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")

        def sparql_path(client: int, index: int) -> str:
            return "/sparql?" + urllib.parse.urlencode({"query": query(client, index)})

        for label, keep, path_of in (
            ("queries, fresh connection per request", False, sparql_path),
            ("queries, keep-alive", True, sparql_path),
            ("GET / (HTTP only), fresh connections", False, lambda c, i: "/"),
        ):
            r = load(port, args.clients, args.requests, keep, path_of)
            print(
                f"| {label} | {r['requests']} | {r['seconds']:.2f} | {r['rate']:.0f} | {r['p50']:.1f} | "
                f"{r['p99']:.1f} | {r['errors']} |"
            )
            for error in r["first_errors"]:
                print(f"    e.g. {error}")
        if process is not None:
            rss, pss, count = memory(process.pid)
            print(f"memory after the load: RSS {rss:.0f} MB, PSS {pss:.0f} MB ({count} processes)")
    finally:
        if process is not None:
            process.terminate()
            process.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
