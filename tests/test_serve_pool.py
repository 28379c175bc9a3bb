"""claimgraph serve under load and faults: concurrent distinct queries, queries that are deep or huge, workers that
die, and one loaded graph shared by every worker. Real servers, real clients, real process kills."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from tests.serving import CLAIMS_CSV, COUNT_CLAIMS, Server, get, rollup, serve, status, wait_for, with_query

CG = "https://w3id.org/claimgraph/ns#"
ID = "https://w3id.org/claimgraph/id/claim/"


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def server(request: pytest.FixtureRequest, shipped_build: Path) -> Iterator[Server]:
    """A server per store (Oxigraph in memory, the default; rdflib's memory store)."""
    with serve("--graph", str(shipped_build / "claims.ttl"), "--store", request.param, "--max-rows", "2000") as s:
        yield s


def workers(server: Server, count: int, other_than: list[int] | None = None) -> list[int]:
    """The worker pids once there are ``count`` of them (none of them in ``other_than``)."""

    def ready() -> list[int] | None:
        pids = server.workers()
        return pids if len(pids) == count and not set(pids) & set(other_than or []) else None

    return wait_for(ready, what=f"{count} worker(s)")


def gone(pids: list[int]) -> None:
    """Wait until killed processes are dead (reaped, or zombies waiting for their parent)."""

    def dead(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
        except (OSError, IndexError):
            return True

    wait_for(lambda: all(dead(pid) for pid in pids), what=f"the death of {pids}")


def csv(server: Server, query: str, accept: str = "text/csv") -> tuple[int, str]:
    status_code, _, body, _ = get(with_query(server.url, query), {"Accept": accept})
    return status_code, body


def test_8_clients_x_200_distinct_queries_on_a_fresh_server(shipped_build: Path):
    """The issue's load: every query text distinct (no cache can help), fresh connections as urllib makes them."""
    errors: list[str] = []
    answered = [0]
    lock = threading.Lock()

    def client(number: int, url: str) -> None:
        for index in range(200):
            claim = f"C{(number * 200 + index) % 60 + 1:02d}"
            query = (
                f"# client {number}, query {index}\n"
                f'SELECT ?c WHERE {{ ?c <http://purl.org/dc/terms/identifier> "{claim}" }}'
            )
            try:
                code, _, body, _ = get(with_query(url, query), {"Accept": "text/csv"})
                ok = code == 200 and body == f"c\r\n{ID}{claim}\r\n"
                problem = "" if ok else f"{code}: {body[:200]}"
            except Exception as err:  # a dropped connection, a timeout
                problem = repr(err)
            with lock:
                answered[0] += 1
                if problem:
                    errors.append(problem)

    with serve("--graph", str(shipped_build / "claims.ttl")) as s:
        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(n, s.url)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        elapsed = time.monotonic() - started
        assert "Traceback" not in s.stderr()
    assert answered[0] == 1600 and errors == [], errors[:5]
    assert elapsed < 30, f"1600 queries took {elapsed:.1f} s"


STACK_HEAVY = {
    "85 triple patterns in one group": (
        "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} <urn:p{i}> ?o{i} ." for i in range(85)) + " }",
        "n\r\n0\r\n",
    ),
    "36 nested groups": (
        "SELECT (COUNT(*) AS ?n) WHERE " + "{ " * 36 + f"?c a <{CG}Claim> " + "} " * 36,
        CLAIMS_CSV,
    ),
    "25 nested parentheses": (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c a <{CG}Claim> FILTER (" + "(" * 25 + "true" + ")" * 25 + ") }",
        CLAIMS_CSV,
    ),
}


@pytest.mark.parametrize("name", list(STACK_HEAVY))
def test_stack_heavy_queries_are_answered(server: Server, name: str):
    query, expected = STACK_HEAVY[name]
    assert csv(server, query) == (200, expected)


def test_a_query_nested_deeper_than_any_parser_can_take_is_400_and_the_server_lives(server: Server):
    """5,000 nested parentheses overflow Oxigraph's parser stack (SIGSEGV: the whole server died); refused first."""
    query = f"SELECT * WHERE {{ ?c a <{CG}Claim> FILTER (" + "(" * 5000 + "true" + ")" * 5000 + ") }"
    code, body = csv(server, query)
    assert code == 400 and "nests brackets 5002 deep; the limit is 256" in body
    assert csv(server, COUNT_CLAIMS) == (200, CLAIMS_CSV)


MILLION_ROWS = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 1000000"
MILLION_TRIPLES = "CONSTRUCT { ?a <urn:near> ?d } WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 1000000"


@pytest.mark.parametrize("query", [MILLION_ROWS, MILLION_TRIPLES], ids=["select", "construct"])
def test_a_million_row_answer_is_refused_before_it_is_built(server: Server, query: str):
    """Counted as it is read: 413 once past --max-rows, and no worker's peak memory grows by the answer's size."""
    workers = server.workers()
    peak_before = {pid: status(pid, "VmHWM") for pid in workers}
    started = time.monotonic()
    code, body = csv(server, query, "text/csv, text/turtle;q=0.5")
    assert code == 413 and "than this endpoint's limit of 2000" in body
    assert time.monotonic() - started < 10
    growth = max(status(pid, "VmHWM") - peak_before[pid] for pid in workers) / 1024
    assert growth < 60, f"a worker's peak memory grew by {growth:.0f} MB"


def test_a_killed_worker_is_replaced_and_a_pool_that_lost_everything_recovers(shipped_build: Path):
    with serve("--graph", str(shipped_build / "claims.ttl"), "--workers", "2", "--timeout", "20") as s:
        first = workers(s, 2)
        loader = s.loader()
        os.kill(first[0], signal.SIGKILL)  # not by the time limit: by hand (or the kernel's OOM killer)
        gone(first[:1])
        for _ in range(6):
            assert csv(s, COUNT_CLAIMS) == (200, CLAIMS_CSV)
        wait_for(lambda: len(s.workers()) == 2 and first[0] not in s.workers(), what="a replacement worker")
        assert s.loader() == loader  # the replacement is a fork of the loaded graph, not a new parse
        # every worker and the process holding the graph, all at once
        killed = [*s.workers(), loader]
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        gone(killed)
        for _ in range(4):
            assert csv(s, COUNT_CLAIMS) == (200, CLAIMS_CSV)
        wait_for(lambda: len(s.workers()) == 2, what="a full pool again")
        assert s.loader() != loader
        assert "Traceback" not in s.stderr()


def test_a_query_whose_worker_is_killed_mid_way_is_run_again_on_a_new_one(shipped_build: Path):
    """Killed while it runs (by hand, by the kernel's OOM killer): the query is retried once on a fresh worker."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # (triples)² rows, counted in a few seconds
    triples = len(list(pyoxigraph.parse(path=str(shipped_build / "claims.ttl"))))
    with serve("--graph", str(shipped_build / "claims.ttl"), "--workers", "1", "--timeout", "60") as s:
        first = workers(s, 1)
        answer: dict = {}
        thread = threading.Thread(target=lambda: answer.setdefault("csv", csv(s, count)))
        thread.start()
        wait_for(lambda: busy(first[0]), what="the worker to start on the query")
        os.kill(first[0], signal.SIGKILL)
        thread.join(60)
        assert answer["csv"] == (200, f"n\r\n{triples * triples}\r\n")
        assert workers(s, 1) != first


def busy(pid: int) -> bool:
    """Whether one of a process's threads is running (state R) rather than waiting."""
    states = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            states.append((task / "stat").read_text().split(") ")[1][0])
    return "R" in states


def test_workers_share_one_loaded_graph(tmp_path: Path):
    """Issue 10: the graph is parsed once; the workers are forks of the process that holds it and keep its pages
    shared, so a worker costs only what it allocates itself, not another copy of the graph."""
    graph = tmp_path / "big.nt"
    with open(graph, "w", encoding="utf-8") as out:  # 150,000 triples, about 80 MB in an in-memory Oxigraph
        for i in range(150_000):
            out.write(f'<urn:s{i % 5000}> <urn:p{i % 17}> "value number {i}" .\n')
    with serve("--graph", str(graph), "--workers", "2") as s:
        pids = workers(s, 2)
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        for _ in range(2):
            assert csv(s, query) == (200, "n\r\n150000\r\n")
        loaded = rollup(s.loader())["Rss"]
        private = {pid: rollup(pid)["Private_Clean"] + rollup(pid)["Private_Dirty"] for pid in pids}
        server_rss = rollup(s.process.pid)["Rss"]
    assert loaded > 50_000, f"the loader holds {loaded} kB: is the graph loaded there?"
    # a worker's own pages: the interpreter's objects it touched, its answers — not a copy of the graph
    assert all(p < loaded * 0.5 for p in private.values()), f"worker private kB {private} vs loader {loaded}"
    assert server_rss < loaded * 0.6, f"the HTTP server holds {server_rss} kB: a copy of the graph?"


def test_query_parameters_are_checked_as_utf8(server: Server):
    assert csv(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")[0] == 200
    bad = server.url + "?query=" + urllib.parse.quote_from_bytes(b"SELECT \xff")
    assert get(bad)[0] == 400


def test_ctrl_c_stops_the_server_and_every_process_it_started(shipped_build: Path):
    """Ctrl-C reaches the whole process group: exit 0, one line, no traceback from any child, nothing left over."""
    from tests.serving import EXE, comm, descendants

    process = subprocess.Popen(
        [str(EXE), "serve", "--port", "0", "--graph", str(shipped_build / "claims.ttl")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a foreground command
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    url = process.stdout.readline().split()[1]
    assert get(with_query(url, COUNT_CLAIMS), {"Accept": "text/csv"})[2] == CLAIMS_CSV
    started = [pid for pid in descendants(process.pid) if comm(pid).startswith("cg-")]
    assert len(started) == 3  # the loader and two workers
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert (process.returncode, stderr) == (0, "claimgraph: stopped\n")
    gone(started)
