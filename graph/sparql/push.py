"""claimgraph push: load a build into a SPARQL 1.1 store, replacing one named graph so a re-push never duplicates.

The Graph Store HTTP Protocol's PUT replaces the graph in one request. Where a store has no Graph Store endpoint
(or refuses it), the graph is replaced with SPARQL Update: DROP SILENT GRAPH, then INSERT DATA in chunks.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..files import iter_rdf, rdf_file_ok, syntax_problem
from ..problems import InvalidInput, Problem
from ..rdf import DEFAULT_BASE
from ..stores.endpoint import EndpointError, EndpointStore, Http
from ..vocab import RDFS
from .named import iri_term

CHUNK = 500  # triples per INSERT DATA: Virtuoso refuses more than ~1000 (SP031: generated SQL text too long)
GSP_MISSING = {404, 405, 406, 415, 501}


@dataclass
class Pushed:
    graph: str
    triples: int
    method: str  # "graph-store" or "update"
    stored: int | None  # triples the store reports for the graph afterwards (None without a query endpoint)


class PartialPush(RuntimeError):
    """A SPARQL Update push that stopped after some chunks: the graph in the store is incomplete."""


def read_lines(file: Path) -> tuple[list[str], str]:
    """The file's triples as sorted N-Triples lines, and the build's dataset IRI (the default graph name)."""
    problems: list[Problem] = []
    if not rdf_file_ok(Path(file), problems):
        raise InvalidInput(problems)
    try:
        triples = list(iter_rdf(Path(file)))
    except SyntaxError as err:
        raise InvalidInput([syntax_problem(Path(file), err)]) from None
    if any(isinstance(term, ox.BlankNode) for t in triples for term in (t.subject, t.object)):
        raise ValueError(f"{file}: blank nodes cannot be pushed in chunks without merging them; skolemise them first")
    label = ox.Literal("claimgraph build")
    dataset = next((t.subject.value for t in triples if t.predicate == RDFS.label and t.object == label), None)
    return sorted(f"{t} ." for t in triples), dataset or DEFAULT_BASE + "dataset"


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
    lines, dataset = read_lines(file)
    name = iri_term(graph_iri, "--graph").value if graph_iri else dataset
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
        # the bound variable is projected: Virtuoso (and SPARQL substitution) bind only projected variables
        count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        store = EndpointStore(endpoint, auth=auth, timeout=timeout)
        rows = store.query(count, {"g": ox.NamedNode(name)}).rows
        stored = int(rows[0][1].value) if rows else 0
        if stored != len(lines):
            raise RuntimeError(f"pushed {len(lines)} triples to <{name}> but the store now holds {stored}")
    return Pushed(name, len(lines), method, stored)


def _put(http: Http, gsp: str, name: str, ntriples: str) -> None:
    url = gsp + ("&" if "?" in gsp else "?") + urllib.parse.urlencode({"graph": name})
    # N-Triples is Turtle, and text/turtle is the one RDF type every Graph Store implementation accepts.
    http.request(url, ntriples.encode("utf-8"), {"Content-Type": "text/turtle; charset=utf-8"}, method="PUT")


def _replace_with_update(http: Http, url: str, name: str, lines: list[str]) -> None:
    graph = str(ox.NamedNode(name))  # a validated IRI, written in N-Triples syntax
    _update(http, url, f"DROP SILENT GRAPH {graph}")
    sent = 0
    for start in range(0, len(lines), CHUNK):
        body = "\n".join(lines[start : start + CHUNK])
        try:
            _update(http, url, f"INSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}")
        except (EndpointError, OSError, KeyboardInterrupt) as err:
            why = "interrupted" if isinstance(err, KeyboardInterrupt) else str(err)
            raise PartialPush(
                f"the push stopped after {sent} of {len(lines)} triples ({why}); the graph {graph} in the store "
                "is incomplete: run the same push again to replace it whole"
            ) from None
        sent += len(lines[start : start + CHUNK])


def _update(http: Http, url: str, update: str) -> None:
    form = urllib.parse.urlencode({"update": update}).encode("utf-8")
    http.request(url, form, {"Content-Type": "application/x-www-form-urlencoded"})
