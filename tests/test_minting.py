"""Minting IRIs and the graph's fixed order (graph/rdf.py) through Minter, slug, triples and the build command."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.rdf import Minter, slug, vocabulary_triples
from graph.read.ontology import default_ontologies, load_vocabulary
from tests.conftest import MiniProject, claim


@pytest.mark.parametrize(
    "base,expected",
    [
        ("https://example.org/kb", "https://example.org/kb/"),
        ("https://example.org/kb/", "https://example.org/kb/"),
        ("https://example.org/kb#", "https://example.org/kb#"),
        ("urn:x:", "urn:x:/"),
    ],
)
def test_a_base_gets_a_separator_and_mints_every_kind_of_node(base: str, expected: str):
    mint = Minter(base)
    assert mint.base == expected
    assert mint.claim("C1").value == expected + "claim/C1"
    assert mint.claim("C1", "evidence").value == expected + "claim/C1/evidence"
    assert mint.entity("Knee Pain").value == expected + "entity/knee-pain"
    assert mint.source("rabago-2013").value == expected + "source/rabago-2013"
    assert mint.agent("a systematic review").value == expected + "agent/a-systematic-review"
    assert mint.dataset().value == expected + "dataset"
    prefixes = mint.prefixes()
    assert {k: prefixes[k] for k in ("claim", "entity", "source", "agent")} == {
        "claim": expected + "claim/", "entity": expected + "entity/",
        "source": expected + "source/", "agent": expected + "agent/",
    }  # fmt: skip
    assert prefixes["cg"] == "https://w3id.org/claimgraph/ns#"


@pytest.mark.parametrize(
    "base,message",
    [
        ("example.org/kb", "is not an absolute IRI (it needs a scheme such as https:)"),
        ("1http://x/", "is not an absolute IRI"),
        ("https://exa mple.org/", "is not a valid IRI"),
        ("https://example.org/{x}/", "is not a valid IRI"),
    ],
)
def test_a_bad_base_is_refused_with_its_reason(base: str, message: str, mini: MiniProject):
    with pytest.raises(ValueError, match=re.escape(message)):
        Minter(base)
    result = mini.run("build", "--base", base)
    assert result.returncode == 2 and message in result.stderr and not (mini.root / "out").exists()


def test_slugs_are_readable_for_plain_labels_and_hashed_otherwise():
    assert slug("Knee  Pain") == "knee-pain"
    assert slug("vitamin b12") == "vitamin-b12"
    odd = slug("Knee_pain!")
    assert odd.startswith("knee-pain-") and len(odd) == len("knee-pain-") + 10
    assert slug("???") .startswith("x-")
    assert len(slug("a" * 100 + "!")) == 40 + 1 + 10
    assert slug("knee pain!") != slug("knee pain?")


def test_the_vocabulary_goes_into_the_graph_with_canonical_blank_nodes():
    vocab = load_vocabulary(default_ontologies(), [])
    first, second = vocabulary_triples(vocab), vocabulary_triples(load_vocabulary(default_ontologies(), []))
    assert first == second and first == sorted(first, key=str)
    assert len(first) == len(set(vocab.triples))


def _graph(mini: MiniProject) -> list[ox.Triple]:
    assert mini.run("build").returncode == 0
    return list(ox.parse(path=str(mini.root / "out" / "claims.ttl"), format=ox.RdfFormat.TURTLE))


def _objects(triples, subject: str, predicate: str) -> list[str]:
    found = (t for t in triples if t.subject.value.endswith(subject) and t.predicate.value == predicate)
    return sorted(str(t.object) for t in found)


CG = "https://w3id.org/claimgraph/ns#"


def test_a_claim_s_block_holds_its_qualifiers_links_cues_and_anchor(mini: MiniProject):
    mini.write_claims([
        claim("C01", note="checked twice", citation="10.1370/afm.1504", supports="C02"),
        claim("C02", object="hip pain", contradicts="C01", quote="Prolotherapy is a treatment that has been used "
              "for centuries", certainty="certain", attribution="author", evidence="none"),
    ])  # fmt: skip
    triples = _graph(mini)
    assert _objects(triples, "claim/C01", CG + "curatorNote") == ['"checked twice"']
    assert _objects(triples, "claim/C01", CG + "supports") == ["<https://w3id.org/claimgraph/id/claim/C02>"]
    # contradicts is symmetric: written on both claims though the table names it once
    assert _objects(triples, "claim/C01", CG + "contradicts") == ["<https://w3id.org/claimgraph/id/claim/C02>"]
    assert _objects(triples, "claim/C02", CG + "contradicts") == ["<https://w3id.org/claimgraph/id/claim/C01>"]
    assert _objects(triples, "claim/C01", CG + "hedgeCue") == ['"might"']
    assert _objects(triples, "claim/C02", CG + "hedgeCue") == []
    assert _objects(triples, "claim/C01/evidence", "http://schema.org/citation") == ["<https://doi.org/10.1370/afm.1504>"]
    assert _objects(triples, "claim/C02/evidence", "http://schema.org/citation") == []
    assert _objects(triples, "claim/C02", CG + "curatorNote") == []
    wasQuotedFrom = "http://www.w3.org/ns/prov#wasQuotedFrom"
    assert _objects(triples, "claim/C01", wasQuotedFrom) == ["<https://w3id.org/claimgraph/id/source/prolotherapy-article>"]
    integer = "^^<http://www.w3.org/2001/XMLSchema#integer>"
    assert _objects(triples, "claim/C02/position-selector", "http://www.w3.org/ns/oa#start") == [f'"2801"{integer}']
    assert _objects(triples, "claim/C02/position-selector", "http://www.w3.org/ns/oa#end") == [f'"2861"{integer}']
    assert _objects(triples, "claim/C02/quote-selector", "http://www.w3.org/ns/oa#exact") == [
        '"Prolotherapy is a treatment that has been used for centuries"'
    ]


def test_sources_cited_or_used_are_written_with_their_fields(mini: MiniProject):
    mini.write_sources(
        "key,title,kind,citation,published\nprolotherapy-article,Prolotherapy,article,,\n"
        "rabago-2013,Dextrose prolotherapy,rct,10.1370/afm.1504,2013\nunused,Never cited,rct,,\n"
    )
    (mini.root / "sources" / "unused.txt").write_text("a text no claim quotes", encoding="utf-8")
    triples = _graph(mini)
    assert _objects(triples, "source/rabago-2013", "http://schema.org/datePublished") == ['"2013"']
    assert _objects(triples, "source/rabago-2013", "http://www.w3.org/2002/07/owl#sameAs") == [
        "<https://doi.org/10.1370/afm.1504>"
    ]
    assert _objects(triples, "source/rabago-2013", "http://schema.org/name") == ['"Dextrose prolotherapy"']
    assert _objects(triples, "source/rabago-2013", CG + "sourceKind") == [f"<{CG}TrialSource>"]
    assert len(_objects(triples, "source/prolotherapy-article", "http://schema.org/sha256")) == 1
    assert _objects(triples, "source/rabago-2013", "http://schema.org/sha256") == []  # no text
    assert not any(t.subject.value.endswith("source/unused") for t in triples)  # neither used nor cited
    assert _objects(triples, "/dataset", "http://www.w3.org/2000/01/rdf-schema#label") == ['"claimgraph build"']


def test_an_entity_keeps_its_first_spelling_and_a_literal_object_is_no_entity(mini: MiniProject):
    mini.write_claims([
        claim("C01", subject="Prolotherapy"),
        claim("C02", subject="PROLOTHERAPY", predicate="inUseFor", object="decades", certainty="certain",
              evidence="none", quote="Prolotherapy has been used to treat everything from back to joint pain for "
              "decades"),
    ])  # fmt: skip
    triples = _graph(mini)
    labels = {t.subject.value.rsplit("/", 1)[-1]: t.object.value for t in triples
              if "/entity/" in t.subject.value and t.predicate.value.endswith("#label")}  # fmt: skip
    assert labels == {"prolotherapy": "Prolotherapy", "knee-pain": "knee pain"}
    (obj,) = _objects(triples, "claim/C02", "http://www.w3.org/1999/02/22-rdf-syntax-ns#object")
    assert obj == '"decades"'


def test_the_graph_file_is_the_same_bytes_for_the_same_input(mini: MiniProject, tmp_path: Path):
    assert mini.run("build").returncode == 0
    first = (mini.root / "out" / "claims.ttl").read_bytes()
    assert mini.run("build").returncode == 0
    assert (mini.root / "out" / "claims.ttl").read_bytes() == first


def test_dataset_formats_put_the_build_in_its_named_graph_and_turtle_uses_the_prefixes(builds_in_every_format):
    dataset = "https://w3id.org/claimgraph/id/dataset"
    for fmt in ("nquads", "trig"):
        path, _ = builds_in_every_format[fmt]
        quads = ox.parse(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:]))
        graphs = {str(q.graph_name) for q in quads}
        assert graphs == {f"<{dataset}>"}, fmt
    turtle = builds_in_every_format["turtle"][0].read_text(encoding="utf-8")
    assert "@prefix cg: <https://w3id.org/claimgraph/ns#> ." in turtle
    assert "@prefix claim: <https://w3id.org/claimgraph/id/claim/> ." in turtle and "claim:C36 " in turtle


def test_the_annotation_is_a_node_of_its_own_pointing_at_the_claim(mini: MiniProject):
    triples = _graph(mini)
    oa = "http://www.w3.org/ns/oa#"
    assert _objects(triples, "claim/C01/annotation", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == [
        f"<{oa}Annotation>"
    ]
    assert _objects(triples, "claim/C01/annotation", oa + "hasBody") == ["<https://w3id.org/claimgraph/id/claim/C01>"]
    assert _objects(triples, "claim/C01/annotation", oa + "hasTarget") == [
        "<https://w3id.org/claimgraph/id/claim/C01/target>"
    ]
    assert f"<{oa}Annotation>" not in _objects(triples, "claim/C01", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def test_a_build_reports_its_progress_by_claims(mini: MiniProject):
    from graph.api import Project

    mini.write_claims([claim("C01"), claim("C02", object="hip pain"), claim("C03", object="back pain")])
    project = Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources")
    building, auditing = [], []
    project.build(progress=lambda done, total: building.append((done, total)),
                  audit_progress=lambda done, total: auditing.append((done, total)))  # fmt: skip
    assert building == [(3, 3)]  # every 1000 claims, and at the end
    from graph.audit import load_rules

    rules = len(load_rules(project.inputs.vocab))
    assert auditing == [(n, rules) for n in range(1, rules + 1)]  # one step per rule
