"""Issue 11, as an attacker and an unlucky user would try it: hostile text in every column, hostile rules and
ontologies, crafted IRIs, inputs that used to pass validate and crash build. Each test fails on the design
before it (commit c0faa38) and asserts what a user sees: exit code, located message, untouched outputs."""

from __future__ import annotations

import csv
import io
import shutil
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ARTICLE_SOURCES, MiniProject, claim, claimgraph, csv_text
from tests.recorder import recording

CG = "PREFIX cg: <https://w3id.org/claimgraph/ns#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=http://127.0.0.1:9/x.png onerror=alert(2)>",
    "[click](javascript:alert(3))",
    "![pixel](http://127.0.0.1:9/pixel.png)",
    "<http://127.0.0.1:9/autolink>",
    "| cell | cell |",
    "`code` ``more``",
    "&lt;b&gt; &#60;i&#62; &amp;",
    "# heading ## two",
    "*bold* __under__ ~~gone~~",
    "=HYPERLINK(\"http://127.0.0.1:9/x\",\"y\")",
    "<a href='javascript:alert(4)'>a</a>",
)


def _rule(directory: Path, name: str, body: str, kind: str = "unsupported") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.rq"
    path.write_text(f"# id: {name}\n# kind: {kind}\n# severity: warning\n# description: {name}\n{body}\n")
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


# ---------------------------------------------------------------- #2 hostile text in audit.md


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> MiniProject:
    """A project whose every free-text column holds a payload, with findings whose messages carry them."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "sources").mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "ontology.ttl", root / "ontology.ttl")
    sentences = [f"Sentence {i} might say {p} plainly." for i, p in enumerate(PAYLOADS)]
    (root / "sources" / "article.txt").write_text(" ".join(sentences) + "\n", encoding="utf-8")
    title = "Title " + " ".join(PAYLOADS)
    (root / "sources" / "sources.csv").write_text(
        csv_text(
            [
                {"key": "article", "title": title, "kind": "article", "citation": "", "published": PAYLOADS[0]},
                {"key": "trial", "title": title, "kind": "rct", "citation": "https://example.org/a_(b)*c!",
                 "published": "2020"},
            ],
            ["key", "title", "kind", "citation", "published"],
        ),
        encoding="utf-8",
    )  # fmt: skip
    rows = []
    for i, payload in enumerate(PAYLOADS):
        common = {
            "subject": f"s {payload}",
            "object": f"o {payload}",
            "attribution": f"a {payload}",
            "note": payload,
            "quote": f"Sentence {i} might say {payload} plainly",
            "source": "article",
        }
        rows.append(claim(f"P{i:02d}", **common, certainty="certain", evidence="rct"))
        rows.append(claim(f"N{i:02d}", **common, polarity="negated", contradicts=f"P{i:02d}"))
    rows.append(
        claim("T01", source="trial", quote="", subject=f"s {PAYLOADS[0]}", object=f"o {PAYLOADS[0]}",
              attribution="trial", evidence="rct", citation="https://example.org/a_(b)*c!", contradicts="P00")
    )  # fmt: skip
    project = MiniProject(root)
    project.write_claims(rows)
    _rule(root / "rules", "echo", CG + "SELECT ?claim ?message WHERE { ?c dcterms:identifier ?claim ; cg:curatorNote ?message }")  # noqa: E501
    result = project.run("build", "--rules", "rules")
    assert result.returncode == 0, result.stderr
    return project


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


SAFE_TAGS = {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "ul", "ol", "li", "strong",
             "em", "code", "blockquote", "br", "hr"}  # fmt: skip


def _renderings(markdown_text: str) -> dict[str, str]:
    import markdown
    from markdown_it import MarkdownIt

    return {
        "markdown-it": MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown_text),
        "Python-Markdown": markdown.markdown(markdown_text, extensions=["tables"]),
    }


def test_audit_md_renders_every_payload_as_text_in_two_markdown_engines(hostile: MiniProject):
    report = (hostile.root / "out" / "audit.md").read_text(encoding="utf-8")
    assert "echo" in report and report.count("\n### ") == 2 * len(PAYLOADS)  # one section per hostile claim
    for engine, html in _renderings(report).items():
        parsed = _Tags()
        parsed.feed(html)
        tags = {tag for tag, _ in parsed.tags}
        assert tags <= SAFE_TAGS, f"{engine} made live HTML: {tags - SAFE_TAGS}"
        for tag, attrs in parsed.tags:
            assert all(name in ("style", "align") for name, _ in attrs), f"{engine}: <{tag} {attrs}>"
        text = "".join(parsed.text)
        for payload in ("<script>alert(1)</script>", "[click](javascript:alert(3))", "| cell | cell |"):
            assert payload in text, f"{engine} lost the text {payload!r}"


def test_audit_md_from_the_command_line_is_the_same_safe_text(hostile: MiniProject):
    printed = hostile.run("audit", "--graph", "out/claims.ttl", "--rules", "rules")
    assert printed.returncode == 0, printed.stderr
    for html in _renderings(printed.stdout).values():
        parsed = _Tags()
        parsed.feed(html)
        assert {tag for tag, _ in parsed.tags} <= SAFE_TAGS


# ---------------------------------------------------------------- #8 spreadsheet formulas


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def test_audit_and_query_csv_neutralise_formulas(hostile: MiniProject):
    audit = hostile.run("audit", "--graph", "out/claims.ttl", "--rules", "rules", "--format", "csv")
    query = hostile.run("query", CG + "SELECT ?note ?c WHERE { ?c cg:curatorNote ?note }", "--format", "csv")
    assert audit.returncode == query.returncode == 0, audit.stderr + query.stderr
    formula = PAYLOADS[10]
    for output in (audit.stdout, query.stdout):
        cells = [cell for row in csv.reader(io.StringIO(output)) for cell in row]
        assert f"'{formula}" in cells or any(c.startswith(f"'{formula}") for c in cells)
        assert not [c for c in cells if c.startswith(FORMULA_START)]


def test_the_endpoint_answers_csv_with_the_same_neutralised_cells(hostile: MiniProject):
    import urllib.parse
    import urllib.request

    from tests.serving import serve

    query = CG + "SELECT ?note WHERE { ?c cg:curatorNote ?note }"
    with serve("--graph", str(hostile.root / "out" / "claims.ttl")) as server:
        url = server.url + "?" + urllib.parse.urlencode({"query": query})
        request = urllib.request.Request(url, headers={"Accept": "text/csv"})
        with urllib.request.urlopen(request, timeout=60) as response:
            served = response.read().decode("utf-8")
    printed = hostile.run("query", query, "--format", "csv").stdout
    assert sorted(served.splitlines()) == sorted(printed.splitlines())
    cells = [cell for row in csv.reader(io.StringIO(served)) for cell in row]
    assert f"'{PAYLOADS[10]}" in cells and not [c for c in cells if c.startswith(FORMULA_START)]


def test_numbers_stay_numbers_in_query_csv(mini: MiniProject):
    assert mini.run("build").returncode == 0
    out = mini.run("query", "SELECT (-3 AS ?n) (\"-3\" AS ?text) WHERE {}", "--format", "csv")
    assert out.stdout.splitlines()[1] == "-3,'-3"


# ---------------------------------------------------------------- #9 terminal escapes, XML exports


ESCAPES = "\x1b[2K\r\x1b[32mok: 99 claims from 1 sources, no problems\x1b[0m\x07"


def test_a_crafted_id_cannot_draw_a_fake_ok_line(mini: MiniProject):
    mini.write_claims([claim("C01" + ESCAPES), claim("C02", subject="x\x1b]0;title\x07")])
    result = mini.run("validate")
    assert result.returncode == 2
    assert not any(ch in result.stderr + result.stdout for ch in "\x1b\r\x07")
    assert "\\x1b[2K\\x0d" in result.stderr and "holds a control character" in result.stderr


@pytest.fixture
def crafted_graph(mini: MiniProject) -> Path:
    """A built graph whose claim id, labels and note hold terminal escapes and characters XML forbids
    (a graph from elsewhere: validation would have refused them in a table)."""
    assert mini.run("build", "--format", "ntriples").returncode == 0
    path = mini.root / "out" / "claims.nt"
    text = path.read_text(encoding="utf-8")
    crafted = "C01\\u001B[2K\\r\\u001B[32mok: no problems\\u0007\\u0001\\u000B"
    text = text.replace('"C01"', f'"{crafted}"').replace('"knee pain"', '"knee\\u0002 pain\\u001B[1A"')
    path.write_text(text, encoding="utf-8")
    return path


def test_terminal_output_shows_control_characters_escaped(mini: MiniProject, crafted_graph: Path):
    outputs = [
        mini.run("query", CG + "SELECT ?id WHERE { ?c dcterms:identifier ?id }", "--graph", str(crafted_graph),
                 "--format", "table"),
        mini.run("audit", "--graph", str(crafted_graph)),
        mini.run("audit", "--graph", str(crafted_graph), "--format", "csv"),
    ]  # fmt: skip
    for result in outputs:
        assert result.returncode == 0, result.stderr
        assert "ok: no problems" in result.stdout  # the text is there ...
        assert not any(ch in result.stdout + result.stderr for ch in "\x1b\x07\x01\x02\x0b"), result.args
        assert "\\x1b" in result.stdout  # ... with its escapes shown
    table = outputs[0].stdout
    assert "\r" not in table


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_stay_valid_xml_with_control_characters(mini: MiniProject, crafted_graph: Path, fmt):
    import xml.etree.ElementTree as ET

    out = mini.root / f"claims.{fmt}"
    result = mini.run("export", "--graph", str(crafted_graph), "--format", fmt, "--out", str(out))
    assert result.returncode == 0, result.stderr
    root = ET.fromstring(out.read_bytes())
    values = [el.text or "" for el in root.iter()] + [v for el in root.iter() for v in el.attrib.values()]
    assert any("ok: no problems" in v for v in values)
    assert not any(ch in v for v in values for ch in "\x01\x02\x0b")


# ---------------------------------------------------------------- #6 custom rules: SERVICE and time limits


def test_a_service_rule_or_query_fetches_nothing_unless_allowed(mini: MiniProject):
    with recording() as server:
        service = f"SERVICE <{server.url}/sparql> {{ ?s ?p ?o }}"
        _rule(mini.root / "rules", "remote", f"SELECT ?claim WHERE {{ {service} BIND(STR(?s) AS ?claim) }}")
        refused = [
            mini.run("build", "--rules", "rules"),
            mini.run("validate"),  # (no rules: a control that the project itself is fine)
            mini.run("audit", "--rules", "rules"),
            mini.run("query", f"SELECT * WHERE {{ {service} }}", "--graph", "out/claims.ttl"),
            mini.run("query", f"select * where {{ optional {{ service silent <{server.url}/x> {{ ?a ?b ?c }} }} }}"),
        ]
        assert [r.returncode for r in refused] == [2, 0, 2, 2, 2], [r.stderr for r in refused]
        for result in refused[:1] + refused[2:]:
            assert "SERVICE is refused" in result.stderr and "--allow-service" in result.stderr
            assert "Traceback" not in result.stderr
        assert "rules/remote.rq" in refused[0].stderr
        assert server.requests == []  # nothing was fetched
        assert not (mini.root / "out").exists()
        allowed = mini.run("build", "--rules", "rules", "--allow-service")
        assert allowed.returncode == 0, allowed.stderr
        assert server.requests, "with --allow-service the rule does call the endpoint"


def test_a_cartesian_rule_stops_at_the_time_limit_and_leaves_out_untouched(mini: MiniProject):
    assert mini.run("build").returncode == 0
    before = _snapshot(mini.root / "out")
    _rule(mini.root / "rules", "forever", "SELECT ?claim WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?claim }")
    started = time.monotonic()
    result = mini.run("build", "--rules", "rules", "--rule-timeout", "1")
    elapsed = time.monotonic() - started
    assert result.returncode != 0 and elapsed < 30
    assert "rule 'forever'" in result.stderr and "limit of 1 s" in result.stderr and "--rule-timeout" in result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(mini.root / "out") == before
    audit = mini.run("audit", "--rules", "rules", "--rule-timeout", "1", "--graph", "out/claims.ttl")
    assert audit.returncode != 0 and "rule 'forever'" in audit.stderr


# ---------------------------------------------------------------- #7 entity expansion in RDF/XML ontologies

RDF_HEAD = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"><rdf:Description rdf:about="http://e.org/x">'
)


def _xml(declarations: list[str], label: str) -> str:
    subset = "\n".join(declarations)
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{subset}\n]>\n{RDF_HEAD}<rdfs:label>{label}</rdfs:label>'
            "</rdf:Description></rdf:RDF>\n")  # fmt: skip


def _laughs(name: str = "lol") -> list[str]:
    return [f'<!ENTITY {name}0 "lollollollollollollollollollol">'] + [
        f'<!ENTITY {name}{i} "' + f"&{name}{i - 1};" * 10 + '">' for i in range(1, 10)
    ]


BOMBS = {
    "billion-laughs": _xml(_laughs(), "&lol9;"),
    "colon-names": _xml(_laughs("l:"), "&l:9;"),
    "after-a-comment": _xml(["<!-- ]> -->", *_laughs()], "&lol9;"),
    "ampersand-reference": _xml(
        ['<!ENTITY a "xxxxxxxxxx">', '<!ENTITY b "' + "&#38;a;" * 100 + '">', '<!ENTITY c "' + "&b;" * 1000 + '">'],
        "&c;",
    ),
    "quadratic": _xml([f'<!ENTITY a "{"x" * 40_000}">'], "&a;" * 40_000),
    "external": _xml(['<!ENTITY xxe SYSTEM "file:///etc/passwd">'], "&xxe;"),
    "parameter": _xml(['<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd">', "%p;"], "x"),
}


@pytest.mark.parametrize("name", BOMBS)
def test_an_entity_bomb_ontology_is_refused_quickly_with_its_line(mini: MiniProject, name: str):
    import re

    text = BOMBS[name]
    (mini.root / "bomb.rdf").write_text(text, encoding="utf-8")
    assert len(text.encode()) < 5_000 or name == "quadratic"
    started = time.monotonic()
    result = mini.run("validate", "--ontology", "bomb.rdf")
    assert time.monotonic() - started < 10
    assert result.returncode == 2 and "refused" in result.stderr, result.stderr
    located = re.match(r"bomb\.rdf:(\d+): ", result.stderr)
    assert located, result.stderr
    declared = text.splitlines()[int(located.group(1)) - 1]
    named = re.search(r"the entity '([^']+)'", result.stderr)
    assert declared.startswith(f"<!ENTITY {named.group(1)} " if named else "<!ENTITY "), (declared, result.stderr)


def test_an_entity_bomb_is_refused_in_bounded_memory(mini: MiniProject):
    """In a process of its own, so its peak memory is its own: VmHWM of /proc/self/status, since Linux carries
    the parent's peak into a child's ru_maxrss across exec (pytest's own peak failed this test in CI)."""
    import subprocess

    (mini.root / "bomb.rdf").write_text(BOMBS["colon-names"], encoding="utf-8")
    code = ("import re\nfrom graph.cli import main\ncode = main(['validate', '--ontology', 'bomb.rdf'])\n"
            "status = open('/proc/self/status').read()\n"
            "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1), code)")  # fmt: skip
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=mini.root, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    peak_kb, exit_code = map(int, done.stdout.split())
    assert exit_code == 2 and "refused" in done.stderr
    assert peak_kb < 300_000 and elapsed < 20, (peak_kb, elapsed)


def test_a_legitimate_rdfxml_ontology_with_namespace_entities_still_loads(mini: MiniProject):
    from rdflib import Graph

    graph = Graph().parse(mini.root / "ontology.ttl")
    xml = graph.serialize(format="xml")
    head, body = xml.split("<rdf:RDF", 1)
    entities = '<!DOCTYPE rdf:RDF [\n<!ENTITY cg "https://w3id.org/claimgraph/ns#">\n]>\n'
    body = body.replace('"https://w3id.org/claimgraph/ns#', '"&cg;')
    (mini.root / "ontology.rdf").write_text(head + entities + "<rdf:RDF" + body, encoding="utf-8")
    assert body.count("&cg;") > 100
    result = mini.run("validate", "--ontology", "ontology.rdf")
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- #10 push --graph


CRAFTED_IRIS = (
    "urn:x> } ; DROP SILENT GRAPH <urn:victim",
    "https://example.org/g>{}",
    "https://example.org/a b",
    "relative/graph",
    "urn:x\n",
)


@pytest.mark.parametrize("iri", CRAFTED_IRIS)
def test_push_refuses_a_crafted_graph_iri_before_any_request(mini: MiniProject, iri: str):
    assert mini.run("build").returncode == 0
    with recording() as server:
        result = mini.run("push", "--endpoint", f"{server.url}/sparql", "--gsp", f"{server.url}/gsp", "--graph", iri)
        assert server.requests == []
    assert result.returncode == 2 and "--graph" in result.stderr and "Traceback" not in result.stderr


def test_a_push_that_fails_half_way_says_so_with_the_count_and_the_repair(mini: MiniProject):
    from graph.sparql.push import CHUNK

    rows = [claim(f"C{i:03d}", note=f"note {i}") for i in range(60)]
    mini.write_claims(rows)
    assert mini.run("build").returncode == 0
    with recording(fail_after=3) as server:  # DROP, then two chunks, then failures
        result = mini.run("push", "--endpoint", f"{server.url}/sparql", "--graph", "urn:g")
        updates = [body for method, _, body in server.requests if method == "POST"]
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"stopped after {2 * CHUNK} of " in result.stderr
    assert "<urn:g> in the store is incomplete" in result.stderr and "run the same push again" in result.stderr
    assert len(updates) == 4 and b"DROP" in updates[0]


# ---------------------------------------------------------------- #11 validate-then-crash inputs


@pytest.mark.parametrize("bad", ["10.1000/a<b", "10.1000/a>b", '10.1000/a"b', "10.1000/a\x01b", "https://x.org/a\x7f"])
def test_a_bad_citation_is_a_located_error_in_claims_and_sources(mini: MiniProject, bad: str):
    assert mini.run("build").returncode == 0
    before = _snapshot(mini.root / "out")
    mini.write_claims([claim("C01", citation=bad)])
    for command in ("validate", "build"):
        result = mini.run(command)
        assert result.returncode == 2 and "claims.csv:2: citation: " in result.stderr, result.stderr
    mini.write_claims([claim("C01")])
    mini.write_sources(ARTICLE_SOURCES + f'extra,Extra,rct,"{bad.replace(chr(34), 2 * chr(34))}",\n')
    result = mini.run("build")
    assert result.returncode == 2 and "sources.csv:4: citation: " in result.stderr, result.stderr
    assert _snapshot(mini.root / "out") == before


@pytest.mark.parametrize("base", ["https://example.org/a b/", "https://example.org/a>b/", "relative/", "x y:z/"])
def test_a_bad_base_is_refused_before_anything_is_written(mini: MiniProject, base: str):
    result = mini.run("build", "--base", base)
    assert result.returncode == 2 and result.stderr.startswith(f"claimgraph: --base '{base}") and "IRI" in result.stderr
    assert not (mini.root / "out").exists()


def test_a_rule_file_that_is_not_utf8_is_located(mini: MiniProject):
    path = _rule(mini.root / "rules", "latin", "SELECT ?claim WHERE { ?claim a <urn:x> }")
    path.write_bytes(path.read_bytes().replace(b"description: latin", b"description: caf\xe9"))
    result = mini.run("build", "--rules", "rules")
    assert result.returncode == 2 and "rules/latin.rq:4: col 19: invalid UTF-8 (byte 0xe9)" in result.stderr


def test_an_undefined_prefix_in_a_query_is_located(mini: MiniProject):
    assert mini.run("build").returncode == 0
    result = mini.run("query", "SELECT * WHERE {\n  ?s foo:bar ?o }")
    assert result.returncode == 2
    assert "<query>:2: col 6: SPARQL syntax error: the prefix 'foo:' is not declared" in result.stderr


# ---------------------------------------------------------------- #13 an empty claims table


def test_a_header_only_table_never_replaces_a_good_build(mini: MiniProject):
    assert mini.run("build").returncode == 0
    before = _snapshot(mini.root / "out")
    mini.write_claims([])
    result = mini.run("build")
    assert result.returncode == 2 and "claims.csv: the table holds no claims (give --allow-empty" in result.stderr
    assert _snapshot(mini.root / "out") == before
    assert mini.run("validate").returncode == 2
    assert mini.run("validate", "--allow-empty").returncode == 0
    empty = mini.run("build", "--allow-empty")
    assert empty.returncode == 0 and "0 claims" in empty.stdout


# ---------------------------------------------------------------- #14 the smaller items


def test_confusable_labels_are_flagged(mini: MiniProject):
    mini.write_claims(
        [
            claim("C01"),
            claim("C02", subject="рrolotherapy"),  # Cyrillic р
            claim("C03", object="ｋｎｅｅ pain"),  # full-width
            claim("C04", attribution="a systematic reviеw"),  # Cyrillic е
        ]
    )
    result = mini.run("validate")
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert "claims.csv:3: subject: warning: 'рrolotherapy' looks like 'prolotherapy' (line 2)" in err
    assert "mixes Cyrillic and Latin letters: 'р' (U+0440 CYRILLIC SMALL LETTER ER) looks like Latin 'p'" in err
    assert "claims.csv:4: object: warning: 'ｋｎｅｅ pain' holds compatibility characters" in err
    assert "claims.csv:5: attribution: warning:" in err and "U+0435 CYRILLIC SMALL LETTER IE" in err
    assert "ok: 4 claims from 2 sources, 5 warning(s) above" in result.stdout


@pytest.mark.parametrize("hidden", ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u3164"])
def test_invisible_characters_in_labels_are_errors(mini: MiniProject, hidden: str):
    mini.write_claims([claim("C01", subject=f"prolo{hidden}therapy")])
    result = mini.run("build")
    assert result.returncode == 2, result.stderr
    assert f"claims.csv:2: subject: 'prolo\\u{ord(hidden):04x}therapy' holds an invisible character" in result.stderr
    assert hidden not in result.stderr


def test_a_rejected_source_key_is_never_opened(mini: MiniProject):
    opened: list[str] = []
    watching = [True]

    def hook(event: str, args: tuple) -> None:
        if watching[0] and event == "open" and isinstance(args[0], str | Path):
            opened.append(str(args[0]))

    (mini.root / "x.txt").write_bytes(b"\xff\xfe not text")
    mini.write_sources(ARTICLE_SOURCES + "../x,Outside,article,10.1/x,\n")
    sys.addaudithook(hook)
    try:
        result = mini.run("validate")
    finally:
        watching[0] = False
    assert result.returncode == 2 and "bad key '../x'" in result.stderr
    assert not [p for p in opened if p.endswith("x.txt") and "prolotherapy" not in p], opened
    assert any(p.endswith("sources.csv") for p in opened)  # the hook did see the files that were read


@pytest.mark.parametrize("which", ["claims.csv", "sources/sources.csv"])
def test_a_utf16_table_is_one_clear_line(mini: MiniProject, which: str):
    path = mini.root / which
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    result = mini.run("validate")
    assert result.returncode == 2
    about = [line for line in result.stderr.splitlines() if line.startswith(which)]
    assert about == [f"{which}:1: the file is UTF-16, not UTF-8; save it as UTF-8"], result.stderr


def test_a_hundred_thousand_invalid_rows_print_a_bounded_report_with_the_count(tmp_path: Path):
    rows = "".join(f"bad id {i},,,,\n" for i in range(100_000))
    (tmp_path / "claims.csv").write_text("id,source,subject,predicate,object\n" + rows, encoding="utf-8")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "sources.csv").write_text("key,title,kind\n", encoding="utf-8")
    result = claimgraph("validate", cwd=tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) <= 202
    assert lines[-1] == "claimgraph: 500,000 problem(s) found; nothing was written"
    assert lines[-2] == "… and 499,800 more problem(s) not shown (the first 200 are above)"
