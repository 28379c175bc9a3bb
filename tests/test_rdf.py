"""The graph built from the shipped data: shape, standards, determinism, and a second parser."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef

from graph.api import Project
from graph.formats import OUTPUT_FORMATS, rdf_format
from graph.rdf import slug
from tests.conftest import ARTICLE, ROOT, MiniProject, claim

CG = Namespace("https://w3id.org/claimgraph/ns#")
OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")

CLAIM = "https://w3id.org/claimgraph/id/claim/"


@pytest.fixture(scope="module")
def shipped_graph(shipped_build: Path) -> Graph:
    return Graph().parse(shipped_build / "claims.ttl")


def _rows() -> list[dict[str, str]]:
    with open(ROOT / "claims.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_shipped_claims_cover_the_article():
    rows = _rows()
    article = [r for r in rows if r["source"] == "prolotherapy-article"]
    assert 35 <= len(article) <= 70
    assert any(r["contradicts"] for r in article)
    literature = {r["id"] for r in rows if r["source"] != "prolotherapy-article"}
    linked = {t for r in rows if r["id"] in literature for t in r["supports"].split(";") if t}
    assert linked & {r["id"] for r in article}  # the literature supports claims of the article


def test_every_claim_is_a_reified_qualified_node(shipped_graph: Graph):
    rows = _rows()
    claims = set(shipped_graph.subjects(RDF.type, CG.Claim))
    assert len(claims) == len(rows)
    for node in claims:
        for prop in (
            RDF.subject,
            RDF.predicate,
            RDF.object,
            CG.polarity,
            CG.certainty,
            PROV.wasAttributedTo,
            PROV.wasDerivedFrom,
            CG.hasEvidence,
        ):
            assert len(list(shipped_graph.objects(node, prop))) == 1, (node, prop)


def test_claimed_triples_are_not_asserted(shipped_graph: Graph):
    assert not list(shipped_graph.triples((None, CG.treats, None)))
    assert not list(shipped_graph.triples((None, CG.inUseFor, None)))


def test_quote_selectors_point_at_the_quoted_words(shipped_graph: Graph):
    rows = {r["id"]: r for r in _rows()}
    anchored = 0
    for annotation in shipped_graph.subjects(RDF.type, OA.Annotation):
        body = shipped_graph.value(annotation, OA.hasBody)
        target = shipped_graph.value(annotation, OA.hasTarget)
        key = rows[str(body).removeprefix(CLAIM)]["source"]
        text = (ROOT / "sources" / f"{key}.txt").read_text(encoding="utf-8")
        selectors = list(shipped_graph.objects(target, OA.hasSelector))
        quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in shipped_graph)
        position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in shipped_graph)
        start = int(shipped_graph.value(position, OA.start))
        end = int(shipped_graph.value(position, OA.end))
        exact = str(shipped_graph.value(quote, OA.exact))
        assert text[start:end] == exact
        assert text[:start].endswith(str(shipped_graph.value(quote, OA.prefix)))
        assert text[end:].startswith(str(shipped_graph.value(quote, OA.suffix)))
        assert " ".join(rows[str(body).removeprefix(CLAIM)]["quote"].split()) == " ".join(exact.split())
        anchored += 1
    texts = {p.stem for p in (ROOT / "sources").glob("*.txt")}
    assert anchored == sum(1 for r in rows.values() if r["source"] in texts)
    assert ARTICLE.stem in texts


def test_contradiction_is_written_both_ways(shipped_graph: Graph):
    pairs = set(shipped_graph.subject_objects(CG.contradicts))
    assert pairs
    assert all((b, a) in pairs for a, b in pairs)


def test_evidence_nodes_carry_eco_class_and_citation(shipped_graph: Graph):
    rows = {r["id"]: r for r in _rows()}
    for claim_node, evidence in shipped_graph.subject_objects(CG.hasEvidence):
        types = {str(t) for t in shipped_graph.objects(evidence, RDF.type)}
        assert any(t.startswith("http://purl.obolibrary.org/obo/ECO_") for t in types), types
        citation = rows[str(claim_node).removeprefix(CLAIM)]["citation"]
        cited = list(shipped_graph.objects(evidence, SCHEMA.citation))
        assert (len(cited) == 1) == bool(citation)


def test_entity_labels_merge_case_and_space_insensitively(mini: MiniProject, tmp_path: Path):
    mini.write_claims([claim("C01", object="Knee  Pain"), claim("C02", object="knee pain", predicate="improves")])
    project = Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources")
    g = project.build().graph()
    objects = {g.value(URIRef(CLAIM + i), RDF.object) for i in ("C01", "C02")}
    assert len(objects) == 1
    assert g.value(objects.pop(), URIRef("http://www.w3.org/2000/01/rdf-schema#label")) == Literal("Knee Pain")


def test_distinct_labels_never_share_an_iri():
    labels = ["knee pain", "knee-pain", "Knee_pain", "knee pain!", "kneepain", "knee  pain "]
    slugs = {slug(label) for label in labels}
    assert len(slugs) == 5  # "knee pain" and "knee  pain " are the same label


def test_literal_predicate_gives_a_literal_object(shipped_graph: Graph):
    in_use = [
        o for s, o in shipped_graph.subject_objects(RDF.object) if shipped_graph.value(s, RDF.predicate) == CG.inUseFor
    ]
    assert in_use and all(isinstance(o, Literal) for o in in_use)
    assert {"decades", "centuries"} <= {str(o) for o in in_use}


BUILD_EVERY_FORMAT = """
import sys
from graph.cli import main
out, formats = sys.argv[1], sys.argv[2:]
assert main(["build", "--out", out + "/turtle"]) == 0  # the page is laid out once
for fmt in formats:  # the other graph formats (the page of these builds is a notice)
    assert main(["build", "--out", out + "/" + fmt, "--format", fmt, "--max-nodes", "1"]) == 0
"""


def test_build_is_byte_identical_across_runs_and_hash_seeds(tmp_path: Path):
    import subprocess
    import sys

    processes = {}
    for seed in ("1", "2"):  # the hash seed is fixed when an interpreter starts: one process per seed, side by side
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-c", BUILD_EVERY_FORMAT, str(tmp_path / seed), *OUTPUT_FORMATS[1:]]
        processes[seed] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    outputs = {}
    for seed, process in processes.items():
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        out = tmp_path / seed
        outputs[seed] = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert OUTPUT_FORMATS[0] == "turtle"
    assert {name.split("/")[1] for name in outputs["1"]} == {
        f"claims{rdf_format(f).suffix}" for f in OUTPUT_FORMATS
    } | {"audit.json", "audit.md", "claims.html"}
    assert b"vis-network" in outputs["1"]["turtle/claims.html"]  # the drawn page, not a notice
    assert outputs["1"] == outputs["2"]


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_an_independent_parser_reads_the_same_triples(builds_in_every_format: dict, fmt: str):
    path, printed = builds_in_every_format[fmt]
    dataset = Dataset()
    dataset.parse(path, format={"ntriples": "nt", "jsonld": "json-ld"}.get(fmt, fmt))
    rdflib_count = len(list(dataset.quads()))
    quads = list(pyoxigraph.parse(path=str(path), format=rdf_format(fmt).ox))
    assert len({(q.subject, q.predicate, q.object) for q in quads}) == len(quads) == rdflib_count
    assert f"{rdflib_count} triples" in printed


def test_summary_names_counts(shipped_run):
    rows = _rows()
    assert f"{len(rows)} claims" in shipped_run.stdout
    assert f"{len({r['source'] for r in rows})} sources" in shipped_run.stdout
