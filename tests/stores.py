"""Helpers shared by the store tests: a normalised view of answers, so stores can be compared row for row."""

from __future__ import annotations

from graph.sparql.named import NamedQuery, named_queries, parse_params
from graph.stores import QueryResult, Store

PARAMS = {"entity": "entity=Knee Pain", "claim": "claim=C36"}


def canonical(result: QueryResult) -> object:
    """Rows as sorted tuples of N-Triples terms (order-free); ASK as its boolean; graphs as sorted lines."""
    if result.type == "ASK":
        return result.boolean
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return sorted(str(t) for t in result.triples)
    return (result.variables, sorted(tuple("" if t is None else str(t) for t in row) for row in result.rows))


def run_named(store: Store, query: NamedQuery) -> QueryResult:
    return store.query(query.text, parse_params(query, [PARAMS[p] for p in query.params]))


def all_named() -> list[NamedQuery]:
    return named_queries()
