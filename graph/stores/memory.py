"""rdflib's in-memory graph: the reference engine (and the naive baseline the benchmarks compare against)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.evalutils import _fillTemplate
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import QueryContext
from rdflib.term import Node

from ..sparql_text import query_form
from .base import QueryResult, Term, TooLarge, answered_rows, bounded, in_query_order, normal_term

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

    select_rows = answered_rows

    def query(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, limit: int | None = None
    ) -> QueryResult:
        init = {name: to_rdflib(term) for name, term in (bindings or {}).items()}
        try:
            if limit is not None and query_form(sparql) == "CONSTRUCT":
                return QueryResult("CONSTRUCT", triples=self._construct(sparql, init, limit))
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

    def _construct(self, sparql: str, init: dict[str, Node], limit: int) -> list[ox.Triple]:
        """A CONSTRUCT answer built solution by solution, stopping with TooLarge past ``limit`` distinct triples.

        rdflib's own evaluation (evalConstructQuery) first fills a whole answer Graph, so a limit could only be
        checked after a million-triple answer had taken a gigabyte; this is the same evaluation, counted as it goes.
        """
        query = translateQuery(parseQuery(sparql), None, dict(self.graph.namespaces()))
        main = query.algebra
        bindings = {Variable(name): term for name, term in init.items()}
        ctx = QueryContext(self.graph, initBindings=bindings, datasetClause=main.datasetClause)
        ctx.prologue = query.prologue
        template = main.template or main.p.p.triples  # CONSTRUCT WHERE: the pattern is the template
        seen: set = set()
        for solution in evalPart(ctx, main.p):
            for triple in _fillTemplate(template, solution):
                if triple not in seen:
                    if len(seen) >= limit:
                        raise TooLarge(limit, "triples")
                    seen.add(triple)
        return [ox.Triple(from_rdflib(s), from_rdflib(p), normal_term(from_rdflib(o))) for s, p, o in seen]


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
