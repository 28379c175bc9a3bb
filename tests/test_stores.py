"""Every store keeps every term, and binds parameters alike: rdflib in memory, Oxigraph in memory and on disk, and
a real Virtuoso (tests/virtuoso_server.py), each compared term for term with the graph file's own triples."""

from __future__ import annotations

import itertools
import subprocess
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from graph.files import read_rdf
from graph.sparql.named import NamedQuery, parse_params
from graph.sparql.push import push
from graph.stores import StoreSpec, open_store
from graph.stores.base import answered_rows
from graph.stores.endpoint import EndpointStore, Http
from tests.conftest import ROOT, MiniProject, claim, claimgraph

EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
LOCAL = ("memory", "oxigraph", "oxigraph-disk")
STORES = (*LOCAL, "virtuoso")
CG = "https://w3id.org/claimgraph/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def triples_of(path: Path) -> set[ox.Triple]:
    problems: list = []
    found = set(read_rdf(path, problems))
    assert problems == [] and found
    return found


def local_store(kind: str, graph: Path, tmp: Path):
    store = f"oxigraph:{tmp / 'db'}" if kind == "oxigraph-disk" else kind
    return open_store(StoreSpec(graph, store))


def virtuoso_raw(virtuoso, graph_name: str, query: str = EVERYTHING) -> set[ox.Triple]:
    """Virtuoso's own answer to a CONSTRUCT, parsed as it came (no normal_term), in N-Triples."""
    form = urllib.parse.urlencode({"query": query, "default-graph-uri": graph_name}).encode("utf-8")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/n-triples"}
    _, got, body = Http().request(virtuoso.sparql, form, headers)
    assert got["content-type"].startswith("application/n-triples")
    return {q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}


def pushed(virtuoso, graph: Path, name: str) -> EndpointStore:
    result = push(graph, virtuoso.sparql, name, gsp=f"{virtuoso.base}/sparql-graph-crud")
    assert result.stored == result.triples
    return EndpointStore(virtuoso.sparql, default_graph=name)


def differences(expected: set[ox.Triple], got: set[ox.Triple]) -> dict[str, list[str]]:
    return {"lost": sorted(map(str, expected - got)), "added": sorted(map(str, got - expected))}


# --- the shipped build, through every store -----------------------------------------------------------------


@pytest.mark.parametrize("kind", STORES)
def test_every_store_keeps_every_term_of_the_shipped_build(kind: str, shipped_build: Path, tmp_path: Path, request):
    graph = shipped_build / "claims.ttl"
    expected = triples_of(graph)
    datatypes = {t.object.datatype.value for t in expected if isinstance(t.object, ox.Literal)}
    assert {XSD + "string", XSD + "integer", XSD + "boolean"} <= datatypes  # what the build writes
    if kind == "virtuoso":
        virtuoso = request.getfixturevalue("virtuoso")
        store = pushed(virtuoso, graph, "https://example.org/claimgraph-test/round-trip")
        # Virtuoso's own CONSTRUCT answer, before any normalisation, already holds exactly the file's terms
        # (its "1" for true shows only in SELECT answers, which normal_term maps back; see test_virtuoso.py).
        assert differences(expected, virtuoso_raw(virtuoso, "https://example.org/claimgraph-test/round-trip")) == {
            "lost": [],
            "added": [],
        }
    else:
        store = local_store(kind, graph, tmp_path)
    got = store.query(EVERYTHING).triples
    assert len(got) == len(set(got))
    assert differences(expected, set(got)) == {"lost": [], "added": []}


def test_a_construct_copy_of_the_build_made_by_query_passes_the_shapes(shipped_build: Path, tmp_path: Path):
    """Issue 8 found 120 SHACL violations here: the store had turned the selectors' offsets into other types."""
    copy = tmp_path / "copy.ttl"
    result = claimgraph("query", EVERYTHING, "--graph", str(shipped_build / "claims.ttl"))
    assert result.returncode == 0, result.stderr
    copy.write_text(result.stdout, encoding="utf-8")
    assert triples_of(copy) == triples_of(shipped_build / "claims.ttl")
    checked = claimgraph("validate", "--graph", str(copy))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == f"ok: {copy} conforms to the claimgraph shapes\n"


# --- literal claim objects of every datatype the ontology loader accepts ------------------------------------

TYPED = {  # predicate: (range, values as a curator writes them)
    "hasCount": ("integer", ["007", "-0", "12"]),
    "hasDose": ("decimal", ["2.50", "3.0", "-.5"]),
    "hasRatio": ("double", ["2.5e0", "1", "1E3", "INF"]),
    "hasWeight": ("float", ["2.5", "1e3"]),
    "isFlagged": ("boolean", ["1", "false"]),
    "since": ("date", ["2013-05-01", "2013-05-01+01:00"]),
    "seenAt": ("dateTime", ["2013-05-01T10:00:00Z", "2013-05-01T10:00:00.500+01:00", "2013-05-01T10:00:00"]),
    "inYear": ("gYear", ["2013"]),
    "describedAt": ("anyURI", ["https://example.org/a#b"]),
}


def typed_extension() -> str:
    lines = [
        "@prefix cg: <https://w3id.org/claimgraph/ns#> .",
        "@prefix x: <https://example.org/typed#> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
    ]
    for name, (datatype, _) in TYPED.items():
        lines.append(
            f'x:{name} a owl:DatatypeProperty ; rdfs:subPropertyOf cg:claimAttribute ; rdfs:range xsd:{datatype} ; '
            f'rdfs:label "{name}" ; rdfs:comment "a {datatype} value" .'
        )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def typed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose claims have literal objects of every kept datatype, in several lexical forms each."""

    from tests.conftest import ROOT

    root = tmp_path_factory.mktemp("typed")
    project = MiniProject.create(root, ontology=False)
    (root / "ext.ttl").write_text(typed_extension(), encoding="utf-8")
    rows = [
        claim(f"T{n:02d}", subject=f"thing {n}", predicate=name, object=value, certainty="certain", evidence="none",
              attribution="author", quote="Prolotherapy is a treatment that has been used for centuries")
        for n, (name, value) in enumerate(((p, v) for p, (_, vs) in TYPED.items() for v in vs), start=1)
    ]  # fmt: skip
    project.write_claims(rows)
    result = claimgraph("build", "--ontology", str(ROOT / "ontology.ttl"), "--ontology", "ext.ttl", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "out" / "claims.ttl"


@pytest.mark.parametrize("kind", STORES)
def test_every_store_keeps_typed_literal_objects_term_for_term(kind: str, typed_build: Path, tmp_path: Path, request):
    expected = triples_of(typed_build)
    objects = {t.object for t in expected if t.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#object"}
    assert {o.datatype.value.removeprefix(XSD) for o in objects if isinstance(o, ox.Literal)} == {
        datatype for datatype, _ in TYPED.values()
    }
    if kind == "virtuoso":
        virtuoso = request.getfixturevalue("virtuoso")
        store = pushed(virtuoso, typed_build, "https://example.org/claimgraph-test/typed")
        raw = virtuoso_raw(virtuoso, "https://example.org/claimgraph-test/typed")
        # By design Virtuoso spells some values its own way: a double or float with an integral value gets ".0"
        # and fractional seconds are padded to milliseconds. The store's answers map them back (normal_term).
        respelled = {
            (t.subject.value.rsplit("/", 1)[-1], str(t.object)): str(u.object)
            for t in expected - raw
            for u in raw - expected
            if (t.subject, t.predicate) == (u.subject, u.predicate)
        }
        assert respelled == {
            ("T08", f'"1"^^<{XSD}double>'): f'"1.0"^^<{XSD}double>',
            ("T09", f'"1000"^^<{XSD}double>'): f'"1000.0"^^<{XSD}double>',
            ("T12", f'"1000"^^<{XSD}float>'): f'"1000.0"^^<{XSD}float>',
            ("T18", f'"2013-05-01T10:00:00.5+01:00"^^<{XSD}dateTime>'): (
                f'"2013-05-01T10:00:00.500+01:00"^^<{XSD}dateTime>'
            ),
        }
        assert len(expected - raw) == len(raw - expected) == len(respelled)
    else:
        store = local_store(kind, typed_build, tmp_path)
    assert differences(expected, set(store.query(EVERYTHING).triples)) == {"lost": [], "added": []}


def test_typed_values_are_written_in_their_canonical_form_and_keep_their_value(typed_build: Path):
    written = {
        t.object.value
        for t in triples_of(typed_build)
        if t.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#object" and isinstance(t.object, ox.Literal)
    }
    assert {"7", "0", "12", "2.5", "3", "-0.5", "1000", "INF", "true", "false"} <= written
    assert {"2013-05-01+01:00", "2013-05-01T10:00:00Z", "2013-05-01T10:00:00.5+01:00"} <= written  # zones kept
    assert "https://example.org/a#b" in written


# --- parameters, bound natively, with IRIs that hold '#' ----------------------------------------------------

ONE_LINE = (
    "PREFIX cg: <https://w3id.org/claimgraph/ns#> "
    "CONSTRUCT { ?claim cg:certainty ?certainty } WHERE { ?claim cg:certainty ?certainty }"
)
BY_CERTAINTY = [
    ONE_LINE,
    "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?claim ?certainty WHERE { ?claim cg:certainty ?certainty }",
    "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?claim WHERE { ?claim cg:certainty ?certainty }",
    "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT (COUNT(?claim) AS ?n) "
    "WHERE { ?claim cg:certainty ?certainty }",
    "PREFIX cg: <https://w3id.org/claimgraph/ns#> ASK { ?claim cg:certainty ?certainty }",
]


def answer(result) -> object:
    if result.type == "ASK":
        return result.boolean
    if result.type == "CONSTRUCT":
        return sorted(map(str, result.triples))
    return result.variables, sorted(tuple(map(str, row)) for row in result.rows)


@pytest.fixture(scope="module")
def every_store(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory, virtuoso) -> dict[str, object]:
    graph = shipped_build / "claims.ttl"
    tmp = tmp_path_factory.mktemp("param-stores")
    stores = {kind: local_store(kind, graph, tmp) for kind in LOCAL}
    stores["virtuoso"] = pushed(virtuoso, graph, "https://example.org/claimgraph-test/params")
    return stores


@pytest.mark.parametrize("query", BY_CERTAINTY, ids=["construct", "select-projected", "select", "count", "ask"])
def test_a_parameter_iri_with_a_hash_binds_alike_on_every_store(query: str, every_store: dict):
    possible = parse_params(NamedQuery("q", "", query), [f"certainty=<{CG}Possible>"])
    assert possible == {"certainty": ox.NamedNode(CG + "Possible")}
    answers = {kind: answer(store.query(query, possible)) for kind, store in every_store.items()}
    unbound = answer(every_store["oxigraph"].query(query))
    assert answers["memory"] != unbound or query.startswith("PREFIX cg: <https://w3id.org/claimgraph/ns#> ASK")
    assert answers == {kind: answers["memory"] for kind in every_store}, answers


def test_the_one_line_construct_with_a_parameter_runs_from_the_command_line(shipped_build: Path, virtuoso):
    """It failed with exit 1 before the redesign: the '#' of <…ns#> was taken for a comment."""
    graph = str(shipped_build / "claims.ttl")
    param = ["--param", f"certainty=<{CG}Possible>"]
    name = "https://example.org/claimgraph-test/params-cli"
    pushed(virtuoso, shipped_build / "claims.ttl", name)
    where = {
        "oxigraph": ["--graph", graph],
        "memory": ["--graph", graph, "--store", "memory"],
        "virtuoso": ["--endpoint", virtuoso.sparql, "--default-graph", name],
    }
    outputs = {}
    for kind, args in where.items():
        result = claimgraph("query", ONE_LINE, *args, *param)
        assert result.returncode == 0, (kind, result.stderr)
        outputs[kind] = {tuple(map(str, t)) for t in Graph().parse(data=result.stdout, format="turtle")}
    assert outputs["oxigraph"] == outputs["memory"] == outputs["virtuoso"]
    possible = sum(1 for line in (ROOT / "claims.csv").read_text(encoding="utf-8").splitlines()[1:]
                   if ",possible," in line)  # fmt: skip
    assert len(outputs["oxigraph"]) == possible > 0  # the shipped table's 'possible' claims
    assert {o for _, _, o in outputs["oxigraph"]} == {CG + "Possible"}


# --- the claim view of a graph giving some claims several rows, through every store ----------------------------

SEVERAL_ROWS = """
entity:prolotherapy rdfs:label "Aaa prolotherapy" .
entity:back-pain rdfs:label "zzz back pain" .
claim:A-twin a cg:Claim ; dcterms:identifier "C01" ; rdf:subject entity:water ; rdf:predicate cg:usedFor ;
    rdf:object entity:water .
claim:Z-twin a cg:Claim ; dcterms:identifier "C02" ; rdf:subject entity:water ; rdf:predicate cg:usedFor ;
    rdf:object entity:water .
claim:A-twin-quote oa:hasBody claim:A-twin ; oa:hasTarget claim:A-twin-target .
claim:A-twin-target oa:hasSelector claim:A-twin-q2 , claim:A-twin-q1 , claim:A-twin-at .
claim:A-twin-q2 oa:exact "zzz later quote" ; oa:prefix "zz " .
claim:A-twin-q1 oa:exact "aaa first quote" ; oa:prefix "aa " ; oa:suffix " aa" .
claim:A-twin-at oa:start 7 ; oa:end 22 .
"""


class Shuffled:
    """A store answering the claim-view query with its rows in a given order (no streaming: query() only)."""

    select_rows = answered_rows

    def __init__(self, store, order: str):
        self.inner, self.order = store, order

    def query(self, sparql: str, bindings=None, limit=None):
        import random

        from graph.stores import QueryResult

        result = self.inner.query(sparql, bindings, limit)
        rows = list(result.rows)
        if self.order == "reversed":
            rows.reverse()
        else:
            random.Random(self.order).shuffle(rows)
        return QueryResult(result.type, result.variables, rows)


@pytest.fixture(scope="module")
def several_rows(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    graph = tmp_path_factory.mktemp("several-rows") / "claims.ttl"
    graph.write_text((shipped_build / "claims.ttl").read_text(encoding="utf-8") + SEVERAL_ROWS, encoding="utf-8")
    return graph


@pytest.mark.parametrize("kind", STORES)
def test_the_claim_view_keeps_the_row_sorting_first_on_every_store(kind, several_rows, tmp_path, request):
    from graph.model import claim_views

    if kind == "virtuoso":
        store = pushed(request.getfixturevalue("virtuoso"), several_rows, "https://example.org/claimgraph-test/rows")
    else:
        store = local_store(kind, several_rows, tmp_path)
    listed = claim_views(store)  # sorted by id
    views = {v.id: v for v in listed}
    assert len(views) == 91
    about = [v for v in views.values() if v.subject_iri.endswith("/entity/prolotherapy")]
    assert about and {v.subject for v in about} == {"Aaa prolotherapy"}  # two labels: the one sorting first
    to_back_pain = [v for v in views.values() if v.object_iri.endswith("/entity/back-pain")]
    assert to_back_pain and "zzz back pain" not in {v.object for v in to_back_pain}
    assert views["C01"].iri.endswith("/claim/A-twin") and views["C01"].subject == "water"  # its IRI sorts first
    twin = views["C01"]  # two quote selectors: the one sorting first, whole; its position from the other selector
    assert (twin.quote, twin.prefix, twin.suffix, twin.start, twin.end) == ("aaa first quote", "aa ", " aa", 7, 22)
    assert views["C05"].quote and views["C05"].start is not None  # one selector of each: read as before
    assert views["C02"].iri.endswith("/claim/C02") and views["C02"].subject != "water"
    # the same views whatever order the rows come in (a claim's rows far apart), streamed or read whole
    for seed in ("a", "b"):
        assert claim_views(Shuffled(store, seed)) == listed
    same = claim_views(Shuffled(local_store("oxigraph", several_rows, tmp_path / "again"), "reversed"))
    # every field alike on every store, Virtuoso included (its answer to the sources' fields nested in the claim
    # view left cg:participants unbound for two claims; read once per source, they come back whole)
    assert same == listed


def test_what_a_view_reads_of_the_nodes_a_claim_names_is_what_the_ontology_says(shipped_build: Path):
    """The fields a claim's view reads of its predicate and vocabulary values (node-fields.rq: ranks, flags, the
    predicate's label, functionality and aspects) against the vocabulary as the ontology file gives it (rdflib)."""
    from graph.model import claim_views
    from graph.read.ontology import load_vocabulary

    vocab = load_vocabulary([ROOT / "ontology.ttl"], [])
    predicates = {p.iri.value: p for found in vocab.predicates.values() for p in found}
    views = claim_views(open_store(StoreSpec(graph=shipped_build / "claims.ttl")))
    for view in views:
        kind, level = vocab.evidence[view.evidence], vocab.certainty[view.certainty]
        assert (view.evidence_rank, view.traceable, view.absence) == (
            kind.rank or 0, kind.flag("traceable"), kind.flag("recordsAbsence")
        ), view.id
        assert view.certainty_rank == (level.rank or 0), view.id
        predicate = predicates[view.predicate_iri]
        assert (view.predicate_label, view.functional, set(view.aspects)) == (
            predicate.label, predicate.functional, set(predicate.aspects)
        ), view.id
    # the shipped data has both sides of each flag, so a field read from the wrong node or property shows
    assert {v.traceable for v in views} == {v.functional for v in views} == {True, False}
    assert True in {v.absence for v in views}


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_n_triples_load_as_one_stream_whatever_the_chunks_cut(where: str, tmp_path: Path):
    """A build hands Oxigraph its N-Triples in chunks that are joined into one stream: a chunk may end inside a
    line (the spool's blocks do), text and bytes mix, and an error raised while the chunks are made (Ctrl-C, a bad
    input) comes out as itself, not as a parse error."""
    from graph.stores.oxigraph import OxigraphStore

    text = "".join(f'<urn:s:{i}> <urn:p> "{"é" * (i % 7)}{i}" .\n' for i in range(2000)).encode()
    inside = next(i for i in range(12_000, len(text)) if text[i] & 0xC0 == 0x80)  # within an "é"
    cuts = [0, 1, 5, 999, 1000, inside, 40_000, len(text)]
    chunks: list[str | bytes] = [text[a:b] for a, b in itertools.pairwise(cuts)]  # cut mid-line and mid-character
    chunks.append('<urn:s:last> <urn:p> "given as text" .\n')

    def store() -> OxigraphStore:
        return OxigraphStore.memory() if where == "memory" else OxigraphStore.directory(tmp_path / "db")

    loaded = store()
    loaded.load_ntriples(chunks)
    expected = {q.triple for q in ox.parse(text + chunks[-1].encode(), format=ox.RdfFormat.N_TRIPLES)}
    assert set(loaded.triples()) == expected and len(expected) == 2001
    del loaded

    def failing():
        yield text[:1000]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store().load_ntriples(failing())


def test_the_stream_reads_like_a_file():
    from graph.stores.oxigraph import _Stream

    stream = _Stream([b"abc", "", "dé", b"f"])
    assert stream.read(2) == b"ab" and stream.read() == "cdéf".encode() and stream.read(5) == b""


def test_a_store_open_in_another_process_is_named_as_such(shipped_build: Path, tmp_path: Path):
    """RocksDB lets one process write a store; a second command gets a message a user can act on, not RocksDB's."""
    import sys

    graph = str(shipped_build / "claims.ttl")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import pyoxigraph, sys; s = pyoxigraph.Store(sys.argv[1]); print(flush=True); input()",
         str(tmp_path / "db")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        holder.stdout.readline()  # the store is open
        result = claimgraph("query", "findings", "--graph", graph, "--store", f"oxigraph:{tmp_path / 'db'}")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert f"the store {tmp_path / 'db'} is open in another process" in result.stderr and "LOCK" not in result.stderr
    assert claimgraph("query", "findings", "--graph", graph, "--store", f"oxigraph:{tmp_path / 'db'}").returncode == 0


def while_held(db: Path, held: float, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    """The command run while another process has the store open for writing (letting go after ``held`` seconds),
    and the seconds it took."""
    import sys
    import time

    holder = subprocess.Popen(
        [sys.executable, "-c", "import pyoxigraph, sys, time; s = pyoxigraph.Store(sys.argv[1]); print(flush=True); "
         "time.sleep(float(sys.argv[2]))", str(db), str(held)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        holder.stdout.readline()  # the store is open
        began = time.monotonic()
        result = claimgraph(*args)
        return result, time.monotonic() - began
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("command", ["query", "build"])
def test_wait_lets_a_command_wait_for_a_store_another_process_has(command: str, shipped_build: Path, tmp_path: Path):
    """--wait SECONDS: a store held for a moment is waited for, with a notice, instead of refused; a store held
    longer than that is refused once the time is up, saying how long it waited."""
    import re

    db = tmp_path / "db"
    args = {
        "query": ("query", "sources", "--graph", str(shipped_build / "claims.ttl"), "--store", f"oxigraph:{db}"),
        "build": ("build", "--out", str(tmp_path / "out"), "--store", f"oxigraph:{db}"),
    }[command]
    waited, took = while_held(db, 6.0, *args, "--wait", "30")  # well beyond a reader's own wait (READER_WAIT)
    assert waited.returncode == 0, waited.stderr
    assert 1.0 < took < 30 and f"the store {db} is open in another process: waiting up to 30 s" in waited.stderr
    refused, took = while_held(db, 30.0, *args, "--wait", "1.5")
    assert refused.returncode == 1 and 1.5 <= took < 20
    said = re.search(r"the store (.+) is open in another process.*\(waited (\d+) s\)", refused.stderr)
    assert said and said[1] == str(db) and 1 <= int(said[2]) <= took + 1  # how long it really waited
    assert "--wait SECONDS waits for it" not in refused.stderr  # it did
    refused, _ = while_held(db, 30.0, *args)
    assert refused.returncode == 1 and refused.stderr.rstrip().endswith("(--wait SECONDS waits for it)")
    for never in ("-1", "nan", "inf"):
        assert claimgraph(*args, "--wait", never).returncode == 2


def test_readers_of_a_store_holding_its_file_share_it_and_keep_writers_out(shipped_build: Path, tmp_path: Path):
    """A store that holds its graph file already is opened read-only, so commands that only read it (queries, a
    server) run side by side; a writer elsewhere (a build into it) is refused until the last reader lets go."""
    import sys

    graph, db = shipped_build / "claims.ttl", tmp_path / "db"
    code = (
        "import sys; from pathlib import Path; from graph.stores.oxigraph import OxigraphStore as S\n"
        "s = S.with_file(Path(sys.argv[1]), Path(sys.argv[2])) if sys.argv[3] == 'read' else S.directory(sys.argv[1])\n"
        "print(s.writable, len(s))\n"
    )

    def other_process(how: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code, str(db), str(graph), how], capture_output=True, text=True,
                              cwd=ROOT)  # fmt: skip

    filled = open_store(StoreSpec(graph, f"oxigraph:{db}"))  # an empty folder: opened for writing and filled
    assert filled.writable
    del filled
    reader = open_store(StoreSpec(graph, f"oxigraph:{db}"))
    assert not reader.writable and len(reader) == len(triples_of(graph))
    beside = other_process("read")
    assert beside.returncode == 0 and beside.stdout.split() == ["False", str(len(reader))]
    writer = other_process("write")
    assert writer.returncode == 1 and f"the store {db} is open in another process" in writer.stderr
    reader.close()
    assert other_process("write").stdout.split()[:1] == ["True"]


def test_readers_and_a_writer_of_one_process_never_share_a_store(shipped_build: Path, tmp_path: Path):
    """fcntl locks belong to the process and closing any descriptor drops them all: so the process counts its readers
    of a store (one lock, let go with the last), and refuses a reader beside its own writer and the reverse."""
    import sys

    from graph.stores.oxigraph import OxigraphStore

    graph, db = shipped_build / "claims.ttl", tmp_path / "db"
    code = "import sys; from graph.stores.oxigraph import OxigraphStore; OxigraphStore.directory(sys.argv[1])"

    def writer_elsewhere_opens() -> bool:
        return subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, cwd=ROOT).returncode == 0

    writer = OxigraphStore.with_file(db, graph)  # a new folder: filled, so opened for writing
    with pytest.raises(OSError, match="already open for writing in this process"):
        OxigraphStore.reading(db)
    with pytest.raises(OSError, match="already open for writing in this process"):
        OxigraphStore.with_file(db, graph)
    del writer
    first, second = OxigraphStore.with_file(db, graph), open_store(StoreSpec(store=f"oxigraph:{db}"), read_only=True)
    assert not first.writable and not second.writable
    with pytest.raises(OSError, match="open for reading in this process; close it first"):
        OxigraphStore.directory(db)
    first.close()
    assert not writer_elsewhere_opens()  # the second reader still keeps writers out
    del second
    assert writer_elsewhere_opens()


@pytest.mark.parametrize("held", [0.5, 6.0])
def test_a_new_reader_waits_out_a_moment_s_hold_on_the_store_but_not_a_writer(tmp_path: Path, held: float):
    """Another process joining the readers holds the store for an instant (it asks RocksDB whether it has a writer of
    its own there); two queries started together must both run. A hold longer than READER_WAIT is a writer."""
    import sys
    import time

    from graph.stores.locks import READER_WAIT, join_readers

    db = tmp_path / "db"
    ox.Store(str(db)).add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))
    hold = ("import fcntl, sys, time; f = open(sys.argv[1], 'r+'); fcntl.lockf(f, fcntl.LOCK_EX); print(flush=True); "
            "time.sleep(float(sys.argv[2]))")  # fmt: skip
    holder = subprocess.Popen([sys.executable, "-c", hold, str(db / "LOCK"), str(held)], stdout=subprocess.PIPE)
    try:
        holder.stdout.readline()
        began = time.monotonic()
        if held < READER_WAIT:
            join_readers(db)()
            assert time.monotonic() - began >= held / 2  # it did wait for the holder
        else:
            with pytest.raises(OSError, match="is open in another process"):
                join_readers(db)
            assert READER_WAIT <= time.monotonic() - began < held
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("folder", ["read-only", "writable"])
def test_a_store_this_user_may_not_write_is_read_as_it_stands(folder: str, shipped_build: Path):
    """A store shared read-only (another user's, or on a read-only mount) answers queries; building into it is refused
    with a message, not RocksDB's "Permission denied" on its log file or its LOCK, whether or not the user may write
    the store's folder itself. As root, the reading runs as nobody."""
    import json
    import os
    import shutil
    import stat
    import tempfile

    place = Path(tempfile.mkdtemp(dir="/tmp" if Path("/tmp").is_dir() else None))  # tmp_path's parents are closed
    if os.geteuid() == 0 and not all(p.stat().st_mode & stat.S_IXOTH for p in place.parents):
        shutil.rmtree(place)
        pytest.skip(f"{place.parent} is closed to other users")
    db, graph = place / "db", place / "claims.ttl"
    shutil.copy(shipped_build / "claims.ttl", graph)
    project = place / "project"  # the shipped inputs, where the other user may read them
    shutil.copytree(ROOT / "sources", project / "sources")
    shutil.copy(ROOT / "claims.csv", project / "claims.csv")
    answers = {"as the owner": claimgraph("query", "sources", "--graph", str(graph), "--store", f"oxigraph:{db}")}
    for path in (place, db, *db.iterdir(), graph):
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222 | (0o555 if path.is_dir() else 0o444))
    if folder == "writable":
        db.chmod(0o777)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            store = f"oxigraph:{db}"
            runs = {
                "without a file": claimgraph("query", "sources", "--store", store, cwd=place),
                "with its file": claimgraph("query", "sources", "--graph", str(graph), "--store", store, cwd=place),
                "a build": claimgraph("build", "--out", str(place / "out"), "--store", store, cwd=project),
            }
            os.write(write, json.dumps({k: [r.returncode, r.stdout, r.stderr] for k, r in runs.items()}).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        got = json.loads(pipe.read() or b"{}")
    os.waitpid(child, 0)
    for path in (place, db):
        path.chmod(0o755)
    shutil.rmtree(place)
    owner = answers["as the owner"]
    assert owner.returncode == 0 and owner.stdout.count("\n") > 1
    assert got["without a file"] == [0, owner.stdout, ""] and got["with its file"] == [0, owner.stdout, ""]
    code, _, error = got["a build"]
    assert code == 1 and f"the store {db} cannot be written by this user" in error and "Permission" not in error


def test_one_store_under_two_spellings_of_its_path_is_one_store(shipped_build: Path, tmp_path: Path, monkeypatch):
    """RocksDB knows this process's writers by the path as given: a reader opened as /abs/db beside a writer opened
    as db would open a second writer to check, and closing it would drop the first one's lock for other processes."""
    import sys

    from graph.stores.oxigraph import OxigraphStore

    monkeypatch.chdir(tmp_path)
    writer = OxigraphStore.with_file(Path("db"), shipped_build / "claims.ttl")
    with pytest.raises(OSError, match="already open for writing in this process"):
        OxigraphStore.reading(tmp_path / "db")
    with pytest.raises(OSError, match="already open for writing in this process"):
        OxigraphStore.directory(tmp_path / "db")
    code = "import sys; from graph.stores.oxigraph import OxigraphStore; OxigraphStore.directory(sys.argv[1])"
    elsewhere = subprocess.run([sys.executable, "-c", code, str(tmp_path / "db")], capture_output=True, cwd=ROOT)
    assert elsewhere.returncode == 1 and b"is open in another process" in elsewhere.stderr
    del writer


def test_a_query_of_a_store_that_is_not_there_leaves_none_behind(tmp_path: Path):
    """Without a graph file, a store is read as it stands; a mistyped folder is an error, not a new empty store."""
    result = claimgraph("query", "sources", "--store", f"oxigraph:{tmp_path / 'typo'}", cwd=tmp_path)
    assert result.returncode == 2 and f"no store in {tmp_path / 'typo'}" in result.stderr
    assert not (tmp_path / "typo").exists()


def test_a_query_of_a_store_leaves_its_files_as_they_were(shipped_build: Path, tmp_path: Path):
    """Reading writes nothing: checking for a writer of this process (which opens one for a moment, rewriting the
    store's MANIFEST, OPTIONS and LOG) is only done where this process has opened the store for writing before."""
    import sys

    graph, db = shipped_build / "claims.ttl", tmp_path / "db"
    code = "import sys; from graph.stores.oxigraph import OxigraphStore; OxigraphStore.with_file(*sys.argv[1:])"
    subprocess.run([sys.executable, "-c", code, str(db), str(graph)], check=True, cwd=ROOT)

    def files() -> dict[str, int]:
        return {p.name: p.stat().st_size for p in db.iterdir()}

    before = files()
    for args in (("--graph", str(graph)), ()):
        result = claimgraph("query", "sources", *args, "--store", f"oxigraph:{db}", cwd=tmp_path)
        assert result.returncode == 0 and result.stdout.count("\n") > 1, result.stderr
    assert files() == before
