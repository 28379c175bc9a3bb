"""Reading user files and writing outputs atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyoxigraph
from rdflib import Dataset, Graph

from .problems import Problem, raise_if_errors

# file suffix → (rdflib format, pyoxigraph format); anything else is read as Turtle
RDF_FORMATS = {
    ".nt": ("nt", pyoxigraph.RdfFormat.N_TRIPLES),
    ".rdf": ("xml", pyoxigraph.RdfFormat.RDF_XML),
    ".owl": ("xml", pyoxigraph.RdfFormat.RDF_XML),
    ".xml": ("xml", pyoxigraph.RdfFormat.RDF_XML),
    ".jsonld": ("json-ld", pyoxigraph.RdfFormat.JSON_LD),
    ".trig": ("trig", pyoxigraph.RdfFormat.TRIG),
    ".nq": ("nquads", pyoxigraph.RdfFormat.N_QUADS),
}


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A failed run never leaves a half-written file, and the previous good file stays until
    the new one is complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the mode any new file would
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_text(path: Path, problems: list[Problem]) -> str:
    """Read a UTF-8 file (a BOM is dropped), reporting each line holding invalid UTF-8.

    Invalid bytes are replaced so that the rest of the file can still be checked.
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        for number, line in enumerate(raw.split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                problems.append(
                    Problem(str(path), number, f"col {err.start + 1}", f"invalid UTF-8 (byte 0x{line[err.start]:02x})")
                )
        text = raw.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff")


def parse_rdf_file(path: Path, graph: Graph, problems: list[Problem]) -> bool:
    """Parse an RDF file into ``graph``; a syntax error becomes a Problem with the parser's line and column.

    pyoxigraph checks the syntax first because it reports exact positions, which rdflib does not.
    """
    if not path.is_file():
        problems.append(Problem(str(path), 0, "", "file not found"))
        return False
    text = read_text(path, problems)
    rdflib_format, ox_format = RDF_FORMATS.get(path.suffix.lower(), ("turtle", pyoxigraph.RdfFormat.TURTLE))
    base = path.resolve().as_uri()
    try:
        for _ in pyoxigraph.parse(text.encode("utf-8"), format=ox_format, base_iri=base):
            pass
    except SyntaxError as err:
        problems.append(syntax_problem(path, err))
        return False
    if rdflib_format in ("trig", "nquads"):  # a dataset's graphs are merged into one
        dataset = Dataset()
        dataset.parse(data=text, format=rdflib_format, publicID=base)
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
    else:
        graph.parse(data=text, format=rdflib_format, publicID=base)
    return True


def syntax_problem(path: Path, err: SyntaxError) -> Problem:
    """A pyoxigraph syntax error as a Problem at the parser's line and column."""
    return Problem(str(path), err.lineno or 0, f"col {err.offset or 0}", f"syntax error: {err.msg}")


def read_graph(path: Path) -> Graph:
    """A graph file in memory (format from its suffix; a TriG or N-Quads file's graphs merged into one).

    Raises InvalidInput naming a missing file, or the file, line and column of a syntax error.
    """
    problems: list[Problem] = []
    graph = Graph()
    parse_rdf_file(Path(path), graph, problems)
    raise_if_errors(problems)
    return graph
