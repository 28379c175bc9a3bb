"""Helpers shared by the store tests: a normalised view of answers, so stores can be compared row for row."""

from __future__ import annotations

from graph.named import NamedQuery, named_queries, parse_params
from graph.store import QueryResult, Store

PARAMS = {"entity": "entity=Knee Pain", "claim": "claim=C36"}


def canonical(result: QueryResult) -> object:
    """Rows as sorted tuples of N3 strings (order-free); ASK as its boolean; graphs as sorted N-Triples lines."""
    if result.type == "ASK":
        return result.boolean
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        return sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in result.graph)
    return (result.variables, sorted(tuple("" if t is None else t.n3() for t in row) for row in result.rows))


def run_named(store: Store, query: NamedQuery) -> QueryResult:
    return store.query(query.text, parse_params(query, [PARAMS[p] for p in query.params]))


def all_named() -> list[NamedQuery]:
    return named_queries()
