"""graph.shacl against pySHACL: the same results on the shipped build, on broken copies of it, and per component.

Results are compared as sets of (focus, path, value, constraint component, message, details, source shape).
The message is compared when the shapes graph gives it (an sh:message text); generic texts differ by design.
Three normalisations mirror what a pyoxigraph Store does to terms (see graph/shacl.py): a data blank node is any
blank node (the two parsers label them differently), an integer subtype is reported as xsd:integer, and numbers
are compared by value (Oxigraph writes "1.0"^^xsd:decimal as "1"). What cannot agree is pinned in DIVERGENCES.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from decimal import Decimal
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
INTEGER_SUBTYPES = {XSD[t] for t in ("long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort")}
INTEGER_SUBTYPES |= {XSD[t] for t in ("unsignedByte", "nonNegativeInteger", "positiveInteger")}
INTEGER_SUBTYPES |= {XSD[t] for t in ("nonPositiveInteger", "negativeInteger")}

Result = tuple[str | None, str | None, str | None, str, str | None, frozenset, str]


# --- Comparing the two validators -----------------------------------------------------------------------------


def _key(node: Node | ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str | None:
    """One spelling for a term from either library. Literals are compared by value where they have one: both
    libraries normalise lexical forms, not always alike ("1.0" and "1" for the same xsd:decimal)."""
    if node is None:
        return None
    if isinstance(node, BNode | ox.BlankNode):
        return "_:b"
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value).n3()
    if isinstance(node, ox.Literal):
        datatype = None if node.language else URIRef(node.datatype.value)
        node = Literal(node.value, lang=node.language, datatype=datatype)
    if isinstance(node, Literal) and not node.language:
        datatype = node.datatype or XSD.string
        datatype = XSD.integer if datatype in INTEGER_SUBTYPES else datatype
        node = Literal(str(node), datatype=datatype)
        value = node.value if not node.ill_typed else None
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return f"{value.normalize() if isinstance(value, Decimal) else value!r}^^{datatype}"
    return node.n3()


def _shape_key(node: Node | ox.NamedNode | ox.BlankNode) -> str:
    """The source shape: a blank node of the shapes graph keeps its label in both reports."""
    if isinstance(node, ox.NamedNode | ox.BlankNode):
        return f"_:{node.value}" if isinstance(node, ox.BlankNode) else node.value
    return f"_:{node}" if isinstance(node, BNode) else str(node)


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
            _shape_key(report.value(node, SH.sourceShape)),
        )

    return {result(r) for r in report.objects(None, SH.result)}


def engine_results(store: ox.Store, shapes: Graph) -> set[Result]:
    given = _given(shapes)

    def result(v: Violation) -> Result:
        details = frozenset(result(d) for d in v.details)
        return (_key(v.focus), _key(v.path), _key(v.value), v.component, given(v.message), details, _shape_key(v.shape))

    return {result(v) for v in validate(store, shapes)}


def _store(text: str, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> ox.Store:
    store = ox.Store()
    store.load(text.encode(), fmt)
    return store


def compare(data: Graph, shapes: Graph, store: ox.Store | None = None) -> set[Result]:
    """Validate with both (the store, when not given, loaded from the graph); assert the same results."""
    store = store or _store(data.serialize(format="nt"), ox.RdfFormat.N_TRIPLES)
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
    _set(g, selector, OA.start, Literal(500, datatype=XSD.integer))
    _set(g, selector, OA.end, Literal(20, datatype=XSD.integer))


def _one_way_contradiction(g: Graph) -> None:
    g.remove(min(g.triples((None, CG.contradicts, None))))


def _annotation_missing(g: Graph) -> None:
    annotation = g.value(None, OA.hasBody, _article_claim(g))
    g.remove((annotation, None, None))


def _wrong_datatype(g: Graph) -> None:
    _set(g, _selector(g, OA.TextQuoteSelector), OA.exact, Literal("Prolotherapy", lang="en"))


def _negative_start(g: Graph) -> None:
    _set(g, _selector(g, OA.TextPositionSelector), OA.start, Literal("-3", datatype=XSD.integer))


def _ill_typed_text(g: Graph) -> None:
    # In oa:start: the word is not less than the end for either validator (see test_known_divergences for oa:end).
    _set(g, _selector(g, OA.TextPositionSelector), OA.start, Literal("twelve", datatype=XSD.integer))


def _polarity_outside_list(g: Graph) -> None:
    _set(g, _claim("C02"), CG.polarity, CG.Maybe)


def _verdict_outside_list(g: Graph) -> None:
    _set(g, _claim("C02"), CG.verdict, Literal("Contested"))


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
    "negative start": (_negative_start, {"MinInclusiveConstraintComponent"}),
    "integer that is a word": (_ill_typed_text, {"DatatypeConstraintComponent"}),
    "polarity outside its list": (_polarity_outside_list, {"ClassConstraintComponent"}),
    "verdict outside its list": (_verdict_outside_list, {"ClassConstraintComponent"}),
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


# --- Hand-written shapes, one family of components at a time --------------------------------------------------

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""
EX = Namespace("http://example.org/")


def check(shapes_ttl: str, data_ttl: str) -> set[Result]:
    """Both validators on small Turtle documents (the prefixes above are declared for both)."""
    shapes = Graph().parse(data=PREFIXES + shapes_ttl, format="turtle")
    data = Graph().parse(data=PREFIXES + data_ttl, format="turtle")
    # The store reads the text itself: rdflib rewrites some ill-typed literals ("maybe"^^xsd:boolean to "false").
    return compare(data, shapes, _store(PREFIXES + data_ttl))


def found(results: set[Result]) -> set[tuple[str | None, ...]]:
    """(focus, path, value, component) with ex: and sh: shortened, for readable expectations."""
    short = {str(EX): "ex:", str(SH): ""}

    def s(text: str | None) -> str | None:
        if text is None:
            return None
        for long, prefix in short.items():
            text = text.replace(f"<{long}", prefix).replace(long, prefix)
        return text.removesuffix(">") if text.startswith("ex:") else text

    return {(s(r[0]), s(r[1]), s(r[2]), s(r[3])) for r in results}


def test_min_count_counts_distinct_values_and_finds_subclass_instances():
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
        sh:property [ sh:path ex:p ; sh:minCount 2 ] , [ sh:path ex:q ; sh:minCount 1 ] ,
                    [ sh:path ex:r ; sh:minCount 1 ] , [ sh:path ex:s ; sh:minCount 0 ] ."""
    data = """
    ex:Sub rdfs:subClassOf ex:T .
    ex:a a ex:T ; ex:p 1 ; ex:q 1 ; ex:r 1 .
    ex:b a ex:T ; ex:p 1, 2 ; ex:r "x" .
    ex:c a ex:Sub .
    ex:d a ex:Other ."""
    assert found(check(shapes, data)) == {
        ("ex:a", "ex:p", None, "MinCountConstraintComponent"),
        ("ex:b", "ex:q", None, "MinCountConstraintComponent"),
        ("ex:c", "ex:p", None, "MinCountConstraintComponent"),
        ("ex:c", "ex:q", None, "MinCountConstraintComponent"),
        ("ex:c", "ex:r", None, "MinCountConstraintComponent"),
    }


def test_a_single_min_count_one_is_its_own_query():
    shapes = "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:q ; sh:minCount 1 ] ."
    data = "ex:a a ex:T ; ex:q 1 . ex:b a ex:T . ex:c ex:q 2 ."
    assert found(check(shapes, data)) == {("ex:b", "ex:q", None, "MinCountConstraintComponent")}


def test_max_count_zero_one_and_two():
    shapes = """
    ex:S sh:targetClass ex:T ;
        sh:property [ sh:path ex:none ; sh:maxCount 0 ] , [ sh:path ex:one ; sh:maxCount 1 ] ,
                    [ sh:path ex:two ; sh:maxCount 2 ] ."""
    data = """
    ex:a a ex:T ; ex:none 1 ; ex:one 1 ; ex:two 1, 2 .
    ex:b a ex:T ; ex:one 1, 2 ; ex:two 1, 2, 3 .
    ex:outside ex:one 1, 2, 3 ; ex:none 1 ."""
    assert found(check(shapes, data)) == {
        ("ex:a", "ex:none", None, "MaxCountConstraintComponent"),
        ("ex:b", "ex:one", None, "MaxCountConstraintComponent"),
        ("ex:b", "ex:two", None, "MaxCountConstraintComponent"),
    }


DATATYPE_VALUES = """
    ex:a a ex:T ; ex:v "text", "text"@en, "5"^^xsd:integer, "-1"^^xsd:integer, "abc"^^xsd:integer, "1.5"^^xsd:decimal,
        "x"^^xsd:decimal, "2.5e0"^^xsd:double, "true"^^xsd:boolean, "maybe"^^xsd:boolean, "2020-01-31"^^xsd:date,
        "2020-02-30"^^xsd:date, "2020-01-01T10:00:00"^^xsd:dateTime, "10:00:00"^^xsd:time, "2020"^^xsd:gYear,
        "P1D"^^xsd:duration, "zz"^^ex:custom, "http://example.org/"^^xsd:anyURI, ex:iri, [ ex:x 1 ] .
"""


@pytest.mark.parametrize(
    "datatype",
    [
        "xsd:string",
        "rdf:langString",
        "rdfs:Literal",
        "xsd:integer",
        "xsd:decimal",
        "xsd:double",
        "xsd:boolean",
        "xsd:date",
        "xsd:dateTime",
        "xsd:time",
        "xsd:duration",
        "xsd:gYear",
        "xsd:anyURI",
        "ex:custom",
    ],
)
def test_datatype_with_the_ill_typed_literal_rule(datatype: str):
    shapes = f"ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:v ; sh:datatype {datatype} ] ."
    results = check(shapes, DATATYPE_VALUES)
    assert ("ex:a", "ex:v", "ex:iri", "DatatypeConstraintComponent") in found(results)


@pytest.mark.parametrize(
    ("datatype", "good", "bad"),
    [
        ("xsd:nonNegativeInteger", ['"0"^^xsd:nonNegativeInteger', '"7"^^xsd:nonNegativeInteger'], ['"-1"', '"x"']),
        ("xsd:positiveInteger", ['"1"^^xsd:positiveInteger'], ['"0"', '"-4"']),
        ("xsd:negativeInteger", ['"-1"^^xsd:negativeInteger'], ['"0"', '"3"']),
        ("xsd:nonPositiveInteger", ['"0"^^xsd:nonPositiveInteger'], ['"1"']),
        ("xsd:byte", ['"127"^^xsd:byte', '"-128"^^xsd:byte'], ['"128"', '"-129"']),
        ("xsd:unsignedByte", ['"255"^^xsd:unsignedByte'], ['"256"', '"-1"']),
        ("xsd:short", ['"32767"^^xsd:short'], ['"32768"']),
        ("xsd:unsignedShort", ['"65535"^^xsd:unsignedShort'], ['"65536"']),
        ("xsd:int", ['"2147483647"^^xsd:int'], ['"2147483648"']),
        ("xsd:unsignedInt", ['"4294967295"^^xsd:unsignedInt'], ['"4294967296"', '"-1"']),
        ("xsd:long", ['"-5"^^xsd:long'], ['"1.5"']),
        ("xsd:unsignedLong", ['"5"^^xsd:unsignedLong'], ['"-5"']),
    ],
)
def test_integer_subtypes_check_their_range(datatype: str, good: list[str], bad: list[str]):
    """The store keeps these as xsd:integer: in range they pass, out of range (ill-typed) they fail."""
    values = [*good, *(f"{b}^^{datatype}" for b in bad), '"text"', "1.5"]
    shapes = f"ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:v ; sh:datatype {datatype} ] ."
    results = check(shapes, f"ex:a a ex:T ; ex:v {', '.join(values)} .")
    assert len(results) == len(bad) + 2


def test_node_kinds():
    kinds = ("IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral")
    shapes = "ex:S sh:targetClass ex:T ;" + ";".join(
        f" sh:property [ sh:path ex:{kind} ; sh:nodeKind sh:{kind} ]" for kind in kinds
    )
    data = "ex:a a ex:T ;" + ";".join(f" ex:{kind} ex:iri, [ ex:x 1 ], 'lit'" for kind in kinds) + " ."
    assert len(check(shapes + " .", data)) == 3 + 2 * 3  # each single kind fails two values, each pair one


def test_class_on_values_and_at_node_level():
    shapes = """
    ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:class ex:C ] ,
                                            [ sh:path ex:q ; sh:class ex:C, ex:D ] .
    ex:N sh:targetClass ex:T ; sh:class ex:Marked ."""
    data = """
    ex:Sub rdfs:subClassOf ex:C . ex:SubSub rdfs:subClassOf ex:Sub .
    ex:a a ex:T, ex:Marked ; ex:p ex:c1, ex:c2, ex:plain, "literal" ; ex:q ex:c1, ex:cd .
    ex:b a ex:T ; ex:p [ a ex:SubSub ] .
    ex:c1 a ex:C . ex:c2 a ex:SubSub . ex:cd a ex:C, ex:D ."""
    assert found(check(shapes, data)) == {
        ("ex:a", "ex:p", "ex:plain", "ClassConstraintComponent"),
        ("ex:a", "ex:p", '"literal"^^<http://www.w3.org/2001/XMLSchema#string>', "ClassConstraintComponent"),
        ("ex:a", "ex:q", "ex:c1", "ClassConstraintComponent"),
        ("ex:b", None, "ex:b", "ClassConstraintComponent"),
    }


def test_class_with_two_superclasses_in_the_data():
    shapes = "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:class ex:C ] ."
    data = """
    ex:A rdfs:subClassOf ex:C . ex:B rdfs:subClassOf ex:C . ex:T2 rdfs:subClassOf ex:T .
    ex:a a ex:T, ex:T2 ; ex:p ex:x, ex:y, ex:z . ex:x a ex:A . ex:y a ex:B, ex:A ."""
    assert found(check(shapes, data)) == {("ex:a", "ex:p", "ex:z", "ClassConstraintComponent")}


def test_in_compares_terms_not_values():
    shapes = """
    ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:in ( ex:x "a" 1 "2020-01-01"^^xsd:date ) ] ,
                                            [ sh:path ex:e ; sh:in () ] ."""
    data = """ex:a a ex:T ; ex:p ex:x, ex:y, "a", "a"@en, 1, 1.0, "1", "2020-01-01"^^xsd:date ; ex:e ex:x ."""
    assert len(check(shapes, data)) == 5


def test_constants_from_the_shapes_graph_are_escaped():
    shapes = r"""
    ex:S sh:targetClass ex:T ;
        sh:property [ sh:path ex:p ; sh:in ( "a\"b" "c\\d" "line\nbreak" "} UNION { ?x ?y ?z" "\u00e9t\u00e9" ) ] ,
                    [ sh:path ex:q ; sh:pattern "^\\d+\"?$" ] ."""
    data = r"""
    ex:a a ex:T ; ex:p "a\"b", "c\\d", "line\nbreak", "} UNION { ?x ?y ?z", "été", "ab", "c\\\\d" ;
        ex:q "12", "12\"", "1a" ."""
    assert found(check(shapes, data)) == {
        ("ex:a", "ex:p", '"ab"^^<http://www.w3.org/2001/XMLSchema#string>', "InConstraintComponent"),
        ("ex:a", "ex:p", '"c\\\\\\\\d"^^<http://www.w3.org/2001/XMLSchema#string>', "InConstraintComponent"),
        ("ex:a", "ex:q", '"1a"^^<http://www.w3.org/2001/XMLSchema#string>', "PatternConstraintComponent"),
    }


def test_pattern_and_flags_on_literals_iris_and_blank_nodes():
    shapes = """
    ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:pattern "^ab" ] ,
        [ sh:path ex:i ; sh:pattern "^AB$" ; sh:flags "i" ] , [ sh:path ex:m ; sh:pattern "^b$" ; sh:flags "m" ] ."""
    data = """
    ex:a a ex:T ; ex:p "abc", "xab", <http://example.org/ab>, [ ex:x 1 ], 12 ;
        ex:i "ab", "Ab", "abc" ; ex:m "a\\nb", "a b" ."""
    assert len(check(shapes, data)) == 4 + 1 + 1


def test_min_and_max_length():
    shapes = """
    ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minLength 3 ; sh:maxLength 5 ] ,
                                            [ sh:path ex:z ; sh:minLength 0 ] ."""
    data = (
        """ex:a a ex:T ; ex:p "ab", "abc", "abcdef", "été", 12345, 123456, ex:abc, [ ex:x 1 ] ; ex:z "", [ ex:x 2 ] ."""
    )
    # too short: "ab", "été"?? no: été is 3; too long: "abcdef", 123456, the IRI; a blank node fails both
    assert len(check(shapes, data)) == 1 + 3 + 2


@pytest.mark.parametrize(
    ("bounds", "values"),
    [
        ("sh:minInclusive 3 ; sh:maxExclusive 10", "2, 3, 9.5, 10, 11e0, '5', ex:iri, [ ex:x 1 ], 'abc'^^xsd:integer"),
        ("sh:minExclusive 0.5 ; sh:maxInclusive 1", "0.5, 0.6, 1, 1.0, 2, '1'"),
        (
            "sh:minInclusive '2020-01-01'^^xsd:date ; sh:maxInclusive '2020-12-31'^^xsd:date",
            "'2019-12-31'^^xsd:date, '2020-06-01'^^xsd:date, '2021-01-01'^^xsd:date, '2020-06-01'",
        ),
        ("sh:minInclusive 'b' ; sh:maxExclusive 'd'", "'a', 'b', 'c', 'cz', 'd', 3, ex:c"),
    ],
)
def test_value_ranges(bounds: str, values: str):
    shapes = f"ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:v ; {bounds} ] ."
    assert check(shapes, f"ex:a a ex:T ; ex:v {values} .")


def test_less_than_numbers_strings_iris_and_mixtures():
    shapes = "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:start ; sh:lessThan ex:end ] ."
    data = """
    ex:a a ex:T ; ex:start 1, 5, 9 ; ex:end 5 .
    ex:b a ex:T ; ex:start "apple", "pear" ; ex:end "banana" .
    ex:c a ex:T ; ex:start <http://example.org/a>, <http://example.org/z> ; ex:end <http://example.org/m> .
    ex:d a ex:T ; ex:start "1", 1 ; ex:end 2, "3" .
    ex:e a ex:T ; ex:start "2020-01-01"^^xsd:date ; ex:end "2020-01-02"^^xsd:date, "2019-01-01"^^xsd:date .
    ex:f a ex:T ; ex:start 1 .
    ex:g a ex:T ; ex:start "a"@en ; ex:end "b"@fr, "a" ."""
    results = found(check(shapes, data))
    assert ("ex:a", "ex:start", f"5^^{XSD.integer}", "LessThanConstraintComponent") in results
    assert ("ex:c", "ex:start", "ex:z", "LessThanConstraintComponent") in results
    assert not any(r[0] == "ex:f" for r in results)


def test_node_reports_the_value_with_the_nested_results_as_details():
    shapes = """
    ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:part ; sh:node ex:Part ; sh:message "parts must be whole" ] .
    ex:N sh:targetClass ex:T ; sh:node ex:Named .
    ex:Part a sh:NodeShape ; sh:property [ sh:path ex:size ; sh:minCount 1 ; sh:datatype xsd:integer ] ;
        sh:property [ sh:path ex:sub ; sh:node ex:Named ] .
    ex:Named a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    ex:Off a sh:NodeShape ; sh:deactivated true ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    ex:O sh:targetClass ex:T ; sh:property [ sh:path ex:part ; sh:node ex:Off ] ."""
    data = """
    ex:a a ex:T ; ex:name "a" ; ex:part ex:p1, ex:p2, ex:p3, "literal" .
    ex:b a ex:T ; ex:part ex:p1 .
    ex:c a ex:T ; ex:name "c" ; ex:part [ ex:size "blank" ] .
    ex:p1 ex:size 1 . ex:p2 ex:size "big" . ex:p3 ex:size 3 ; ex:sub ex:p1 ."""
    results = check(shapes, data)
    assert found(results) == {
        ("ex:c", "ex:part", "_:b", "NodeConstraintComponent"),  # a failing blank node cannot be named in a query
        ("ex:a", "ex:part", "ex:p2", "NodeConstraintComponent"),
        ("ex:a", "ex:part", "ex:p3", "NodeConstraintComponent"),
        ("ex:a", "ex:part", '"literal"^^<http://www.w3.org/2001/XMLSchema#string>', "NodeConstraintComponent"),
        ("ex:b", None, "ex:b", "NodeConstraintComponent"),
    }
    p3 = next(r for r in results if r[2] == "<http://example.org/p3>")
    assert p3[4] == "parts must be whole"
    assert set(_nested_components(set(p3[5]))) == {"NodeConstraintComponent", "MinCountConstraintComponent"}


QUALIFIED = """
    ex:S sh:targetClass ex:T ;
        sh:property [ sh:path ex:sel ; sh:qualifiedValueShape [ sh:class ex:Quote ] ;
                      sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] ,
                    [ sh:path ex:sel ; sh:qualifiedValueShape [ sh:class ex:Pos ; sh:nodeKind sh:IRI ] ;
                      sh:qualifiedMinCount 2 ] ,
                    [ sh:path ex:sel ; sh:qualifiedValueShape [ sh:property [ sh:path ex:exact ; sh:minCount 1 ] ] ;
                      sh:qualifiedMaxCount 2 ] ,
                    [ sh:path ex:sel ; sh:qualifiedValueShape [ sh:datatype xsd:integer ] ; sh:qualifiedMaxCount 0 ] .
"""


def test_qualified_value_shapes_simple_and_nested():
    data = """
    ex:a a ex:T ; ex:sel ex:q1, ex:p1, ex:p2 .
    ex:b a ex:T ; ex:sel ex:q1, ex:q2, ex:p1, 5 .
    ex:c a ex:T .
    ex:q1 a ex:Quote ; ex:exact "x" . ex:q2 a ex:Quote ; ex:exact "y" .
    ex:p1 a ex:Pos ; ex:exact "z" . ex:p2 a ex:Pos ."""
    assert found(check(QUALIFIED, data)) == {
        ("ex:b", "ex:sel", None, "QualifiedMaxCountConstraintComponent"),
        ("ex:b", "ex:sel", None, "QualifiedMinCountConstraintComponent"),
        ("ex:c", "ex:sel", None, "QualifiedMinCountConstraintComponent"),
    }


SPARQL_SHAPES = """
    ex:S sh:targetClass ex:T ;
        sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex:prefixes ;
            sh:message "{$this} points to {?value}, which does not point back" ;
            sh:select '''SELECT $this ?value WHERE { $this ex:link ?value .
                                                  FILTER NOT EXISTS { ?value ex:link $this } }''' ] ,
        [ a sh:SPARQLConstraint ; sh:prefixes ex:prefixes ; sh:message "no name" ;
            sh:select "SELECT $this WHERE { $this rdf:type ex:T . FILTER NOT EXISTS { $this ex:name ?n } }" ] ,
        [ a sh:SPARQLConstraint ; sh:deactivated true ; sh:select "SELECT $this WHERE { $this ?p ?o }" ] ;
        sh:property [ sh:path ex:link ; sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex:prefixes ;
            sh:select "SELECT $this ?value WHERE { $this $PATH ?value . FILTER(isLiteral(?value)) }" ] ] .
    ex:prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
"""


def test_sparql_constraints_with_messages_prefixes_and_path():
    data = """
    ex:a a ex:T ; ex:name "a" ; ex:link ex:b, ex:c, "text" .
    ex:b a ex:T ; ex:link ex:a .
    ex:c ex:link ex:d .
    ex:d ex:link ex:e ."""
    results = check(SPARQL_SHAPES, data)
    assert found(results) == {
        ("ex:a", None, "ex:c", "SPARQLConstraintComponent"),
        ("ex:a", None, '"text"^^<http://www.w3.org/2001/XMLSchema#string>', "SPARQLConstraintComponent"),
        ("ex:b", None, "ex:b", "SPARQLConstraintComponent"),
        ("ex:a", "ex:link", '"text"^^<http://www.w3.org/2001/XMLSchema#string>', "SPARQLConstraintComponent"),
    }
    engine = validate(_store(PREFIXES + data), Graph().parse(data=PREFIXES + SPARQL_SHAPES, format="turtle"))
    messages = {v.message for v in engine}
    assert "http://example.org/a points to http://example.org/c, which does not point back" in messages
    assert "no name" in messages


def test_messages_severities_and_deactivation():
    shapes = """
    ex:S sh:targetClass ex:T ; sh:message "node message" ; sh:severity sh:Warning ; sh:class ex:Never ;
        sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:severity sh:Info ; sh:message "need p"@en, "p nötig"@de ] ,
                    [ sh:path ex:q ; sh:minCount 1 ; sh:deactivated true ] .
    ex:Off sh:targetClass ex:T ; sh:deactivated true ; sh:property [ sh:path ex:r ; sh:minCount 1 ] ."""
    data = "ex:a a ex:T ."
    assert found(check(shapes, data)) == {
        ("ex:a", None, "ex:a", "ClassConstraintComponent"),
        ("ex:a", "ex:p", None, "MinCountConstraintComponent"),
    }
    engine = validate(_store(PREFIXES + data), Graph().parse(data=PREFIXES + shapes, format="turtle"))
    assert {(v.message, v.severity.value) for v in engine} == {
        ("node message", str(SH.Warning)),
        ("need p\np nötig", str(SH.Info)),
    }


def test_implicit_class_targets_property_shape_targets_and_nested_property_shapes():
    shapes = """
    ex:Person a rdfs:Class, sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    ex:AgeShape a sh:PropertyShape ; sh:targetClass ex:Person ; sh:path ex:age ; sh:maxCount 1 ;
        sh:property [ sh:path ex:unit ; sh:minCount 1 ] ."""
    data = """
    ex:ann a ex:Person ; ex:name "Ann" ; ex:age ex:a1, ex:a2 . ex:a1 ex:unit "years" .
    ex:bob a ex:Person ."""
    assert found(check(shapes, data)) == {
        ("ex:bob", "ex:name", None, "MinCountConstraintComponent"),
        ("ex:ann", "ex:age", None, "MaxCountConstraintComponent"),
        ("ex:a2", "ex:unit", None, "MinCountConstraintComponent"),
    }


# --- What the engine refuses, and how it runs ------------------------------------------------------------------

UNSUPPORTED = {
    "sh:targetNode": "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
    "sh:targetSubjectsOf": "ex:S sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
    "sh:targetObjectsOf": "ex:S sh:targetObjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
    "sh:target": "ex:S sh:target [ a sh:SPARQLTarget ; sh:select 'SELECT ?this WHERE { ?this ?p ?o }' ] .",
    "complex path": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ] .",
    "sh:inversePath": "ex:S sh:targetClass ex:T ; sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .",
    "sh:or": "ex:S sh:targetClass ex:T ; sh:or ( [ sh:class ex:A ] [ sh:class ex:B ] ) .",
    "sh:and": "ex:S sh:targetClass ex:T ; sh:and ( [ sh:class ex:A ] ) .",
    "sh:xone": "ex:S sh:targetClass ex:T ; sh:xone ( [ sh:class ex:A ] ) .",
    "sh:not": "ex:S sh:targetClass ex:T ; sh:not [ sh:class ex:A ] .",
    "sh:closed": "ex:S sh:targetClass ex:T ; sh:closed true .",
    "sh:hasValue": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:hasValue 1 ] .",
    "sh:languageIn": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:languageIn ( 'en' ) ] .",
    "sh:uniqueLang": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:uniqueLang true ] .",
    "sh:equals": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:equals ex:q ] .",
    "sh:disjoint": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:disjoint ex:q ] .",
    "sh:lessThanOrEquals": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:lessThanOrEquals ex:q ] .",
    "sh:qualifiedValueShapesDisjoint": (
        "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:A ] ; "
        "sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true ] ."
    ),
    "sh:rule": "ex:S sh:targetClass ex:T ; sh:rule [ a sh:TripleRule ; sh:subject sh:this ] .",
    "sh:ConstraintComponent": "ex:C a sh:ConstraintComponent . ex:S sh:targetClass ex:T .",
    "only i and m": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:pattern 'a' ; sh:flags 's' ] .",
    "regular expression": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:pattern 'a(?=b)' ] .",
    "xsd:base64Binary": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:datatype xsd:base64Binary ] .",
    "blank node": "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:in ( [ ex:x 1 ] ) ] .",
    "only supported on a property shape": "ex:S sh:targetClass ex:T ; sh:minCount 1 .",
    "recursive": "ex:S sh:targetClass ex:T ; sh:node ex:R . ex:R sh:property [ sh:path ex:p ; sh:node ex:S ] .",
    "sh:ask": "ex:S sh:targetClass ex:T ; sh:sparql [ sh:ask 'ASK { $this ?p ?o }' ] .",
    "MINUS": (
        "ex:S sh:targetClass ex:T ; sh:sparql [ sh:select "
        "'SELECT $this WHERE { $this ?p ?o MINUS { $this a ex:T } }' ] ."
    ),
    "VALUES": "ex:S sh:targetClass ex:T ; sh:sparql [ sh:select 'SELECT $this { VALUES ?x { 1 } $this ?p ?x }' ] .",
    "sub-SELECT": (
        "ex:S sh:targetClass ex:T ; sh:sparql [ sh:select "
        "'SELECT $this WHERE { { SELECT $this WHERE { $this ?p ?o } } }' ] ."
    ),
    "$shapesGraph": "ex:S sh:targetClass ex:T ; sh:sparql [ sh:select 'SELECT $this { $this ?p $shapesGraph }' ] .",
}


@pytest.mark.parametrize("feature", sorted(UNSUPPORTED))
def test_an_unsupported_feature_is_an_error_naming_shape_and_feature(feature: str):
    shapes = Graph().parse(data=PREFIXES + UNSUPPORTED[feature], format="turtle")
    with pytest.raises(ValueError) as raised:
        validate(_store(PREFIXES + "ex:a a ex:T ; ex:p 1 ."), shapes)
    message = str(raised.value)
    assert feature in message and ("ex:S" in message or "ex:C" in message or "ex:R" in message), message


def test_a_sparql_syntax_error_names_the_shape():
    shapes = "ex:S sh:targetClass ex:T ; sh:sparql [ sh:select 'SELECT $this WHERE { $this ex:p ?o }' ] ."
    with pytest.raises(ValueError, match="shape ex:S: sh:select is not valid SPARQL"):
        validate(_store(PREFIXES + "ex:a a ex:T ."), Graph().parse(data=PREFIXES + shapes, format="turtle"))


def test_a_sparql_constraint_must_select_this():
    shapes = "ex:S sh:targetClass ex:T ; sh:sparql [ sh:select 'SELECT ?value WHERE { ?value ?p ?o }' ] ."
    with pytest.raises(ValueError, match="must select"):
        validate(_store(PREFIXES + "ex:a a ex:T ."), Graph().parse(data=PREFIXES + shapes, format="turtle"))


def test_the_number_of_queries_does_not_grow_with_the_focus_nodes(monkeypatch: pytest.MonkeyPatch):
    """One query per constraint (plus fixed helpers), whatever the number of focus nodes, broken or not."""
    from graph import shacl

    queries: list[str] = []
    select = shacl._Run.select

    def counting(self: shacl._Run, query: str, prefixes: dict[str, str] = shacl.QUERY_PREFIXES) -> ox.QuerySolutions:
        queries.append(query)
        return select(self, query, prefixes)

    monkeypatch.setattr(shacl._Run, "select", counting)
    nested = "ex:N sh:targetClass ex:T ; sh:property [ sh:path ex:sel ; sh:node ex:Exact ] . ex:Exact a sh:NodeShape ;"
    nested += " sh:property [ sh:path ex:exact ; sh:minCount 1 ] ."
    shapes = Graph().parse(data=PREFIXES + QUALIFIED + SPARQL_SHAPES + nested, format="turtle")
    counts = []
    for n in (3, 40):
        data = "".join(
            f"ex:a{i} a ex:T ; ex:link ex:a{i + 1}, 'x' ; ex:sel ex:q, ex:q{i}, 5 . ex:q{i} a ex:Quote ."
            for i in range(n)
        )
        queries.clear()
        assert len(validate(_store(PREFIXES + data + " ex:q a ex:Quote ; ex:exact 'q' ."), shapes)) > 3 * n
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Where a pyoxigraph Store and rdflib cannot agree, pinned so that a change in either is noticed -------------

DIVERGENCES = {
    # The store keeps every integer subtype as xsd:integer: the declared subtype is gone.
    "xsd:integer where xsd:nonNegativeInteger is required": (
        "sh:datatype xsd:nonNegativeInteger",
        '"5"^^xsd:integer',
        {"DatatypeConstraintComponent"},
        set(),
    ),
    "xsd:int where xsd:integer is required": (
        "sh:datatype xsd:integer",
        '"5"^^xsd:int',
        {"DatatypeConstraintComponent"},
        set(),
    ),
    "xsd:int in an sh:in list of xsd:integer": ("sh:in ( 5 )", '"5"^^xsd:int', {"InConstraintComponent"}, set()),
    # rdflib parses with Python, more leniently than XSD (and Oxigraph): these are ill-typed only here.
    "an integer with an underscore": (
        "sh:datatype xsd:integer",
        '"1_000"^^xsd:integer',
        set(),
        {"DatatypeConstraintComponent"},
    ),
    "a decimal with an exponent": (
        "sh:datatype xsd:decimal",
        '"1e5"^^xsd:decimal',
        set(),
        {"DatatypeConstraintComponent"},
    ),
    "a dateTime without seconds": (
        "sh:datatype xsd:dateTime",
        '"2020-01-01T10:00"^^xsd:dateTime',
        set(),
        {"DatatypeConstraintComponent"},
    ),
    # Oxigraph writes numbers in canonical form: "5.0" is "5", so its length is 1.
    "the length of a decimal": ("sh:minLength 3", "5.0", set(), {"MinLengthConstraintComponent"}),
    # Oxigraph does not strip the spaces around a number; rdflib does (XSD allows them).
    "an integer with spaces around it": (
        "sh:datatype xsd:integer",
        '" 7 "^^xsd:integer',
        set(),
        {"DatatypeConstraintComponent"},
    ),
    # pySHACL orders incomparable literals by rdflib's ORDER BY rules (datatype IRI, then lexical form);
    # SHACL says a comparison that SPARQL cannot make is a violation.
    "an ill-typed literal on the other side of sh:lessThan": (
        "sh:lessThan ex:end",
        '1 ; ex:end "twelve"^^xsd:integer',
        set(),
        {"LessThanConstraintComponent"},
    ),
    "an integer against a date bound": (
        "sh:minInclusive '2020-01-01'^^xsd:date",
        "5",
        set(),
        {"MinInclusiveConstraintComponent"},
    ),
    "a language-tagged string against a string bound": (
        "sh:minInclusive 'b'",
        '"abc"@en',
        set(),
        {"MinInclusiveConstraintComponent"},
    ),
    # A simple literal and an xsd:string literal are one term in Oxigraph, two in rdflib.
    "xsd:string against a simple literal in sh:in": (
        "sh:in ( 'a' )",
        '"a"^^xsd:string',
        {"InConstraintComponent"},
        set(),
    ),
}


@pytest.mark.parametrize("case", sorted(DIVERGENCES))
def test_known_divergences(case: str):
    constraint, values, only_pyshacl, only_engine = DIVERGENCES[case]
    shapes = Graph().parse(
        data=PREFIXES + f"ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:v ; {constraint} ] .", format="turtle"
    )
    text = PREFIXES + f"ex:a a ex:T ; ex:v {values} ."
    theirs = pyshacl_results(Graph().parse(data=text, format="turtle"), shapes)
    ours = engine_results(_store(text), shapes)
    assert components(theirs - ours) == only_pyshacl
    assert components(ours - theirs) == only_engine
