"""Progress of long steps: a step calls ``progress(done, total)`` as it goes; on a terminal the CLI draws it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

Progress = Callable[[int, int], None]


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
