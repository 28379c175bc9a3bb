"""A real triplestore: Debian's Virtuoso, started on loopback with a throw-away database for this module.

Skipped when virtuoso-t is not installed, unless CLAIMGRAPH_REQUIRE_VIRTUOSO=1 (as in CI), which makes it fail.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.read.ontology import default_ontologies, load_vocabulary
from graph.sparql.push import push
from graph.stores import StoreSpec, open_store
from graph.stores.endpoint import EndpointError, EndpointStore
from tests import virtuoso_server
from tests.conftest import claimgraph, gone_within
from tests.stores import all_named, canonical, run_named

GRAPH = "https://example.org/claimgraph-test/shipped"


@pytest.fixture(scope="module")
def pushed(virtuoso: virtuoso_server.Virtuoso, shipped_build: Path) -> EndpointStore:
    result = push(shipped_build / "claims.ttl", virtuoso.sparql, GRAPH, gsp=f"{virtuoso.base}/sparql-graph-crud")
    assert result.method == "graph-store" and result.stored == result.triples
    return EndpointStore(virtuoso.sparql, default_graph=GRAPH)


@pytest.fixture(scope="module")
def memory(shipped_build: Path):
    return open_store(StoreSpec(graph=shipped_build / "claims.ttl", store="memory"))


@pytest.fixture(scope="module")
def oxigraph(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("ox") / "db"
    return open_store(StoreSpec(graph=shipped_build / "claims.ttl", store=f"oxigraph:{db}"))


@pytest.mark.parametrize("query", all_named(), ids=lambda q: q.name)
def test_every_named_query_answers_alike_on_memory_oxigraph_and_virtuoso(query, pushed, memory, oxigraph):
    expected = canonical(run_named(memory, query))
    assert canonical(run_named(oxigraph, query)) == expected
    assert canonical(run_named(pushed, query)) == expected


SUBSELECT_PARAMETER = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX cg: <https://w3id.org/claimgraph/ns#>
SELECT ?id ?other WHERE {
  { SELECT ?id ?c WHERE { ?c dcterms:identifier ?x . FILTER (STR(?x) = STR(?id)) } }
  { SELECT * WHERE { ?c dcterms:identifier ?id } LIMIT 1 }
  ?c cg:contradicts/dcterms:identifier ?other .
}"""


def test_a_parameter_reaches_the_sub_selects_that_project_it_on_every_store(pushed, memory, oxigraph):
    # bottom-up, a sub-select does not see the outer VALUES: an endpoint gets the parameter bound inside it too
    bindings = {"id": ox.Literal("C40")}
    stores = (memory, oxigraph, pushed)
    answers = [sorted(map(str, store.query(SUBSELECT_PARAMETER, bindings).rows)) for store in stores]
    assert answers[0] == answers[1] == answers[2]
    assert any("L17" in row for row in answers[0])
    # a sub-select that does not project the parameter (a * inside COUNT(*) is not SELECT *) is left alone
    count = "SELECT ?id ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?c <http://purl.org/dc/terms/identifier> ?id } } }"
    counts = [store.query(count, bindings).rows for store in (oxigraph, pushed)]
    assert counts[0] == counts[1] and int(counts[0][0][1].value) > 1


def test_an_answer_virtuoso_cut_short_is_refused_not_used(pushed):
    # a timeout in the endpoint's URL makes Virtuoso answer what it has when time runs out (here: nothing), with
    # HTTP 200; only its X-SQL-State header says so. Now and then it cancels the query instead (HTTP 500, SR203;
    # seen once in CI), so it is asked until it cuts an answer short: every answer is refused either way
    hurried = EndpointStore(pushed.url + "?timeout=1000", default_graph=pushed.default_graph)
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    refusals: list[str] = []
    while len(refusals) < 5 and not any("S1TAT" in r for r in refusals):
        with pytest.raises(EndpointError) as refused:
            hurried.query(slow)
        refusals.append(str(refused.value))
    assert re.search(r"an incomplete answer, refused \(SQL state S1TAT: .*incomplete results", refusals[-1]), refusals
    assert all("S1TAT" in r or "SR203: Async statement killed" in r for r in refusals), refusals
    assert hurried.query("ASK { ?s ?p ?o }").boolean  # a quick query through the same URL is answered


def test_push_by_graph_store_protocol_replaces_the_graph(virtuoso, shipped_build: Path, tmp_path: Path):
    crud = f"{virtuoso.base}/sparql-graph-crud"
    name = "https://example.org/claimgraph-test/replace"
    first = push(shipped_build / "claims.ttl", virtuoso.sparql, name, gsp=crud)
    again = push(shipped_build / "claims.ttl", virtuoso.sparql, name, gsp=crud)
    assert first.stored == again.stored == first.triples  # a re-push never duplicates
    small = tmp_path / "small.ttl"
    small.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    assert push(small, virtuoso.sparql, name, gsp=crud).stored == 1


def test_push_by_sparql_update_when_there_is_no_graph_store_endpoint(virtuoso, shipped_build: Path):
    name = "https://example.org/claimgraph-test/update"
    first = push(shipped_build / "claims.ttl", virtuoso.sparql, name)
    again = push(shipped_build / "claims.ttl", virtuoso.sparql, name)
    assert (first.method, again.stored) == ("update", first.triples)
    fallback = push(shipped_build / "claims.ttl", virtuoso.sparql, name, gsp=f"{virtuoso.base}/no-such-gsp")
    assert (fallback.method, fallback.stored) == ("update", first.triples)


def test_push_with_digest_authentication(virtuoso, shipped_build: Path):
    name = "https://example.org/claimgraph-test/auth"
    crud_auth = f"{virtuoso.base}/sparql-graph-crud-auth"
    result = push(shipped_build / "claims.ttl", virtuoso.sparql, name, gsp=crud_auth, auth=("dba", "dba"))
    assert result.stored == result.triples
    update_auth = push(shipped_build / "claims.ttl", f"{virtuoso.base}/sparql-auth", name, auth=("dba", "dba"))
    assert update_auth.method == "update" and update_auth.stored == result.triples
    with pytest.raises(EndpointError, match="401"):
        push(shipped_build / "claims.ttl", virtuoso.sparql, name, gsp=crud_auth, auth=("dba", "wrong"))


def test_push_and_query_from_the_command_line(virtuoso, shipped_build: Path):
    name = "https://example.org/claimgraph-test/cli"
    build = str(shipped_build / "claims.ttl")
    pushed = claimgraph("push", "--endpoint", virtuoso.sparql, "--gsp", f"{virtuoso.base}/sparql-graph-crud",
                        "--graph", name, "--file", build)  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert "by Graph Store Protocol PUT; the store holds" in pushed.stdout
    env = {"CLAIMGRAPH_PASSWORD": "dba"}
    by_update = claimgraph("push", "--endpoint", f"{virtuoso.base}/sparql-auth", "--user", "dba", "--graph", name,
                           "--file", build, env=env)  # fmt: skip
    assert by_update.returncode == 0 and "by SPARQL Update" in by_update.stdout, by_update.stderr
    local = claimgraph("query", "sources", "--graph", build, "--format", "json")
    remote = claimgraph("query", "sources", "--endpoint", virtuoso.sparql, "--default-graph", name, "--format", "json")
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    ask = claimgraph("query", "ASK { ?c a <https://w3id.org/claimgraph/ns#Claim> }", "--endpoint", virtuoso.sparql,
                     "--default-graph", name)  # fmt: skip
    assert (ask.returncode, ask.stdout) == (0, "true\n")


def test_virtuoso_quirks_are_normalised(virtuoso, pushed: EndpointStore):
    """Virtuoso answers booleans as "1" and keeps explicit xsd:string; both come back as the local stores give them."""
    update = 'INSERT DATA { GRAPH <urn:quirks> { <urn:a> <urn:flag> true ; <urn:name> "n"^^<http://www.w3.org/2001/XMLSchema#string> } }'  # noqa: E501
    claimgraph_update(virtuoso, update)
    store = EndpointStore(virtuoso.sparql, default_graph="urn:quirks")
    row = store.query("SELECT ?flag ?name WHERE { <urn:a> <urn:flag> ?flag ; <urn:name> ?name }").rows[0]
    assert [str(t) for t in row] == ['"true"^^<http://www.w3.org/2001/XMLSchema#boolean>', '"n"']


def claimgraph_update(virtuoso, update: str) -> None:
    from graph.stores.endpoint import Http

    form = urllib.parse.urlencode({"update": update}).encode("utf-8")
    Http().request(virtuoso.sparql, form, {"Content-Type": "application/x-www-form-urlencoded"})


# --- the audit, run remotely (issue 3's rules on issue 5's stores) -----------------------------------------

from graph.audit import load_rules, run_audit  # noqa: E402

VOCAB = load_vocabulary(default_ontologies(), [])


@pytest.mark.parametrize("rule", load_rules(VOCAB), ids=lambda r: r.id)
def test_every_audit_rule_answers_alike_on_memory_oxigraph_and_virtuoso(rule, pushed, memory, oxigraph):
    expected = canonical(memory.query(rule.sparql))
    assert canonical(oxigraph.query(rule.sparql)) == expected
    assert canonical(pushed.query(rule.sparql)) == expected


def test_the_remote_audit_finds_what_the_local_audit_finds(pushed, shipped_build: Path):
    import json

    memory = open_store(StoreSpec(graph=shipped_build / "claims.ttl", store="memory"))
    local = run_audit(memory, VOCAB, load_rules(VOCAB))
    remote = run_audit(pushed, VOCAB, load_rules(VOCAB))
    assert remote.findings == local.findings
    assert remote.findings, "the shipped article has findings"
    built = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))
    assert {f["id"] for f in built["findings"]} == {f.id for f in remote.findings}


def test_audit_endpoint_from_the_command_line_matches_the_local_audit(virtuoso, pushed, shipped_build: Path):
    build = str(shipped_build / "claims.ttl")
    local = claimgraph("audit", "--graph", build, "--format", "json")
    remote = claimgraph("audit", "--endpoint", virtuoso.sparql, "--default-graph", GRAPH, "--format", "json")
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    findings = claimgraph(
        "query", "findings", "--endpoint", virtuoso.sparql, "--default-graph", GRAPH, "--format", "csv"
    )
    assert findings.returncode == 0 and findings.stdout.count("\n") > 1


# --- issue 11 #10: a crafted --graph IRI never reaches the store --------------------------------------------


def test_a_crafted_push_graph_iri_leaves_an_unrelated_graph_untouched(virtuoso, shipped_build: Path):
    victim = "urn:claimgraph-test:victim"
    claimgraph_update(virtuoso, f"INSERT DATA {{ GRAPH <{victim}> {{ <urn:a> <urn:b> <urn:c> , <urn:d> }} }}")
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{victim}> {{ ?s ?p ?o }} }}"
    store = EndpointStore(virtuoso.sparql)
    assert store.query(count).rows[0][0].value == "2"
    build = str(shipped_build / "claims.ttl")
    for crafted in (f"urn:x> }} ; DROP SILENT GRAPH <{victim}", f"urn:x> {{}} }} ; CLEAR GRAPH <{victim}> #"):
        for how in ([], ["--gsp", f"{virtuoso.base}/sparql-graph-crud"]):
            result = claimgraph("push", "--endpoint", virtuoso.sparql, *how, "--graph", crafted, "--file", build)
            assert result.returncode == 2 and "is not a valid absolute IRI" in result.stderr, result.stderr
    assert store.query(count).rows[0][0].value == "2"
    neighbour = claimgraph("push", "--endpoint", virtuoso.sparql, "--graph", victim + "-neighbour", "--file", build)
    assert neighbour.returncode == 0, neighbour.stderr
    assert store.query(count).rows[0][0].value == "2"


def test_rule_timeout_holds_on_an_endpoint(shipped_build: Path, tmp_path: Path):
    """A slow rule on an endpoint stops the audit after --rule-timeout, naming the rule, instead of waiting for the
    server (without the limit this one answers after about 15 s, cut at its million rows). The server is the test's
    own, so the query it goes on running ends with it."""
    virtuoso_server.require()
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "slow.rq").write_text(
        "# id: slow\n# kind: unsupported\n# severity: warning\n# description: a cartesian product\n"
        "SELECT ?claim WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?claim }\n",
        encoding="utf-8",
    )
    with virtuoso_server.running_virtuoso(tmp_path / "virtuoso") as server:
        push(shipped_build / "claims.ttl", server.sparql, GRAPH, gsp=f"{server.base}/sparql-graph-crud")
        result = claimgraph("audit", "--endpoint", server.sparql, "--default-graph", GRAPH, "--rules", str(rules),
                            "--rule-timeout", "3", "--format", "json")  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert f"rule 'slow' ({rules / 'slow.rq'}) ran longer than its limit of 3 s" in result.stderr
    assert "the endpoint may still be running it" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_answer_at_the_endpoints_row_limit_is_refused(shipped_build: Path, tmp_path: Path):
    """Virtuoso stops every answer at its ResultSetMaxRows (10,000 as Debian ships it) and says so only in a header:
    an audit would have read a claim view or a rule's rows cut short. Here the limit is 1,000 rows."""
    virtuoso_server.require()
    with virtuoso_server.running_virtuoso(tmp_path / "virtuoso", max_rows=1000) as server:
        push(shipped_build / "claims.ttl", server.sparql, GRAPH, gsp=f"{server.base}/sparql-graph-crud")
        store = EndpointStore(server.sparql, default_graph=GRAPH)
        assert len(store.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 999").rows) == 999  # below the limit: answered
        with pytest.raises(EndpointError, match=r"reached the endpoint's row limit \(1000 rows, X-SPARQL-MaxRows\)"):
            store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
        listed = claimgraph("query", "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "--endpoint", server.sparql,
                            "--default-graph", GRAPH)  # fmt: skip
    assert listed.returncode == 1 and "ResultSetMaxRows" in listed.stderr, listed.stderr
    assert "Traceback" not in listed.stderr


def test_a_killed_test_run_leaves_no_server_behind(tmp_path: Path):
    """A process that started a server and is then killed (SIGKILL: no clean-up runs) takes the server with it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    virtuoso_server.require()
    started = tmp_path / "pid"
    script = (
        "import sys, time\nfrom pathlib import Path\nfrom tests import virtuoso_server\n"
        f"with virtuoso_server.running_virtuoso(Path({str(tmp_path / 'v')!r})) as server:\n"
        f"    Path({str(started)!r}).write_text(str(server.pid))\n    time.sleep(600)\n"
    )
    runner = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent)
    deadline = time.monotonic() + 120
    while not started.exists() and time.monotonic() < deadline and runner.poll() is None:
        time.sleep(0.2)
    assert started.exists(), "the server did not start"
    server = int(started.read_text())
    os.kill(server, 0)  # it runs
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    if not gone_within(server, 30):
        os.kill(server, signal.SIGKILL)
        raise AssertionError("the server outlived the killed process that started it")
