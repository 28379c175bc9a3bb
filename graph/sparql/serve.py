"""claimgraph serve: a read-only SPARQL 1.1 Protocol endpoint over a build, plus its HTML page and audit report.

Each query runs in a worker process, because an rdflib query cannot be interrupted inside a thread: a query
that overruns its time limit is stopped by killing its worker, which is then replaced. The HTTP side is a
threaded server, so a slow query occupies one worker and one thread; the pool has a fixed size, so when every worker
is busy a further query waits up to the time limit for one, then gets 503 (pages are still served meanwhile).
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..formats import RESULT_FORMATS, rdf_format
from ..problems import InvalidInput
from ..sparql_text import Refused, check_query
from ..stores import StoreSpec, TooLarge, open_store
from .results import render

MAX_BODY = 1_000_000  # bytes of a POSTed query
SELECT_TYPES = {  # media type → format name, in the order offered when the client does not care
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/plain": "table",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
    "text/plain": "ntriples",
}
FORMAT_PARAM = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "text": "table"}
STATIC = {".html": "text/html; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".js": "text/javascript",
          ".css": "text/css", ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png"}  # fmt: skip


class QueryFailed(Exception):
    def __init__(self, status: HTTPStatus, message: str):
        self.status = status
        super().__init__(message)


@dataclass
class ServeOptions:
    """Where the graph is and the limits each query runs under."""

    store: StoreSpec = field(default_factory=StoreSpec)
    timeout: float = 10.0
    max_rows: int = 10_000  # rows of a SELECT, triples of a CONSTRUCT or DESCRIBE
    workers: int = 2


def _worker(options: ServeOptions, conn: Connection) -> None:
    """Child process: open the store once, then answer (sparql, format) requests until the pipe closes."""
    try:  # an on-disk store was loaded by the server process; workers share it read-only
        store = open_store(options.store, read_only=options.store.directory() is not None)
    except BaseException as err:  # told to the server, which reports it: no traceback from the child
        conn.send(("failed", _describe(err)))
        return
    conn.send("ready")
    while True:
        try:
            sparql, fmt = conn.recv()
        except EOFError:
            return
        try:
            result = store.query(sparql, limit=options.max_rows)
            conn.send(("ok", result.type, render(result, fmt)))
        except TooLarge as err:
            conn.send(("too-large", f"the answer has more {err.unit} than this endpoint's limit of {err.limit}; "
                                    "add a LIMIT or narrow the query"))  # fmt: skip
        except Exception as err:  # the query's own failure, reported to the client; the worker lives on
            conn.send(("error", f"{type(err).__name__}: {err}"))


def _describe(err: BaseException) -> str:
    if isinstance(err, InvalidInput):
        return "; ".join(str(p) for p in err.problems)
    return str(err) or type(err).__name__


class WorkerPool:
    """Pre-started worker processes; a query that overruns its time limit kills its worker."""

    def __init__(self, options: ServeOptions):
        self.options = options
        self.context = multiprocessing.get_context("spawn")
        self.idle: queue.Queue[tuple[Any, Connection]] = queue.Queue()
        self.closed = False
        starting = [self._start() for _ in range(max(1, options.workers))]
        try:
            for worker in starting:
                self._await_ready(worker)
                self.idle.put(worker)
        except BaseException:
            for process, conn in starting:
                conn.close()
                process.kill()
                process.join()
            raise

    def _start(self) -> tuple[Any, Connection]:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker, args=(self.options, child), daemon=True)
        process.start()
        child.close()
        return process, parent

    def _await_ready(self, worker: tuple[Any, Connection]) -> None:
        process, conn = worker
        try:
            answer = conn.recv() if conn.poll(300) else ("failed", "it did not start within 300 s")
        except (EOFError, OSError):  # the process died without a word (killed, out of memory)
            process.join(5)
            answer = ("failed", f"it exited with code {process.exitcode}")
        if answer != "ready":
            process.kill()
            process.join()
            raise RuntimeError(f"a query worker could not open the store: {answer[1]}")

    def _replace(self) -> None:
        if self.closed:
            return
        try:
            worker = self._start()
            self._await_ready(worker)
        except RuntimeError as err:  # the pool runs one worker short; the server keeps answering with the rest
            print(f"claimgraph: warning: {err}", file=sys.stderr)
            return
        self.idle.put(worker)

    def run(self, sparql: str, fmt: str) -> tuple[str, bytes]:
        limit = self.options.timeout
        try:
            process, conn = self.idle.get(timeout=limit)
        except queue.Empty:
            raise QueryFailed(HTTPStatus.SERVICE_UNAVAILABLE, "all query workers are busy; try again") from None
        conn.send((sparql, fmt))
        if not conn.poll(limit):
            process.kill()
            process.join()
            threading.Thread(target=self._replace, daemon=True).start()
            raise QueryFailed(
                HTTPStatus.SERVICE_UNAVAILABLE, f"the query ran longer than this endpoint's limit of {limit:g} s and "
                "was stopped; narrow it or add a LIMIT"
            )  # fmt: skip
        answer = conn.recv()
        self.idle.put((process, conn))
        if answer[0] == "too-large":
            raise QueryFailed(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, answer[1])
        if answer[0] == "error":
            raise QueryFailed(HTTPStatus.INTERNAL_SERVER_ERROR, answer[1])
        return answer[1], answer[2]

    def close(self) -> None:
        self.closed = True
        while True:
            try:
                process, conn = self.idle.get_nowait()
            except queue.Empty:
                return
            conn.close()
            process.kill()
            process.join()


class SparqlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], pool: WorkerPool, static_dir: Path | None):
        self.pool = pool
        self.static_dir = static_dir
        super().__init__(address, SparqlHandler)

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()


def make_server(options: ServeOptions, host: str = "127.0.0.1", port: int = 8000, static_dir: Path | None = None):
    """A ready-to-run server (call serve_forever).

    The graph is checked here, before any worker starts, so a missing or malformed file is reported once, by file,
    line and column (InvalidInput), and an on-disk Oxigraph store is loaded or refreshed for the workers to share.
    """
    from ..stores.oxigraph import OxigraphStore

    spec = options.store
    spec.check()
    if spec.directory() is not None:
        open_store(spec)  # loads the graph file if it changed; closed again before the workers open it
    elif not spec.endpoint:
        OxigraphStore.from_file(spec.graph_file())  # each worker loads its own copy once this one parses
    return SparqlServer((host, port), WorkerPool(options), static_dir)


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the command prints its own line
        pass

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/sparql":
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if "update" in params:
                return self._fail(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
            if "query" not in params:
                return self._send(HTTPStatus.OK, "text/plain; charset=utf-8", HELP.encode("utf-8"))
            return self._answer(params["query"][0], params)
        return self._static(url.path)

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/sparql":
            return self._fail(HTTPStatus.NOT_FOUND, f"no such resource: {url.path}")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._fail(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the request is larger than {MAX_BODY} bytes")
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        mime = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if mime == "application/sparql-update":
            return self._fail(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
        if mime == "application/sparql-query":
            return self._answer(body, params)
        if mime == "application/x-www-form-urlencoded":
            params.update(urllib.parse.parse_qs(body, keep_blank_values=True))
            if "update" in params:
                return self._fail(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
            if "query" not in params:
                return self._fail(HTTPStatus.BAD_REQUEST, "the request has no 'query' parameter")
            return self._answer(params["query"][0], params)
        return self._fail(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"unsupported request Content-Type {mime!r}")

    def _answer(self, sparql: str, params: dict[str, list[str]]) -> None:
        try:
            kind = check_query(sparql).form
        except Refused as err:
            return self._fail(HTTPStatus.FORBIDDEN, f"this endpoint is read-only: {err}")
        except InvalidInput as err:
            problem = err.problems[0]
            return self._fail(HTTPStatus.BAD_REQUEST, f"line {problem.line}, {problem.column}: {problem.message}")
        graph = kind in ("CONSTRUCT", "DESCRIBE")
        fmt = negotiate(self.headers.get("Accept"), GRAPH_TYPES if graph else SELECT_TYPES, params)
        if fmt is None:
            offered = ", ".join(GRAPH_TYPES if graph else SELECT_TYPES)
            return self._fail(HTTPStatus.NOT_ACCEPTABLE, f"no acceptable result format; this endpoint offers {offered}")
        try:
            _, body = self.server.pool.run(sparql, fmt)
        except QueryFailed as err:
            return self._fail(err.status, str(err))
        self._send(HTTPStatus.OK, media_type(fmt), body)

    def _static(self, path: str) -> None:
        root = self.server.static_dir
        if path in ("/", ""):
            return self._send(HTTPStatus.OK, "text/html; charset=utf-8", self._index(root).encode("utf-8"))
        if root is not None:
            target = (root / urllib.parse.unquote(path).lstrip("/")).resolve()
            inside = target.is_relative_to(root.resolve())
            if inside and target.is_file() and target.suffix in STATIC:
                return self._send(HTTPStatus.OK, STATIC[target.suffix], target.read_bytes())
        self._fail(HTTPStatus.NOT_FOUND, f"no such resource: {path}")

    def _index(self, root: Path | None) -> str:
        links = ['<li><a href="/sparql">/sparql</a> — the SPARQL 1.1 query endpoint (read-only)</li>']
        for name, what in (("claims.html", "the interactive page"), ("audit.md", "the audit report")):
            if root is not None and (root / name).is_file():
                links.append(f'<li><a href="/{name}">{name}</a> — {what}</li>')
        return "<!doctype html><title>claimgraph</title><h1>claimgraph</h1><ul>" + "".join(links) + "</ul>\n"

    def _fail(self, status: HTTPStatus, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))

    def _send(self, status: HTTPStatus, mime: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def media_type(fmt: str) -> str:
    for result in RESULT_FORMATS:
        if result.name == fmt:
            return result.media_type
    rdf = rdf_format(fmt)
    return rdf.media_type + ("; charset=utf-8" if rdf.media_type.startswith("text/") else "")


def negotiate(accept: str | None, offered: dict[str, str], params: dict[str, list[str]]) -> str | None:
    """The format to answer in: a ``format``/``output`` parameter first, then the Accept header's best match."""
    for name in ("format", "output"):
        for value in params.get(name, []):
            value = value.strip().lower()
            if value in offered:
                return offered[value]
            if FORMAT_PARAM.get(value) in offered.values():
                return FORMAT_PARAM[value]
    default = next(iter(offered.values()))
    if not accept:
        return default
    ranges = []
    for position, part in enumerate(accept.split(",")):
        mime, *attrs = [p.strip() for p in part.split(";")]
        q = 1.0
        for attr in attrs:
            if attr.startswith("q="):
                try:
                    q = float(attr[2:])
                except ValueError:
                    q = 0.0
        ranges.append((-q, mime.count("*"), position, mime.lower()))
    for negative_q, _, _, mime in sorted(ranges):
        if negative_q == 0:
            break
        if mime in offered:
            return offered[mime]
        if mime in ("*/*", "application/*", "text/*"):
            prefix = mime.split("/")[0]
            for candidate, fmt in offered.items():
                if mime == "*/*" or candidate.startswith(prefix + "/"):
                    return fmt
    return None


HELP = """\
claimgraph SPARQL endpoint (read-only, SPARQL 1.1 Protocol)

  GET  /sparql?query=...                              (URL-encoded query)
  POST /sparql  Content-Type: application/x-www-form-urlencoded   query=...
  POST /sparql  Content-Type: application/sparql-query            the query as the body

Results by content negotiation (Accept): application/sparql-results+json (default), application/sparql-results+xml,
text/csv, text/tab-separated-values; CONSTRUCT/DESCRIBE: text/turtle (default), application/n-triples,
application/rdf+xml, application/ld+json. SPARQL Update and SERVICE are refused.
"""
