"""Issue 10, beyond one machine: a build pushed into a real Virtuoso in several Graph Store chunks (a PUT, then
POSTs that append) holds the file's triples, and the audit run on the endpoint finds what the local audit finds and
what the generated project plants (expected.json). A push that stops midway says which chunks landed.

The chunk size is a parameter, so a generated project of a few hundred claims spans several chunks; the same code
pushes 100,000 claims (~3.8 million triples) in chunks of 50,000 (BENCHMARKS.md, scripts/bench_remote.py).
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

import pytest

from graph.sparql.push import CHUNK, GSP_CHUNK, PartialPush, push, scan
from graph.stores.endpoint import EndpointStore
from tests import virtuoso_server
from tests.conftest import claimgraph, script

CLAIMS = 400


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = script("make_corpus").generate_project(tmp_path_factory.mktemp("chunks") / "project", CLAIMS, seed=3)
    built = claimgraph("build", "--out", str(root / "out"), cwd=root)
    assert built.returncode == 0, built.stderr
    return root


def _count(virtuoso, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return int(EndpointStore(virtuoso.sparql).query(query).rows[0][0].value)


def test_a_push_in_several_chunks_holds_the_build_and_the_endpoint_audit_finds_the_same(virtuoso, project: Path):
    build = project / "out" / "claims.ttl"
    triples = scan(build).triples
    chunk = triples // 4 + 1  # four requests: a PUT and three POSTs
    graph = "https://example.org/claimgraph-test/chunks"
    crud = f"{virtuoso.base}/sparql-graph-crud"
    pushed = claimgraph("push", "--endpoint", virtuoso.sparql, "--gsp", crud, "--graph", graph, "--file", str(build),
                        "--chunk", str(chunk))  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert f"pushed {triples} triples to <{graph}> by Graph Store Protocol PUT and 3 POST(s)" in pushed.stdout
    assert f"the store holds {triples}" in pushed.stdout
    # a second push in other chunks replaces the graph (its first request is a PUT): nothing is appended twice
    again = push(build, virtuoso.sparql, graph, gsp=crud, chunk=triples // 7 + 1)
    assert (again.requests, _count(virtuoso, graph)) == (7, triples)

    # in the project folder, so that both find the source texts (sources/) for the coverage
    local = claimgraph("audit", "--graph", str(build), "--format", "json", cwd=project)
    remote = claimgraph("audit", "--endpoint", virtuoso.sparql, "--default-graph", graph, "--format", "json",
                        cwd=project)  # fmt: skip
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    expected = json.loads((project / "expected.json").read_text(encoding="utf-8"))
    found = Counter(f["rule"] for f in json.loads(remote.stdout)["findings"])
    assert {rule: found[rule] for rule in expected["findings"]} == expected["findings"]
    assert sum(found.values()) == expected["total_findings"] > 0


def test_a_push_by_update_in_chunks_holds_the_same_triples(virtuoso, project: Path):
    build = project / "out" / "claims.ttl"
    triples = scan(build).triples
    graph = "https://example.org/claimgraph-test/update-chunks"
    pushed = push(build, virtuoso.sparql, graph)  # no --gsp: SPARQL Update, INSERT DATA of 500 triples
    assert (pushed.method, pushed.requests) == ("update", -(-triples // CHUNK))
    assert pushed.requests > 1 and _count(virtuoso, graph) == triples


def test_a_push_that_stops_midway_says_which_chunks_landed(project: Path, tmp_path: Path):
    """The store goes away after the second chunk (its server is killed): the error says that 2 requests, and how
    many triples, landed, and that the graph is incomplete."""
    virtuoso_server.require()
    build = project / "out" / "claims.ttl"
    triples = scan(build).triples
    chunk = triples // 5 + 1
    with virtuoso_server.running_virtuoso(tmp_path / "virtuoso") as server:
        seen: list[int] = []

        def progress(sent: int, total: int) -> None:
            seen.append(sent)
            if len(seen) == 2:
                os.kill(server.pid, signal.SIGKILL)

        crud = f"{server.base}/sparql-graph-crud"
        with pytest.raises(PartialPush) as stopped:
            push(build, server.sparql, "urn:claimgraph-test:partial", gsp=crud, chunk=chunk, progress=progress)
    message = str(stopped.value)
    assert seen == [chunk, 2 * chunk]
    assert f"stopped after {2 * chunk} of {triples} triples (2 Graph Store requests of at most {chunk}" in message
    assert "<urn:claimgraph-test:partial> in the store is incomplete" in message
    assert "run the same push again" in message


def test_the_first_pass_refuses_blank_nodes_before_any_request(tmp_path: Path):
    file = tmp_path / "blank.ttl"
    file.write_text("<urn:a> <urn:b> [ <urn:c> <urn:d> ] .\n", encoding="utf-8")
    # nothing listens on port 9 (discard): the file must be refused before the endpoint is contacted
    result = claimgraph("push", "--file", str(file), "--endpoint", "http://127.0.0.1:9/sparql", "--chunk", "1")
    assert result.returncode == 2 and "blank nodes cannot be pushed in chunks" in result.stderr, result.stderr


def test_every_rule_finds_the_planted_findings_on_virtuoso_at_10000_claims(virtuoso, corpus_10k):
    """The session's 10,000-claim corpus (380,898 triples), pushed in chunks of the default size: each rule finds on
    Virtuoso what expected.json plants. Virtuoso 7.2 once lost 2 of the 80 omissions here (a DISTINCT subquery
    beside a NOT EXISTS, graph/audit/rules/omission.rq); no smaller corpus showed it."""
    from graph.audit import load_rules
    from graph.read.ontology import bundled_ontology, load_vocabulary

    graph = "https://example.org/claimgraph-test/c10k"
    pushed = push(corpus_10k.ntriples, virtuoso.sparql, graph, gsp=f"{virtuoso.base}/sparql-graph-crud")
    assert pushed.requests == -(-pushed.triples // GSP_CHUNK) > 1  # push itself compares the store's count
    store = EndpointStore(virtuoso.sparql, default_graph=graph, timeout=120)
    rules = load_rules(load_vocabulary([bundled_ontology()], []))
    found = {rule.id: len({row[0] for row in store.query(rule.sparql).rows}) for rule in rules}
    assert found == corpus_10k.expected["findings"]
