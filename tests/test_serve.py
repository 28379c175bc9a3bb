"""claimgraph serve: the SPARQL 1.1 Protocol over HTTP, checked with a real client (SPARQLWrapper) and urllib."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from tests.conftest import ROOT
from tests.serving import EXE, serve

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~2·10^10 rows: never finishes
COUNT_CLAIMS = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"
CLAIMS = (ROOT / "claims.csv").read_text(encoding="utf-8").count("\n") - 1  # rows (no claim spans two lines)
SOURCES = (ROOT / "sources" / "sources.csv").read_text(encoding="utf-8").count("\n") - 1


@contextmanager
def serving(*args: str, cwd: Path | None = None) -> Iterator[str]:
    """Run ``claimgraph serve --port 0 ARGS`` and yield its /sparql URL once it is listening."""
    with serve(*args, cwd=cwd) as server:
        yield server.url


@pytest.fixture(scope="module")
def endpoint(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("serve") / "out"
    out.mkdir()
    shutil.copy(shipped_build / "claims.ttl", out / "claims.ttl")
    for name, text in (("claims.html", "<!doctype html><title>claims</title>"), ("audit.md", "# Audit\n")):
        source = shipped_build / name
        (out / name).write_bytes(source.read_bytes() if source.exists() else text.encode("utf-8"))
    (out.parent / "secret.txt").write_text("not for the web", encoding="utf-8")
    with serving("--graph", str(out / "claims.ttl"), "--timeout", "3", "--max-rows", "500") as url:
        yield url


def get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read().decode("utf-8")


def with_query(endpoint: str, query: str, **params: str) -> str:
    return endpoint + "?" + urllib.parse.urlencode({"query": query, **params})


def test_sparqlwrapper_select_in_json_xml_and_csv(endpoint: str):
    client = SPARQLWrapper(endpoint)
    client.setQuery(COUNT_CLAIMS)
    client.setReturnFormat(JSON)
    assert client.query().convert()["results"]["bindings"][0]["n"]["value"] == str(CLAIMS)
    client.setReturnFormat(XML)
    document = client.query().convert()
    assert document.getElementsByTagName("literal")[0].firstChild.data == str(CLAIMS)
    client.setReturnFormat(CSV)
    assert client.query().convert().decode("utf-8") == f"n\r\n{CLAIMS}\r\n"


def test_sparqlwrapper_post_ask_and_construct(endpoint: str):
    client = SPARQLWrapper(endpoint)
    client.setMethod("POST")
    client.setQuery("ASK { ?c a <https://w3id.org/claimgraph/ns#Claim> }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER (?s = <https://w3id.org/claimgraph/id/claim/C36>) }"
    )
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) > 10


def test_sparqlwrapper_reports_a_malformed_query(endpoint: str):
    client = SPARQLWrapper(endpoint)
    client.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed, match="line 1"):
        client.query()


@pytest.mark.parametrize(
    ("accept", "media", "starts"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", "{"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "<?xml"),
        ("text/csv", "text/csv", f"n\r\n{CLAIMS}"),
        ("text/tab-separated-values", "text/tab-separated-values", f"?n\n{CLAIMS}"),
        ("text/html;q=0.9, text/csv;q=0.5", "text/csv", "n\r\n"),
        ("*/*", "application/sparql-results+json", "{"),
        ("", "application/sparql-results+json", "{"),
    ],
)
def test_content_negotiation_for_select(endpoint: str, accept: str, media: str, starts: str):
    status, mime, body = get(with_query(endpoint, COUNT_CLAIMS), {"Accept": accept} if accept else {})
    assert (status, mime.split(";")[0]) == (200, media)
    assert body.startswith(starts)


def test_content_negotiation_for_graphs_and_refusal(endpoint: str):
    construct = "CONSTRUCT WHERE { ?s a <https://w3id.org/claimgraph/ns#Source> }"
    status, mime, body = get(with_query(endpoint, construct), {"Accept": "application/n-triples"})
    assert (status, mime) == (200, "application/n-triples") and len(Graph().parse(data=body, format="nt")) == SOURCES
    status, mime, _ = get(with_query(endpoint, construct))
    assert (status, mime.split(";")[0]) == (200, "text/turtle")
    status, _, body = get(with_query(endpoint, COUNT_CLAIMS), {"Accept": "image/png"})
    assert status == 406 and "application/sparql-results+json" in body
    status, mime, _ = get(with_query(endpoint, COUNT_CLAIMS, format="csv"), {"Accept": "application/xml"})
    assert mime.startswith("text/csv")


def test_post_form_and_direct_query_bodies(endpoint: str):
    form = urllib.parse.urlencode({"query": COUNT_CLAIMS}).encode("utf-8")
    form_headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"}
    assert get(endpoint, form_headers, form)[2] == f"n\r\n{CLAIMS}\r\n"
    direct_headers = {"Content-Type": "application/sparql-query", "Accept": "text/csv"}
    assert get(endpoint, direct_headers, COUNT_CLAIMS.encode("utf-8"))[2] == f"n\r\n{CLAIMS}\r\n"
    status, _, _ = get(endpoint, {"Content-Type": "text/plain"}, COUNT_CLAIMS.encode("utf-8"))
    assert status == 415


def test_malformed_query_is_400_with_the_parser_s_line(endpoint: str):
    status, _, body = get(with_query(endpoint, "SELECT ?s\nWHERE { ?s ?p }"))
    assert status == 400 and body.startswith("line 2, col ") and "syntax error" in body


def test_updates_are_refused_however_they_arrive(endpoint: str):
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    form = urllib.parse.urlencode({"update": update}).encode("utf-8")
    answers = [
        get(endpoint, {"Content-Type": "application/x-www-form-urlencoded"}, form),
        get(endpoint, {"Content-Type": "application/sparql-update"}, update.encode("utf-8")),
        get(with_query(endpoint, update)),
        get(endpoint + "?" + urllib.parse.urlencode({"update": update})),
    ]
    assert [a[0] for a in answers] == [403] * 4
    assert all("read-only" in a[2] for a in answers)
    assert get(with_query(endpoint, "ASK { <urn:a> <urn:b> <urn:c> }"), {"Accept": "text/csv"})[2] == "false\n"


def test_service_is_refused(endpoint: str):
    query = "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://169.254.169.254/latest/> { ?s ?p ?x } } }"
    status, _, body = get(with_query(endpoint, query))
    assert status == 403 and "SERVICE is refused" in body


def test_an_overlong_query_is_stopped_and_does_not_block_others(endpoint: str):
    slow: dict[str, tuple[int, str, str]] = {}
    thread = threading.Thread(target=lambda: slow.setdefault("answer", get(with_query(endpoint, SLOW))))
    thread.start()
    try:
        fast = get(with_query(endpoint, COUNT_CLAIMS), {"Accept": "text/csv"})
        assert fast[2] == f"n\r\n{CLAIMS}\r\n"
        assert thread.is_alive(), "the slow query should still be running when the fast one has its answer"
    finally:
        thread.join(60)
    status, _, body = slow["answer"]
    assert status == 503 and "longer than this endpoint's limit of 3 s" in body
    assert get(with_query(endpoint, COUNT_CLAIMS), {"Accept": "text/csv"})[2] == f"n\r\n{CLAIMS}\r\n"  # worker replaced


def test_an_oversized_answer_is_refused_clearly(endpoint: str):
    status, _, body = get(with_query(endpoint, "SELECT * WHERE { ?s ?p ?o }"))
    assert status == 413 and "than this endpoint's limit of 500" in body
    assert json.loads(get(with_query(endpoint, "SELECT * WHERE { ?s ?p ?o } LIMIT 500"))[2])


@pytest.mark.parametrize(
    "query",
    ["CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "DESCRIBE ?c WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"],
)
def test_an_oversized_graph_answer_is_refused_too(endpoint: str, query: str):
    status, _, body = get(with_query(endpoint, query))
    assert status == 413 and "more triples than this endpoint's limit of 500" in body
    status, _, body = get(with_query(endpoint, query.replace("WHERE", "WHERE {") + " } LIMIT 5"))
    assert status == 200 and len(Graph().parse(data=body, format="turtle")) > 0


def test_pages_are_served_and_nothing_outside_the_output_folder(endpoint: str):
    root = endpoint.removesuffix("/sparql")
    assert get(root + "/")[0] == 200 and "/claims.html" in get(root + "/")[2]
    status, mime, _ = get(root + "/claims.html")
    assert (status, mime) == (200, "text/html; charset=utf-8")
    status, mime, body = get(root + "/audit.md")
    assert status == 200 and mime.startswith("text/markdown") and body.startswith("#")
    assert get(root + "/../secret.txt")[0] == 404
    assert get(root + "/%2e%2e/secret.txt")[0] == 404
    assert get(root + "/claims.ttl")[0] == 404  # only page types are served


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_every_in_memory_store_can_be_served(shipped_build: Path, store: str):
    with serving("--graph", str(shipped_build / "claims.ttl"), "--store", store, "--workers", "1") as url:
        assert get(with_query(url, COUNT_CLAIMS), {"Accept": "text/csv"})[2] == f"n\r\n{CLAIMS}\r\n"


def test_an_on_disk_oxigraph_store_is_served_beside_readers_and_kept_from_writers(shipped_build: Path, tmp_path: Path):
    """The workers read the store read-only; RocksDB leaves that undefined beside a writer, so while it is served a
    build into it is refused with a message (and writes nothing), while a query of the store it holds runs beside."""
    from tests.conftest import claimgraph

    graph, store = str(shipped_build / "claims.ttl"), f"oxigraph:{tmp_path / 'db'}"
    with serving("--graph", graph, "--store", store, "--workers", "1") as url:
        assert get(with_query(url, COUNT_CLAIMS), {"Accept": "text/csv"})[2] == f"n\r\n{CLAIMS}\r\n"
        beside = claimgraph("query", "findings", "--graph", graph, "--store", store, "--format", "csv")
        assert beside.returncode == 0 and beside.stdout.count("\n") > 10, beside.stderr
        no_file = claimgraph("query", "findings", "--store", store, "--format", "csv", cwd=tmp_path)  # as it stands
        assert no_file.returncode == 0 and no_file.stdout == beside.stdout, no_file.stderr
        refused = claimgraph("build", "--out", str(tmp_path / "out"), "--store", store)
        assert refused.returncode == 1 and not (tmp_path / "out").exists()
        assert f"the store {tmp_path / 'db'} is open in another process (a build, an audit, a query or a server)" in (
            refused.stderr
        )
        assert get(with_query(url, COUNT_CLAIMS), {"Accept": "text/csv"})[2] == f"n\r\n{CLAIMS}\r\n"
    assert claimgraph("build", "--out", str(tmp_path / "out"), "--store", store).returncode == 0


def test_serve_wait_waits_for_a_store_another_process_has(shipped_build: Path, tmp_path: Path):
    """serve --wait SECONDS: the server starts once the other process lets go of its store, and says it waited."""
    import sys

    db = tmp_path / "db"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import pyoxigraph, sys, time; s = pyoxigraph.Store(sys.argv[1]); print(flush=True); "
         "time.sleep(6)", str(db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        holder.stdout.readline()
        with serve("--graph", str(shipped_build / "claims.ttl"), "--store", f"oxigraph:{db}", "--wait", "30") as server:
            assert get(with_query(server.url, COUNT_CLAIMS), {"Accept": "text/csv"})[2] == f"n\r\n{CLAIMS}\r\n"
            assert f"the store {db} is open in another process: waiting up to 30 s" in server.stderr()
    finally:
        holder.kill()
        holder.wait()


def _serve_fails(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(EXE), "serve", "--port", "0", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in result.stderr and "error:  (" not in result.stderr
    return result


def test_serve_without_a_build_or_with_a_missing_file_is_a_usage_error(tmp_path: Path):
    none = _serve_fails(cwd=tmp_path)
    assert none.returncode == 2 and "out/claims.ttl: no such file (build one with `claimgraph build`)" in none.stderr
    missing = _serve_fails("--graph", str(tmp_path / "nonexistent.ttl"))
    assert missing.returncode == 2 and "nonexistent.ttl: no such file" in missing.stderr


@pytest.mark.parametrize("store", ["oxigraph", "memory", "oxigraph:DB"])
def test_serve_reports_a_malformed_graph_by_line_before_starting_workers(tmp_path: Path, store: str):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n", encoding="utf-8")
    result = _serve_fails("--graph", str(bad), "--store", store.replace("DB", str(tmp_path / "db")))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{bad}:3: col 11: syntax error: ")


def test_a_worker_that_cannot_open_the_store_is_a_clear_error(tmp_path: Path):
    from graph.sparql.serve import ServeOptions, WorkerPool
    from graph.stores import StoreSpec

    (tmp_path / "db").write_text("not a store directory", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"a query worker could not open the store: "):
        WorkerPool(ServeOptions(StoreSpec(store=f"oxigraph:{tmp_path / 'db'}"), workers=2))


def test_a_graph_the_loader_cannot_read_is_invalid_input_by_file(tmp_path: Path):
    from graph.problems import InvalidInput
    from graph.sparql.serve import ServeOptions, WorkerPool
    from graph.stores import StoreSpec

    with pytest.raises(InvalidInput) as caught:
        WorkerPool(ServeOptions(StoreSpec(graph=tmp_path / "nonexistent.ttl"), workers=2))
    assert "nonexistent.ttl: no such file" in str(caught.value.problems[0])


def test_select_star_columns_follow_the_query_text(endpoint: str):
    query = (
        "SELECT * WHERE { ?zeta a ?alpha . OPTIONAL { ?zeta <http://www.w3.org/2000/01/rdf-schema#label> ?m } } LIMIT 1"
    )
    head = json.loads(get(with_query(endpoint, query))[2])["head"]["vars"]
    assert head == ["zeta", "alpha", "m"]
