"""Reading a project (graph/read: claims.csv, sources.csv, the texts) through read_inputs: each rule of a row,
each message in full, the defaults, and what a valid table becomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.problems import InvalidInput
from graph.read import read_inputs
from graph.read.claims import entity_key
from tests.conftest import ARTICLE_SOURCES, MiniProject, claim, claimgraph_process

DECADES = "Prolotherapy has been used to treat everything from back to joint pain for decades"


def read(mini: MiniProject, allow_empty: bool = False):
    return read_inputs(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources", allow_empty)


def problems(mini: MiniProject, allow_empty: bool = False) -> list[str]:
    """Every error as the command line prints it, with the folder left out."""
    with pytest.raises(InvalidInput) as raised:
        read(mini, allow_empty)
    found = raised.value.problems
    return [str(p).replace(str(mini.root) + "/", "").removeprefix("sources/") for p in found]


def test_a_valid_row_becomes_a_claim_with_the_defaults(mini: MiniProject):
    mini.write_claims([{"id": "C01", "source": "prolotherapy-article", "subject": " Prolotherapy ",
                        "predicate": "inUseFor", "object": "decades", "quote": DECADES}])  # fmt: skip
    inputs = read(mini)
    assert inputs.warnings == []
    (c,) = inputs.claims
    assert (c.id, c.subject, c.predicate, c.object, c.line) == ("C01", "Prolotherapy", "inUseFor", "decades", 2)
    assert (c.polarity, c.certainty, c.attribution, c.evidence) == ("affirmed", "certain", "author", "none")
    assert (c.citation, c.note, c.supports, c.contradicts) == ("", "", (), ())
    assert (c.anchor.start, c.anchor.end, c.anchor.occurrences) == (0, len(DECADES), 1)
    assert sorted(inputs.sources) == ["prolotherapy-article", "rabago-2013"]


def test_links_are_split_trimmed_and_deduplicated(mini: MiniProject):
    mini.write_claims([claim("C01"), claim("C02", supports=" C01 ;C01;; ", contradicts="C01", object="hip pain")])
    c02 = read(mini).claims[1]
    assert (c02.supports, c02.contradicts) == (("C01",), ("C01",))


@pytest.mark.parametrize(
    "cells,expected",
    [
        ({"subject": ""}, ["claims.csv:2: subject: missing value for 'subject'"]),
        ({"id": "", "object": ""}, ["claims.csv:2: id: missing value for 'id'",
                                    "claims.csv:2: object: missing value for 'object'"]),
        ({"id": "1st"}, ["claims.csv:2: id: bad id '1st': use letters, digits and _.- starting with a letter"]),
        ({"id": "C 1"}, ["claims.csv:2: id: bad id 'C 1': use letters, digits and _.- starting with a letter"]),
        ({"note": "bell\x07"}, ["claims.csv:2: note: holds a control character (shown escaped above); remove it"]),
        ({"citation": "Rabago 2013"}, ["claims.csv:2: citation: 'Rabago 2013' is not a DOI, PMID:n or http(s) URL"]),
        ({"polarity": "maybe"}, ["claims.csv:2: polarity: 'maybe' is not allowed; use one of: affirmed, negated"]),
        ({"evidence": "hearsay"}, ["claims.csv:2: evidence: 'hearsay' is not allowed; use one of: "]),
        ({"predicate": "Treats"}, ["claims.csv:2: predicate: unknown predicate 'Treats'; did you mean 'treats'?"]),
        ({"predicate": "zzzzzz"}, ["claims.csv:2: predicate: unknown predicate 'zzzzzz'; known: alsoKnownAs, "]),
        ({"source": "nowhere"}, ["claims.csv:2: source: unknown source 'nowhere' (sources.csv has: "
                                 "prolotherapy-article, rabago-2013)"]),
        ({"quote": ""}, ["claims.csv:2: quote: missing quote: source 'prolotherapy-article' has a text, so the "
                         "claim must quote it"]),
        ({"quote": "x" * 80}, [f"claims.csv:2: quote: quote not found in prolotherapy-article.txt: '{'x' * 59}…'"]),
        ({"supports": "C01"}, ["claims.csv:2: supports: claim 'C01' cannot support itself"]),
        ({"contradicts": "C07"}, ["claims.csv:2: contradicts: unknown claim id 'C07'"]),
    ],
)
def test_each_rule_of_a_row_and_its_message(mini: MiniProject, cells: dict, expected: list[str]):
    row = claim("C01")
    row.update(cells)
    mini.write_claims([row])
    found = problems(mini)
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_a_quote_found_more_than_once_is_a_warning_with_its_place(mini: MiniProject):
    mini.write_claims([claim("C01", predicate="promotes", object="healing", quote="to promote healing")])
    inputs = read(mini)
    assert [str(w).replace(str(mini.root) + "/", "") for w in inputs.warnings if ": quote: " in str(w)] == [
        "claims.csv:2: quote: warning: quote occurs 3 times in prolotherapy-article.txt; anchored at the first "
        f"(character {inputs.claims[0].anchor.start}); lengthen it to make it unique"
    ]
    assert inputs.claims[0].anchor.occurrences == 3


def test_a_duplicate_id_is_reported_once_and_its_second_row_left_out(mini: MiniProject):
    mini.write_claims([claim("C01"), claim("C02", object="hip pain"), claim("C01", object="back pain")])
    assert problems(mini) == ["claims.csv:4: id: duplicate id 'C01' (first on line 2)"]


def test_a_literal_object_must_be_a_value_of_the_predicate_s_range(mini: MiniProject, tmp_path: Path):
    """The message, and no rdflib traceback on the way: rdflib logs a failed conversion with its stack (only a
    process shows it: under pytest the log goes to pytest's handler)."""
    (mini.root / "ext.ttl").write_text(
        "@prefix cg: <https://w3id.org/claimgraph/ns#> .\n@prefix x: <https://example.org/x#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "x:count a owl:DatatypeProperty ; rdfs:subPropertyOf cg:claimAttribute ; rdfs:range xsd:integer ; "
        'rdfs:label "count" ; rdfs:comment "c" .\n',
        encoding="utf-8",
    )
    mini.write_claims([claim("C01", predicate="count", object="12"), claim("C02", predicate="count", object="many")])
    result = claimgraph_process("validate", "--ontology", "ontology.ttl", "--ontology", "ext.ttl", cwd=mini.root)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "claims.csv:3: object: 'many' is not a valid http://www.w3.org/2001/XMLSchema#integer",
        "claimgraph: 1 problem(s) found; nothing was written",
    ]


def test_an_empty_table_needs_allow_empty(mini: MiniProject):
    mini.write_claims([])
    assert problems(mini) == ["claims.csv: the table holds no claims (give --allow-empty to build an empty graph)"]
    assert read(mini, allow_empty=True).claims == []


def test_a_broken_ontology_does_not_flood_the_rows_with_unknown_values(mini: MiniProject):
    (mini.root / "ontology.ttl").write_text("@prefix x: <urn:x#> .\nx:a x:b .\n", encoding="utf-8")
    mini.write_claims([claim("C01", certainty="nonsense")])
    found = problems(mini)
    assert len(found) == 1 and found[0].startswith("ontology.ttl:2: col ")


# --- sources.csv -------------------------------------------------------------------------------------------------


def test_sources_are_read_with_their_text_and_fields(mini: MiniProject):
    mini.write_sources(ARTICLE_SOURCES + "acr,ACR guideline,guideline,PMID:123,2019\n")
    sources = read(mini).sources
    article, rabago, acr = sources["prolotherapy-article"], sources["rabago-2013"], sources["acr"]
    assert article.text is not None and article.text.text.startswith("Prolotherapy has been used")
    assert (article.kind, article.citation, article.line, article.citation_iri) == ("article", "", 2, None)
    assert (rabago.title, rabago.kind, rabago.published, rabago.text) == (
        "Dextrose prolotherapy for knee osteoarthritis", "rct", "2013", None,
    )  # fmt: skip
    assert (acr.line, acr.citation_iri) == (4, "https://pubmed.ncbi.nlm.nih.gov/123/")


@pytest.mark.parametrize(
    "row,expected",
    [
        (",Untitled,rct,10.1/x,", ["sources.csv:4: citation: '10.1/x' is not a DOI, PMID:n or http(s) URL",
                                  "sources.csv:4: key: missing value for 'key'"]),
        ("x,,,10.1000/x,", ["sources.csv:4: kind: missing value for 'kind'",
                            "sources.csv:4: title: missing value for 'title'"]),
        ("../etc,T,rct,10.1000/x,", ["sources.csv:4: key: bad key '../etc': use letters, digits and _.- starting "
                                     "with a letter"]),
        ("rabago-2013,Again,rct,10.1000/x,", ["sources.csv:4: key: duplicate key 'rabago-2013' (first on line 3)"]),
        ("x,T,rumour,10.1000/x,", ["sources.csv:4: kind: 'rumour' is not a source kind; allowed: "]),
        ("lost,Lost,rct,,", ["sources.csv:4: citation: source 'lost' has neither a text ("]),
    ],
)
def test_each_rule_of_a_source_row_and_its_message(mini: MiniProject, row: str, expected: list[str]):
    mini.write_sources(ARTICLE_SOURCES + row + "\n")
    found = [p for p in problems(mini) if p.startswith("sources.csv")]
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_a_source_kind_list_names_every_allowed_kind(mini: MiniProject):
    mini.write_sources(ARTICLE_SOURCES + "x,T,rumour,10.1000/x,\n")
    (line,) = [p for p in problems(mini) if "source kind" in p]
    kinds = line.split("allowed: ")[1].split(", ")
    assert kinds == sorted(kinds) and {"article", "rct", "guideline"} <= set(kinds)


def test_a_text_without_a_sources_row_is_not_read_and_a_bad_key_is_never_a_file_name(mini: MiniProject):
    (mini.root / "sources" / "stray.txt").write_text("not listed", encoding="utf-8")
    assert "stray" not in read(mini).sources
    mini.write_sources(ARTICLE_SOURCES + "../claims,T,rct,,\n")
    assert any("bad key '../claims'" in p for p in problems(mini))


def test_entity_keys_fold_width_ligatures_case_and_space():
    assert entity_key("  Knee\t PAIN ") == entity_key("knee pain") == "knee pain"
    assert entity_key("ＫＮＥＥ pain") == "knee pain"  # full-width letters
    assert entity_key("\ufb01brosis") == "fibrosis"  # the fi ligature
    assert entity_key("Straße") == "strasse"
    assert entity_key("knee-pain") != entity_key("knee pain")
