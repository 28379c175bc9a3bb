"""An on-disk Oxigraph store for graphs too large for rdflib's memory store.

pyoxigraph is used directly (not through the oxrdflib plugin): queries run in Oxigraph's own engine and only
the answers are turned into rdflib terms, so nothing is copied through rdflib on the way in or out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .files import syntax_problem
from .problems import InvalidInput
from .store import QueryResult, _strip_comments, bind_values, in_query_order, normal_term

# The loaded file's fingerprint is kept in a graph of its own, left out of every query's default graph.
META = ox.NamedNode("urn:claimgraph:store-meta")
LOADED_FROM = ox.NamedNode("urn:claimgraph:loadedFrom")
FINGERPRINT = ox.NamedNode("urn:claimgraph:sha256")
FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".rdf": ox.RdfFormat.RDF_XML,
}


class OxigraphStore:
    """A pyoxigraph store in a directory; the default graph of a query is every graph but the bookkeeping one."""

    def __init__(self, store: ox.Store):
        self.store = store
        self._default: list = [ox.DefaultGraph()] + [g for g in store.named_graphs() if g != META]

    @classmethod
    def open(cls, directory: Path, source: Path | None = None, read_only: bool = False) -> OxigraphStore:
        """Open (creating it if needed) the store in ``directory``; reload ``source`` if its content changed."""
        if read_only:
            return cls(ox.Store.read_only(str(directory)))
        store = ox.Store(str(directory))
        if source is not None:
            _load_if_changed(store, Path(source))
        elif not any(True for _ in store.quads_for_pattern(None, None, None, None)):
            raise FileNotFoundError(f"{directory}: the Oxigraph store is empty; give --graph FILE to load one")
        return cls(store)

    @classmethod
    def from_graph(cls, graph: Graph) -> OxigraphStore:
        """An in-memory Oxigraph holding a copy of an rdflib graph: the same queries, run by a faster engine."""
        store = ox.Store()
        store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return cls(store)

    def __len__(self) -> int:
        return sum(1 for q in self.store.quads_for_pattern(None, None, None, None) if q.graph_name != META)

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        result = self.store.query(bind_values(sparql, bindings or {}), default_graph=self._default)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("ASK", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [tuple(normal_term(_term(solution[v])) for v in variables) for solution in result]
            return in_query_order(sparql, QueryResult("SELECT", variables, rows))
        graph = Graph()
        for triple in result:
            graph.add((_term(triple.subject), _term(triple.predicate), normal_term(_term(triple.object))))
        kind = "DESCRIBE" if _keyword(sparql) == "describe" else "CONSTRUCT"
        return QueryResult(kind, graph=graph)


def _load_if_changed(store: ox.Store, source: Path) -> None:
    if source.suffix.lower() not in FORMATS:
        raise ValueError(f"{source}: cannot load this format into Oxigraph (use one of {', '.join(FORMATS)})")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if ox.Literal(digest) in {q.object for q in store.quads_for_pattern(None, FINGERPRINT, None, META)}:
        return
    store.clear()
    try:
        store.bulk_load(path=str(source), format=FORMATS[source.suffix.lower()])
    except SyntaxError as err:  # the store stays without a fingerprint, so the next open loads the file again
        store.clear()
        raise InvalidInput([syntax_problem(source, err)]) from None
    about = ox.NamedNode(source.resolve().as_uri())
    store.add(ox.Quad(about, FINGERPRINT, ox.Literal(digest), META))
    store.add(ox.Quad(about, LOADED_FROM, ox.Literal(str(source)), META))
    store.flush()


def _term(term: object) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError(f"unsupported term in a query answer: {term!r}")


def _keyword(sparql: str) -> str:
    for word in _strip_comments(sparql).replace("{", " ").split():
        if word.lower() in ("select", "ask", "construct", "describe"):
            return word.lower()
    return ""
