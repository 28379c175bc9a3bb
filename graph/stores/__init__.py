"""Where a graph lives: Oxigraph (memory or disk), rdflib's memory store, or a SPARQL endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..problems import InvalidInput, Problem, missing_file
from ..progress import Step, quiet
from .base import QueryResult, Store, Term, TooLarge

DEFAULT_GRAPH_FILE = Path("out/claims.ttl")


@dataclass(frozen=True)
class StoreSpec:
    """Where a graph is, as the command line names it: ``--graph FILE``, ``--store`` and ``--endpoint``.

    ``store``: ``oxigraph`` (in memory, the default), ``memory`` (rdflib) or ``oxigraph:DIR`` (on disk: the
    graph file is loaded into it once and reused while the file is unchanged). With ``endpoint`` the graph is
    the endpoint's (``default_graph`` names a graph there). ``wait``: seconds to wait for an on-disk store that
    another process has open (a build writing it), before giving up.
    """

    graph: Path | None = None
    store: str | None = None
    endpoint: str | None = None
    default_graph: str | None = None
    auth: tuple[str, str] | None = None
    timeout: float | None = None
    wait: float = 0.0

    def directory(self) -> Path | None:
        """The directory of an on-disk store, or None."""
        kind, _, where = (self.store or "").partition(":")
        return Path(where) if kind == "oxigraph" and where else None

    def check(self) -> None:
        """ValueError for a store name that is none of the known ones, or a store given with an endpoint."""
        if self.endpoint and self.store:
            raise ValueError("give either --endpoint or --store, not both")
        if self.store not in (None, "memory", "oxigraph") and self.directory() is None:
            raise ValueError(f"unknown store {self.store!r}; use memory, oxigraph or oxigraph:DIR")

    def graph_file(self) -> Path:
        """The graph file: --graph, or the build's out/claims.ttl; InvalidInput when it is missing."""
        path = self.graph if self.graph is not None else DEFAULT_GRAPH_FILE
        if Path(path).is_dir():
            raise InvalidInput([Problem(str(path), 0, "", "is a folder, not a graph file")])
        if not Path(path).is_file():
            raise InvalidInput([missing_file(path, "build one with `claimgraph build`")])
        return Path(path)


def open_store(spec: StoreSpec, read_only: bool = False, waiting: Step = quiet) -> Store:
    """The one way to open the store a command names; ``waiting`` is told when an on-disk store is waited for."""
    spec.check()
    if spec.endpoint:
        from .endpoint import EndpointStore

        return EndpointStore(spec.endpoint, default_graph=spec.default_graph, auth=spec.auth, timeout=spec.timeout)
    from .oxigraph import OxigraphStore

    directory = spec.directory()
    if directory is not None:
        from .locks import patiently
        from .oxigraph import file_digest

        graph = None if read_only or (spec.graph is None and not DEFAULT_GRAPH_FILE.is_file()) else spec.graph_file()
        digest = None if graph is None else file_digest(graph)  # once, however often the store is tried
        return patiently(lambda: _on_disk(directory, graph, digest, spec), spec.wait, waiting)
    loaded = OxigraphStore.from_file(spec.graph_file())
    if spec.store == "memory":
        from .memory import MemoryStore

        return MemoryStore.of(loaded.triples())
    return loaded


def _on_disk(directory: Path, graph: Path | None, digest: str | None, spec: StoreSpec) -> Store:
    """The on-disk store: holding the graph file ``graph`` (of SHA-256 ``digest``), or read as it stands."""
    from .oxigraph import OxigraphStore

    if graph is not None:
        return OxigraphStore.with_file(directory, graph, digest)
    if not (directory / "CURRENT").is_file():  # not made here: a query does not leave a store behind
        raise InvalidInput([missing_file(spec.graph or DEFAULT_GRAPH_FILE, f"and no store in {directory}")])
    store = OxigraphStore.reading(directory)
    if len(store) == 0:
        raise InvalidInput([missing_file(spec.graph or DEFAULT_GRAPH_FILE, "the store is empty; give --graph")])
    return store


__all__ = ["DEFAULT_GRAPH_FILE", "QueryResult", "Store", "StoreSpec", "Term", "TooLarge", "open_store"]
