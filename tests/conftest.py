"""Shared fixtures: the repository's own data, and small purpose-built projects in a temp folder."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# One BLAS thread: on this two-core machine OpenBLAS's threads made the old page layout (scipy's L-BFGS-B in
# networkx's Kamada-Kawai) about four times slower. The layout is igraph's now (no BLAS); kept so that no numpy
# code competes with the parallel tests for the two cores. Set before numpy loads; child processes inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest

from graph.cli import main
from graph.read.claims import COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def script(name: str):
    """A module of scripts/ (they are programs, not part of the package), imported by path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"scripts_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
ARTICLE = ROOT / "sources" / "prolotherapy-article.txt"
HEADER = list(COLUMNS)


def claimgraph(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the command line in this process (``main(argv)``), in ``cwd`` with ``env`` added to the environment,
    capturing what it prints."""
    err = io.StringIO()
    stdout = _TextWithBuffer()
    previous, saved = Path.cwd(), dict(os.environ)
    try:
        os.chdir(cwd or ROOT)
        os.environ.update(env or {})
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(previous)
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(list(args), code, stdout.getvalue(), err.getvalue())


class _TextWithBuffer(io.TextIOWrapper):
    """A captured stdout that also accepts bytes on .buffer, as the query command writes CSV bytes."""

    def __init__(self):
        self._bytes = io.BytesIO()
        super().__init__(self._bytes, encoding="utf-8", newline="", write_through=True)

    def getvalue(self) -> str:
        self.flush()
        return self._bytes.getvalue().decode("utf-8")

    def isatty(self) -> bool:
        return False


_EXE = Path(sys.executable).with_name("claimgraph")
CLAIMGRAPH_COMMAND = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "graph.cli"]  # the installed command


def claimgraph_process(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the command line the way a user does, in a child process (for what only a process shows:
    tracebacks, signals, start-up time)."""
    return subprocess.run([*CLAIMGRAPH_COMMAND, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def gone_within(pid: int, seconds: float) -> bool:
    """Whether the process has ended within ``seconds`` (a zombie, dead but not yet reaped, counts as ended)."""
    deadline = time.monotonic() + seconds
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _running(pid)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def csv_text(rows: list[dict[str, str]], header: list[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


@dataclass
class MiniProject:
    """A project folder laid out like the repository: claims.csv, ontology.ttl, sources/."""

    root: Path

    @classmethod
    def create(cls, root: Path, ontology: bool = True) -> MiniProject:
        """The shipped article and its sources.csv under ``root`` (and the core ontology, unless not wanted)."""
        (root / "sources").mkdir(parents=True, exist_ok=True)
        if ontology:
            shutil.copy(ROOT / "ontology.ttl", root / "ontology.ttl")
        shutil.copy(ARTICLE, root / "sources" / "prolotherapy-article.txt")
        project = cls(root)
        project.write_sources(ARTICLE_SOURCES)
        return project

    def write_claims(self, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
        path = self.root / "claims.csv"
        path.write_text(csv_text(rows, header), encoding="utf-8")
        return path

    def write_sources(self, text: str) -> None:
        (self.root / "sources" / "sources.csv").write_text(text, encoding="utf-8")

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return claimgraph(*args, cwd=self.root)


ARTICLE_SOURCES = (
    "key,title,kind,citation,published\n"
    "prolotherapy-article,Prolotherapy,article,,\n"
    "rabago-2013,Dextrose prolotherapy for knee osteoarthritis,rct,10.1370/afm.1504,2013\n"
)


def claim(id: str, **cells: str) -> dict[str, str]:
    """A valid article claim, with any cell overridden."""
    row = {
        "id": id,
        "source": "prolotherapy-article",
        "subject": "prolotherapy",
        "predicate": "treats",
        "object": "knee pain",
        "quote": "prolotherapy might effectively treat knee pain",
        "certainty": "possible",
        "attribution": "a systematic review",
        "evidence": "systematic-review",
    }
    row.update(cells)
    return row


@pytest.fixture
def mini(tmp_path: Path) -> MiniProject:
    project = MiniProject.create(tmp_path)
    project.write_claims([claim("C01")])
    return project


@pytest.fixture(scope="session")
def shipped_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    """``claimgraph build`` of the shipped data, once per test run: what it printed (the folder is shipped_build)."""
    out = tmp_path_factory.mktemp("shipped")
    result = claimgraph("build", "--out", str(out), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    result.out = out  # type: ignore[attr-defined]
    return result


@pytest.fixture(scope="session")
def shipped_build(shipped_run: subprocess.CompletedProcess) -> Path:
    """The shipped data built once, into a temp folder (shared: tests must not write into it)."""
    return shipped_run.out  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def builds_in_every_format(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """The shipped data built once per RDF format (the page as a notice: --max-nodes 1 skips the layout):
    format -> (graph file, what the build printed)."""
    from graph.formats import OUTPUT_FORMATS, rdf_format

    built = {}
    for fmt in OUTPUT_FORMATS:
        out = tmp_path_factory.mktemp(f"format-{fmt}")
        result = claimgraph("build", "--out", str(out), "--format", fmt, "--max-nodes", "1", cwd=ROOT)
        assert result.returncode == 0, result.stderr
        built[fmt] = (out / f"claims{rdf_format(fmt).suffix}", result.stdout)
    return built


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One throw-away Virtuoso for the whole run (tests/virtuoso_server.py); skipped when virtuoso-t is not
    installed, a failure instead when CLAIMGRAPH_REQUIRE_VIRTUOSO=1."""
    from tests import virtuoso_server

    virtuoso_server.require()
    with virtuoso_server.running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@dataclass
class Corpus:
    """A generated project, read and loaded into an in-memory Oxigraph store (no audit run yet)."""

    root: Path
    inputs: object  # graph.read.Inputs
    ntriples: Path  # the graph the build makes, as the N-Triples it loads into the store
    store: object  # graph.stores.oxigraph.OxigraphStore
    expected: dict  # expected.json: findings per rule, coverage per text
    outcomes: dict  # rule id → (seconds, rows) or the RuleTimeout it raised, run once per session

    def run_rule(self, rule, seconds: float):
        """The rule's rows on the store, stopped after ``seconds``; run once per session and remembered."""
        import time

        from graph.audit.runner import RuleTimeout, start_rules

        if rule.id not in self.outcomes:
            started = time.perf_counter()
            try:
                found = start_rules(self.store, [rule], seconds).findings()
                self.outcomes[rule.id] = (time.perf_counter() - started, found)
            except RuleTimeout as stopped:
                self.outcomes[rule.id] = stopped
        outcome = self.outcomes[rule.id]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture(scope="session")
def corpus_10k(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """A 10,000-claim generated project (scripts/make_corpus.py), built into a store once per test session."""
    import json

    from graph.rdf import DEFAULT_BASE, Minter, ntriples
    from graph.read import read_inputs
    from graph.stores.oxigraph import OxigraphStore

    root = script("make_corpus").generate_project(tmp_path_factory.mktemp("corpus-10k"), 10_000, seed=0)
    inputs = read_inputs(root / "claims.csv", [root / "ontology.ttl"], root / "sources")
    triples = root / "claims.nt"
    with triples.open("w", encoding="utf-8") as out:
        out.writelines(ntriples(inputs, Minter(DEFAULT_BASE)))
    store = OxigraphStore.memory()
    store.load_ntriples([triples.read_text(encoding="utf-8")])
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    return Corpus(root, inputs, triples, store, expected, {})
