"""claimgraph push: load a build into a SPARQL 1.1 store, replacing one named graph so a re-push never duplicates.

The Graph Store HTTP Protocol replaces the graph with a PUT. A build larger than one request (``chunk`` triples,
50,000 by default) is sent as a PUT of its first chunk, which replaces the graph, then POSTs of the following ones,
which the protocol defines as appending to it. Where a store has no Graph Store endpoint (or refuses it), the graph
is replaced with SPARQL Update: DROP SILENT GRAPH, then INSERT DATA in chunks of ``update_chunk`` triples.

The file is read twice, streaming, and never held whole: a first pass checks it (syntax, blank nodes) and counts
its triples before any request is made; the second sends it chunk by chunk. A push that stops after some chunks
raises PartialPush, which says how many chunks and triples landed. After the push, the store's count of the graph's
triples is compared with the file's.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..files import iter_rdf, rdf_file_ok, syntax_problem
from ..problems import InvalidInput, Problem
from ..progress import Progress
from ..rdf import DEFAULT_BASE
from ..stores.endpoint import EndpointError, EndpointStore, Http
from ..vocab import RDFS
from .named import iri_term

CHUNK = 500  # triples per INSERT DATA: Virtuoso refuses more than ~1000 (SP031: generated SQL text too long)
GSP_CHUNK = 50_000  # triples per Graph Store request (~5 MB): Virtuoso 7.2 stalled on single PUTs of ~380,000
GSP_MISSING = {404, 405, 406, 415, 501}
LABEL = ox.Literal("claimgraph build")


@dataclass
class Pushed:
    graph: str
    triples: int
    method: str  # "graph-store" or "update"
    stored: int | None  # triples the store reports for the graph afterwards (None without a query endpoint)
    requests: int  # Graph Store requests (one PUT, then POSTs) or INSERT DATA updates that carried triples


class PartialPush(RuntimeError):
    """A push that stopped after some chunks: the graph in the store is incomplete."""


@dataclass
class Scanned:
    triples: int
    dataset: str  # the build's dataset IRI: the default graph name


def scan(file: Path) -> Scanned:
    """Check the whole file before anything is sent, streaming: its syntax (a located error), that it has no blank
    nodes (chunks would split them apart), its triple count and the build's dataset IRI."""
    problems: list[Problem] = []
    if not rdf_file_ok(Path(file), problems):
        raise InvalidInput(problems)
    count, dataset = 0, None
    try:
        for t in iter_rdf(Path(file)):
            count += 1
            if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
                raise ValueError(
                    f"{file}: blank nodes cannot be pushed in chunks without merging them; skolemise them first"
                )
            if dataset is None and t.predicate == RDFS.label and t.object == LABEL:
                dataset = t.subject.value
    except SyntaxError as err:
        raise InvalidInput([syntax_problem(Path(file), err)]) from None
    return Scanned(count, dataset or DEFAULT_BASE + "dataset")


def chunks(file: Path, size: int) -> Iterator[list[str]]:
    """The file's triples as N-Triples lines, ``size`` at a time, in file order (a build's order is fixed)."""
    chunk: list[str] = []
    for t in iter_rdf(Path(file)):
        chunk.append(f"{t} .")
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def push(
    file: Path,
    endpoint: str | None = None,
    graph_iri: str | None = None,
    gsp: str | None = None,
    update_endpoint: str | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float | None = 300,
    chunk: int = GSP_CHUNK,
    update_chunk: int = CHUNK,
    progress: Progress | None = None,
) -> Pushed:
    """Replace the named graph ``graph_iri`` in the store with the triples of ``file``.

    ``chunk``: triples per Graph Store request; ``update_chunk``: triples per INSERT DATA. ``progress(sent, total)``
    is called after each request that carried triples.
    """
    if not (endpoint or gsp or update_endpoint):
        raise ValueError("push needs --endpoint URL (and/or --gsp URL)")
    if chunk < 1 or update_chunk < 1:
        raise ValueError("the chunk sizes must be at least 1 triple")
    scanned = scan(file)
    name = iri_term(graph_iri, "--graph").value if graph_iri else scanned.dataset
    http = Http(auth, timeout)
    sending = _Sending(str(ox.NamedNode(name)), scanned.triples, progress)
    refused = _graph_store(http, gsp, name, file, chunk, sending) if gsp else None
    if refused is not None and not (update_endpoint or endpoint):
        raise refused
    if gsp and refused is None:
        method = "graph-store"
    else:  # no Graph Store endpoint, or one that refused the first request: nothing was sent yet
        _replace_with_update(http, update_endpoint or endpoint or "", file, update_chunk, sending)
        method = "update"
    stored = None
    if endpoint:
        # the bound variable is projected: Virtuoso (and SPARQL substitution) bind only projected variables
        count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        store = EndpointStore(endpoint, auth=auth, timeout=timeout)
        rows = store.query(count, {"g": ox.NamedNode(name)}).rows
        stored = int(rows[0][1].value) if rows else 0
        if stored != scanned.triples:
            raise RuntimeError(f"pushed {scanned.triples} triples to <{name}> but the store now holds {stored}")
    return Pushed(name, scanned.triples, method, stored, sending.requests)


@dataclass
class _Sending:
    """How far a push got: requests that carried triples, and the triples they carried."""

    graph: str  # in N-Triples syntax
    total: int
    progress: Progress | None
    requests: int = 0
    sent: int = 0

    def landed(self, triples: int) -> None:
        self.requests += 1
        self.sent += triples
        if self.progress:
            self.progress(self.sent, self.total)

    def stopped(self, err: BaseException, kind: str, size: int) -> PartialPush:
        why = "interrupted" if isinstance(err, KeyboardInterrupt) else str(err) or type(err).__name__
        if isinstance(err, TimeoutError):
            why += "; the store may still be applying the request that timed out"
        return PartialPush(
            f"the push stopped after {self.sent} of {self.total} triples ({self.requests} {kind} of at most {size} "
            f"triples landed; the next one failed: {why}); the graph {self.graph} in the store is incomplete: "
            "run the same push again to replace it whole"
        )


def _graph_store(http: Http, gsp: str, name: str, file: Path, size: int, sending: _Sending) -> EndpointError | None:
    """PUT the first chunk (replacing the graph), POST the others (appending to it). Returns the error when the store
    refuses the first request as unsupported (nothing was sent), for the caller to try SPARQL Update instead."""
    url = gsp + ("&" if "?" in gsp else "?") + urllib.parse.urlencode({"graph": name})
    # N-Triples is Turtle, and text/turtle is the one RDF type every Graph Store implementation accepts.
    headers = {"Content-Type": "text/turtle; charset=utf-8"}
    try:
        for lines in chunks(file, size) if sending.total else iter([[]]):
            body = ("\n".join(lines) + "\n").encode("utf-8")
            try:
                http.request(url, body, headers, method="POST" if sending.requests else "PUT")
            except EndpointError as err:
                if not sending.requests and err.status in GSP_MISSING:
                    return err
                raise
            sending.landed(len(lines))
    except (EndpointError, OSError, KeyboardInterrupt) as err:
        if not sending.requests:  # nothing landed: the error as it came (a refused PUT, an unreachable store, …)
            raise
        raise sending.stopped(err, "Graph Store requests", size) from None
    return None


def _replace_with_update(http: Http, url: str, file: Path, size: int, sending: _Sending) -> None:
    _update(http, url, f"DROP SILENT GRAPH {sending.graph}")
    try:
        for lines in chunks(file, size):
            body = "\n".join(lines)
            _update(http, url, f"INSERT DATA {{ GRAPH {sending.graph} {{\n{body}\n}} }}")
            sending.landed(len(lines))
    except (EndpointError, OSError, KeyboardInterrupt) as err:
        raise sending.stopped(err, "INSERT DATA updates", size) from None


def _update(http: Http, url: str, update: str) -> None:
    form = urllib.parse.urlencode({"update": update}).encode("utf-8")
    http.request(url, form, {"Content-Type": "application/x-www-form-urlencoded"})
