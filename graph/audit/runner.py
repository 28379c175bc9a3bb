"""Running the rules over a store, each in a child process under a time limit.

A rule is a query the user may have written: a cartesian product or a join that never ends must stop the
audit with a clear message, not hang it. The children are forked (they share the loaded store copy-on-write), so
starting one costs milliseconds; an on-disk store is opened read-only by each child instead.

The rules only read, so they run side by side: all children are started at once (before the caller goes on to
its own queries, so no fork ever happens while this process is inside the store), and a semaphore lets as many
run at a time as there are CPUs to spare. ``start_rules`` returns at once; the caller reads the claims meanwhile
and collects the findings afterwards.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..model import Finding
from ..stores import Store
from .rules import Rule

DEFAULT_RULE_SECONDS = 300.0
Progress = Callable[[int, int], None] | None


class RuleTimeout(Exception):
    def __init__(self, rule: Rule, seconds: float):
        super().__init__(
            f"rule '{rule.id}' ({rule.path}) ran longer than its limit of {seconds:g} s and was stopped; "
            "narrow the query or raise --rule-timeout"
        )


def run_rules(store: Store, rules: list[Rule], seconds: float | None = DEFAULT_RULE_SECONDS,
              progress: Progress = None) -> list[Finding]:
    """Every rule's findings, deduplicated by id, sorted by id."""
    return start_rules(store, rules, seconds).findings(progress)


def start_rules(store: Store, rules: list[Rule], seconds: float | None = DEFAULT_RULE_SECONDS,
                spare: int = 0) -> RuleRun:
    """Start the rules in child processes (on a local store, with a time limit and fork) and return at once.

    ``spare``: CPUs the caller keeps busy meanwhile (its own queries), left free for it.
    """
    return RuleRun(store, rules, seconds, spare)


class RuleRun:
    """Rules running in children; ``findings()`` waits for them (or runs them here, where children cannot)."""

    def __init__(self, store: Store, rules: list[Rule], seconds: float | None, spare: int = 0):
        self.store, self.rules, self.seconds = store, rules, seconds
        self.children: dict[Any, tuple[Rule, Any]] = {}  # receiving end → (rule, process)
        self.inline = seconds is None or not hasattr(os, "fork") or not getattr(store, "local", False)
        if self.inline or not rules:
            return
        directory = getattr(store, "path", None)
        context = multiprocessing.get_context("forkserver" if directory is not None else "fork")
        at_once = max(1, min(len(rules), (os.cpu_count() or 1) - spare))
        turn = self.turn = context.Semaphore(at_once)  # kept: children started later unpickle it by name
        try:
            for rule in rules:
                if directory is not None:
                    target, args = _rows_on_disk, (str(directory), rule.sparql, rule.description)
                else:
                    target, args = rule_rows, (store, rule.sparql, rule.description)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(send, turn, target, args), daemon=True)
                process.start()
                send.close()
                self.children[receive] = (rule, process)
        except BaseException:
            self.stop()
            raise

    def findings(self, progress: Progress = None) -> list[Finding]:
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
        """(rule, rows) for every rule, in the order they finish. A child says when its turn starts; its time
        limit counts from then (as read here, so a limit may be noticed late, never early)."""
        if self.inline:
            for rule in self.rules:
                yield rule, rule_rows(self.store, rule.sparql, rule.description)
            return
        deadlines: dict[Any, float] = {}
        try:
            while self.children:
                now = time.monotonic()
                waits = [deadlines[r] - now for r in self.children if r in deadlines]
                ready = multiprocessing.connection.wait(list(self.children), timeout=max(0.0, min(waits, default=1.0)))
                for receive in ready:
                    rule, process = self.children[receive]
                    message = _receive(rule, receive, process)
                    if message is _STARTED:
                        deadlines[receive] = time.monotonic() + (self.seconds or 0)
                        continue
                    del self.children[receive]
                    _close(receive, process)
                    yield rule, message
                now = time.monotonic()
                for receive, deadline in deadlines.items():
                    if receive in self.children and now >= deadline:
                        raise RuleTimeout(self.children[receive][0], self.seconds or 0)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop every child still running."""
        for receive, (_, process) in self.children.items():
            if process.is_alive():
                process.kill()
            _close(receive, process)
        self.children = {}


_STARTED = object()


def _receive(rule: Rule, receive: Any, process: Any) -> Any:
    try:
        status, value = receive.recv()
    except EOFError:
        process.join(1)
        raise RuntimeError(f"rule '{rule.id}' stopped its process (exit code {process.exitcode})") from None
    if status == "started":
        return _STARTED
    if status == "error":
        raise RuntimeError(f"rule '{rule.id}' ({rule.path}) failed: {value}")
    return value


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


def _child(send: Any, turn: Any, target: Callable[..., Any], args: tuple) -> None:
    with turn:
        send.send(("started", None))
        try:
            send.send(("ok", target(*args)))
        except BaseException as err:  # reported by the parent, with the rule's name
            send.send(("error", f"{type(err).__name__}: {err}"))


def _rows_on_disk(directory: str, sparql: str, description: str) -> list[tuple[str, str, str]]:
    from ..stores.oxigraph import OxigraphStore

    return rule_rows(OxigraphStore.directory(directory, read_only=True), sparql, description)
