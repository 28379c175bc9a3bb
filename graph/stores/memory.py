"""rdflib's in-memory graph: the reference engine (and the naive baseline the benchmarks compare against)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .base import QueryResult, Term, bounded, in_query_order, normal_term

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class MemoryStore:
    local = True

    def __init__(self, graph: Graph):
        self.graph = graph

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> MemoryStore:
        graph = Graph()
        for t in triples:
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return cls(graph)

    def query(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, limit: int | None = None
    ) -> QueryResult:
        init = {name: to_rdflib(term) for name, term in (bindings or {}).items()}
        try:
            result = self.graph.query(sparql, initBindings=init)
        except RecursionError:
            message = "rdflib's SPARQL parser cannot read a query this deeply nested; use --store oxigraph"
            raise ValueError(message) from None
        if result.type == "ASK":
            return QueryResult("ASK", boolean=bool(result.askAnswer))
        if result.type == "SELECT":
            variables = [str(v) for v in result.vars]
            rows = bounded((tuple(normal_term(from_rdflib(t)) for t in row) for row in result), limit, "rows")
            return in_query_order(sparql, QueryResult("SELECT", variables, rows))
        triples = bounded(
            (ox.Triple(from_rdflib(s), from_rdflib(p), normal_term(from_rdflib(o))) for s, p, o in result.graph),
            limit,
            "triples",
        )
        return QueryResult(result.type, triples=triples)


def to_rdflib(term: Term) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:  # a simple literal, as rdflib writes one
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)  # the term as it is


def from_rdflib(term: Node | None) -> Term | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))
