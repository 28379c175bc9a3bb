"""A real HTTP server on loopback that records every request it gets, for tests that must prove what was (or
was not) fetched, and that can start failing after a number of requests."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMPTY_RESULTS = b'{"head": {"vars": []}, "results": {"bindings": []}}'


@dataclass
class Recorder:
    url: str
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)  # method, path, body
    fail_after: int | None = None  # answer 500 from this request on (counting from 0)


@contextlib.contextmanager
def recording(fail_after: int | None = None) -> Iterator[Recorder]:
    recorder = Recorder("", fail_after=fail_after)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                number = len(recorder.requests)
                recorder.requests.append((self.command, self.path, body))
            failing = recorder.fail_after is not None and number >= recorder.fail_after
            status, data = (500, b"store failure") if failing else (200, EMPTY_RESULTS)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if failing else "application/sparql-results+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
