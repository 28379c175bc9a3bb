"""claimgraph query: named queries, parameters bound as terms, the W3C result formats, and the local stores."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.query import Result

from graph.sparql.named import named_queries, parse_params, resolve
from graph.sparql.results import render
from graph.stores import QueryResult, StoreSpec, open_store
from graph.stores.memory import MemoryStore, to_rdflib
from graph.stores.oxigraph import OxigraphStore
from tests.conftest import ROOT, MiniProject, claim, claimgraph
from tests.stores import all_named, canonical, run_named

XSD = "http://www.w3.org/2001/XMLSchema#"


def Literal(value: str, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)


@pytest.fixture(scope="module")
def memory(shipped_build: Path) -> MemoryStore:
    return open_store(StoreSpec(graph=shipped_build / "claims.ttl", store="memory"))


@pytest.fixture(scope="module")
def oxigraph(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    db = tmp_path_factory.mktemp("ox") / "db"
    return open_store(StoreSpec(graph=shipped_build / "claims.ttl", store=f"oxigraph:{db}"))


def test_the_named_queries_the_issue_asks_for_exist_with_descriptions():
    queries = {q.name: q for q in named_queries()}
    expected = {
        "unsupported",
        "contradictions",
        "by-certainty",
        "about-entity",
        "evidence-chain",
        "sources",
        "findings",
    }
    assert expected <= set(queries)
    assert all(q.description for q in queries.values())
    assert set(queries["about-entity"].params) == {"entity"}
    assert set(queries["evidence-chain"].params) == {"claim"}


@pytest.mark.parametrize("query", all_named(), ids=lambda q: q.name)
def test_every_named_query_gives_the_same_answer_on_memory_and_oxigraph(query, memory, oxigraph):
    assert canonical(run_named(memory, query)) == canonical(run_named(oxigraph, query))


def test_named_queries_answer_about_the_shipped_article(memory):
    about = run_named(memory, resolve("about-entity")).dicts()
    assert [(r["claim"].value, r["role"].value, r["subject"].value, r["entity"].value) for r in about] == [
        ("C36", "object", "prolotherapy", "Knee Pain")
    ]
    chain = run_named(memory, resolve("evidence-chain")).dicts()
    assert chain[0]["id"] == Literal("C36") and chain[0]["step"] == Literal("claim")
    assert {r["id"].value for r in chain[1:]} == {"L02", "L05", "L06", "L19"}
    assert all(r["step"] == Literal("supported by") for r in chain[1:])
    sources = {r["source"].value: int(r["claims"].value) for r in run_named(memory, resolve("sources")).dicts()}
    rows = _rows()
    assert sources["prolotherapy-article"] == sum(1 for r in rows if r["source"] == "prolotherapy-article")
    assert sum(sources.values()) == len(rows)
    pairs = run_named(memory, resolve("contradictions")).dicts()
    c40 = [p for p in pairs if p["claim"].value == "C40" and p["other"].value == "L17"]
    assert c40 and "safe and effective" in c40[0]["quote"].value and "otherQuote" not in c40[0]
    certainty = run_named(memory, resolve("by-certainty")).dicts()
    assert len(certainty) == len(rows) and certainty[0]["certainty"].value == "certain"
    verdicts = run_named(memory, resolve("verdicts")).dicts()
    assert verdicts[0]["verdict"].value == "contradicted-by-evidence"
    assert {r["claim"].value for r in verdicts} == {r["id"] for r in rows if r["source"] == "prolotherapy-article"}
    findings = run_named(memory, resolve("findings")).dicts()
    assert {"contradiction", "unsupported"} <= {f["kind"].value for f in findings}
    unsupported = {r["claim"].value for r in run_named(memory, resolve("unsupported")).dicts()}
    statuses = {r["id"].value for r in memory.query(UNSUPPORTED_STATUS).dicts()}
    assert unsupported == statuses and unsupported


UNSUPPORTED_STATUS = """PREFIX cg: <https://w3id.org/claimgraph/ns#>
SELECT ?id WHERE { ?c cg:verdict cg:UnsupportedVerdict ; <http://purl.org/dc/terms/identifier> ?id }"""


def _sources() -> list[dict[str, str]]:
    with open(ROOT / "sources" / "sources.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _rows() -> list[dict[str, str]]:
    with open(ROOT / "claims.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


HOSTILE = [
    'knee pain" ) } UNION { ?e ?p ?o } #',
    "knee pain' } } SELECT * WHERE { ?s ?p ?o",
    'x"""} # { \\" <urn:x>',
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_parameter_with_quotes_or_braces_stays_one_literal(value, memory, oxigraph):
    query = resolve("about-entity")
    for store in (memory, oxigraph):
        result = store.query(query.text, parse_params(query, [f"entity={value}"]))
        assert result.variables == run_named(memory, query).variables
        assert result.rows == []


def test_a_label_with_quotes_and_braces_is_found_by_its_own_value(mini: MiniProject):
    label = 'the "best" {cure}'
    mini.write_claims([claim("C01", subject=label, object="knee pain")])
    assert mini.run("build").returncode == 0
    result = mini.run("query", "about-entity", "--param", f"entity={label.upper()}", "--format", "json")
    assert result.returncode == 0, result.stderr
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert [(b["claim"]["value"], b["subject"]["value"]) for b in bindings] == [("C01", label)]


def test_parameters_must_be_the_query_s_own_and_complete():
    query = resolve("evidence-chain")
    with pytest.raises(ValueError, match="needs --param claim"):
        parse_params(query, [])
    with pytest.raises(ValueError, match="has no parameter 'entity'"):
        parse_params(query, ["entity=x", "claim=C01"])
    assert parse_params(query, ["claim=<https://example.org/c>"]) == {"claim": ox.NamedNode("https://example.org/c")}


# --- the W3C SPARQL 1.1 Query Results formats --------------------------------------------------------------

TRICKY = QueryResult(
    "SELECT",
    ["iri", "text", "lang", "typed", "blank", "none"],
    [
        (
            ox.NamedNode("https://example.org/a,b"),
            Literal('say "hi",\nthen\tgo'),
            Literal("Knie", lang="de"),
            Literal("42", datatype=XSD + "integer"),
            ox.BlankNode("b0"),
            None,
        ),
        (None, Literal("plain"), None, Literal("2.5e0", datatype=XSD + "double"), None, None),
        (None, Literal("x", datatype="https://example.org/dt"), None, Literal("true", datatype=XSD + "boolean"),
         None, None),
    ],
)


def test_csv_follows_the_spec():
    """SPARQL 1.1 CSV: header without '?', CRLF line ends, bare values without datatype/language, _:blank,
    empty for unbound, RFC 4180 quoting of fields with quotes, commas or line breaks."""
    text = render(TRICKY, "csv").decode("utf-8")
    assert text.startswith("iri,text,lang,typed,blank,none\r\n")
    assert text.endswith("\r\n") and text.count("\r\n") == 4  # header + 3 rows; the embedded \n stays a bare LF
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1] == ["https://example.org/a,b", 'say "hi",\nthen\tgo', "Knie", "42", "_:b0", ""]
    assert rows[2] == ["", "plain", "", "2.5e0", "", ""]
    assert rows[3] == ["", "x", "", "true", "", ""]
    assert '"say ""hi"",\nthen\tgo"' in text and '"https://example.org/a,b"' in text


def test_tsv_follows_the_spec_and_round_trips():
    """SPARQL 1.1 TSV: '?'-prefixed header, terms in Turtle syntax (escaped tabs and newlines), empty unbound."""
    text = render(TRICKY, "tsv").decode("utf-8")
    lines = text.split("\n")
    assert lines[0] == "?iri\t?text\t?lang\t?typed\t?blank\t?none"
    assert lines[1].split("\t") == [
        "<https://example.org/a,b>",
        '"say \\"hi\\",\\nthen\\tgo"',
        '"Knie"@de',
        "42",
        "_:b0",
        "",
    ]
    assert lines[3].split("\t")[1] == '"x"^^<https://example.org/dt>'
    parsed = ox.parse_query_results(text.encode(), format=ox.QueryResultsFormat.TSV)
    assert tuple(next(iter(parsed)))[:4] == TRICKY.rows[0][:4]


def test_json_follows_the_spec_and_round_trips():
    document = json.loads(render(TRICKY, "json"))
    assert document["head"] == {"vars": TRICKY.variables}
    first = document["results"]["bindings"][0]
    assert first["iri"] == {"type": "uri", "value": "https://example.org/a,b"}
    assert first["lang"] == {"type": "literal", "value": "Knie", "xml:lang": "de"}
    assert first["typed"] == {"type": "literal", "value": "42", "datatype": XSD + "integer"}
    assert first["blank"] == {"type": "bnode", "value": "b0"}
    assert "none" not in first
    assert document["results"]["bindings"][1]["text"] == {"type": "literal", "value": "plain"}
    ask = json.loads(render(QueryResult("ASK", boolean=False), "json"))
    assert ask == {"head": {}, "boolean": False}
    for fmt in ("json", "xml"):  # rdflib's parsers read back exactly what was written
        parsed = Result.parse(io.BytesIO(render(TRICKY, fmt)), format=fmt)
        rows = [[_value(row.get(v)) for v in TRICKY.variables] for row in parsed]  # rdflib reads 2.5e0 as 2.5
        assert rows == [[None if t is None else _value(to_rdflib(t)) for t in row] for row in TRICKY.rows]


def _value(term):
    return None if term is None else term.toPython()


# --- the command line ---------------------------------------------------------------------------------------


def test_query_cli_lists_runs_and_formats(shipped_build: Path):
    graph = str(shipped_build / "claims.ttl")
    listing = claimgraph("query", "--list")
    assert listing.returncode == 0 and all(q.name in listing.stdout for q in named_queries())
    table = claimgraph("query", "sources", "--graph", graph, "--format", "table")
    assert table.returncode == 0 and "prolotherapy-article" in table.stdout
    assert f"({len(_sources())} rows)" in table.stdout
    default = raw("query", "sources", "--graph", graph)  # not a terminal: CSV
    assert default.startswith(b"source,kind,title,claims\r\n")


def test_ask_exits_0_when_true_and_1_when_false(shipped_build: Path):
    graph = str(shipped_build / "claims.ttl")
    yes = claimgraph("query", "ASK { ?c a <https://w3id.org/claimgraph/ns#Claim> }", "--graph", graph)
    no = claimgraph("query", "ASK { ?c a <https://example.org/Nothing> }", "--graph", graph)
    assert (yes.returncode, yes.stdout, no.returncode, no.stdout) == (0, "true\n", 1, "false\n")


def test_construct_prints_turtle(shipped_build: Path, tmp_path: Path):
    rq = tmp_path / "c36.rq"
    rq.write_text("CONSTRUCT { ?c ?p ?o } WHERE { ?c ?p ?o }", encoding="utf-8")
    result = claimgraph(
        "query", str(rq), "--graph", str(shipped_build / "claims.ttl"),
        "--param", "c=<https://w3id.org/claimgraph/id/claim/C36>",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert {str(s) for s in graph.subjects()} == {"https://w3id.org/claimgraph/id/claim/C36"}


@pytest.mark.parametrize("text", [
    "DESCRIBE <https://w3id.org/claimgraph/id/source/acr-2019>",
    "PREFIX s: <https://w3id.org/claimgraph/id/source/>\ndescribe s:acr-2019",
])  # fmt: skip
def test_describe_without_braces_is_sparql_text(text: str, shipped_build: Path):
    """A query form without a group pattern is SPARQL too; a name without spaces is still a query name."""
    result = claimgraph("query", text, "--graph", str(shipped_build / "claims.ttl"))
    assert result.returncode == 0, result.stderr
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert {str(s) for s in graph.subjects()} == {"https://w3id.org/claimgraph/id/source/acr-2019"}
    typo = claimgraph("query", "by-certainty-select")
    assert typo.returncode == 2 and "is neither a named query" in typo.stderr


def test_a_query_file_is_run_as_a_file_whatever_its_name_says(shipped_build: Path, tmp_path: Path):
    """A file named like SPARQL ("my select", no extension) is still the file to run."""
    (tmp_path / "my select").write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    result = claimgraph("query", "my select", "--graph", str(shipped_build / "claims.ttl"), cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "true"), result.stderr


def test_a_syntax_error_names_the_line_and_exits_2(shipped_build: Path, tmp_path: Path):
    rq = tmp_path / "broken.rq"
    rq.write_text("# a comment\nSELECT ?s WHERE {\n  ?s ?p ?o\n} LIMT 3\n", encoding="utf-8")
    result = claimgraph("query", str(rq), "--graph", str(shipped_build / "claims.ttl"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{rq}:4: col ") and "SPARQL syntax error" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_syntax_error_the_parser_places_past_the_text_is_placed_where_it_ends(shipped_build: Path, tmp_path: Path):
    """pyoxigraph places some errors on the line after the last ('4:1' for three lines); the user sees the end."""
    rq = tmp_path / "unfinished.rq"
    rq.write_text("SELECT ?x WHERE {\n  ?x ?y ?z .\n  FILTER(?x = ) }\n\n", encoding="utf-8")
    result = claimgraph("query", str(rq), "--graph", str(shipped_build / "claims.ttl"))
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{rq}:3: col 18: SPARQL syntax error") and first.endswith("(at the end of the query)")


def test_unknown_query_and_missing_parameter_exit_2(shipped_build: Path):
    assert claimgraph("query", "no-such-query").returncode == 2
    missing = claimgraph("query", "about-entity", "--graph", str(shipped_build / "claims.ttl"))
    assert missing.returncode == 2 and "--param entity=" in missing.stderr


def test_oxigraph_store_reloads_a_changed_file_and_keeps_its_data(shipped_build: Path, tmp_path: Path):
    graph = tmp_path / "claims.ttl"
    shutil.copy(shipped_build / "claims.ttl", graph)
    db = tmp_path / "db"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    one = Literal("1", datatype=XSD + "integer")
    first = open_store(StoreSpec(graph, f"oxigraph:{db}"))
    n = int(first.query(count).rows[0][0].value)
    assert n == len(Graph().parse(graph))
    del first
    graph.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    assert open_store(StoreSpec(graph, f"oxigraph:{db}")).query(count).rows[0][0] == one
    assert OxigraphStore.directory(db).query(count).rows[0][0] == one  # no file: queried as it stands
    assert raw("query", count, "--store", f"oxigraph:{db}", "--format", "csv", cwd=tmp_path) == b"n\r\n1\r\n"


def raw(*args: str, cwd: Path | None = None) -> bytes:
    """The command's standard output as bytes (text mode would turn the CSV's CRLF into LF)."""
    result = claimgraph(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.encode("utf-8")


BROKEN_TTL = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n"


@pytest.mark.parametrize("store", [None, "memory", "oxigraph", "oxigraph:DB"])
def test_a_malformed_graph_file_names_its_line_and_exits_2(tmp_path: Path, store: str | None):
    bad = tmp_path / "bad.ttl"
    bad.write_text(BROKEN_TTL, encoding="utf-8")
    args = ["query", "SELECT * WHERE { ?s ?p ?o }", "--graph", str(bad)]
    if store:
        args += ["--store", store.replace("DB", str(tmp_path / "db"))]
    result = claimgraph(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"{bad}:3: col 11: syntax error: ") and "Traceback" not in result.stderr


def test_an_invalid_iri_parameter_is_a_usage_error(shipped_build: Path):
    graph = str(shipped_build / "claims.ttl")
    result = claimgraph("query", "about-entity", "--graph", graph, "--param", "entity=<http://a b>")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "<http://a b> is not a valid absolute IRI" in result.stderr
    with pytest.raises(ValueError, match="not a valid absolute IRI"):
        parse_params(resolve("about-entity"), ["entity=<no-scheme>"])


STAR = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>  # ?zzz in a comment does not count
SELECT * WHERE {
  ?claim a <https://w3id.org/claimgraph/ns#Claim> ; rdf:subject ?subject ; rdf:object ?object .
  OPTIONAL { ?claim <https://w3id.org/claimgraph/ns#hedgeCue> ?hedge } FILTER (?subject != "?early")
} ORDER BY ?claim LIMIT 3"""


SELECT_STAR_ON_EACH_STORE = """
import sys
from graph.cli import main
for store in ("memory", "oxigraph"):
    print(store, flush=True)
    assert main(["query", sys.argv[1], "--graph", sys.argv[2], "--store", store]) == 0
"""


def test_select_star_columns_follow_the_query_text_on_every_store_and_hash_seed(shipped_build: Path):
    import subprocess
    import sys

    processes = {}
    for seed in ("1", "2", "3"):  # fixed when a process starts: one process per seed, side by side
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-c", SELECT_STAR_ON_EACH_STORE, STAR, str(shipped_build / "claims.ttl")]
        processes[seed] = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for seed, process in processes.items():
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        lines = stdout.splitlines()
        headers = [lines[i + 1] for i, line in enumerate(lines) if line in ("memory", "oxigraph")]
        assert headers == ["claim,subject,object,hedge"] * 2, (seed, stdout)


def test_an_explicit_projection_keeps_its_order(memory, oxigraph):
    query = "SELECT ?o ?s WHERE { ?s a ?o } LIMIT 1"
    assert memory.query(query).variables == oxigraph.query(query).variables == ["o", "s"]
    star = STAR.replace("SELECT *", "SELECT DISTINCT *")
    assert memory.query(star).variables == oxigraph.query(star).variables == ["claim", "subject", "object", "hedge"]
