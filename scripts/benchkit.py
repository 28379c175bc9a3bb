"""What the benchmark scripts share: timing an action in this process. (They import the corpus generator,
make_corpus.py, the same way: a script's own folder is the first place Python imports from.)"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def best_of(action: Callable[[], T], repeat: int = 1) -> tuple[T, tuple[float, float]]:
    """``action``'s value and the (wall, CPU) seconds of its fastest of ``repeat`` runs: other jobs on the machine
    only ever add time. CPU seconds are this process's, every thread included."""
    best: tuple[T, tuple[float, float]] | None = None
    for _ in range(max(repeat, 1)):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        value = action()
        seconds = (time.perf_counter() - wall, time.process_time() - cpu)
        if best is None or seconds[0] < best[1][0]:
            best = (value, seconds)
    assert best is not None
    return best
