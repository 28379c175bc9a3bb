"""Progress of long work, drawn by the CLI on a terminal: a step that counts calls ``progress(done, total)`` as it
goes, and a long command names each step as it starts with ``step(label)`` (at 1,000,000 claims some steps run
for minutes without a count to show)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

Progress = Callable[[int, int], None]
Step = Callable[[str], None]


def on_terminal(label: str) -> Progress | None:
    """A progress callback that redraws one line on a terminal, or None (no reporting) when stderr is not one."""
    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last[0] > 0.2:
            last[0] = now
            end = "\n" if done == total else ""
            print(f"\r{label}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return report


def steps_on_terminal() -> Step:
    """A callback that prints each step as it starts, after the time since the first one, on a terminal; ``quiet``
    when stderr is not one."""
    if not sys.stderr.isatty():
        return quiet
    started = time.perf_counter()

    def step(label: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {label}", file=sys.stderr, flush=True)

    return step


def quiet(label: str) -> None:
    """A step callback that reports nothing."""
