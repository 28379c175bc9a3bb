"""The query workers behind ``claimgraph serve``: processes that share one loaded graph and heal when one dies.

Why processes: a query cannot be interrupted inside a thread (neither rdflib's nor Oxigraph's), so a query that
overruns its time limit is stopped by killing the process that runs it.

How the graph is loaded once: the server starts one *loader* process (spawned, so it starts clean and has a
single thread). The loader opens the store — it parses the graph file into memory exactly once — and then only
forks. Every worker is a fork of the loader, so all of them share the loaded graph's memory pages copy-on-write
(Oxigraph never writes to them while answering a query), and a new worker is ready in milliseconds instead of
re-parsing the file. An on-disk store (``oxigraph:DIR``) and a remote endpoint are not opened by the loader (a
RocksDB handle must not cross a fork): each worker opens them itself, read-only.

How the pool heals: the server talks to each worker over a socket. A worker that dies (killed by the time limit,
by an operator or by the kernel) closes its end, which the server notices the next time it looks at it; a keeper
thread brings the pool back to its size, restarting the loader too if it has gone.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, send_handle

from ..problems import InvalidInput
from ..stores import StoreSpec, TooLarge, open_store
from .results import render

LOAD_TIMEOUT = 600.0  # seconds the loader may take to parse the graph
START_TIMEOUT = 60.0  # seconds a new worker may take to open its store
SWEEP = 1.0  # seconds between the keeper's checks of idle workers
WORKER_STACK = 256 << 20  # bytes: rdflib's SPARQL parser recurses once per nesting level and per triple pattern
WORKER_RECURSION = 20_000
LOADER_NAME, WORKER_NAME = "cg-graph-loader", "cg-query-worker"  # process names, as ps and top show them


class QueryFailed(Exception):
    def __init__(self, status: HTTPStatus, message: str):
        self.status = status
        super().__init__(message)


@dataclass
class ServeOptions:
    """Where the graph is, the limits each query runs under, and who may call the endpoint."""

    store: StoreSpec = field(default_factory=StoreSpec)
    timeout: float = 10.0  # seconds a query may run (and may wait for a free worker)
    max_rows: int = 10_000  # rows of a SELECT, triples of a CONSTRUCT or DESCRIBE
    workers: int = 2
    allow_hosts: tuple[str, ...] = ()  # Host names accepted besides the loopback names
    cors: tuple[str, ...] = ()  # origins allowed to read answers from a browser ("*" for any)
    client_timeout: float = 20.0  # seconds a client may take to send a request (and keep an idle connection)


# ---------------------------------------------------------------- child processes


def _shared_store(spec: StoreSpec):
    """What the loader opens for its workers to share: an in-memory store (Oxigraph or rdflib), or None when
    each worker opens its own (an on-disk store, read-only; a remote endpoint)."""
    if spec.endpoint or spec.directory() is not None:
        return None
    return open_store(spec)


def _failure(err: BaseException) -> tuple:
    if isinstance(err, InvalidInput):
        return ("invalid", [*err.problems, *err.warnings])
    return ("failed", str(err) or type(err).__name__)


def _name_process(name: str) -> None:
    """Name this process for ps/top (Linux: /proc/PID/comm, at most 15 characters); elsewhere nothing happens."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def _loader(options: ServeOptions, conn: Connection) -> None:
    """The loader: open the store once, then fork a worker whenever the server asks, until the pipe closes."""
    _name_process(LOADER_NAME)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the server stops us
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel; the server stops them by pid
    try:
        shared = _shared_store(options.store)
    except BaseException as err:  # told to the server, which reports it: no traceback from the child
        conn.send(_failure(err))
        return
    gc.collect()
    gc.freeze()  # the loaded objects stay out of the collector's sight, so it does not touch (copy) their pages
    conn.send(("ready", os.getpid()))
    while True:
        try:
            conn.recv()
        except (EOFError, OSError):  # the server has gone or closed the pool: leave at once, without freeing
            os._exit(0)  # the loaded graph object by object (seconds for a large one)
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                conn.close()
                ours.close()
                _worker(options, shared, Connection(theirs.detach()))
                code = 0
            finally:
                os._exit(code)  # never run the loader's exit handlers in a worker
        theirs.close()
        try:
            conn.send(("forked", pid))
            send_handle(conn, ours.fileno(), 0)
        except OSError:
            return
        finally:
            ours.close()


def _worker(options: ServeOptions, shared, conn: Connection) -> None:
    """A worker: answer (sparql, format) requests until the socket closes, in a thread with a deep stack."""
    _name_process(WORKER_NAME)
    try:
        spec = options.store
        store = shared if shared is not None else open_store(spec, read_only=spec.directory() is not None)
    except BaseException as err:
        conn.send(_failure(err))
        return
    conn.send(("ready", os.getpid()))
    sys.setrecursionlimit(WORKER_RECURSION)
    threading.stack_size(WORKER_STACK)
    runner = threading.Thread(target=_answer, args=(store, options.max_rows, conn))
    runner.start()
    runner.join()


def _answer(store, max_rows: int, conn: Connection) -> None:
    while True:
        try:
            sparql, fmt = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = store.query(sparql, limit=max_rows)  # stops reading with TooLarge past max_rows
            answer = ("ok", result.type, render(result, fmt))
        except TooLarge as err:
            answer = (
                "too-large",
                f"the answer has more {err.unit} than this endpoint's limit of {err.limit}; "
                "add a LIMIT or narrow the query",
            )
        except Exception as err:  # the query's own failure, reported to the client; the worker lives on
            answer = ("error", f"{type(err).__name__}: {err}")
        try:
            conn.send(answer)
        except OSError:
            return


# ---------------------------------------------------------------- the server's side


class Worker:
    """The server's handle on one worker process."""

    def __init__(self, pid: int, conn: Connection):
        self.pid = pid
        self.conn = conn

    def alive(self) -> bool:
        """An idle worker never writes: anything readable on its socket is its end closing (it died)."""
        try:
            return not self.conn.poll(0)
        except (OSError, ValueError):
            return False

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGKILL)
        self.conn.close()


class WorkerPool:
    """``options.workers`` worker processes forked from one loader; dead ones are replaced."""

    def __init__(self, options: ServeOptions):
        self.options = options
        self.size = max(1, options.workers)
        self.context = multiprocessing.get_context("spawn")
        self.cond = threading.Condition()
        self.idle: deque[Worker] = deque()
        self.workers: set[Worker] = set()  # idle and busy
        self.closed = False
        self.forking = threading.Lock()
        self.loader: tuple = ()  # (process, connection) once it has loaded the graph
        self.loading = None  # the loader process while it starts
        self.warned = ""
        try:
            self._start_loader()
            for _ in range(self.size):
                self._give_back(self._fork(), new=True)
        except BaseException:
            self.close()
            raise
        self.keeper = threading.Thread(target=self._keep, name="claimgraph-pool-keeper", daemon=True)
        self.keeper.start()

    # -- processes

    def _start_loader(self) -> None:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_loader, args=(self.options, child), daemon=True)
        process.start()
        self.loading = process
        child.close()
        try:
            answer = parent.recv() if parent.poll(LOAD_TIMEOUT) else ("failed", f"not loaded within {LOAD_TIMEOUT} s")
        except (EOFError, OSError):  # it died without a word (killed, out of memory)
            process.join(5)
            answer = ("failed", f"the loading process exited with code {process.exitcode}")
        if answer[0] != "ready":
            parent.close()
            process.kill()
            process.join()
            if answer[0] == "invalid":
                raise InvalidInput(answer[1])
            raise RuntimeError(f"the graph could not be opened: {answer[1]}")
        self.loader = (process, parent)

    def _stop_loader(self) -> None:
        if self.loader:
            process, conn = self.loader
            self.loader = ()
            conn.close()
            process.kill()
            process.join(5)

    def _fork(self) -> Worker:
        """A new worker, forked by the loader (restarted first if it has gone), once its store is open."""
        with self.forking:
            for attempt in range(2):
                if self.closed:
                    raise RuntimeError("the pool is closed")
                if not self.loader:
                    self._start_loader()
                conn = self.loader[1]
                try:
                    conn.send("fork")
                    _, pid = conn.recv()
                    fd = recv_handle(conn)
                    break
                except (EOFError, OSError):  # the loader died: start it again (this loads the graph again)
                    self._stop_loader()
                    if attempt:
                        raise RuntimeError("the process holding the graph stopped and could not be restarted") from None
        worker = Worker(pid, Connection(fd))
        try:
            answer = worker.conn.recv() if worker.conn.poll(START_TIMEOUT) else ("failed", "it did not start in time")
        except (EOFError, OSError):
            answer = ("failed", "it exited while starting")
        if answer[0] != "ready":
            worker.stop()
            detail = "; ".join(map(str, answer[1])) if answer[0] == "invalid" else answer[1]
            raise RuntimeError(f"a query worker could not open the store: {detail}")
        return worker

    def pids(self) -> list[int]:
        """The worker processes' ids (for operators and tests)."""
        with self.cond:
            return sorted(w.pid for w in self.workers)

    # -- bookkeeping (the condition guards idle and workers)

    def _lost(self, worker: Worker) -> None:
        """Stop a worker (if it still runs) and let the keeper replace it."""
        worker.stop()
        with self.cond:
            self.workers.discard(worker)
            self.cond.notify_all()

    def _give_back(self, worker: Worker, new: bool = False) -> None:
        """An idle worker, after a query or (``new``) once started; stopped instead if the pool is closed."""
        with self.cond:
            if self.closed:
                worker.stop()
                return
            if new:
                self.workers.add(worker)
            self.idle.append(worker)
            self.cond.notify_all()

    def _take(self, deadline: float) -> Worker | None:
        with self.cond:
            while True:
                if self.closed:
                    raise QueryFailed(HTTPStatus.SERVICE_UNAVAILABLE, "the server is shutting down")
                while self.idle:
                    worker = self.idle.popleft()
                    if worker.alive():
                        return worker
                    worker.stop()
                    self.workers.discard(worker)
                    self.cond.notify_all()  # wakes the keeper
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.cond.wait(remaining)

    def _keep(self) -> None:
        """Keep the pool at its size: sweep dead idle workers, fork replacements, restart the loader if needed."""
        failures = 0
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.closed or len(self.workers) < self.size, timeout=SWEEP)
                if self.closed:
                    return
                for worker in [w for w in self.idle if not w.alive()]:
                    self.idle.remove(worker)
                    self.workers.discard(worker)
                    worker.stop()
                missing = self.size - len(self.workers)
            for _ in range(missing):
                try:
                    worker = self._fork()
                except Exception as err:
                    if self.closed:
                        return
                    failures += 1
                    if isinstance(err, InvalidInput):  # the graph file changed and no longer loads
                        reason = "the graph could not be loaded again: " + "; ".join(map(str, err.problems))
                    else:
                        reason = str(err)
                    self._warn(f"claimgraph: warning: {reason}; the pool is short of a worker, retrying")
                    time.sleep(min(30.0, 0.5 * 2**failures))
                    break
                failures = 0
                self._give_back(worker, new=True)

    def _warn(self, message: str) -> None:
        if message != self.warned:  # once per distinct trouble, not once per retry
            self.warned = message
            print(message, file=sys.stderr, flush=True)

    # -- queries

    def run(self, sparql: str, fmt: str) -> tuple[str, bytes]:
        """Run a query on a free worker: (query type, rendered answer), or QueryFailed with the HTTP status.

        A worker found dead before the query reached it is replaced and another one is used. One that dies while
        running it (killed from outside, out of memory) costs the query one more try on another worker, within the
        same time limit; a second death is the client's answer (503), so a query that kills workers kills two.
        """
        limit = self.options.timeout
        budget = limit  # seconds of running left to the query
        for _ in range(2):
            worker = self._send(sparql, fmt, time.monotonic() + limit)
            began = time.monotonic()
            if not worker.conn.poll(max(0.0, budget)):
                self._lost(worker)
                raise QueryFailed(
                    HTTPStatus.SERVICE_UNAVAILABLE, f"the query ran longer than this endpoint's limit of {limit:g} s "
                    "and was stopped; narrow it or add a LIMIT"
                )  # fmt: skip
            try:
                answer = worker.conn.recv()
                break
            except (EOFError, OSError):  # killed or out of memory while running this query
                self._lost(worker)
                budget -= time.monotonic() - began
        else:
            raise QueryFailed(
                HTTPStatus.SERVICE_UNAVAILABLE, "the query's worker process stopped before it answered, twice (killed "
                "or out of memory); narrow the query"
            )  # fmt: skip
        self._give_back(worker)
        if answer[0] == "too-large":
            raise QueryFailed(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, answer[1])
        if answer[0] == "error":
            raise QueryFailed(HTTPStatus.INTERNAL_SERVER_ERROR, answer[1])
        return answer[1], answer[2]

    def _send(self, sparql: str, fmt: str, deadline: float) -> Worker:
        """Hand the query to a free worker, waiting for one until ``deadline``."""
        while True:
            worker = self._take(deadline)
            if worker is None:
                raise QueryFailed(HTTPStatus.SERVICE_UNAVAILABLE, "all query workers are busy; try again")
            try:
                worker.conn.send((sparql, fmt))
                return worker
            except OSError:  # it died while idle, before the query reached it: use another
                self._lost(worker)

    def close(self) -> None:
        with self.cond:
            self.closed = True
            workers = list(self.workers)
            self.workers.clear()
            self.idle.clear()
            self.cond.notify_all()
        for worker in workers:
            worker.stop()
        if self.loading is not None:  # without the fork lock: a loader may be starting under it
            self.loading.kill()
            self.loading.join(5)


__all__ = ["QueryFailed", "ServeOptions", "WorkerPool"]
