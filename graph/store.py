"""One small interface over the places a graph can live, so rules and queries run unchanged on each.

Every store answers ``query(sparql, bindings)`` with a ``QueryResult`` of rdflib terms, whatever engine
ran it. Parameters are bound as RDF terms in a VALUES block, never pasted into the query as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rdflib import XSD, Graph, Literal
from rdflib.term import Node

from .files import read_graph


@dataclass
class QueryResult:
    """A SELECT, ASK, CONSTRUCT or DESCRIBE result, independent of the store that produced it."""

    type: str  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def dicts(self) -> list[dict[str, Node]]:
        """SELECT rows as {variable: term}, unbound variables left out."""
        return [{v: t for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows]


class Store(Protocol):
    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult: ...


DEFAULT_GRAPH_FILE = Path("out/claims.ttl")


def open_store(
    graph: Path | None = None,
    store: str | None = None,
    endpoint: str | None = None,
    default_graph: str | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float | None = None,
) -> Store:
    """The store the command-line options name: ``--endpoint URL``, ``--store oxigraph:DIR``, or a graph file.

    With ``oxigraph:DIR`` the graph file (``--graph``, or ``out/claims.ttl`` when it exists) is loaded into the
    on-disk store whenever its content changed; without a file the store is queried as it stands. A graph file
    alone is queried in an in-memory Oxigraph (``store=None`` or ``"oxigraph"``), or in rdflib's memory store
    with ``store="memory"``: the same answers, Oxigraph being one to two orders of magnitude faster on joins.
    """
    if endpoint:
        if store:
            raise ValueError("give either --endpoint or --store, not both")
        from .remote import EndpointStore

        return EndpointStore(endpoint, default_graph=default_graph, auth=auth, timeout=timeout)
    if check_store(store):
        where = store.partition(":")[2]
        from .oxstore import OxigraphStore

        source = graph if graph is not None else (DEFAULT_GRAPH_FILE if DEFAULT_GRAPH_FILE.exists() else None)
        return OxigraphStore.open(Path(where), source)
    path = graph_file(graph)
    if store == "memory":
        return MemoryStore(read_graph(path))
    from .oxstore import OxigraphStore

    return OxigraphStore.from_graph(read_graph(path))


def check_store(store: str | None) -> bool:
    """Whether ``store`` names an on-disk store (``oxigraph:DIR``); ValueError if it names no store at all."""
    if not store or store in ("memory", "oxigraph"):
        return False
    kind, _, where = store.partition(":")
    if kind != "oxigraph" or not where:
        raise ValueError(f"unknown store {store!r}; use memory, oxigraph or oxigraph:DIR")
    return True


def graph_file(graph: Path | None) -> Path:
    """The graph file to query: ``graph``, or the build's ``out/claims.ttl``; FileNotFoundError if it is missing."""
    path = graph if graph is not None else DEFAULT_GRAPH_FILE
    if not path.is_file():
        hint = " (run `claimgraph build` first)" if graph is None else ""
        raise FileNotFoundError(f"{path}: no such graph file{hint}")
    return path


def normal_term(term: Node | None) -> Node | None:
    """One spelling for terms that engines write differently: xsd:string literals become simple literals
    (RDF 1.1 makes them the same) and booleans take their canonical form (Virtuoso answers "1")."""
    if isinstance(term, Literal):
        if term.datatype == XSD.string:
            return Literal(str(term))
        if term.datatype == XSD.boolean and str(term) not in ("true", "false"):
            return Literal("true" if str(term) in ("1", "True") else "false", datatype=XSD.boolean)
    return term


def in_query_order(sparql: str, result: QueryResult) -> QueryResult:
    """A ``SELECT *`` answer with its variables in the order they first appear in the query text.

    SPARQL 1.1 leaves the order of ``SELECT *`` columns unspecified: Oxigraph, rdflib (by hash seed) and remote
    endpoints each pick their own. Reading them from the text gives every store the same, stable columns.
    An explicit projection keeps the order it was written in.
    """
    if result.type != "SELECT" or not _selects_all(sparql):
        return result
    first: dict[str, int] = {}
    for match in re.finditer(r"[?$]([\w\u00b7]+)", _code(sparql)):
        first.setdefault(match.group(1), len(first))
    order = sorted(range(len(result.variables)), key=lambda i: (first.get(result.variables[i], len(first)), i))
    variables = [result.variables[i] for i in order]
    rows = [tuple(row[i] for i in order) for row in result.rows]
    return QueryResult("SELECT", variables, rows)


def _selects_all(sparql: str) -> bool:
    """Whether the query's own (first, outermost) SELECT is ``SELECT *``."""
    code = _code(sparql)
    select = re.search(r"(?i)\bselect\b", code)
    return bool(select and re.match(r"(?i)\s*(?:(?:distinct|reduced)\s+)?\*", code[select.end() :]))


def _code(sparql: str) -> str:
    """The query text with comments, strings and IRIs blanked out, so only its syntax is left to search."""
    out, i, n = list(sparql), 0, len(sparql)

    def blank(start: int, end: int) -> None:
        out[start:end] = " " * (end - start)

    while i < n:
        ch = sparql[i]
        if ch == "#":
            end = sparql.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif ch in "\"'":
            quote = sparql[i : i + 3] if sparql[i : i + 3] in ('"""', "'''") else ch
            j = i + len(quote)
            while j < n and not sparql.startswith(quote, j):
                j += 2 if sparql[j] == "\\" else 1
            end = min(n, j + len(quote))
            blank(i, end)
            i = end
        elif ch == "<" and _looks_like_iri(sparql, i):
            end = sparql.find(">", i) + 1
            blank(i, end)
            i = end
        else:
            i += 1
    return "".join(out)


class MemoryStore:
    """rdflib's in-memory graph."""

    def __init__(self, graph: Graph):
        self.graph = graph

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        result = self.graph.query(bind_values(sparql, bindings or {}))
        if result.type == "SELECT":
            variables = [str(v) for v in result.vars]
            return in_query_order(sparql, QueryResult("SELECT", variables, [tuple(row) for row in result]))
        if result.type == "ASK":
            return QueryResult("ASK", boolean=bool(result.askAnswer))
        return QueryResult(result.type, graph=result.graph)


def bind_values(sparql: str, bindings: Mapping[str, Node]) -> str:
    """Bind variables to RDF terms with a VALUES block at the start of the query's top-level group.

    The terms are written in N3 syntax (escaped by rdflib), so a value holding quotes or braces stays
    one literal; the query text itself is not otherwise touched.
    """
    if not bindings:
        return sparql
    at = _top_level_group(sparql)
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term.n3() for term in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    return sparql[: at + 1] + block + sparql[at + 1 :]


def _top_level_group(sparql: str) -> int:
    """Offset of the first '{' outside comments, strings and IRIs: the start of the WHERE group.

    For CONSTRUCT the first group is the template, so the WHERE group is the second one.
    """
    braces = _braces(sparql)
    if not braces:
        raise ValueError("the query has no { … } group to bind parameters in")
    keyword = sparql[: braces[0][0]]
    if "construct" in _strip_comments(keyword).lower():
        depth_zero = [at for at, depth in braces if depth == 0]
        if len(depth_zero) > 1:
            return depth_zero[1]
    return braces[0][0]


def _braces(sparql: str) -> list[tuple[int, int]]:
    """Each opening brace outside comments, strings and IRIs, with its nesting depth."""
    found: list[tuple[int, int]] = []
    depth, i, n = 0, 0, len(sparql)
    while i < n:
        ch = sparql[i]
        if ch == "#":
            i = sparql.find("\n", i)
            i = n if i < 0 else i
        elif ch in "\"'":
            quote = sparql[i : i + 3] if sparql[i : i + 3] in ('"""', "'''") else ch
            i += len(quote)
            while i < n and not sparql.startswith(quote, i):
                i += 2 if sparql[i] == "\\" else 1
            i += len(quote) - 1
        elif ch == "<" and _looks_like_iri(sparql, i):
            i = sparql.find(">", i)
            i = n if i < 0 else i
        elif ch == "{":
            found.append((i, depth))
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
    return found


def _looks_like_iri(sparql: str, i: int) -> bool:
    end = sparql.find(">", i)
    return end > 0 and not any(c in sparql[i + 1 : end] for c in " \t\n{}\"'<")


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())
