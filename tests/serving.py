"""Helpers for the endpoint tests: a real `claimgraph serve` process, its worker processes, and raw HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

EXE = Path(sys.executable).with_name("claimgraph")
COUNT_CLAIMS = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"
# COUNT_CLAIMS answered in CSV for the shipped build: one claim per row of claims.csv (no row spans two lines)
CLAIMS_CSV = "n\r\n{}\r\n".format(
    (Path(__file__).resolve().parent.parent / "claims.csv").read_text(encoding="utf-8").count("\n") - 1
)


@dataclass
class Server:
    url: str  # …/sparql
    port: int
    process: subprocess.Popen
    stderr_file: Path

    @property
    def root(self) -> str:
        return self.url.removesuffix("/sparql")

    def stderr(self) -> str:
        return self.stderr_file.read_text(encoding="utf-8", errors="replace")

    def workers(self) -> list[int]:
        """The query workers' process ids (the processes below the server named cg-query-worker)."""
        return sorted(pid for pid in descendants(self.process.pid) if comm(pid) == "cg-query-worker")

    def loader(self) -> int:
        """The process that loaded the graph (cg-graph-loader)."""
        return next(pid for pid in descendants(self.process.pid) if comm(pid) == "cg-graph-loader")


@contextmanager
def serve(*args: str, cwd: Path | None = None) -> Iterator[Server]:
    """Run ``claimgraph serve --port 0 ARGS`` and yield it once it is listening; stderr is kept in a file."""
    with tempfile.TemporaryDirectory() as tmp:
        err_path = Path(tmp) / "stderr.txt"
        with open(err_path, "w", encoding="utf-8") as err:
            command = [str(EXE), "serve", "--port", "0", *args]
            process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            line = process.stdout.readline()
            assert line.startswith("serving http://127.0.0.1:"), line + err_path.read_text()
            url = line.split()[1]
            yield Server(url, int(urllib.parse.urlsplit(url).port), process, err_path)
        finally:
            process.terminate()
            process.wait(timeout=30)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], children(pid)
    while todo:
        found.append(todo.pop())
        todo += children(found[-1])
    return found


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def status(pid: int, field: str) -> int:
    """A kB figure from /proc/PID/status (VmRSS, VmHWM …)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def rollup(pid: int) -> dict[str, int]:
    """/proc/PID/smaps_rollup in kB: Rss, Pss, Private_Clean, Private_Dirty, Shared_Clean …"""
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        figures[name.rstrip(":")] = int(value)
    return figures


def wait_for(condition, timeout: float = 30.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None, method: str | None = None):
    """(status, Content-Type, body text, headers) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8"), response.headers
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read().decode("utf-8"), err.headers


def with_query(endpoint: str, query: str, **params: str) -> str:
    return endpoint + "?" + urllib.parse.urlencode({"query": query, **params})


def raw(port: int, request: bytes, timeout: float = 10.0) -> bytes:
    """Send bytes as they are and read the answer until the server closes or stops sending."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        return read_response(sock)


def read_response(sock: socket.socket) -> bytes:
    """One HTTP response from a socket: its head, then Content-Length bytes of body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0


def body_of(response: bytes) -> str:
    return response.partition(b"\r\n\r\n")[2].decode("utf-8", errors="replace")
