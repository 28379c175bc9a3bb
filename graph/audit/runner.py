"""Running the rules over a store, each in a child process under a time limit.

A rule is a query the user may have written: a cartesian product or a join that never ends must stop the
audit with a clear message, not hang it. The child is forked (it shares the loaded store copy-on-write), so
starting it costs milliseconds; an on-disk store is opened read-only by the child instead.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
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
    findings: dict[str, Finding] = {}
    for done, rule in enumerate(rules, start=1):
        for claim, other, message in _limited(store, rule, seconds):
            claims = (claim, other) if other else (claim,)
            finding = Finding(f"{rule.id}:{'+'.join(claims)}", rule.id, rule.kind, rule.severity, claims, message)
            findings.setdefault(finding.id, finding)
        if progress:
            progress(done, len(rules))
    return sorted(findings.values(), key=lambda f: f.id)


def rule_rows(store: Store, sparql: str, description: str) -> list[tuple[str, str, str]]:
    """(claim, other, message) for each answer of a rule's query."""
    rows = []
    for row in store.query(sparql).dicts():
        if "claim" not in row:
            continue
        other = row["other"].value if "other" in row else ""
        message = row["message"].value if "message" in row else description
        rows.append((row["claim"].value, other, message))
    return rows


def _limited(store: Store, rule: Rule, seconds: float | None) -> list[tuple[str, str, str]]:
    """The rule's rows, computed in a child process that is killed after ``seconds``.

    An in-memory store is shared with a forked child; an on-disk Oxigraph store is opened read-only by a child
    started from a clean process (forking a live RocksDB is unsafe); an endpoint's request has its own timeout.
    Without a limit, or without fork (Windows), the rule runs in this process.
    """
    directory = getattr(store, "path", None)
    if seconds is None or not hasattr(os, "fork") or not getattr(store, "local", False):
        return rule_rows(store, rule.sparql, rule.description)
    if directory is not None:
        context = multiprocessing.get_context("forkserver")
        target, args = _rows_on_disk, (str(directory), rule.sparql, rule.description)
    else:
        context = multiprocessing.get_context("fork")
        target, args = rule_rows, (store, rule.sparql, rule.description)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, target, args), daemon=True)
    process.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise RuleTimeout(rule, seconds)
        status, value = receive.recv()
    except EOFError:
        process.join(1)
        raise RuntimeError(f"rule '{rule.id}' stopped its process (exit code {process.exitcode})") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receive.close()
    if status == "error":
        raise RuntimeError(f"rule '{rule.id}' ({rule.path}) failed: {value}")
    return value


def _child(send: Any, target: Callable[..., Any], args: tuple) -> None:
    try:
        send.send(("ok", target(*args)))
    except BaseException as err:  # reported by the parent, with the rule's name
        send.send(("error", f"{type(err).__name__}: {err}"))


def _rows_on_disk(directory: str, sparql: str, description: str) -> list[tuple[str, str, str]]:
    from ..stores.oxigraph import OxigraphStore

    return rule_rows(OxigraphStore.directory(directory, read_only=True), sparql, description)
