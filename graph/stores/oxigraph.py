"""Oxigraph, in memory or in a directory on disk: the default engine (one to two orders of magnitude faster
than rdflib on the audit's joins, and able to hold graphs far larger than memory on disk)."""

from __future__ import annotations

import hashlib
import os
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import pyoxigraph as ox

from ..files import iter_rdf, rdf_file_ok, require_file, syntax_problem
from ..formats import rdf_format_of
from ..problems import InvalidInput, Problem
from ..sparql_text import query_form, selects_all
from .base import QueryResult, Term, bounded, in_query_order, normal_term
from .locks import join_readers, lock_store, open_writer

# The loaded file's fingerprint is kept in a graph of its own, left out of every query's default graph.
META = ox.NamedNode("urn:claimgraph:store-meta")
FINGERPRINT = ox.NamedNode("urn:claimgraph:sha256")
LOADED_FROM = ox.NamedNode("urn:claimgraph:loadedFrom")
_ONE_GRAPH = ("turtle", "ntriples", "rdfxml")  # formats without named graphs (JSON-LD may have some)
CHUNK = 200_000  # triples per bulk insert: bounded memory whatever the graph's size


class OxigraphStore:
    """A pyoxigraph store; the default graph of a query is the store's default graph."""

    local = True  # queries run in this process (so an audit can run them in a child under a time limit)

    def __init__(self, store: ox.Store, path: Path | None = None, writable: bool = True):
        self.store = store
        self.path = path  # the directory of an on-disk store; None in memory
        self.writable = writable
        self._release: weakref.finalize | None = None  # a reader's place among the store's readers (join_readers)

    @classmethod
    def memory(cls, triples: Iterable[ox.Triple] = ()) -> OxigraphStore:
        store = cls(ox.Store())
        store.add(triples)
        return store

    @classmethod
    def directory(cls, path: Path, read_only: bool = False) -> OxigraphStore:
        return cls(ox.Store.read_only(str(path)) if read_only else open_writer(Path(path)), Path(path), not read_only)

    @contextmanager
    def shared_with_readers(self) -> Iterator[None]:
        """Meanwhile other processes may open this on-disk store read-only (the rule workers): no writer is open, and
        this process reads through a read-only handle too. RocksDB leaves a read-only open beside an open writer
        undefined: in CI a worker's open failed on a file the writer's background compaction had just deleted.
        Closing the writer waits for that background work; meanwhile this process holds RocksDB's lock itself, so
        that no other process opens the store for writing either. In memory, or when already read-only, nothing
        changes."""
        if self.path is None or not self.writable:
            yield
            return
        del self.store  # closes the writer, unless an answer or iteration over the store is still unfinished
        open_writer(self.path)  # refused if so (and no handle is left to use); else opened and closed again at once
        try:
            lock = lock_store(self.path)
        except OSError:
            self.store = open_writer(self.path)
            raise
        self.writable = False  # a nested call changes nothing
        try:
            self.store = ox.Store.read_only(str(self.path))
            yield
        except BaseException:
            with suppress(OSError):  # the error that stopped the readers is the one to report
                self._write_again(lock)
            raise
        self._write_again(lock)

    def _write_again(self, lock: int | None) -> None:
        vars(self).pop("store", None)
        if lock is not None:
            os.close(lock)  # lets go of the lock just before the writer takes it again
        self.store = open_writer(self.path)  # if another process took it meanwhile, no handle is left (none is safe)
        self.writable = True

    @classmethod
    def from_file(cls, path: Path) -> OxigraphStore:
        """A file's graph in memory; InvalidInput names a missing file or the line and column of a syntax error."""
        problems: list[Problem] = []
        if not rdf_file_ok(require_file(path), problems):
            raise InvalidInput(problems)
        store = cls(ox.Store())
        store._load(Path(path))
        return store

    def _load(self, path: Path) -> None:
        """Load a checked graph file into the default graph. A format that holds one graph only is parsed by
        Oxigraph straight into the store (no Python object per triple); a dataset's graphs are merged on the way.
        InvalidInput at the line and column of a syntax error."""
        fmt = rdf_format_of(path)
        try:
            if fmt.name in _ONE_GRAPH:
                load = self.store.bulk_load if self.path is not None else self.store.load
                load(path=str(path), format=fmt.ox, base_iri=Path(path).resolve().as_uri())
            else:
                self.add(iter_rdf(path))
        except SyntaxError as err:
            raise InvalidInput([syntax_problem(Path(path), err)]) from None

    def add(self, triples: Iterable[ox.Triple]) -> int:
        """Insert triples in bulk, in bounded chunks; returns how many were given."""
        count = 0
        chunk: list[ox.Quad] = []
        for t in triples:
            chunk.append(ox.Quad(t.subject, t.predicate, t.object))
            if len(chunk) >= CHUNK:
                self.store.bulk_extend(chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            self.store.bulk_extend(chunk)
            count += len(chunk)
        if self.path is not None:
            self.store.flush()
        return count

    def load_ntriples(self, chunks: Iterable[str | bytes]) -> None:
        """Load N-Triples text the build makes, as one stream that pulls each chunk when the parser wants it.

        Parsing text in Oxigraph is several times cheaper than handing it a Python object per term; the build's
        IRIs are valid by construction, so the text is parsed leniently. On disk, one bulk load of the whole stream
        (it skips the transaction log and keeps its memory to its batches) rather than one per chunk: at 1,000,000
        claims 153 s and 245 s CPU against 158 s and 321 s in 51 loads, whose files then took 45 s to compact (under
        a second after one load; about 2 s at 100,000 claims), for about 1 GB more at the peak (the bulk loader's
        batches). In memory, a plain load (a third less CPU than a bulk load)."""
        load = self.store.bulk_load if self.path is not None else self.store.load
        load(_Stream(chunks), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        if self.path is not None:
            self.store.flush()

    def compact(self) -> None:
        """Merge the files an on-disk store's bulk loads wrote (RocksDB compaction), so that queries read fewer: a
        rule on a compacted store ran in 65 s against 107 s. After 51 loads of a 1,000,000-claim build it took 45 s;
        after the one load a build now makes, under a second (about 2 s at 100,000 claims)."""
        if self.path is not None:
            self.store.optimize()

    @classmethod
    def with_file(cls, path: Path, graph: Path, digest: str | None = None) -> OxigraphStore:
        """The on-disk store in ``path`` holding exactly the graph file ``graph``. When it holds it already and no
        process writes it, it is opened read-only, beside any other readers (a server, other queries), keeping writers
        out while it is open (graph.stores.locks); otherwise it is opened for writing and filled. ``digest``: the
        file's, from file_digest, when the caller opens the store more than once (a 4 GB file hashes in 15 s)."""
        digest = digest or file_digest(graph)
        with suppress(OSError):  # a writer has it: opening for writing says who
            held = cls.reading(Path(path))
            if digest in held._fingerprints():
                return held
            held.close()
        store = cls.directory(path)
        store.load_file(graph, digest)
        return store

    @classmethod
    def reading(cls, path: Path) -> OxigraphStore:
        """The store opened read-only among its readers, keeping writers out until it is closed or dropped; OSError
        when there is no store there or a writer has it."""
        if not (Path(path) / "CURRENT").is_file():
            raise OSError(f"no store in {path}")
        release = join_readers(Path(path))
        try:
            store = cls(ox.Store.read_only(str(path)), Path(path), writable=False)
        except BaseException:
            release()
            raise
        store._release = weakref.finalize(store, release)
        return store

    def close(self) -> None:
        """Let go of the store (and of its place among the readers); it is not used afterwards."""
        vars(self).pop("store", None)
        if self._release is not None:
            self._release()

    def _fingerprints(self) -> set[str]:
        return {q.object.value for q in self.store.quads_for_pattern(None, FINGERPRINT, None, META)}

    def load_file(self, path: Path, digest: str | None = None) -> None:
        """Fill an on-disk store from a graph file (whose ``digest`` from file_digest, if known), unless it already
        holds exactly that file's content."""
        digest = digest or file_digest(path)
        if digest in self._fingerprints():
            return
        self.store.clear()
        try:
            self._load(Path(path))
        except InvalidInput:  # the store stays without a fingerprint, so the next open loads the file again
            self.store.clear()
            raise
        self.compact()
        self.record_file(path, digest)

    def record_file(self, path: Path, digest: str | None = None) -> None:
        """Note that the store holds exactly the graph of the file at ``path`` (so opening it with that file
        does not load it again)."""
        about = ox.NamedNode(Path(path).resolve().as_uri())
        self.store.add(ox.Quad(about, FINGERPRINT, ox.Literal(digest or _sha256(path)), META))
        self.store.add(ox.Quad(about, LOADED_FROM, ox.Literal(str(path)), META))
        self.store.flush()

    def __len__(self) -> int:
        return len(self.store) - sum(1 for _ in self.store.quads_for_pattern(None, None, None, META))

    def triples(self) -> Iterable[ox.Triple]:
        return (q.triple for q in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))

    def select_rows(self, sparql: str) -> tuple[list[str], Iterator[tuple[Term | None, ...]]]:
        """A SELECT's variables and its rows one at a time, as Oxigraph yields them: for a caller that keeps less
        than the whole answer (the claim view). The query must project its variables explicitly (``SELECT *``
        columns are put in the text's order by ``query``, which reads the whole answer)."""
        if selects_all(sparql):
            raise ValueError("select_rows needs an explicit projection, not SELECT *")
        result = self.store.query(sparql)
        if not isinstance(result, ox.QuerySolutions):
            raise ValueError("select_rows runs a SELECT query only")
        return [v.value for v in result.variables], map(tuple, result)

    def query(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, limit: int | None = None
    ) -> QueryResult:
        substitutions = {ox.Variable(name): term for name, term in (bindings or {}).items()}
        try:
            result = self.store.query(sparql, substitutions=substitutions or None)
        except RuntimeError as err:
            if not substitutions or "projection" not in str(err):
                raise
            # Oxigraph substitutes only variables a SELECT projects; a parameter that is not projected (or that
            # an aggregate reads) is bound by a VALUES block in the WHERE group instead, as for an endpoint, so
            # the answer is the one rdflib and Virtuoso give.
            from .endpoint import with_values

            result = self.store.query(with_values(sparql, bindings or {}))
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("ASK", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            # Oxigraph stores literals by value: xsd:string literals are simple literals and booleans are
            # canonical already, so its terms need no normal_term.
            rows = bounded(map(tuple, result), limit, "rows")
            return in_query_order(sparql, QueryResult("SELECT", variables, rows))
        triples = bounded(
            (ox.Triple(t.subject, t.predicate, normal_term(t.object)) for t in result), limit, "triples"
        )
        return QueryResult("DESCRIBE" if query_form(sparql) == "DESCRIBE" else "CONSTRUCT", triples=triples)


class _Stream:
    """Chunks of text as a binary file that Oxigraph reads (a few KB at a time): each chunk is made when the reader
    reaches it, so no more than one is held."""

    def __init__(self, chunks: Iterable[str | bytes]):
        self.chunks = iter(chunks)
        self.left = memoryview(b"")

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        while not self.left:
            chunk = next(self.chunks, _END)
            if chunk is _END:
                return b""
            self.left = memoryview(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        part = self.left[:size]
        self.left = self.left[len(part):]
        return bytes(part)


_END = object()


def file_digest(graph: Path) -> str:
    """The SHA-256 of a graph file that passes the cheap checks (rdf_file_ok: there, not empty, a known syntax);
    InvalidInput when it does not."""
    problems: list[Problem] = []
    if not rdf_file_ok(Path(graph), problems):
        raise InvalidInput(problems)
    return _sha256(graph)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
