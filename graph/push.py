"""claimgraph push: load a build into a SPARQL 1.1 store, replacing one named graph so a re-push never duplicates.

The Graph Store HTTP Protocol's PUT replaces the graph in one request. Where a store has no Graph Store endpoint
(or refuses it), the graph is replaced with SPARQL Update: DROP SILENT GRAPH, then INSERT DATA in chunks.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDFS, BNode, Graph, Literal, URIRef

from .files import read_graph
from .rdf import DEFAULT_BASE
from .remote import EndpointError, EndpointStore, Http
from .vocab import PROV

CHUNK = 500  # triples per INSERT DATA: Virtuoso refuses more than ~1000 (SP031: generated SQL text too long)
GSP_MISSING = {404, 405, 406, 415, 501}


@dataclass
class Pushed:
    graph: str
    triples: int
    method: str  # "graph-store" or "update"
    stored: int | None  # triples the store reports for the graph afterwards (None without a query endpoint)


def dataset_iri(graph: Graph) -> str:
    """The build's own dataset IRI (the default name for its graph in a store)."""
    for node in graph.subjects(RDFS.label, Literal("claimgraph build")):
        if (node, None, PROV.Entity) in graph or isinstance(node, URIRef):
            return str(node)
    return DEFAULT_BASE + "dataset"


def push(
    file: Path,
    endpoint: str | None = None,
    graph_iri: str | None = None,
    gsp: str | None = None,
    update_endpoint: str | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float | None = 300,
) -> Pushed:
    """Replace the named graph ``graph_iri`` in the store with the triples of ``file``."""
    if not (endpoint or gsp or update_endpoint):
        raise ValueError("push needs --endpoint URL (and/or --gsp URL)")
    graph = read_graph(file)
    if any(isinstance(term, BNode) for triple in graph for term in triple):
        raise ValueError(f"{file}: blank nodes cannot be pushed in chunks without merging them; skolemise them first")
    name = graph_iri or dataset_iri(graph)
    lines = sorted(line for line in graph.serialize(format="nt").splitlines() if line.strip())
    http = Http(auth, timeout)
    method = ""
    if gsp:
        try:
            _put(http, gsp, name, "\n".join(lines) + "\n")
            method = "graph-store"
        except EndpointError as err:
            if err.status not in GSP_MISSING or not (update_endpoint or endpoint):
                raise
    if not method:
        _replace_with_update(http, update_endpoint or endpoint or "", name, lines)
        method = "update"
    stored = None
    if endpoint:
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
        stored = int(EndpointStore(endpoint, auth=auth, timeout=timeout).query(count).rows[0][0])
        if stored != len(lines):
            raise RuntimeError(f"pushed {len(lines)} triples to <{name}> but the store now holds {stored}")
    return Pushed(name, len(lines), method, stored)


def _put(http: Http, gsp: str, name: str, ntriples: str) -> None:
    url = gsp + ("&" if "?" in gsp else "?") + urllib.parse.urlencode({"graph": name})
    # N-Triples is Turtle, and text/turtle is the one RDF type every Graph Store implementation accepts.
    http.request(url, ntriples.encode("utf-8"), {"Content-Type": "text/turtle; charset=utf-8"}, method="PUT")


def _replace_with_update(http: Http, url: str, name: str, lines: list[str]) -> None:
    _update(http, url, f"DROP SILENT GRAPH <{name}>")
    for start in range(0, len(lines), CHUNK):
        body = "\n".join(lines[start : start + CHUNK])
        _update(http, url, f"INSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")


def _update(http: Http, url: str, update: str) -> None:
    form = urllib.parse.urlencode({"update": update}).encode("utf-8")
    http.request(url, form, {"Content-Type": "application/x-www-form-urlencoded"})
