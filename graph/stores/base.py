"""One small interface over the places a graph can live, so rules and queries run unchanged on each.

Every store answers ``query(sparql, bindings, limit)`` with a ``QueryResult`` of pyoxigraph terms, whatever
engine ran it. Parameters are bound natively by each engine (Oxigraph substitutions, rdflib initBindings; a
trailing VALUES clause for a remote endpoint): the query text is never edited.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

from ..sparql_text import selects_all, variables_in_order
from ..vocab import canonical_literal

Term = ox.NamedNode | ox.BlankNode | ox.Literal
XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")
XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")


class TooLarge(Exception):
    """An answer has more rows (or triples) than the caller's limit; raised before the rest is read."""

    def __init__(self, limit: int, unit: str):
        self.limit = limit
        self.unit = unit
        super().__init__(f"the answer has more than {limit} {unit}")


@dataclass
class QueryResult:
    """A SELECT, ASK, CONSTRUCT or DESCRIBE answer, independent of the store that produced it."""

    type: str  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)

    def dicts(self) -> list[dict[str, Term]]:
        """SELECT rows as {variable: term}, unbound variables left out."""
        names = self.variables
        return [{v: t for v, t in zip(names, row, strict=True) if t is not None} for row in self.rows]

    def size(self) -> int:
        return len(self.rows) if self.type == "SELECT" else len(self.triples)


class Store(Protocol):
    def query(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, limit: int | None = None
    ) -> QueryResult: ...

    def select_rows(self, sparql: str) -> tuple[list[str], Iterator[tuple[Term | None, ...]]]:
        """A SELECT's variables and its rows, one at a time where the engine yields them so (Oxigraph), for a
        caller that keeps less than the whole answer."""
        ...


def answered_rows(store: Store, sparql: str) -> tuple[list[str], Iterator[tuple[Term | None, ...]]]:
    """``select_rows`` for a store whose answers arrive whole (rdflib, an endpoint): the rows of ``query``."""
    result = store.query(sparql)
    return result.variables, iter(result.rows)


def bounded(items: Iterator, limit: int | None, unit: str) -> list:
    """The items of a lazily read answer, stopping with TooLarge as soon as there are more than ``limit``."""
    if limit is None:
        return list(items)
    taken = []
    for item in items:
        if len(taken) >= limit:
            raise TooLarge(limit, unit)
        taken.append(item)
    return taken


# Types whose values engines spell differently: Virtuoso answers "1" for true, 1000.0 for a double Oxigraph writes
# 1000, and pads fractional seconds (10:00:00.500 for 10:00:00.5).
_RESPELLED = frozenset(
    ox.NamedNode(f"http://www.w3.org/2001/XMLSchema#{name}") for name in ("boolean", "double", "float", "dateTime")
)


def normal_term(term: Term | None) -> Term | None:
    """One spelling for terms that engines write differently: xsd:string literals become simple literals
    (RDF 1.1 makes them the same) and booleans, doubles, floats and date-times take the canonical form the
    build writes (vocab.canonical_literal)."""
    if isinstance(term, ox.Literal):
        if term.datatype == XSD_STRING and term.language is None:
            return ox.Literal(term.value)
        if term.datatype in _RESPELLED:
            return canonical_literal(term)
    return term


def in_query_order(sparql: str, result: QueryResult) -> QueryResult:
    """A ``SELECT *`` answer with its variables in the order they first appear in the query text.

    SPARQL 1.1 leaves the order of ``SELECT *`` columns unspecified: Oxigraph sorts them, rdflib follows its
    hash seed. Reading them from the text gives every store the same, stable columns. An explicit projection
    keeps the order it was written in.
    """
    if result.type != "SELECT" or not selects_all(sparql):
        return result
    first = {name: i for i, name in enumerate(variables_in_order(sparql))}
    order = sorted(range(len(result.variables)), key=lambda i: (first.get(result.variables[i], len(first)), i))
    variables = [result.variables[i] for i in order]
    rows = [tuple(row[i] for i in order) for row in result.rows]
    return QueryResult("SELECT", variables, rows)
