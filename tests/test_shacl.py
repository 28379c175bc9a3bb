"""graph.shacl against pySHACL: the same results on the shipped build, on broken copies of it, and per component.

Results are compared as sets of (focus, path, value, constraint component, message, details), in rdflib terms.
The message is compared when the shapes graph gives it (an sh:message text); generic texts differ by design.
Two normalisations mirror what a pyoxigraph Store does to literals (see graph/shacl.py): a blank node is any
blank node (the two parsers label them differently), and an integer subtype is reported as xsd:integer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from graph.shacl import Violation, validate

ROOT = Path(__file__).resolve().parent.parent
SH = Namespace("http://www.w3.org/ns/shacl#")
CG = Namespace("https://w3id.org/claimgraph/ns#")
OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
ID = "https://w3id.org/claimgraph/id/"
INTEGER_SUBTYPES = {
    XSD[t]
    for t in (
        "long int short byte nonNegativeInteger positiveInteger nonPositiveInteger negativeInteger "
        "unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
}

Result = tuple[str | None, str | None, str | None, str, str | None, frozenset]


# --- Comparing the two validators -----------------------------------------------------------------------------


def _key(node: Node | ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str | None:
    """One spelling for a term from either library (rdflib normalises literal forms the way Oxigraph does)."""
    if node is None:
        return None
    if isinstance(node, BNode | ox.BlankNode):
        return "_:b"
    if isinstance(node, ox.NamedNode):
        node = URIRef(node.value)
    elif isinstance(node, ox.Literal):
        datatype = None if node.language else URIRef(node.datatype.value)
        node = Literal(node.value, lang=node.language, datatype=datatype)
    if isinstance(node, Literal) and not node.language:
        datatype = node.datatype or XSD.string
        datatype = XSD.integer if datatype in INTEGER_SUBTYPES else datatype
        return Literal(str(node), datatype=datatype).n3()
    return node.n3()


def _given(shapes: Graph) -> Callable[[str | None], str | None]:
    """A message counts (is compared) when each of its lines is an sh:message of the shapes graph."""
    texts = {str(m) for m in shapes.objects(None, SH.message)}
    return lambda text: text if text is not None and all(line in texts for line in text.split("\n")) else None


def pyshacl_results(data: Graph, shapes: Graph) -> set[Result]:
    _, report, _ = pyshacl_validate(data, shacl_graph=shapes, inference="none", advanced=True)
    given = _given(shapes)

    def result(node: Node) -> Result:
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
        details = frozenset(result(d) for d in report.objects(node, SH.detail))
        return (
            _key(report.value(node, SH.focusNode)),
            _key(report.value(node, SH.resultPath)),
            _key(report.value(node, SH.value)),
            str(report.value(node, SH.sourceConstraintComponent)),
            given("\n".join(messages) if messages else None),
            details,
        )

    return {result(r) for r in report.objects(None, SH.result)}


def engine_results(store: ox.Store, shapes: Graph) -> set[Result]:
    given = _given(shapes)

    def result(v: Violation) -> Result:
        details = frozenset(result(d) for d in v.details)
        return (_key(v.focus), _key(v.path), _key(v.value), v.component, given(v.message), details)

    return {result(v) for v in validate(store, shapes)}


def _store(text: str, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> ox.Store:
    store = ox.Store()
    store.load(text.encode(), fmt)
    return store


def compare(data: Graph, shapes: Graph) -> set[Result]:
    """Validate with both; assert the same results; return them."""
    store = _store(data.serialize(format="nt"), ox.RdfFormat.N_TRIPLES)
    expected = pyshacl_results(data, shapes)
    assert engine_results(store, shapes) == expected
    return expected


def components(results: set[Result]) -> set[str]:
    return {r[3].removeprefix(str(SH)) for r in results}


# --- The shipped build, intact and broken ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped example built once in this process (from the repository root, as a user runs it)."""
    from graph.cli import main

    out = tmp_path_factory.mktemp("shacl-build")
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        assert main(["build", "--out", str(out)]) == 0
    finally:
        os.chdir(cwd)
    return out / "claims.ttl"


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return Graph().parse(ROOT / "graph" / "shapes.ttl", format="turtle")


@pytest.fixture(scope="session")
def build_graph(built: Path) -> Graph:
    return Graph().parse(built, format="turtle")


def _copy(g: Graph) -> Graph:
    out = Graph()
    for triple in g:
        out.add(triple)
    return out


def test_the_shipped_build_conforms_for_both(built: Path, build_graph: Graph, shapes: Graph):
    assert compare(build_graph, shapes) == set()
    store = ox.Store()
    store.bulk_load(path=str(built), format=ox.RdfFormat.TURTLE)
    assert validate(store, shapes) == []


def _claim(n: str) -> URIRef:
    return URIRef(f"{ID}claim/{n}")


def _set(g: Graph, s: Node, p: URIRef, o: Node) -> None:
    g.remove((s, p, None))
    g.add((s, p, o))


def _first(g: Graph, p: URIRef, o: Node | None = None) -> Node:
    return sorted(g.subjects(p, o) if o is not None else (s for s, _ in g.subject_objects(p)))[0]


def _article_claim(g: Graph) -> URIRef:
    """A claim quoted from a text (its source has a sha256), so it has an annotation and selectors."""
    return sorted(c for c in g.subjects(RDF.type, CG.Claim) if (None, OA.hasBody, c) in g)[0]  # type: ignore[return-value]


def _target(g: Graph) -> Node:
    annotation = g.value(None, OA.hasBody, _article_claim(g))
    return g.value(annotation, OA.hasTarget)


def _selector(g: Graph, kind: URIRef) -> Node:
    return next(s for s in g.objects(_target(g), OA.hasSelector) if (s, RDF.type, kind) in g)


def _drop_certainty(g: Graph) -> None:
    g.remove((_claim("C01"), CG.certainty, None))


def _second_certainty(g: Graph) -> None:
    g.add((_claim("C01"), CG.certainty, CG.Doubtful))


def _literal_citation(g: Graph) -> None:
    g.add((g.value(_claim("C01"), CG.hasEvidence), SCHEMA.citation, Literal("10.1000/not-an-iri")))


def _start_after_end(g: Graph) -> None:
    selector = _selector(g, OA.TextPositionSelector)
    _set(g, selector, OA.start, Literal(500, datatype=XSD.nonNegativeInteger))
    _set(g, selector, OA.end, Literal(20, datatype=XSD.nonNegativeInteger))


def _one_way_contradiction(g: Graph) -> None:
    g.remove((_claim("L01"), CG.contradicts, _claim("C01")))


def _annotation_missing(g: Graph) -> None:
    annotation = g.value(None, OA.hasBody, _article_claim(g))
    g.remove((annotation, None, None))


def _wrong_datatype(g: Graph) -> None:
    _set(g, _selector(g, OA.TextQuoteSelector), OA.exact, Literal("Prolotherapy", lang="en"))


def _ill_typed_negative(g: Graph) -> None:
    _set(g, _selector(g, OA.TextPositionSelector), OA.start, Literal("-3", datatype=XSD.nonNegativeInteger))


def _ill_typed_text(g: Graph) -> None:
    # In oa:start: the word is not less than the end for either validator (see test_known_divergences for oa:end).
    _set(g, _selector(g, OA.TextPositionSelector), OA.start, Literal("twelve", datatype=XSD.nonNegativeInteger))


def _polarity_outside_list(g: Graph) -> None:
    _set(g, _claim("C02"), CG.polarity, CG.Maybe)


def _status_outside_list(g: Graph) -> None:
    _set(g, _claim("C02"), CG.status, Literal("Contested"))


def _finding_without_kind(g: Graph) -> None:
    g.remove((_first(g, RDF.type, CG.Finding), CG.findingKind, None))


def _selector_missing(g: Graph) -> None:
    g.remove((_target(g), OA.hasSelector, _selector(g, OA.TextPositionSelector)))


def _two_quote_selectors(g: Graph) -> None:
    g.add((_target(g), OA.hasSelector, _selector(g, OA.TextQuoteSelector)))
    extra = URIRef(f"{ID}extra-quote-selector")
    g.add((extra, RDF.type, OA.TextQuoteSelector))
    g.add((extra, OA.exact, Literal("Prolotherapy")))
    g.add((_target(g), OA.hasSelector, extra))


def _source_missing(g: Graph) -> None:
    _set(g, _claim("C03"), PROV.wasDerivedFrom, URIRef(f"{ID}source/nowhere"))


def _bad_identifier(g: Graph) -> None:
    _set(g, _claim("C04"), DCTERMS.identifier, Literal("4th claim"))


def _empty_quote(g: Graph) -> None:
    _set(g, _selector(g, OA.TextQuoteSelector), OA.exact, Literal(""))


def _literal_subject(g: Graph) -> None:
    _set(g, _claim("C05"), RDF.subject, Literal("prolotherapy"))


def _target_not_a_resource(g: Graph) -> None:
    g.remove((_target(g), RDF.type, None))


def _finding_about_a_source(g: Graph) -> None:
    g.add((_first(g, RDF.type, CG.Finding), CG.concerns, URIRef(f"{ID}source/prolotherapy-article")))


def _source_without_key(g: Graph) -> None:
    g.remove((URIRef(f"{ID}source/prolotherapy-article"), DCTERMS.identifier, None))


def _no_evidence_kind(g: Graph) -> None:
    g.remove((g.value(_claim("C06"), CG.hasEvidence), CG.evidenceKind, None))


def _claim_without_type_then_annotation(g: Graph) -> None:
    g.remove((_article_claim(g), RDF.type, CG.Claim))  # the annotation's body is no longer a claim


BROKEN: dict[str, tuple[Callable[[Graph], None], set[str]]] = {
    "claim without certainty": (_drop_certainty, {"MinCountConstraintComponent"}),
    "claim with two certainties": (_second_certainty, {"MaxCountConstraintComponent"}),
    "citation that is not an IRI": (_literal_citation, {"NodeConstraintComponent"}),
    "selector whose start is after its end": (_start_after_end, {"LessThanConstraintComponent"}),
    "contradiction in one direction only": (_one_way_contradiction, {"SPARQLConstraintComponent"}),
    "quoted claim without annotation": (_annotation_missing, {"SPARQLConstraintComponent"}),
    "quote with a language tag": (_wrong_datatype, {"DatatypeConstraintComponent"}),
    "negative nonNegativeInteger": (_ill_typed_negative, {"DatatypeConstraintComponent"}),
    "nonNegativeInteger that is a word": (_ill_typed_text, {"DatatypeConstraintComponent"}),
    "polarity outside its list": (_polarity_outside_list, {"InConstraintComponent"}),
    "status outside its list": (_status_outside_list, {"InConstraintComponent"}),
    "finding without a kind": (_finding_without_kind, {"MinCountConstraintComponent"}),
    "target without a position selector": (_selector_missing, {"NodeConstraintComponent"}),
    "target with two quote selectors": (_two_quote_selectors, {"NodeConstraintComponent"}),
    "claim whose source is missing": (_source_missing, {"ClassConstraintComponent"}),
    "identifier against the pattern": (_bad_identifier, {"PatternConstraintComponent"}),
    "empty quote": (_empty_quote, {"MinLengthConstraintComponent"}),
    "literal as subject": (_literal_subject, {"NodeKindConstraintComponent", "ClassConstraintComponent"}),
    "target that is not a SpecificResource": (_target_not_a_resource, {"NodeConstraintComponent"}),
    "finding about a source": (_finding_about_a_source, {"ClassConstraintComponent"}),
    "source without a key": (_source_without_key, {"MinCountConstraintComponent"}),
    "evidence without a kind": (_no_evidence_kind, {"NodeConstraintComponent"}),
    "annotation whose body is not a claim": (_claim_without_type_then_annotation, {"ClassConstraintComponent"}),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_build_gives_the_same_results_as_pyshacl(build_graph: Graph, shapes: Graph, case: str):
    mutate, expected = BROKEN[case]
    g = _copy(build_graph)
    mutate(g)
    results = compare(g, shapes)
    assert expected <= components(results), results


def _nested_components(results: set[Result]) -> Iterator[str]:
    for r in results:
        yield r[3].removeprefix(str(SH))
        yield from _nested_components(set(r[5]))


def test_nested_results_are_reported_as_details(build_graph: Graph, shapes: Graph):
    g = _copy(build_graph)
    _selector_missing(g)
    _literal_citation(g)
    results = compare(g, shapes)
    assert {"QualifiedMinCountConstraintComponent", "NodeKindConstraintComponent"} <= set(_nested_components(results))
