"""claimgraph serve: a read-only SPARQL 1.1 Protocol endpoint over a build, plus its page and audit report.

The HTTP side is the standard library's threaded server, hardened: every request is checked before it is
answered (its ``Host``, its path, its length and framing, its encoding), every refusal is a status with a one-line
reason, and a response goes out in one write on a socket without Nagle's delay. Queries are checked in the
request thread with Oxigraph's parser (thread-safe; ``check_query``) and run in worker processes that share one
loaded graph (``pool.py``): a query that overruns its time limit is stopped by killing its worker, which is
replaced, as is one that dies any other way. See docs/sparql.md for the choice of this server over a WSGI/ASGI
stack, measured.

Published: ``/sparql``, ``/`` (an index) and exactly three files of the build folder — ``claims.html``,
``audit.md`` and ``audit.json`` — when they are regular files. Nothing else under that folder is reachable.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import stat
import sys
import time
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .. import __version__
from ..formats import RESULT_FORMATS, rdf_format
from ..problems import InvalidInput
from ..progress import Step, quiet
from ..sparql_text import Refused, check_query
from ..stores import open_store
from .pool import QueryFailed, ServeOptions, WorkerPool

MAX_BODY = 1_000_000  # bytes of a POSTed query
MAX_FIELDS = 100  # parameters in a query string or form
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
PUBLISHED = {  # the build folder's files this server publishes, and nothing else
    "claims.html": ("text/html; charset=utf-8", "the interactive page"),
    "audit.md": ("text/markdown; charset=utf-8", "the audit report"),
    "audit.json": ("application/json", "the audit as JSON"),
}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
CORS_HEADERS = "Accept, Content-Type"
CORS_METHODS = "GET, POST, OPTIONS"
_DIGITS = re.compile(r"[0-9]+")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")

__all__ = ["ServeOptions", "SparqlServer", "WorkerPool", "make_server", "negotiate"]


class HttpError(Exception):
    """A request refused with a status and a one-line reason; ``close`` when the connection cannot be reused
    (the request's body was not read, or its framing cannot be trusted)."""

    def __init__(self, status: HTTPStatus, message: str, close: bool = False, headers: dict[str, str] | None = None):
        self.status = status
        self.close = close
        self.headers = headers or {}
        super().__init__(message)


class SparqlServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the listen backlog (socketserver's default of 5 drops connections under a burst)

    def __init__(self, address: tuple[str, int], pool: WorkerPool, static_dir: Path | None, options: ServeOptions):
        self.pool = pool
        self.static_dir = static_dir
        self.options = options
        self.readers_place: Callable[[], None] | None = None  # lets go of an on-disk store served (join_readers)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, SparqlHandler)
        self.port = self.server_address[1]

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()
        if self.readers_place is not None:
            self.readers_place()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed outside a handler: silent when the client went away, one line otherwise."""
        err = sys.exc_info()[1]
        if isinstance(err, ConnectionError | TimeoutError):
            return
        print(
            f"claimgraph: error: a request from {client_address[0]} failed: {type(err).__name__}: {err}",
            file=sys.stderr,
            flush=True,
        )


def make_server(
    options: ServeOptions,
    host: str = "127.0.0.1",
    port: int = 8000,
    static_dir: Path | None = None,
    waiting: Step = quiet,
):
    """A ready-to-run server (call serve_forever); ``waiting`` is told when its on-disk store is waited for.

    The graph is loaded once, by the pool's loader process, before the server listens: a missing or malformed file
    is InvalidInput by file, line and column. An on-disk Oxigraph store is loaded or refreshed here, then opened
    read-only by every worker; until the server closes, no other process may open it for writing (RocksDB leaves a
    read-only handle beside a writer undefined).
    """
    spec = options.store
    spec.check()
    release = None
    with contextlib.ExitStack() as undo:  # what is made is let go again if a later step fails
        directory = spec.directory()
        if directory is not None:
            from ..stores.locks import join_readers, patiently

            def readers_place() -> Callable[[], None]:
                open_store(spec, waiting=waiting)  # loads the file if it changed; closed before the workers open it
                return join_readers(directory)  # no process may write it while the workers read it

            release = undo.callback(patiently(readers_place, spec.wait, waiting))
        pool = WorkerPool(options)
        undo.callback(pool.close)
        server = SparqlServer((host, port), pool, static_dir, options)
        undo.pop_all()
    server.readers_place = release
    return server


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"
    server_version = f"claimgraph/{__version__}"
    sys_version = ""
    disable_nagle_algorithm = True  # a response is one write; without this, keep-alive waits on delayed ACKs

    def setup(self) -> None:
        self.timeout = self.server.options.client_timeout  # every read and write on the socket, idle keep-alive too
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the command prints its own line
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):  # the client went away or stalled: nothing to tell anyone
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (a malformed request line or header, an unknown method) in plain
        text with the reason, like every other answer."""
        status = HTTPStatus(code)
        reason = message or status.phrase
        if code == HTTPStatus.NOT_IMPLEMENTED and self.command:
            reason = f"the method {self.command} is not supported; use GET, POST, HEAD or OPTIONS"
        self._send(status, "text/plain; charset=utf-8", f"{reason}\n".encode(), close=True)

    # -- methods

    def do_GET(self) -> None:
        self._handle(self._get)

    def do_HEAD(self) -> None:
        self._handle(self._get)

    def do_POST(self) -> None:
        self._handle(self._post)

    def do_OPTIONS(self) -> None:
        self._handle(self._options)

    def do_PUT(self) -> None:
        self._handle(self._read_only)

    do_DELETE = do_PATCH = do_PUT

    def _handle(self, method) -> None:
        """Check what every request must pass, run the method, and turn any refusal into its status and reason."""
        try:
            self._check_framing()
            self._check_host()
            path = self._path()
            method(path)
        except HttpError as err:
            self._fail(err.status, str(err), close=err.close, headers=err.headers)
        except (ConnectionError, TimeoutError):
            raise
        except Exception as err:  # a bug: the client gets a reason, the operator one line (no traceback)
            print(
                f"claimgraph: error: {self.command} {self.path[:200]!r}: {type(err).__name__}: {err}",
                file=sys.stderr,
                flush=True,
            )
            self._fail(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(err).__name__}", close=True)

    def _get(self, path: str) -> None:
        if path == "/sparql":
            params = self._params(urllib.parse.urlsplit(self.path).query)
            self._discard_body()
            if "update" in params:
                raise HttpError(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
            if "query" not in params:
                return self._send(HTTPStatus.OK, "text/plain; charset=utf-8", HELP.encode("utf-8"))
            return self._answer(self._one(params, "query"), params)
        self._discard_body()
        return self._static(path)

    def _post(self, path: str) -> None:
        body = self._body()  # read first, so a refusal leaves the connection usable
        if path != "/sparql":
            raise HttpError(HTTPStatus.NOT_FOUND, f"no such resource: {path}; queries go to /sparql")
        params = self._params(urllib.parse.urlsplit(self.path).query)
        mime = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if mime == "application/sparql-update" or "update" in params:
            raise HttpError(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
        text = self._text(body)
        if mime == "application/sparql-query":
            if not text.strip():
                raise HttpError(HTTPStatus.BAD_REQUEST, "the request body is empty: send the query as the body")
            return self._answer(text, params)
        if mime == "application/x-www-form-urlencoded":
            form = self._params(text)
            if "update" in form:
                raise HttpError(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
            if "query" not in form:
                what = "is empty" if not text.strip() else "has no 'query' parameter"
                raise HttpError(HTTPStatus.BAD_REQUEST, f"the form {what}: send query=… (URL-encoded)")
            return self._answer(self._one(form, "query"), {**params, **form})
        if not mime:
            raise HttpError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "the request has no Content-Type; send application/sparql-query or application/x-www-form-urlencoded",
            )
        raise HttpError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"unsupported request Content-Type {mime!r}; send "
            "application/sparql-query or application/x-www-form-urlencoded",
        )

    def _options(self, path: str) -> None:
        """CORS preflight (an Origin and Access-Control-Request-Method), or the methods a resource allows."""
        self._discard_body()
        origin = self.headers.get("Origin")
        if origin is None or self.headers.get("Access-Control-Request-Method") is None:
            return self._send(HTTPStatus.NO_CONTENT, None, b"", headers={"Allow": "GET, HEAD, POST, OPTIONS"})
        if self._cors_origin() is None:
            raise HttpError(
                HTTPStatus.FORBIDDEN,
                f"cross-origin requests from {origin} are not allowed here; "
                "start the server with --cors ORIGIN to allow them",
            )
        method = self.headers.get("Access-Control-Request-Method", "").strip().upper()
        if method not in ("GET", "POST", "HEAD"):
            raise HttpError(HTTPStatus.FORBIDDEN, f"cross-origin {method} is not allowed: this endpoint is read-only")
        headers = {
            "Access-Control-Allow-Methods": CORS_METHODS,
            "Access-Control-Allow-Headers": CORS_HEADERS,
            "Access-Control-Max-Age": "600",
        }
        self._send(HTTPStatus.NO_CONTENT, None, b"", headers=headers)

    def _read_only(self, path: str) -> None:
        self._discard_body()
        raise HttpError(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"this endpoint is read-only: {self.command} is refused",
            headers={"Allow": "GET, HEAD, POST, OPTIONS"},
        )

    # -- checks every request passes

    def _check_framing(self) -> None:
        """One Content-Length or one chunked Transfer-Encoding, never both (request smuggling), and a number."""
        lengths = self.headers.get_all("Content-Length") or []
        encodings = self.headers.get_all("Transfer-Encoding") or []
        if lengths and encodings:
            raise HttpError(
                HTTPStatus.BAD_REQUEST, "the request has both Content-Length and Transfer-Encoding", close=True
            )
        if len({v.strip() for v in lengths}) > 1:
            raise HttpError(HTTPStatus.BAD_REQUEST, "the request has conflicting Content-Length headers", close=True)
        if lengths and not _DIGITS.fullmatch(lengths[0].strip()):
            shown = lengths[0].strip()[:40]
            raise HttpError(HTTPStatus.BAD_REQUEST, f"Content-Length {shown!r} is not a number of bytes", close=True)
        if encodings:
            codings = [c.strip().lower() for v in encodings for c in v.split(",") if c.strip()]
            if codings != ["chunked"]:
                raise HttpError(
                    HTTPStatus.NOT_IMPLEMENTED,
                    f"unsupported Transfer-Encoding {', '.join(codings)!r}; send Content-Length or chunked",
                    close=True,
                )

    def _check_host(self) -> None:
        """DNS rebinding: answer only to the loopback names (on this port) and the names given by --allow-host."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1:
            what = "no Host header" if not hosts else "more than one Host header"
            raise HttpError(HTTPStatus.BAD_REQUEST, f"the request has {what}", close=True)
        name, port = split_host(hosts[0])
        allowed = self.server.options.allow_hosts
        if name in LOOPBACK_NAMES and port in ("", str(self.server.port)):
            return
        for entry in allowed:
            allowed_name, allowed_port = split_host(entry)
            if entry.strip() == "*" or (allowed_name == name and allowed_port in ("", port)):
                return
        shown = hosts[0].strip()[:100]
        accepted = ", ".join([*LOOPBACK_NAMES, *allowed])
        raise HttpError(
            HTTPStatus.MISDIRECTED_REQUEST,
            f"this server does not answer to the host {shown!r} (it "
            f"answers to {accepted}); start it with --allow-host NAME to add a name",
            close=True,
        )

    def _path(self) -> str:
        """The request's path, percent-decoded; 400 for one that no file name could hold."""
        raw = urllib.parse.urlsplit(self.path).path
        try:
            path = urllib.parse.unquote(raw, errors="strict")
        except UnicodeDecodeError:
            raise HttpError(HTTPStatus.BAD_REQUEST, "the path is not UTF-8 after percent-decoding") from None
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
            raise HttpError(HTTPStatus.BAD_REQUEST, "the path contains a control character (such as %00)")
        return path

    def _params(self, text: str) -> dict[str, list[str]]:
        try:
            return urllib.parse.parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
        except UnicodeDecodeError:
            raise HttpError(HTTPStatus.BAD_REQUEST, "a parameter is not UTF-8 after percent-decoding") from None
        except ValueError:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"more than {MAX_FIELDS} parameters") from None

    @staticmethod
    def _one(params: dict[str, list[str]], name: str) -> str:
        values = params[name]
        if len(values) != 1:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"give exactly one '{name}' parameter (there are {len(values)})")
        return values[0]

    @staticmethod
    def _text(body: bytes) -> str:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"the request body is not UTF-8 (byte {err.start})") from None

    # -- the request body

    def _body(self) -> bytes:
        """The request body: by Content-Length or chunked, at most MAX_BODY bytes, within --client-timeout."""
        deadline = time.monotonic() + self.server.options.client_timeout
        if self.headers.get("Transfer-Encoding"):
            return self._chunked(deadline)
        length = self.headers.get("Content-Length")
        if length is None:
            raise HttpError(
                HTTPStatus.LENGTH_REQUIRED,
                "the request has a body but no Content-Length; send Content-Length or Transfer-Encoding: chunked",
                close=True,
            )
        digits = length.strip()
        size = int(digits) if len(digits) <= 18 else MAX_BODY + 1
        if size > MAX_BODY:
            raise HttpError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request body ({digits[:20]} bytes) is larger than this endpoint's limit of {MAX_BODY} bytes",
                close=True,
            )
        return self._exactly(size, deadline)

    def _chunked(self, deadline: float) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self._line(deadline)
            size_text = line.split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise HttpError(
                    HTTPStatus.BAD_REQUEST, "malformed chunked body: a chunk size is not hexadecimal", close=True
                )
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > MAX_BODY:
                raise HttpError(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"the chunked request body is larger than {MAX_BODY} bytes",
                    close=True,
                )
            parts.append(self._exactly(size, deadline))
            if self._exactly(2, deadline) != b"\r\n":
                raise HttpError(
                    HTTPStatus.BAD_REQUEST, "malformed chunked body: a chunk does not end with CRLF", close=True
                )
        for _ in range(MAX_FIELDS):  # trailer fields, then the empty line
            if self._line(deadline) in (b"\r\n", b"\n"):
                return b"".join(parts)
        raise HttpError(HTTPStatus.BAD_REQUEST, "malformed chunked body: too many trailer lines", close=True)

    def _line(self, deadline: float) -> bytes:
        try:
            line = self.rfile.readline(1026)
        except TimeoutError:
            raise self._too_slow() from None
        self._in_time(deadline)
        if not line:
            raise ConnectionResetError("the client closed the connection")
        if not line.endswith(b"\n"):
            raise HttpError(HTTPStatus.BAD_REQUEST, "malformed chunked body: a line is too long", close=True)
        return line

    def _exactly(self, size: int, deadline: float) -> bytes:
        parts: list[bytes] = []
        while size:
            try:
                data = self.rfile.read1(min(size, 1 << 16))
            except TimeoutError:
                raise self._too_slow() from None
            if not data:
                raise ConnectionResetError("the client closed the connection before sending the whole body")
            parts.append(data)
            size -= len(data)
            self._in_time(deadline)
        return b"".join(parts)

    def _in_time(self, deadline: float) -> None:
        if time.monotonic() > deadline:  # a client trickling its body holds a thread no longer than this
            raise self._too_slow()

    def _too_slow(self) -> HttpError:
        limit = self.server.options.client_timeout
        return HttpError(
            HTTPStatus.REQUEST_TIMEOUT, f"the request body took longer than {limit:g} s to arrive", close=True
        )

    def _discard_body(self) -> None:
        """A method without a body may still send one: read a small one, else close after answering."""
        length = (self.headers.get("Content-Length") or "0").strip()
        if self.headers.get("Transfer-Encoding") or len(length) > 18 or int(length) > MAX_BODY:
            self.close_connection = True
        elif int(length):
            self._exactly(int(length), time.monotonic() + self.server.options.client_timeout)

    # -- answers

    def _answer(self, sparql: str, params: dict[str, list[str]]) -> None:
        try:
            kind = check_query(sparql).form
        except Refused as err:
            raise HttpError(HTTPStatus.FORBIDDEN, f"this endpoint is read-only: {err}") from None
        except InvalidInput as err:
            problem = err.problems[0]
            raise HttpError(
                HTTPStatus.BAD_REQUEST, f"line {problem.line}, {problem.column}: {problem.message}"
            ) from None
        graph = kind in ("CONSTRUCT", "DESCRIBE")
        fmt = negotiate(self.headers.get("Accept"), GRAPH_TYPES if graph else SELECT_TYPES, params)
        if fmt is None:
            offered = ", ".join(GRAPH_TYPES if graph else SELECT_TYPES)
            raise HttpError(HTTPStatus.NOT_ACCEPTABLE, f"no acceptable result format; this endpoint offers {offered}")
        try:
            _, body = self.server.pool.run(sparql, fmt)
        except QueryFailed as err:
            raise HttpError(err.status, str(err)) from None
        self._send(HTTPStatus.OK, media_type(fmt), body)

    def _static(self, path: str) -> None:
        root = self.server.static_dir
        if path == "/":
            return self._send(HTTPStatus.OK, "text/html; charset=utf-8", self._index(root).encode("utf-8"))
        name = path[1:]
        if root is not None and name in PUBLISHED:
            data = _regular_file(root / name)
            if data is not None:
                return self._send(HTTPStatus.OK, PUBLISHED[name][0], data)
        raise HttpError(HTTPStatus.NOT_FOUND, f"no such resource: {path}")

    def _index(self, root: Path | None) -> str:
        links = ['<li><a href="/sparql">/sparql</a> — the SPARQL 1.1 query endpoint (read-only)</li>']
        for name, (_, what) in PUBLISHED.items():
            if root is not None and _regular_file(root / name, read=False) is not None:
                links.append(f'<li><a href="/{name}">{name}</a> — {what}</li>')
        return "<!doctype html><title>claimgraph</title><h1>claimgraph</h1><ul>" + "".join(links) + "</ul>\n"

    def _cors_origin(self) -> str | None:
        """The Access-Control-Allow-Origin value for this request's Origin, or None when it is not allowed."""
        headers = getattr(self, "headers", None)  # none yet when the request line itself was refused
        origin = headers.get("Origin") if headers is not None else None
        allowed = self.server.options.cors
        if origin is None or not allowed:
            return None
        if "*" in allowed:
            return "*"
        return origin if origin.strip().rstrip("/").lower() in {o.rstrip("/").lower() for o in allowed} else None

    def _fail(self, status: HTTPStatus, message: str, close: bool = False, headers: dict[str, str] | None = None):
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"), close, headers)

    def _send(
        self,
        status: HTTPStatus,
        mime: str | None,
        body: bytes,
        close: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The whole response — status line, headers and body — in one write."""
        if self.request_version == "HTTP/0.9":  # a request line that was not HTTP/1.x: answer in HTTP/1.0 anyway
            self.request_version = "HTTP/1.0"
        self.send_response(status)
        if mime is not None:
            self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.server.options.cors:
            origin = self._cors_origin()
            if origin is not None:
                self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close or self.close_connection:
            self.send_header("Connection", "close")
            self.close_connection = True
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        data = b"".join(self._headers_buffer)
        self._headers_buffer = []
        self.wfile.write(data)


def split_host(host: str) -> tuple[str, str]:
    """A Host header's (or --allow-host value's) name and port, lower-cased: ``[::1]:8000`` → ``("[::1]", "8000")``."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, port = host.partition("]")
        return name + "]", port.removeprefix(":")
    name, _, port = host.partition(":")
    return name.rstrip("."), port


def _regular_file(path: Path, read: bool = True) -> bytes | None:
    """A published file's bytes (or b"" when not read), or None: a symbolic link or anything but a regular file
    is not published, so a link planted in the build folder cannot expose what it points to."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        if not read:
            return b""
        with os.fdopen(fd, "rb", closefd=False) as data:
            return data.read()
    finally:
        os.close(fd)


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
