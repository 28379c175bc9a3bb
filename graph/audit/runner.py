"""Running the rules over a store, in child processes, each rule under a time limit.

A rule is a query the user may have written: a cartesian product or a join that never ends must stop the
audit with a clear message, not hang it. The workers are forked (they share the loaded store copy-on-write); an
on-disk store is opened read-only by each worker instead.

The rules only read, so they run side by side: as many workers as there are CPUs to spare are started at once
(before the caller goes on to its own queries, so no fork happens while this process is inside the store), and
each takes the next rule number from a pipe until none is left, handing each rule's rows over from a thread of its
own; a worker ends as soon as the audit's process does, even inside a rule (another thread watches its pipe to
it). ``start_rules`` returns at once; the caller reads the claims meanwhile and collects the findings afterwards.

On an endpoint the work is the server's: the rules are sent at once, a few requests at a time from threads of this
process, while the caller reads the claims; the limit is how long each answer is awaited (the server may go on with
a query the audit gave up).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from ..children import die_with_parent
from ..model import Finding
from ..progress import Progress
from ..stores import Store
from .rules import Rule

DEFAULT_RULE_SECONDS = 300.0
ENDPOINT_REQUESTS = 4  # rules an endpoint is asked at once (besides the caller's own query)
RULE_NUMBER = struct.Struct("<H")  # a rule's place in the list, as the workers read it from the hand-out pipe


class RuleTimeout(Exception):
    def __init__(self, rule: Rule, seconds: float, remote: bool = False):
        stopped = "was given up (the endpoint may still be running it)" if remote else "was stopped"
        super().__init__(
            f"rule '{rule.id}' ({rule.path}) ran longer than its limit of {seconds:g} s and {stopped}; "
            "narrow the query or raise --rule-timeout"
        )


def run_rules(store: Store, rules: list[Rule], seconds: float | None = DEFAULT_RULE_SECONDS,
              progress: Progress | None = None) -> list[Finding]:
    """Every rule's findings, deduplicated by id, sorted by id."""
    with readers_only(store):
        return start_rules(store, rules, seconds).findings(progress)


def readers_only(store: Store) -> AbstractContextManager[None]:
    """No writer open on an on-disk store while the workers open it read-only (see ``shared_with_readers``)."""
    shared = getattr(store, "shared_with_readers", None)
    return shared() if shared is not None else nullcontext()


def start_rules(store: Store, rules: list[Rule], seconds: float | None = DEFAULT_RULE_SECONDS,
                spare: int = 0) -> RuleRun:
    """Start the rules in child processes (on a local store, with a time limit and fork) or as requests to an
    endpoint, and return at once.

    ``spare``: CPUs the caller keeps busy meanwhile (its own queries), left free for it.
    """
    from ..stores.endpoint import EndpointStore

    if isinstance(store, EndpointStore):
        return AskedRules(store.limited(seconds) if seconds is not None else store, rules, seconds)
    if not rules or seconds is None or not hasattr(os, "fork") or not getattr(store, "local", False):
        return InlineRules(store, rules)
    return ForkedRules(store, rules, seconds, spare)


class RuleRun:
    """Rules started; ``findings()`` waits for them, ``stop()`` gives them up."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules

    def findings(self, progress: Progress | None = None) -> list[Finding]:
        """Every rule's findings, deduplicated by id, sorted by id."""
        found: dict[str, Finding] = {}
        for done, (rule, rows) in enumerate(self._rows(), start=1):
            for claim, other, message in rows:
                claims = (claim, other) if other else (claim,)
                finding = Finding(f"{rule.id}:{'+'.join(claims)}", rule.id, rule.kind, rule.severity, claims, message)
                found.setdefault(finding.id, finding)
            if progress:
                progress(done, len(self.rules))
        return sorted(found.values(), key=lambda f: f.id)

    def _rows(self) -> Iterator[tuple[Rule, list[tuple[str, str, str]]]]:
        """(rule, rows) for every rule, in the order they finish."""
        raise NotImplementedError

    def stop(self) -> None:
        """Give up the rules still running."""


class InlineRules(RuleRun):
    """The rules run here, one after the other, when ``findings()`` asks: where children cannot (no fork, a
    store that is not local) or need not (no time limit)."""

    def __init__(self, store: Store, rules: list[Rule]):
        super().__init__(rules)
        self.store = store

    def _rows(self) -> Iterator[tuple[Rule, list[tuple[str, str, str]]]]:
        for rule in self.rules:
            yield rule, rule_rows(self.store, rule.sparql, rule.description)


class AskedRules(RuleRun):
    """The rules sent to an endpoint, ENDPOINT_REQUESTS at a time, from daemon threads (an audit that stops does
    not wait for the answers still due); the time limit is how long each answer is awaited."""

    def __init__(self, endpoint: Store, rules: list[Rule], seconds: float | None):
        super().__init__(rules)
        self.seconds = seconds
        self.stopped = threading.Event()
        self.answers: queue.Queue = queue.Queue()  # (rule, rows or the error) as they arrive
        todo: queue.SimpleQueue[Rule] = queue.SimpleQueue()
        for rule in rules:
            todo.put(rule)

        def ask() -> None:
            while not self.stopped.is_set():
                try:
                    rule = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    self.answers.put((rule, rule_rows(endpoint, rule.sparql, rule.description)))
                except BaseException as err:  # reported by _rows, with the rule's name
                    self.answers.put((rule, err))

        for _ in range(min(ENDPOINT_REQUESTS, len(rules))):
            threading.Thread(target=ask, name="claimgraph-rule", daemon=True).start()

    def _rows(self) -> Iterator[tuple[Rule, list[tuple[str, str, str]]]]:
        try:
            for _ in self.rules:
                rule, rows = self.answers.get()
                if isinstance(rows, BaseException):
                    timed_out = isinstance(getattr(rows, "reason", rows), TimeoutError)
                    if self.seconds is not None and isinstance(rows, OSError) and timed_out:
                        raise RuleTimeout(rule, self.seconds, remote=True) from None
                    raise rows
                yield rule, rows
        finally:
            self.stop()

    def stop(self) -> None:
        """Send no more rules; the answers awaited are dropped."""
        self.stopped.set()


class ForkedRules(RuleRun):
    """The rules in child processes, each under the time limit. A worker says when it starts a rule; the limit
    counts from then (as read here, so a limit may be noticed late, never early)."""

    def __init__(self, store: Store, rules: list[Rule], seconds: float, spare: int):
        super().__init__(rules)
        self.seconds = seconds
        self.workers: dict[Any, Any] = {}  # receiving end → process
        directory = getattr(store, "path", None)
        self.context = multiprocessing.get_context("forkserver" if directory is not None else "fork")
        self.rules_left = _hand_out(len(rules), self.context)
        self.task = (str(directory), None) if directory is not None else (None, store)
        self.queries = [(rule.sparql, rule.description) for rule in rules]
        self.cpus = os.cpu_count() or 1
        self._start(max(1, min(len(rules), self.cpus - spare)))

    def _start(self, count: int) -> None:
        """Start ``count`` more workers; each takes the next rule left until none is."""
        try:
            for _ in range(count):
                receive, send = self.context.Pipe(duplex=False)
                # a forked child inherits every pipe end of this process; it must let go of the reading ends, or
                # its own pipe would never report the audit gone (a fork server's child inherits none of them)
                inherited = [receive, *self.workers] if self.task[1] is not None else []
                process = self.context.Process(
                    target=_worker, args=(send, self.rules_left, self.queries, *self.task, inherited), daemon=True
                )
                process.start()
                send.close()
                self.workers[receive] = process
        except BaseException:
            self.stop()
            raise

    def untaken(self) -> int:
        """How many rules no worker has taken yet (none, once the run is stopped)."""
        return 0 if self.rules_left.closed else _unread(self.rules_left) // RULE_NUMBER.size

    def _rows(self) -> Iterator[tuple[Rule, list[tuple[str, str, str]]]]:
        left = self.untaken()
        if left > 0:  # the caller's own work is done: its CPUs take rules too
            self._start(min(left, self.cpus - len(self.workers)))
        current: dict[Any, tuple[Rule, float]] = {}  # worker → (its rule, deadline)
        finished = 0
        try:
            while finished < len(self.rules):
                if not self.workers:
                    raise RuntimeError("the rule workers stopped before every rule was run")
                now = time.monotonic()
                wait = min((deadline - now for _, deadline in current.values()), default=1.0)
                wait = max(0.0, min(wait, 60.0))  # the loop looks again; a limit of days would overflow the wait
                for receive in multiprocessing.connection.wait(list(self.workers), timeout=wait):
                    try:
                        status, index, value = receive.recv()
                    except EOFError:
                        process = self.workers.pop(receive)
                        _close(receive, process)
                        if receive in current or process.exitcode:
                            rule = current[receive][0] if receive in current else None
                            name = f"rule '{rule.id}'" if rule is not None else "a rule worker"
                            raise RuntimeError(f"{name} {_how_it_stopped(process.exitcode)}") from None
                        continue
                    rule = self.rules[index]
                    if status == "started":
                        current[receive] = (rule, time.monotonic() + self.seconds)
                        continue
                    current.pop(receive, None)
                    if status == "error":
                        raise RuntimeError(f"rule '{rule.id}' ({rule.path}) failed: {value}")
                    finished += 1
                    yield rule, value
                now = time.monotonic()
                for rule, deadline in current.values():
                    if now >= deadline:
                        raise RuleTimeout(rule, self.seconds)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop every worker still running."""
        for receive, process in self.workers.items():
            if process.is_alive():
                process.kill()
            _close(receive, process)
        self.workers = {}
        self.rules_left.close()


def _hand_out(count: int, context: Any) -> Any:
    """A pipe holding the rule numbers 0 … count-1, its writing end closed: each worker reads the next number (a
    read of a few bytes from a pipe is atomic), and an empty pipe reads as its end. Unlike a shared counter, it needs
    no semaphore, which a process ended by Ctrl-C would leave behind (and Python then warns about)."""
    rules_left, handout = context.Pipe(duplex=False)
    room = min(_pipe_size(handout) // RULE_NUMBER.size, 1 << 8 * RULE_NUMBER.size)  # bytes held; numbers written
    if count > room:
        rules_left.close()
        handout.close()
        raise ValueError(f"{count} rules are more than an audit runs at once here (at most {room:,})")
    if count:
        os.write(handout.fileno(), b"".join(RULE_NUMBER.pack(k) for k in range(count)))
    handout.close()  # before any worker is forked: a forked child would keep it open, and the pipe would never end
    return rules_left


def _pipe_size(connection: Any) -> int:
    """What a pipe holds (64 KiB by default on Linux; less for a user past their pipe allowance)."""
    import fcntl

    if not hasattr(fcntl, "F_GETPIPE_SZ"):  # not Linux: the least a pipe holds on macOS
        return 1 << 14
    return fcntl.fcntl(connection.fileno(), fcntl.F_GETPIPE_SZ)


def _unread(connection: Any) -> int:
    """Bytes still in a pipe."""
    import fcntl
    import termios

    waiting = bytearray(4)
    fcntl.ioctl(connection.fileno(), termios.FIONREAD, waiting)
    return int.from_bytes(waiting, sys.byteorder)


def _close(receive: Any, process: Any) -> None:
    process.join()
    receive.close()


def rule_rows(store: Store, sparql: str, description: str) -> list[tuple[str, str, str]]:
    """(claim, other, message) for each answer of a rule's query."""
    rows: list[tuple[str, str, str]] = []
    result = store.query(sparql)
    names = result.variables
    if "claim" not in names:
        return rows
    at_claim = names.index("claim")
    at_other = names.index("other") if "other" in names else None
    at_message = names.index("message") if "message" in names else None
    for row in result.rows:
        claim = row[at_claim]
        if claim is None:
            continue
        other = row[at_other] if at_other is not None else None
        message = row[at_message] if at_message is not None else None
        rows.append((claim.value, other.value if other is not None else "",
                     message.value if message is not None else description))  # fmt: skip
    return rows


def _worker(
    send: Any, rules_left: Any, queries: list[tuple[str, str]], directory: str | None, store: Any, inherited: list
) -> None:
    """Take the next rule until none is left: say which, then send its rows (or the error).

    A thread sends: a rule's rows (megabytes at scale, more than a pipe holds) wait in this process until the
    parent reads them, and the worker goes on with its next rule meanwhile. Sending from the loop kept a worker
    idle for six minutes of a 1,000,000-claim build, until the parent had read its claim view."""
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))  # Ctrl-C reaches the whole group: the parent reports it
    die_with_parent()
    for connection in inherited:
        connection.close()
    threading.Thread(target=_end_with_the_audit, args=(send,), name="claimgraph-rule-watch", daemon=True).start()
    if directory is not None:
        from ..stores.oxigraph import OxigraphStore

        store = OxigraphStore.directory(directory, read_only=True)
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    sender = threading.Thread(target=_send_all, args=(outbox, send), name="claimgraph-rule-sender", daemon=True)
    sender.start()
    while sender.is_alive():  # not alive: the parent has gone (its end of the pipe closed), so stop
        number = os.read(rules_left.fileno(), RULE_NUMBER.size)
        if not number:  # every rule is taken
            break
        (index,) = RULE_NUMBER.unpack(number)
        outbox.put(("started", index, None))
        sparql, description = queries[index]
        try:
            outbox.put(("ok", index, rule_rows(store, sparql, description)))
        except BaseException as err:  # reported by the parent, with the rule's name
            outbox.put(("error", index, f"{type(err).__name__}: {err}"))
    outbox.put(None)
    sender.join()  # everything sent before the worker ends (a daemon: an error above does not wait for it)
    send.close()


def _end_with_the_audit(send: Any) -> None:
    """End this worker as soon as the audit's process has gone (its end of the pipe closes: killed, Ctrl-C, or done
    with the audit). die_with_parent cannot: a fork server's worker has the fork server for parent, which lives as
    long as any of its workers does. A rule runs inside the store for as long as it takes (a cartesian product: hours,
    gigabytes) without the GIL, so this thread runs meanwhile, where a signal handler would wait for the rule."""
    import select

    if not hasattr(select, "poll"):
        return
    watch = select.poll()
    watch.register(send.fileno(), 0)  # POLLERR is always reported: on a pipe's write end, the read end is closed
    while True:
        for _, events in watch.poll():
            if events & select.POLLERR:
                os._exit(1)
            if events & select.POLLNVAL:  # this worker closed its end: it is ending anyway
                return


def _send_all(outbox: queue.SimpleQueue, send: Any) -> None:
    try:
        for message in iter(outbox.get, None):
            send.send(message)
    except OSError:  # the parent closed its end: it stopped the audit, or was stopped
        return


def _how_it_stopped(code: int | None) -> str:
    """Why a rule's process ended, in words: a signal by name, and the usual sender of SIGKILL."""
    if code is None or code >= 0:
        return f"stopped its process (exit code {code})"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    why = " (by the system's out-of-memory killer, most likely: the rule needed more memory than the machine had)"
    return f"was killed by {name}{why if name == 'SIGKILL' else ''}"
