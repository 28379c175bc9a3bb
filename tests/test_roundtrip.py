"""Nothing lost on the way back: ``export --format csv`` writes a built graph as claims.csv + sources.csv, and
building those gives the same graph, triple for triple (compared as sets of N-Triples lines). Property-based
tests (Hypothesis) for the CSV reader, the quote anchor, the escapers and the round trip itself."""

from __future__ import annotations

import csv
import io
import shutil
import string
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from graph.escape import control_free, csv_cell, csv_value, markdown, one_line, terminal, xml_text
from graph.problems import Problem
from graph.read.tables import read_table
from graph.text import SourceText, normalise
from tests.conftest import ROOT, MiniProject, claim, claimgraph, script

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def ntriples(path: Path) -> set[str]:
    return {str(t) for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)}


def round_trip(project: Path, work: Path, *build_args: str) -> tuple[set[str], set[str]]:
    """Build ``project``, export it as tables into a copy of the project without its tables (the texts stay
    in its sources/), build that copy; the two graphs' triples."""
    built = claimgraph("build", "--out", str(work / "first"), *build_args, cwd=project)
    assert built.returncode == 0, built.stderr
    copy = work / "copy"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("out", "first", "claims.csv", "sources.csv"))
    exported = claimgraph("export", "--format", "csv", "--graph", str(work / "first" / "claims.ttl"),
                          "--out", str(copy))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "note:" not in exported.stderr  # every text is where the hashes say
    again = claimgraph("build", "--out", str(work / "second"), *build_args, cwd=copy)
    assert again.returncode == 0, again.stderr
    return ntriples(work / "first" / "claims.ttl"), ntriples(work / "second" / "claims.ttl")


def test_the_shipped_data_round_trips_triple_for_triple(tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(".*", "out", "tests", "graph", "docs", "*.md"))
    first, second = round_trip(project, tmp_path, "--max-nodes", "1")
    assert len(first) > 3000
    assert first == second


@pytest.mark.parametrize("claims, seed", [(200, 1), (500, 2)])
def test_generated_corpora_round_trip_triple_for_triple(tmp_path: Path, claims: int, seed: int):
    make_corpus = script("make_corpus")
    project = make_corpus.generate_project(tmp_path / "project", claims, seed=seed, payload="=cmd|' /C calc'!A0 <b>")
    first, second = round_trip(project, tmp_path, "--base", "https://example.org/kb/", "--max-nodes", "1")
    assert first == second


def test_export_refuses_to_replace_tables_without_force(mini: MiniProject):
    assert mini.run("build").returncode == 0
    before = (mini.root / "claims.csv").read_bytes()
    refused = mini.run("export", "--format", "csv")
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert (mini.root / "claims.csv").read_bytes() == before
    forced = mini.run("export", "--format", "csv", "--force")
    assert forced.returncode == 0 and "1 claims" in forced.stdout


def test_export_names_a_missing_text(mini: MiniProject, tmp_path: Path):
    assert mini.run("build").returncode == 0
    result = mini.run("export", "--format", "csv", "--out", str(tmp_path / "elsewhere"))
    assert result.returncode == 0
    assert "prolotherapy-article.txt is missing: put the text of 'prolotherapy-article' there" in result.stderr


def test_export_from_an_on_disk_store(mini: MiniProject, tmp_path: Path):
    assert mini.run("build").returncode == 0
    store = f"oxigraph:{tmp_path / 'db'}"
    by_file = mini.run("export", "--format", "csv", "--out", str(tmp_path / "a"))
    by_store = mini.run("export", "--format", "csv", "--store", store, "--graph", "out/claims.ttl",
                        "--out", str(tmp_path / "b"))  # fmt: skip
    assert by_file.returncode == by_store.returncode == 0, by_store.stderr
    for name in ("claims.csv", "sources/sources.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# ---------------------------------------------------------------- the escapers

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)


@SETTINGS
@given(TEXT)
@example("'=1+1")
@example("''-x")
@example("\t=x")
def test_csv_value_undoes_csv_cell_and_no_cell_starts_a_formula(text: str):
    cell = csv_cell(text)
    assert csv_value(cell) == text
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"))


@SETTINGS
@given(TEXT)
def test_terminal_leaves_no_control_character(text: str):
    shown = terminal(text)
    assert control_free(shown)
    assert shown == text or not control_free(text)


@SETTINGS
@given(TEXT)
@example("0\u20280")  # found by Hypothesis in CI: a line separator in a claim id split an error message in two
@example("a\u2029b\nc")
def test_one_line_is_one_line_wherever_lines_are_split(text: str):
    shown = one_line(text)
    assert len(shown.splitlines()) <= 1 and control_free(shown)
    assert shown == text or not control_free(text) or set(text) & {"\n", "\u2028", "\u2029"}


@SETTINGS
@given(TEXT)
@example("\r\n")  # found by Hypothesis: a parser reads CR LF as one LF
def test_xml_text_always_parses(text: str):
    import xml.etree.ElementTree as ET
    from xml.sax.saxutils import escape

    document = f"<a b={_quoted(xml_text(text))}>{escape(xml_text(text))}</a>"
    parsed = ET.fromstring(document)
    # XML parsers normalise line ends: CR LF and a lone CR both become LF
    assert parsed.text in (None, xml_text(text).replace("\r\n", "\n").replace("\r", "\n"))


def _quoted(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(text)


MARKDOWN_TEXT = st.lists(
    st.one_of(
        st.sampled_from([*"<>&|`*_[]()!#~\\=-+.:/ ", "javascript:", "http://x", "&amp;", "&#60;", "![", "](", "1. "]),
        st.characters(exclude_categories=["Cs", "Cc"]),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=100, deadline=None)
@given(MARKDOWN_TEXT)
@example("<script>alert(1)</script>")
@example("[x](javascript:alert(1))")
@example("![i](http://x/i.png)")
@example("&lt;b&gt;")
def test_markdown_escaped_text_renders_as_exactly_that_text(text: str):
    """Inline in a sentence, the escaped text renders to a paragraph of plain text, equal to the input
    (white space collapsed), in CommonMark (markdown-it) and Python-Markdown."""
    import html

    import markdown as python_markdown
    from markdown_it import MarkdownIt

    source = f"Finding: {markdown(text)} end"
    expected = " ".join(f"Finding: {' '.join(text.split())} end".split())
    for rendered in (MarkdownIt("commonmark").render(source), python_markdown.markdown(source)):
        rendered = rendered.strip()
        assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
        inner = rendered[3:-4]
        assert "<" not in inner, rendered  # no element at all inside the paragraph
        assert " ".join(html.unescape(inner).split()) == expected


# ---------------------------------------------------------------- the CSV reader

# Values as a table holds them: Row.get trims cells, so every value the graph holds is trimmed.
CELL = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30).map(str.strip)


@SETTINGS
@given(st.lists(st.tuples(CELL, CELL, CELL), min_size=0, max_size=8))
@example([("'=1", "-2", "@x")])
@example([("'\t=", "''+", "'")])
def test_the_csv_reader_reads_back_what_a_csv_writer_wrote(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # (with "\n", a bare "\r" in a cell is left unquoted)
    writer.writerow(["a", "b", "c"])
    writer.writerows([csv_cell(x) for x in row] for row in rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    problems: list[Problem] = []
    read = read_table(path, ("a", "b", "c"), (), problems)
    assert [p for p in problems if p.severity == "error"] == []
    kept = [row for row in rows if any(row)]  # a row of empty cells is no record
    assert [tuple(r.get(c) for c in "abc") for r in read] == kept


@SETTINGS
@given(st.binary(max_size=200))
def test_the_csv_reader_never_raises_on_any_bytes(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("bytes") / "t.csv"
    path.write_bytes(b"a,b\n" + data)
    problems: list[Problem] = []
    read_table(path, ("a", "b"), (), problems)
    assert all(p.file == str(path) for p in problems)


# ---------------------------------------------------------------- the quote anchor

WORDS = st.lists(st.sampled_from(["alpha", "beta", "gamma", "it's", "“q”", "don’t", "x"]), min_size=1, max_size=12)
SPACES = st.sampled_from([" ", "  ", "\n", "\t", " \n "])


@SETTINGS
@given(WORDS, SPACES, st.data())
def test_a_quote_is_found_where_it_stands_whatever_its_spacing_and_quote_marks(words, space, data):
    text = space.join(words)
    first = data.draw(st.integers(0, len(words) - 1))
    last = data.draw(st.integers(first, len(words) - 1))
    quote = " ".join(words[first : last + 1]).replace("’", "'").replace("“", '"')
    span = SourceText(text).find(quote)
    assert span is not None
    assert normalise(text[span.start : span.end]) == normalise(quote)
    assert text[span.start : span.end] == text[span.start : span.end].strip()
    assert span.occurrences >= 1
    assert normalise(text).find(normalise(quote)) >= 0


@SETTINGS
@given(st.text(max_size=80), st.text(min_size=1, max_size=10))
def test_find_either_anchors_the_normalised_quote_or_answers_none(text: str, quote: str):
    span = SourceText(text).find(quote)
    if span is None:
        assert not normalise(quote) or normalise(quote) not in normalise(text)
    else:
        assert normalise(text[span.start : span.end]) == normalise(quote)


# ---------------------------------------------------------------- random text in every column

COLUMN_TEXT = st.text(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(list("=+-@'\"\t\r\n,;<>&|`#\\ "))),
    max_size=25,
)
VALID = {"id": "C01", "source": "prolotherapy-article", "subject": "prolotherapy", "predicate": "treats",
         "object": "knee pain", "quote": "prolotherapy might effectively treat knee pain"}  # fmt: skip


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.fixed_dictionaries({}, optional={c: COLUMN_TEXT for c in ("subject", "object", "attribution", "note",
                                                                      "quote", "citation", "id", "supports")}),
       st.sampled_from(["", "title", "published"]), COLUMN_TEXT)  # fmt: skip
def test_random_text_in_every_column_round_trips_or_fails_located(tmp_path_factory, cells, source_column, value):
    root = tmp_path_factory.mktemp("random")
    (root / "sources").mkdir()
    shutil.copy(ROOT / "ontology.ttl", root / "ontology.ttl")
    shutil.copy(ROOT / "sources" / "prolotherapy-article.txt", root / "sources" / "prolotherapy-article.txt")
    project = MiniProject(root)
    sources = [["key", "title", "kind", "citation", "published"],
               ["prolotherapy-article", "Prolotherapy", "article", "", ""],
               ["rabago-2013", "Dextrose prolotherapy", "rct", "10.1370/afm.1504", "2013"]]  # fmt: skip
    if source_column:
        sources[2][1 if source_column == "title" else 4] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(sources)
    project.write_sources(out.getvalue())
    first_row = {**VALID, **cells}
    rows = [claim(first_row.pop("id"), **first_row), claim("C02", subject=cells.get("object", "knee pain"))]
    project.write_claims(rows)
    built = project.run("build", "--max-nodes", "1")
    assert "Traceback" not in built.stderr
    if built.returncode != 0:
        assert built.returncode == 2 and _located(built.stderr), built.stderr
        assume(False)  # refused with located messages: this example is done
    first = ntriples(root / "out" / "claims.ttl")
    (root / "claims.csv").unlink()
    (root / "sources" / "sources.csv").unlink()
    exported = project.run("export", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    again = project.run("build", "--max-nodes", "1", "--out", "again")
    assert again.returncode == 0, again.stderr
    assert ntriples(root / "again" / "claims.ttl") == first


def _located(stderr: str) -> bool:
    """Every problem line names its file (and a line for a row's problem); the last line is the summary."""
    lines = stderr.strip().splitlines()
    return bool(lines) and lines[-1].startswith("claimgraph: ") and all(
        line.startswith(("claims.csv:", "sources/sources.csv:", "… and")) for line in lines[:-1]
    )


def test_every_punctuation_mark_starting_a_cell_round_trips(mini: MiniProject):
    marks = sorted(set(string.punctuation) | set("＝＋－＠"))
    mini.write_claims(
        [claim(f"C{i:02d}", note=f"{ch}1+1 note", attribution=f"{ch}reviewer", object=f"{ch}knee")
         for i, ch in enumerate(marks)]
    )  # fmt: skip
    built = mini.run("build", "--max-nodes", "1")
    assert built.returncode == 0, built.stderr
    first = ntriples(mini.root / "out" / "claims.ttl")
    assert mini.run("export", "--format", "csv", "--force").returncode == 0
    cells = [cell for row in csv.reader(io.StringIO((mini.root / "claims.csv").read_text())) for cell in row]
    assert "'=1+1 note" in cells and "'@reviewer" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert mini.run("build", "--max-nodes", "1", "--out", "again").returncode == 0
    assert ntriples(mini.root / "again" / "claims.ttl") == first
