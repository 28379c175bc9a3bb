from pathlib import Path

from graph.problems import Problem
from graph.read.ontology import load_vocabulary
from graph.vocab import CG
from tests.conftest import ROOT

CORE = ROOT / "ontology.ttl"
REQUIRED_PREDICATES = {
    "isA",
    "alsoKnownAs",
    "treats",
    "contains",
    "causes",
    "hasAdverseEffect",
    "hasProperty",
    "usedOn",
    "inUseFor",
}


def test_core_ontology_declares_the_required_predicates():
    problems: list[Problem] = []
    vocab = load_vocabulary([CORE], problems)
    assert problems == []
    assert set(vocab.predicates) >= REQUIRED_PREDICATES
    in_use = vocab.predicates["inUseFor"][0]
    assert in_use.literal and in_use.functional
    assert not vocab.predicates["treats"][0].literal
    assert "efficacy" in vocab.predicates["treats"][0].aspects


def test_every_term_has_label_and_comment():
    from rdflib import RDFS, Graph, URIRef

    g = Graph().parse(CORE)
    terms = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(CG))}
    missing = sorted(str(t) for t in terms if g.value(t, RDFS.label) is None or g.value(t, RDFS.comment) is None)
    assert len(terms) > 50
    assert missing == []


def test_allowed_values_come_from_the_ontology():
    vocab = load_vocabulary([CORE], [])
    assert set(vocab.certainty) == {"certain", "probable", "possible", "doubtful"}
    assert set(vocab.polarity) == {"affirmed", "negated"}
    assert {"none", "anecdotal", "systematic-review", "guideline"} <= set(vocab.evidence)


def test_unknown_predicate_suggests_the_closest():
    vocab = load_vocabulary([CORE], [])
    predicate, reason = vocab.resolve("treat")
    assert predicate is None
    assert "did you mean 'treats'" in reason


def test_extension_adds_a_predicate_and_a_duplicate_name_is_ambiguous(tmp_path: Path):
    ext = tmp_path / "ext.ttl"
    ext.write_text(
        "@prefix cg: <https://w3id.org/claimgraph/ns#> .\n@prefix x: <https://example.org/x#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'x:prevents rdfs:subPropertyOf cg:claimRelation ; rdfs:label "prevents" ; rdfs:comment "c" .\n'
        'x:treats rdfs:subPropertyOf cg:claimRelation ; rdfs:label "treats" ; rdfs:comment "c" .\n',
        encoding="utf-8",
    )
    vocab = load_vocabulary([CORE, ext], [])
    assert vocab.resolve("prevents")[0].iri.value == "https://example.org/x#prevents"
    predicate, reason = vocab.resolve("treats")
    assert predicate is None and "ambiguous" in reason and "https://example.org/x#treats" in reason


def test_malformed_ontology_gives_the_parser_line(tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix x: <https://example.org/> .\nx:a x:b x:c .\nx:d x:e "unterminated .\n', encoding="utf-8")
    problems: list[Problem] = []
    vocab = load_vocabulary([CORE, bad], problems)
    assert len(problems) == 1
    assert problems[0].file == str(bad) and problems[0].line == 3
    assert not vocab.complete
