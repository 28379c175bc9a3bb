"""The library: a Project (the inputs) builds into a Build; a ClaimGraph is any built graph, wherever it lives.

Each step is a function of the previous step's output: read → model → RDF → store → audit → views.
The command line maps each command onto one of these calls.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .audit import DEFAULT_RULE_SECONDS, load_rules, run_audit
from .audit.digest import digest
from .audit.enrich import audit_ntriples
from .audit.report import json_chunks, markdown_chunks, to_csv, to_json, to_markdown
from .files import replace_directory, write_atomic
from .formats import rdf_format
from .model import Audit, ClaimView, Finding, claim_views, findings_in
from .progress import Progress, Step, quiet
from .rdf import DEFAULT_BASE, Minter, ntriples, write_rdf
from .read import Inputs, read_inputs
from .read.ontology import default_ontologies, load_vocabulary
from .stores import Store, StoreSpec, Term, open_store
from .stores.locks import patiently
from .stores.oxigraph import OxigraphStore
from .views import DEFAULT_MAX_NODES, Page, TooLarge, build_page, notice_page
from .vocab import Vocabulary


@dataclass
class Options:
    """How a project is built and audited."""

    base: str = DEFAULT_BASE
    rule_dirs: list[Path] = field(default_factory=list)
    rule_seconds: float | None = DEFAULT_RULE_SECONDS
    allow_service: bool = False


@dataclass
class Project:
    """A claims table with its sources and ontology, read and checked."""

    inputs: Inputs
    options: Options = field(default_factory=Options)

    @classmethod
    def load(
        cls,
        claims: Path | str = "claims.csv",
        ontologies: list[Path] | None = None,
        sources: Path | str = "sources",
        allow_empty: bool = False,
        options: Options | None = None,
        waivers: Path | None = None,
    ) -> Project:
        """Read and check everything; InvalidInput lists every problem at once."""
        inputs = read_inputs(Path(claims), ontologies, Path(sources), allow_empty, waivers)
        return cls(inputs, options or Options())

    def build(
        self,
        store_dir: Path | None = None,
        progress: Progress | None = None,
        audit_progress: Progress | None = None,
        steps: Step = quiet,
        wait: float = 0.0,
        waiting: Step = quiet,
    ) -> Build:
        """The claims graph, loaded into Oxigraph (in memory, or on disk in ``store_dir``) and audited.

        ``progress`` counts the claims made into triples, ``audit_progress`` the rules done; ``steps`` is told
        each step as it starts. A store another process has open is waited for up to ``wait`` seconds (``waiting``
        is told so)."""
        mint = Minter(self.options.base)
        rules = load_rules(self.inputs.vocab, self.options.rule_dirs, self.options.allow_service)
        if store_dir is not None:
            store = patiently(lambda: OxigraphStore.directory(store_dir), wait, waiting)
            store.store.clear()
        else:
            store = OxigraphStore.memory()
        steps(f"making the claims' triples and loading them into {_where(store)}")
        spool = _Spool()  # the claims' N-Triples text, kept for writing the graph file without making it again
        store.load_ntriples(spool.keep(ntriples(self.inputs, mint, progress)))
        if store_dir is not None:
            steps(f"compacting {_where(store)}")
            store.compact()  # before the rules and the claim view read it
        audit = run_audit(
            store,
            self.inputs.vocab,
            rules,
            texts=self.inputs.texts(),
            waivers=self.inputs.waivers,
            seconds=self.options.rule_seconds,
            progress=audit_progress,
            steps=steps,
        )
        return Build(self.inputs, mint, store, audit, spool)


def _in_background(work: Callable[..., None], *args: object) -> Future:
    """``work(*args)`` in a daemon thread: a program that stops a build meanwhile (a KeyboardInterrupt it catches, as
    in a notebook) does not wait for it, as it would for an executor's thread (a minute at 1,000,000 claims; the
    command line's Ctrl-C ends the process at once anyway). A store left half-loaded has no fingerprint, so the next
    command that opens it with the graph file loads it again."""
    done: Future = Future()

    def run() -> None:
        try:
            done.set_result(work(*args))
        except BaseException as err:  # handed to the caller of result()
            done.set_exception(err)

    threading.Thread(target=run, name="claimgraph-store", daemon=True).start()
    return done


def _where(store: OxigraphStore) -> str:
    return "memory" if store.path is None else f"the on-disk store {store.path}"


class _Spool:
    """Text kept in a temporary file for as long as the build lives (a 1,000,000-claim graph is gigabytes).

    The file has no name (unlinked as soon as it is made), so nothing is left behind even when the process is
    killed."""

    def __init__(self) -> None:
        # The folder Python would choose, without its probe when TMPDIR is a usable folder: to find one itself,
        # Python first writes and removes a file of its own there, which a build killed meanwhile leaves behind
        where = tempfile.tempdir or os.environ.get("TMPDIR")
        where = where if where and os.access(where, os.W_OK | os.X_OK) else None
        self.file = tempfile.TemporaryFile(prefix="claimgraph-", suffix=".nt", dir=where)  # noqa: SIM115 (lives with the build)
        self.lines = 0

    @classmethod
    def of(cls, chunks: Iterable[str]) -> _Spool:
        spool = cls()
        for _ in spool.keep(chunks):
            pass
        return spool

    def keep(self, chunks: Iterable[str]) -> Iterator[str]:
        self.lines = 0
        self.file.seek(0)
        self.file.truncate()
        for chunk in chunks:
            self.file.write(chunk.encode("utf-8"))
            self.lines += chunk.count("\n")
            yield chunk
        self.file.flush()

    def quads(self) -> Iterator[ox.Quad]:
        """The kept triples, as the parser gives them (quads of the default graph)."""
        self.file.seek(0)
        yield from ox.parse(self.file, format=ox.RdfFormat.N_TRIPLES, lenient=True)

    def chunks(self, size: int = 1 << 25) -> Iterator[bytes]:
        """The kept text in blocks, read at offsets, so another thread may parse the same file meanwhile."""
        fd, offset = self.file.fileno(), 0
        while block := os.pread(fd, size, offset):
            offset += len(block)
            yield block


@dataclass
class Written:
    files: list[Path]
    triples: int  # in the graph file
    page: str  # what the page holds, or why it is a notice


@dataclass
class Build:
    """A built, audited project: the graph in a store, and the audit."""

    inputs: Inputs
    mint: Minter
    store: OxigraphStore
    audit: Audit
    spool: _Spool  # the claims' N-Triples text

    def triples(self) -> Iterator[ox.Triple]:
        """The output graph: the claims, in their fixed order, then the audit's results."""
        for quad in self._statements(_Spool.of(audit_ntriples(self.audit))):
            yield quad.triple

    def _statements(self, audit_text: _Spool) -> Iterator[ox.Quad]:
        """The output graph as the parser gives it, chained without a Python step per triple."""
        return itertools.chain(self.spool.quads(), audit_text.quads())

    def texts(self) -> dict[str, str]:
        return self.inputs.texts()

    def write(
        self, out: Path | str, fmt: str = "turtle", max_nodes: int = DEFAULT_MAX_NODES, steps: Step = quiet
    ) -> Written:
        """Write claims.<ext>, audit.json, audit.md and claims.html into ``out``, replacing all four or none.

        The files are made as they are written, into a fresh folder that replaces ``out`` only once all four are
        complete (files.replace_directory). A graph above ``max_nodes`` gets a short notice page instead of the
        drawing, so the page never shows an earlier build's graph. ``steps`` is told each step as it starts.
        """
        steps("drawing the page")
        rdf = rdf_format(fmt)
        try:
            page = build_page(
                self.audit.views, self.audit.active, self.inputs.vocab, max_nodes=max_nodes, digest=self.audit.digest
            )
            html, about = page.html, f"{page.nodes} nodes, {page.edges} edges"
        except TooLarge as err:
            html, about = notice_page(str(err)), f"a notice only: {err}"
        steps("making the audit's triples")
        audit_text = _Spool.of(audit_ntriples(self.audit))  # made once: for the graph file and the store

        def graph_file(path: Path) -> None:
            write_rdf(self._statements(audit_text), path, rdf, self.mint.prefixes(), self.mint.dataset())

        files = {
            f"claims{rdf.suffix}": graph_file,
            "audit.json": json_chunks(self.audit),
            "audit.md": markdown_chunks(self.audit, self.texts()),
            "claims.html": html,
        }
        # An on-disk store takes the audit while the files are written: Oxigraph parses and indexes without the GIL
        # (it takes it back only to read the next few KB of text)
        stop = threading.Event()
        stored = _in_background(self._store_audit, audit_text, stop) if self.store.path is not None else None
        try:
            written = replace_directory(Path(out), files, steps)
            if stored is not None:  # later commands given --store DIR and this file use the store as it is
                if not stored.done():
                    steps(f"adding the audit to {_where(self.store)}")
                stored.result()
                self.store.record_file(written[0])
        except BaseException:
            stop.set()  # the store is not to be used as it is; its load ends at the next block
            raise
        return Written(written, self.spool.lines + audit_text.lines, about)

    def _store_audit(self, audit_text: _Spool, stop: threading.Event) -> None:
        """Add the audit to the on-disk store and compact it, unless the build stops meanwhile (``stop``): then the
        load ends with InterruptedError at the next block (32 MiB), so the store is soon free again."""

        def blocks() -> Iterator[bytes]:
            for block in audit_text.chunks():
                if stop.is_set():
                    raise InterruptedError("the build stopped before the store took the audit")
                yield block

        self.store.load_ntriples(blocks())
        self.store.compact()  # the named queries then ran 2-2.6x faster at 100,000 claims

    def graph(self):
        """The output graph as an rdflib Graph (for library users; fine for small builds)."""
        from .stores.memory import MemoryStore

        return MemoryStore.of(self.triples()).graph


class ClaimGraph:
    """A built claims graph, in any store: a file loaded into Oxigraph, an on-disk store, or an endpoint."""

    def __init__(self, store: Store, spec: StoreSpec | None = None):
        self.store = store
        self.spec = spec or StoreSpec()

    @classmethod
    def open(
        cls, spec: StoreSpec | None = None, read_only: bool = False, waiting: Step = quiet, **where: object
    ) -> ClaimGraph:
        """Open the graph ``spec`` (or the keyword arguments of a StoreSpec) names; the default is
        out/claims.ttl in memory. ``waiting`` is told when an on-disk store is waited for (StoreSpec.wait)."""
        spec = spec or StoreSpec(**where)  # type: ignore[arg-type]
        return cls(open_store(spec, read_only=read_only, waiting=waiting), spec)

    def vocabulary(self) -> Vocabulary:
        """The vocabulary the graph carries (a build writes it in); the core ontology if it has none."""
        result = self.store.query(_data("vocabulary.rq"))
        vocab = Vocabulary(result.triples)
        if vocab.problems():
            vocab = load_vocabulary(default_ontologies(), [])
        return vocab

    def views(self) -> list[ClaimView]:
        return claim_views(self.store)

    def findings(self) -> list[Finding]:
        return findings_in(self.store)

    def query(self, sparql: str, bindings: Mapping[str, Term] | None = None, limit: int | None = None):
        return self.store.query(sparql, bindings, limit)

    def audit(
        self,
        rule_dirs: list[Path] | tuple[Path, ...] = (),
        text_dirs: list[Path] | None = None,
        seconds: float | None = DEFAULT_RULE_SECONDS,
        allow_service: bool = False,
        progress: Progress | None = None,
        waivers: dict[str, str] | None = None,
        steps: Step = quiet,
    ) -> Audit:
        """Run the rules over the graph; coverage uses the texts found in ``text_dirs`` whose hash matches.
        ``progress`` counts the rules done; ``steps`` is told each step as it starts."""
        vocab = self.vocabulary()
        rules = load_rules(vocab, rule_dirs, allow_service)
        dirs = text_dirs if text_dirs is not None else self.text_dirs()
        return run_audit(
            self.store, vocab, rules, text_dirs=dirs, waivers=waivers, seconds=seconds, progress=progress, steps=steps
        )

    def text_dirs(self) -> list[Path]:
        """Where a graph file's source texts usually are: sources/ of the project the build folder is in."""
        here = Path("sources")
        if self.spec.graph is not None:  # e.g. PROJECT/out/claims.ttl → PROJECT/sources
            beside = Path(self.spec.graph).resolve().parent.parent / "sources"
            return [beside] if beside.resolve() == here.resolve() else [beside, here]
        return [here]

    def waived(self, views: list[ClaimView], findings: list[Finding]) -> dict[str, str]:
        """The findings and verdicts the audit recorded as waived, with the reviewer's reasons."""
        waived = {f.id: f.waiver for f in findings if f.waiver}
        return waived | {f"verdict:{v.id}": v.verdict_waiver for v in views if v.verdict_waiver}

    def page(
        self,
        focus: str | None = None,
        hops: int = 1,
        only: str | None = None,
        max_nodes: int = DEFAULT_MAX_NODES,
        title: str | None = None,
    ) -> Page:
        """The page of the graph as its audit left it, opening on the digest of the verdicts it records."""
        views, findings, vocab = self.views(), self.findings(), self.vocabulary()
        waived = self.waived(views, findings)
        active = [f for f in findings if f.id not in waived]
        ranked = digest(views, findings, vocab, waived)
        return build_page(views, active, vocab, focus, hops, only, max_nodes, title, digest=ranked)

    def export_tables(self, out: Path | str = ".", replace: bool = False):
        """Write the graph back as OUT/claims.csv and OUT/sources/sources.csv (the texts stay in OUT/sources/,
        where they are checked against the hashes the graph records); building them gives the same graph.

        Existing tables are replaced only with ``replace``. Returns the Tables, with notes on what a rebuild
        needs (a missing or changed text)."""
        from .views.table import tables, text_notes

        out = Path(out)
        targets = (out / "claims.csv", out / "sources" / "sources.csv")
        existing = [str(p) for p in targets if p.exists()]
        if existing and not replace:
            raise ValueError(f"{' and '.join(existing)} already exist; give --force to replace them, or --out DIR")
        result = tables(self.store)
        result.notes += text_notes(result.texts, out / "sources")
        write_atomic(targets[1], result.sources)
        write_atomic(targets[0], result.claims)
        return result

    def export(self, fmt: str) -> tuple[bytes, int, int]:
        """GraphML or GEXF of the NetworkX projection: the bytes, and its node and edge counts."""
        from .views import export, to_networkx

        nxg = to_networkx(self.views(), self.findings())
        return export(nxg, fmt), nxg.number_of_nodes(), nxg.number_of_edges()


def write_file(path: Path, data: bytes) -> Path:
    write_atomic(path, data)
    return Path(path)


def _data(name: str) -> str:
    from importlib import resources

    return resources.files("graph").joinpath("data", name).read_text(encoding="utf-8")


__all__ = ["Build", "ClaimGraph", "Options", "Project", "Written", "to_csv", "to_json", "to_markdown"]
