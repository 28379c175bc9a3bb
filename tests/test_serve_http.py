"""claimgraph serve at the HTTP level: what it publishes, whom it answers (Host, CORS), and how it treats requests
that are malformed, slow, abandoned or kept alive. Raw sockets where a client library would tidy the request."""

from __future__ import annotations

import os
import socket
import statistics
import struct
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import (
    CLAIMS_CSV,
    COUNT_CLAIMS,
    Server,
    body_of,
    get,
    raw,
    read_response,
    serve,
    status_of,
    with_query,
)


@pytest.fixture(scope="module")
def build_dir(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder with its four files, plus what a careless folder holds beside them."""
    out = tmp_path_factory.mktemp("http") / "out"
    out.mkdir()
    for name in ("claims.ttl", "claims.html", "audit.md", "audit.json"):
        (out / name).write_bytes((shipped_build / name).read_bytes())
    (out / ".hidden").mkdir()
    (out / ".hidden" / "config.json").write_text('{"auth": "secret-token"}', encoding="utf-8")
    (out / ".env.json").write_text('{"password": "secret"}', encoding="utf-8")
    for name in ("notes.json", "app.js", "style.css", "logo.svg", "shot.png", "old.html", "draft.md"):
        (out / name).write_text("not published", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "claims.html").write_text("not published", encoding="utf-8")
    (out.parent / "secret.json").write_text('{"outside": true}', encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def server(build_dir: Path) -> Iterator[Server]:
    with serve(
        "--graph",
        str(build_dir / "claims.ttl"),
        "--client-timeout",
        "1",
        "--cors",
        "https://yasgui.example",
        "--cors",
        "http://localhost:3000",
        "--max-rows",
        "500",
    ) as s:
        yield s


def request(
    method: str, path: str, host: str = "localhost", headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# ---------------------------------------------------------------- what is published


def test_only_the_page_the_report_and_the_audit_json_are_published(server: Server, build_dir: Path):
    for name, mime in (("claims.html", "text/html"), ("audit.md", "text/markdown"), ("audit.json", "application/json")):
        code, content_type, body, _ = get(f"{server.root}/{name}")
        assert (code, content_type.split(";")[0]) == (200, mime)
        assert body == (build_dir / name).read_text(encoding="utf-8")
    index = get(server.root + "/")[2]
    assert all(f'href="/{name}"' in index for name in ("claims.html", "audit.md", "audit.json"))
    refused = [
        "/.hidden/config.json",
        "/.env.json",
        "/notes.json",
        "/app.js",
        "/style.css",
        "/logo.svg",
        "/shot.png",
        "/old.html",
        "/draft.md",
        "/claims.ttl",
        "/sub/claims.html",
        "/../secret.json",
        "/%2e%2e/secret.json",
        "/claims.html/",
        "/CLAIMS.HTML",
        "/%2e%68idden/config.json",
    ]
    for path in refused:
        answer = raw(server.port, request("GET", path, f"localhost:{server.port}"))
        assert status_of(answer) in (400, 404), (path, answer[:200])
        assert not any(secret in answer for secret in (b"secret-token", b'"password"', b'"outside"', b"not published"))


def test_a_published_name_that_is_a_symbolic_link_is_not_followed(build_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "claims.ttl").write_bytes((build_dir / "claims.ttl").read_bytes())
    (tmp_path / "id_rsa").write_text("PRIVATE KEY", encoding="utf-8")
    os.symlink(tmp_path / "id_rsa", out / "audit.md")
    os.mkfifo(out / "audit.json")  # not a regular file: never opened for reading
    with serve("--graph", str(out / "claims.ttl")) as s:
        assert get(f"{s.root}/audit.md")[0:1] == (404,)
        assert get(f"{s.root}/audit.json")[0:1] == (404,)
        assert "audit.md" not in get(s.root + "/")[2]


# ---------------------------------------------------------------- Host


def test_loopback_host_names_are_answered(server: Server):
    for host in (
        f"localhost:{server.port}",
        f"127.0.0.1:{server.port}",
        f"[::1]:{server.port}",
        "localhost",
        "LOCALHOST",
        "127.0.0.1",
    ):
        assert status_of(raw(server.port, request("GET", "/", host))) == 200, host


FOREIGN = ["evil.example", "evil.example:{port}", "localhost:1", "127.0.0.1.nip.io:{port}", "[::2]:{port}", "10.0.0.1"]


@pytest.mark.parametrize("host", FOREIGN)
def test_a_foreign_host_is_refused_with_a_reason(server: Server, host: str):
    """DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 must not read the endpoint."""
    for path in ("/", "/sparql?" + urllib.parse.urlencode({"query": COUNT_CLAIMS}), "/claims.html"):
        answer = raw(server.port, request("GET", path, host.format(port=server.port)))
        assert status_of(answer) == 421, answer[:200]
        assert "does not answer to the host" in body_of(answer) and "--allow-host" in body_of(answer)


def test_a_request_without_exactly_one_host_is_400(server: Server):
    assert status_of(raw(server.port, b"GET / HTTP/1.1\r\n\r\n")) == 400
    twice = b"GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n"
    assert status_of(raw(server.port, twice)) == 400


def test_allow_host_adds_names(build_dir: Path):
    args = ["--graph", str(build_dir / "claims.ttl"), "--allow-host", "claims.example.org"]
    with serve(*args, "--allow-host", "other.example:8443") as s:
        for host in (
            "claims.example.org",
            "claims.example.org:443",
            "Claims.Example.Org",
            "other.example:8443",
            f"localhost:{s.port}",
        ):
            assert status_of(raw(s.port, request("GET", "/", host))) == 200, host
        for host in ("other.example", "other.example:9", "evil.example", "example.org"):
            assert status_of(raw(s.port, request("GET", "/", host))) == 421, host


# ---------------------------------------------------------------- CORS


def test_cors_preflight_is_answered_for_allowed_origins(server: Server):
    preflight = {
        "Origin": "https://yasgui.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    code, _, body, headers = get(server.url, preflight, method="OPTIONS")
    assert (code, body) == (204, "")
    assert headers["Access-Control-Allow-Origin"] == "https://yasgui.example"
    assert "POST" in headers["Access-Control-Allow-Methods"] and "GET" in headers["Access-Control-Allow-Methods"]
    assert "content-type" in headers["Access-Control-Allow-Headers"].lower()
    assert "Origin" in headers["Vary"]
    code, _, body, headers = get(with_query(server.url, COUNT_CLAIMS), {"Origin": "http://localhost:3000"})
    assert code == 200 and headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    form = urllib.parse.urlencode({"query": COUNT_CLAIMS}).encode()
    post = {"Origin": "https://yasgui.example", "Content-Type": "application/x-www-form-urlencoded"}
    code, _, _, headers = get(server.url, post, form)
    assert code == 200 and headers["Access-Control-Allow-Origin"] == "https://yasgui.example"


def test_cors_refuses_other_origins_and_is_off_by_default(server: Server, build_dir: Path):
    foreign = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    code, _, body, headers = get(server.url, foreign, method="OPTIONS")
    assert code == 403 and "--cors" in body and headers["Access-Control-Allow-Origin"] is None
    code, _, _, headers = get(with_query(server.url, COUNT_CLAIMS), {"Origin": "https://evil.example"})
    assert code == 200 and headers["Access-Control-Allow-Origin"] is None  # the browser keeps the answer from it
    with serve("--graph", str(build_dir / "claims.ttl"), "--workers", "1") as s:
        code, _, _, headers = get(
            s.url, {"Origin": "https://yasgui.example", "Access-Control-Request-Method": "GET"}, method="OPTIONS"
        )
        assert code == 403 and headers["Access-Control-Allow-Origin"] is None
        code, _, _, headers = get(with_query(s.url, COUNT_CLAIMS), {"Origin": "https://yasgui.example"})
        assert code == 200 and headers["Access-Control-Allow-Origin"] is None
    with serve("--graph", str(build_dir / "claims.ttl"), "--workers", "1", "--cors", "*") as s:
        code, _, _, headers = get(with_query(s.url, COUNT_CLAIMS), {"Origin": "https://anyone.example"})
        assert code == 200 and headers["Access-Control-Allow-Origin"] == "*"


# ---------------------------------------------------------------- malformed requests

SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
MALFORMED = {
    "NUL in the path": (request("GET", "/claims%00.html"), 400, "control character"),
    "NUL in /sparql": (request("GET", "/spar%00ql?query=ASK%7B%7D"), 400, "control character"),
    "path not UTF-8": (request("GET", "/%ff%fe"), 400, "not UTF-8"),
    "query not UTF-8": (request("GET", "/sparql?query=ASK%ff"), 400, "not UTF-8"),
    "two query parameters": (request("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"), 400, "exactly one"),
    "Content-Length: abc": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "abc"}),
        400,
        "not a number of bytes",
    ),
    "negative length": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "-5"}),
        400,
        "not a number of bytes",
    ),
    "huge length": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "9" * 30}),
        413,
        "larger than this endpoint's limit",
    ),
    "too long a body": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "2000000"}),
        413,
        "larger than this endpoint's limit",
    ),
    "two lengths": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "3"}).replace(
            b"\r\n\r\n", b"\r\nContent-Length: 4\r\n\r\n"
        )
        + b"ASK{",
        400,
        "conflicting Content-Length",
    ),
    "empty body": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "0"}),
        400,
        "the request body is empty",
    ),
    "empty form": (
        request(
            "POST", "/sparql", headers={"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "0"}
        ),
        400,
        "the form is empty",
    ),
    "no length": (request("POST", "/sparql", headers=SPARQL_QUERY) + b"ASK {}", 411, "Content-Length"),
    "length and chunked": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "5", "Transfer-Encoding": "chunked"})
        + b"5\r\nASK{}\r\n0\r\n\r\n",
        400,
        "both Content-Length and Transfer-Encoding",
    ),
    "gzip transfer coding": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Transfer-Encoding": "gzip"}),
        501,
        "unsupported Transfer-Encoding",
    ),
    "bad chunk size": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Transfer-Encoding": "chunked"}) + b"zz\r\nASK{}\r\n",
        400,
        "chunk size",
    ),
    "chunk without CRLF": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Transfer-Encoding": "chunked"}) + b"5\r\nASK{}xx0\r\n\r\n",
        400,
        "does not end with CRLF",
    ),
    "body not UTF-8": (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "4"}) + b"AS\xffK",
        400,
        "not UTF-8",
    ),
    "no Content-Type": (request("POST", "/sparql", headers={"Content-Length": "5"}) + b"ASK{}", 415, "no Content-Type"),
    "PUT (Graph Store write)": (request("PUT", "/sparql", headers={"Content-Length": "0"}), 405, "read-only"),
    "DELETE": (request("DELETE", "/sparql?graph=x"), 405, "read-only"),
    "unknown method": (request("BREW", "/"), 501, "BREW is not supported"),
    "garbage request line": (b"HELLO THERE\r\n\r\n", 400, "Bad HTTP/0.9 request type"),
    "bad HTTP version": (b"GET / HTTP/9.Z\r\nHost: localhost\r\n\r\n", 400, "Bad request version"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_request_is_a_status_with_a_reason(server: Server, name: str):
    message, expected, reason = MALFORMED[name]
    answer = raw(server.port, message)
    assert status_of(answer) == expected, answer[:300]
    assert reason in body_of(answer), body_of(answer)
    assert "update" not in body_of(answer).lower() or name.startswith(("PUT", "DELETE"))
    assert get(with_query(server.url, COUNT_CLAIMS), {"Accept": "text/csv"})[2] == CLAIMS_CSV


def test_a_chunked_body_is_read(server: Server):
    query = COUNT_CLAIMS.encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (query[:20], query[20:]))
    message = (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Transfer-Encoding": "chunked", "Accept": "text/csv"})
        + chunks
        + b"0\r\n\r\n"
    )
    answer = raw(server.port, message)
    assert status_of(answer) == 200 and body_of(answer) == CLAIMS_CSV
    form = urllib.parse.urlencode({"query": COUNT_CLAIMS}).encode()
    message = request(
        "POST",
        "/sparql",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
            "Accept": "text/csv",
        },
    )
    answer = raw(server.port, message + b"%x;ext=1\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (len(form), form))
    assert status_of(answer) == 200 and body_of(answer) == CLAIMS_CSV


def test_a_slow_client_cannot_hold_a_thread(server: Server):
    """--client-timeout 1: a body that never finishes, a request line that never ends, an idle connection."""
    began = time.monotonic()
    stalled = []
    for opening in (
        request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "100"}) + b"SELECT",
        b"GET /spar",
        b"",
    ):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(opening)
        stalled.append(sock)
    assert get(with_query(server.url, COUNT_CLAIMS), {"Accept": "text/csv"})[2] == CLAIMS_CSV
    answers = []
    for sock in stalled:
        answers.append(read_response(sock))  # returns when the server answers or closes
        sock.close()
    assert time.monotonic() - began < 5
    assert status_of(answers[0]) == 408 and "longer than 1 s" in body_of(answers[0])
    assert answers[1] == b"" and answers[2] == b""  # closed without an answer: there was no request


def test_a_trickled_body_is_cut_off_at_the_time_limit(server: Server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(request("POST", "/sparql", headers={**SPARQL_QUERY, "Content-Length": "50"}))
    began = time.monotonic()
    try:
        for _ in range(40):  # one byte every 0.1 s: each read is quick, the whole body is not
            sock.sendall(b" ")
            time.sleep(0.1)
    except OSError:
        pass  # the server answered and closed
    answer = read_response(sock)
    sock.close()
    assert status_of(answer) == 408 and time.monotonic() - began < 4


def test_early_disconnects_are_silent(server: Server):
    """A client that resets the connection mid-answer (a 700 KB page) or mid-request: no traceback on stderr."""
    linger = struct.pack("ii", 1, 0)  # close() sends RST
    for opening in (
        request("GET", "/claims.html"),
        request("GET", "/sparql?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o } LIMIT 400")),
    ) * 5 + (b"GET /clai", b"POST /sparql HTTP/1.1\r\n"):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        sock.sendall(opening)
        sock.recv(10)  # the answer has started
        sock.close()
    time.sleep(0.5)
    assert get(with_query(server.url, COUNT_CLAIMS), {"Accept": "text/csv"})[2] == CLAIMS_CSV
    stderr = server.stderr()
    assert "Traceback" not in stderr and "Error" not in stderr, stderr[-2000:]


def test_keep_alive_requests_are_as_fast_as_fresh_connections(server: Server):
    """Headers and body in one write, TCP_NODELAY: no 40 ms delayed-ACK stall per request on a kept connection."""
    path = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    message = request("GET", path, f"localhost:{server.port}")

    def timed(sock: socket.socket) -> float:
        began = time.perf_counter()
        sock.sendall(message)
        assert status_of(read_response(sock)) == 200
        return time.perf_counter() - began

    fresh = []
    for _ in range(30):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            fresh.append(timed(sock))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        kept = [timed(sock) for _ in range(30)]
    ratio = statistics.median(kept) / statistics.median(fresh)
    assert statistics.median(kept) < 0.02 and ratio < 2, f"keep-alive {kept} vs fresh {fresh}"


def test_every_answer_goes_out_in_one_piece(server: Server):
    """The status line, headers and body arrive together on a kept connection (one write)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for path in ("/", "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}), "/nowhere"):
            sock.sendall(request("GET", path))
            first = sock.recv(65536)
            head, _, body = first.partition(b"\r\n\r\n")
            length = int(
                next(
                    v for k, _, v in (h.partition(b": ") for h in head.split(b"\r\n")) if k.lower() == b"content-length"
                )
            )
            assert len(body) == length, (path, first[:200])


def test_nothing_above_left_a_traceback(server: Server):
    """The module's server saw every malformed, slow and abandoned request above: not one traceback."""
    stderr = server.stderr()
    assert "Traceback" not in stderr and stderr == "", stderr[-2000:]
