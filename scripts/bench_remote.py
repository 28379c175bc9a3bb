#!/usr/bin/env python3
"""Benchmark: `claimgraph push` into Virtuoso (each method) and `audit --endpoint` against the local `audit --graph`.

For each size, generates a project (scripts/make_corpus.py), builds it with `claimgraph build`, starts a throw-away
Virtuoso (tests/virtuoso_server.py), and times:

- push by the Graph Store Protocol in chunks (a PUT, then POSTs; --chunk triples each),
- push by SPARQL Update (DROP, then INSERT DATA of 500 triples) unless --no-update,
- Virtuoso's bulk loader (ld_dir + rdf_loader_run through isql: the file must be on the server's machine),
- optionally (--whole) one Graph Store PUT of the whole file, on a server of its own (it may stall, see below),
- the audit on the endpoint (`audit --endpoint`) and locally (`audit --graph`, an in-memory Oxigraph store),

and checks that every push leaves the file's triple count in the store and that both audits print the same JSON,
whose findings per rule are those expected.json lists. Seconds are wall time; CPU is the client's (the claimgraph
process) and the server's (virtuoso-t, from /proc) separately. With --baseline REV, the endpoint audit also runs
with the code of git revision REV, just before this checkout's, on the same server: the ratio and whether the two
print the same JSON.

    .venv/bin/python scripts/bench_remote.py                          # 10,000 claims
    .venv/bin/python scripts/bench_remote.py --sizes 10000 100000     # 100,000 claims: ~15 min on 2 cores
    .venv/bin/python scripts/bench_remote.py --no-update --baseline HEAD~1   # this change against the one before
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import make_corpus  # noqa: E402  (this script's folder)

from graph.sparql.push import GSP_CHUNK, push  # noqa: E402
from graph.stores.endpoint import EndpointStore  # noqa: E402
from tests import virtuoso_server  # noqa: E402

CLAIMGRAPH = str(Path(sys.executable).parent / "claimgraph")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Step:
    name: str
    wall: float
    client_cpu: float
    server_cpu: float | None = None
    note: str = ""


def server_cpu(server: virtuoso_server.Virtuoso) -> float:
    """virtuoso-t's CPU seconds so far."""
    fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    args: list[str], cwd: Path, timeout: float, code: Path | None = None
) -> tuple[subprocess.CompletedProcess, float, float]:
    """A claimgraph command (with the package found in ``code``, when given): its result, wall and CPU seconds."""
    command = [CLAIMGRAPH] if code is None else [sys.executable, "-c", FROM_FOLDER, str(code)]
    wall, cpu = time.perf_counter(), children_cpu()
    result = subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return result, time.perf_counter() - wall, children_cpu() - cpu


# python -c FROM_FOLDER FOLDER ARGS…: claimgraph ARGS with the graph package of FOLDER
FROM_FOLDER = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); from graph.cli import main; sys.exit(main(sys.argv[1:]))"
)


def checkout(revision: str, work: Path) -> Path:
    """The graph package as git revision ``revision`` has it, in a folder of its own (git archive, no worktree)."""
    folder = work / f"baseline-{revision.replace('/', '_')}"
    if not folder.exists():
        archive = subprocess.run(["git", "archive", "--format=tar", revision, "graph"], cwd=ROOT, check=True,
                                 capture_output=True).stdout  # fmt: skip
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
    return folder


def timed_push(server, build: Path, graph: str, step: str, **options) -> Step:
    wall, cpu, scpu = time.perf_counter(), own_cpu(), server_cpu(server)
    try:
        pushed = push(build, server.sparql, graph, timeout=options.pop("timeout", 1800), **options)
        note = f"{pushed.requests} requests, store holds {pushed.stored}"
    except Exception as err:  # reported in the table: a benchmark records what failed
        note = f"FAILED: {type(err).__name__}: {str(err)[:200]}"
    return Step(step, time.perf_counter() - wall, own_cpu() - cpu, server_cpu(server) - scpu, note)


def bulk_load(server, build: Path, graph: str) -> Step:
    """Virtuoso's bulk loader on a copy of the file in a directory the server may read (DirsAllowed)."""
    folder = server.directory / "load"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(build, folder / build.name)
    script = (
        f"SPARQL DROP SILENT GRAPH <{graph}>;\n"
        "DELETE FROM DB.DBA.load_list;\n"
        f"ld_dir('{folder}', '{build.name}', '{graph}');\n"
        "rdf_loader_run();\n"
        "checkpoint;\n"
        "SELECT ll_state, ll_error FROM DB.DBA.load_list;\n"
    )
    wall, cpu, scpu = time.perf_counter(), children_cpu(), server_cpu(server)
    result = subprocess.run(
        [virtuoso_server.ISQL, f"127.0.0.1:{server.isql_port}", "dba", "dba"],
        input=script, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    step = Step("push: bulk loader (isql)", time.perf_counter() - wall, children_cpu() - cpu, server_cpu(server) - scpu)
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    stored = EndpointStore(server.sparql, timeout=600).query(count).rows[0][0].value
    failed = "*** Error" in result.stdout or result.returncode != 0
    step.note = ("FAILED: " + result.stdout[-300:]) if failed else f"store holds {stored}"
    return step


def measure(
    size: int, work: Path, seed: int, chunk: int, update: bool, whole: bool, baseline: str | None
) -> tuple[list[Step], bool]:
    root = work / f"c{size}-seed{seed}"
    build = root / "out" / "claims.ttl"
    steps: list[Step] = []
    if not build.exists():  # a kept --work folder is reused: generating and building 100,000 claims takes minutes
        make_corpus.generate_project(root, size, seed=seed)
        result, wall, cpu = run(["build", "--out", "out"], root, 3600)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        steps.append(Step("build (generate not counted)", wall, cpu))
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    local, wall, cpu = run(["audit", "--graph", str(build), "--format", "json"], root, 7200)
    steps.append(Step("audit --graph (local, Oxigraph in memory)", wall, cpu, None, f"exit {local.returncode}"))
    with virtuoso_server.running_virtuoso(work / f"virtuoso-{size}-{os.getpid()}") as server:
        graph = "https://example.org/bench/gsp"
        steps.append(timed_push(server, build, graph, f"push: Graph Store, chunks of {chunk}", gsp=gsp(server),
                                chunk=chunk))  # fmt: skip
        if update:
            steps.append(timed_push(server, build, "https://example.org/bench/update", "push: SPARQL Update (500)"))
        steps.append(bulk_load(server, build, "https://example.org/bench/bulk"))
        args = ["audit", "--endpoint", server.sparql, "--default-graph", graph, "--format", "json"]
        if baseline:  # twice each, alternating, the faster kept: the first run on a server also warms it
            code = checkout(baseline, work)
            runs = [(run(args, root, 7200, code), run(args, root, 7200)) for _ in range(2)]
            before = min((old for old, _ in runs), key=lambda r: r[1])
            now = min((new for _, new in runs), key=lambda r: r[1])
            same_json = len({r[0].stdout for pair in runs for r in pair}) == 1
            steps.append(Step(f"audit --endpoint, baseline {baseline} (best of 2)", before[1], before[2], None,
                              f"exit {before[0].returncode}"))  # fmt: skip
            note = f"exit {now[0].returncode}; {now[1] / before[1]:.2f}x the baseline's wall, same JSON: {same_json}"
            steps.append(Step("audit --endpoint (Virtuoso, best of 2)", now[1], now[2], None, note))
            remote = now[0]
        else:
            scpu = server_cpu(server)
            remote, wall, cpu = run(args, root, 7200)
            steps.append(
                Step("audit --endpoint (Virtuoso)", wall, cpu, server_cpu(server) - scpu, f"exit {remote.returncode}")
            )
        bulk = run([*args[:4], "https://example.org/bench/bulk", "--format", "json"], root, 7200)[0]
    same = local.returncode == remote.returncode == 0 and local.stdout == remote.stdout == bulk.stdout
    found, differ = rules_found(local), []
    as_expected = {rule: found[rule] for rule in expected["findings"]} == expected["findings"]
    for name, result in (("endpoint", remote), ("bulk-loaded", bulk)):
        there = rules_found(result)
        differ += [f"{rule}: local {found[rule]}, {name} {there[rule]}" for rule in expected["findings"]
                   if there[rule] != found[rule]]  # fmt: skip
    note = "; ".join([f"{sum(found.values())} findings", *differ])
    steps.append(Step("same findings: local = endpoint = bulk-loaded = expected.json", 0, 0, None,
                      f"{same and as_expected} ({note})"))  # fmt: skip
    if not same:
        for name, result in (("local", local), ("remote", remote), ("bulk", bulk)):
            (work / f"audit-{name}-{size}.json").write_text(result.stdout + result.stderr, encoding="utf-8")
    if whole:
        with virtuoso_server.running_virtuoso(work / f"virtuoso-whole-{size}-{os.getpid()}") as server:
            steps.append(timed_push(server, build, "https://example.org/bench/whole", "push: one Graph Store PUT",
                                    gsp=gsp(server), chunk=10**9, timeout=300))  # fmt: skip
    return steps, same and as_expected


def rules_found(result: subprocess.CompletedProcess) -> Counter:
    """Findings per rule in an audit's JSON report (none when the audit failed)."""
    if result.returncode != 0:
        return Counter()
    return Counter(f["rule"] for f in json.loads(result.stdout)["findings"])


def gsp(server: virtuoso_server.Virtuoso) -> str:
    return f"{server.base}/sparql-graph-crud"


def table(size: int, steps: list[Step]) -> str:
    local = next(s.wall for s in steps if s.name.startswith("audit --graph"))
    lines = [
        f"{size} claims",
        "",
        "| step | wall s | client CPU s | server CPU s | wall / local audit | note |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in steps:
        server = f"{s.server_cpu:.1f}" if s.server_cpu is not None else ""
        ratio = f"{s.wall / local:.2f}" if s.wall and "push" not in s.name and "build" not in s.name else ""
        wall = f"{s.wall:.1f}" if s.wall else ""
        client = f"{s.client_cpu:.1f}" if s.wall else ""
        lines.append(f"| {s.name} | {wall} | {client} | {server} | {ratio} | {s.note} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=GSP_CHUNK, help=f"triples per Graph Store request ({GSP_CHUNK})")
    parser.add_argument("--no-update", action="store_true", help="skip the SPARQL Update push (slow at 100,000)")
    parser.add_argument("--whole", action="store_true", help="also try one PUT of the whole file (may stall)")
    parser.add_argument("--work", type=Path, help="keep projects and builds here, and reuse them (default: temp)")
    parser.add_argument("--baseline", metavar="REV", help="also run the endpoint audit with git revision REV's code")
    args = parser.parse_args()
    if not virtuoso_server.available():
        print("virtuoso-t is not installed (apt-get install virtuoso-opensource)", file=sys.stderr)
        return 2
    ok = True
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            steps, same = measure(size, work, args.seed, args.chunk, not args.no_update, args.whole, args.baseline)
            print(table(size, steps), end="\n\n", flush=True)
            ok = ok and same
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
