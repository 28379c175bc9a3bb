"""Structural validation of any claims graph against the SHACL shapes (graph/shapes.ttl).

The shapes run on graph/shacl.py, which compiles each constraint into one set-based SPARQL query on a pyoxigraph
store: seconds for a 100,000-claim graph, where pySHACL (walking focus nodes one by one in Python) takes minutes.
tests/test_shacl.py checks that both give the same results on the shipped build and on broken copies of it;
pySHACL is kept only there, as the reference.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pyoxigraph as ox

from .stores import Store

CG_CLAIM = ox.NamedNode("https://w3id.org/claimgraph/ns#Claim")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
IDENTIFIER = ox.NamedNode("http://purl.org/dc/terms/identifier")


def shapes_text() -> str:
    return resources.files("graph").joinpath("shapes.ttl").read_text(encoding="utf-8")


@cache
def _shapes():
    from rdflib import Graph

    return Graph().parse(data=shapes_text(), format="turtle")


def check_shapes(store: Store) -> list[str]:
    """Every SHACL violation as one readable line, sorted: 'claim C07: cg:certainty: message (value …)'."""
    from .shacl import validate

    data = _oxigraph(store)
    lines = set()
    if next(iter(data.quads_for_pattern(None, RDF_TYPE, CG_CLAIM, ox.DefaultGraph())), None) is None:
        lines.add("the graph holds no cg:Claim: it is not a claims graph")  # SHACL checks what is there
    pending = list(validate(data, _shapes()))
    while pending:  # a sh:node result, then the nested shape's results on its value (pySHACL's sh:detail)
        violation = pending.pop()
        pending.extend(violation.details)
        step = f"{_short(violation.path)}: " if violation.path is not None else ""
        shown = f" (value {_short(violation.value)})" if violation.value is not None else ""
        lines.add(f"{_describe(data, violation.focus)}: {step}{violation.message}{shown}")
    return sorted(lines)


def _oxigraph(store: Store) -> ox.Store:
    """The pyoxigraph store behind ``store``, or a copy of its graph in one (rdflib memory store, endpoint)."""
    inner = getattr(store, "store", None)
    if isinstance(inner, ox.Store):
        return inner
    copy = ox.Store()
    copy.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in store.query(_ALL).triples)
    return copy


_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def _describe(data: ox.Store, node: object) -> str:
    """'claim C07' for a node with an identifier, else its type's local name and the node."""
    identifier = _first(data, node, IDENTIFIER)
    kind = _first(data, node, RDF_TYPE)
    kind_name = kind.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower() if kind is not None else "node"
    return f"{kind_name} {identifier.value}" if identifier is not None else f"{kind_name} {node}"


def _first(data: ox.Store, node: object, predicate: ox.NamedNode):
    if isinstance(node, ox.Literal):
        return None
    found = data.quads_for_pattern(node, predicate, None, ox.DefaultGraph())
    objects = sorted((q.object for q in found), key=lambda o: (not o.value.startswith(_CG), str(o)))
    return objects[0] if objects else None  # the claimgraph type first (cg:Evidence, not its ECO class)


def _short(term: object) -> str:
    """A term as Turtle would write it with the project's prefixes (cg:certainty, "x"^^xsd:integer)."""
    from .vocab import PREFIXES

    if isinstance(term, ox.NamedNode):
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
            local = term.value[len(namespace) :]
            if term.value.startswith(namespace) and local and all(c.isalnum() or c in "_-" for c in local):
                return f"{prefix}:{local}"
        return str(term)
    if isinstance(term, ox.Literal) and term.language is None and term.datatype is not None:
        return f"{ox.Literal(term.value)}^^{_short(term.datatype)}" if term.datatype.value != _STRING else str(term)
    return str(term)


_STRING = "http://www.w3.org/2001/XMLSchema#string"
_CG = "https://w3id.org/claimgraph/ns#"
