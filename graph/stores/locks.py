"""Who may open an on-disk store at once: any number of readers, or one writer, across processes.

RocksDB's writer holds an fcntl lock on DIR/LOCK; its read-only handles take none, and a read-only handle beside a
writer in another process is undefined (files it is about to read may be compacted away). So readers take a shared
fcntl lock on the same file: a writer elsewhere then cannot open, and a reader cannot open beside one. fcntl locks
belong to the process, and closing any descriptor of the file drops all of them; so this process takes a store's
reader lock once and counts its readers, and never lets a reader and a writer of its own meet on one store.
Where there are no fcntl locks (Windows) nothing is locked.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

IN_USE = (
    "the store {path} is open in another process (a build, an audit, a query or a server): wait for it, or "
    "use another one"
)
OWN_WRITER = (
    "the store {path} is already open for writing in this process (a build not yet dropped, or an answer or an "
    "iteration over it not read to its end); drop it first"
)
OWN_READER = "the store {path} is open for reading in this process; close it first"
READ_ONLY = (
    "the store {path} cannot be written by this user (or its file system is read-only): it can be read as it "
    "stands, but not built or filled from another graph file"
)

READER_WAIT = 2.0  # seconds a new reader waits for the store (another reader's check lasts milliseconds)
WAIT_STEP = 0.25  # seconds between two tries of a store another process has (--wait)
_READERS: dict[Path, list] = {}  # store folder → [its lock's descriptor (None without fcntl), readers here]
_WRITTEN: set[Path] = set()  # stores this process has opened for writing (resolved): only they may hold a writer
T = TypeVar("T")


class StoreInUse(OSError):
    """Another process has the store open (IN_USE)."""

    def __init__(self, path: Path, waited: float | None = None):
        self.path = path
        super().__init__(IN_USE.format(path=path) + (f" (waited {waited:.0f} s)" if waited is not None else ""))


def patiently(
    open_: Callable[[], T], seconds: float, waiting: Callable[[str], None] | None, step: float = WAIT_STEP
) -> T:
    """``open_()``, tried again every ``step`` seconds while another process has the store, for up to ``seconds``;
    ``waiting`` is told once, when the wait begins, and the refusal says how long it waited (None: a wait of this
    module's own, said nothing of)."""
    began = time.monotonic()
    told = False
    while True:
        try:
            return open_()
        except StoreInUse as err:
            left = began + seconds - time.monotonic()
            if left <= 0:
                if seconds > 0 and waiting is not None:
                    raise StoreInUse(err.path, time.monotonic() - began) from None
                raise
            if not told and waiting is not None:
                waiting(f"the store {err.path} is open in another process: waiting up to {seconds:g} s")
                told = True
            time.sleep(min(step, left))


def join_readers(path: Path) -> Callable[[], None]:
    """Count this process among the store's readers, taking the shared lock for the first; returns the release
    (which may be called more than once). OSError when a writer has the store, here or in another process."""
    key = Path(path).resolve()
    held = _READERS.get(key)
    if held is None:
        held = _READERS[key] = [_reader_lock(Path(path)), 0]
    held[1] += 1
    released = False

    def release() -> None:
        nonlocal released
        if released:
            return
        released = True
        held[1] -= 1
        if held[1] == 0:
            del _READERS[key]
            if held[0] is not None:
                os.close(held[0])

    return release


def readers_here(path: Path) -> bool:
    """Whether this process holds readers of the store (so must not open a writer of its own on it)."""
    return Path(path).resolve() in _READERS


def lock_store(path: Path, shared: bool = False) -> int | None:
    """The lock on DIR/LOCK, shared (readers) or exclusive (a writer's window without its RocksDB handle); None
    without fcntl. Released by closing the descriptor: only where this process has no other lock on the store."""
    try:
        import fcntl
    except ImportError:
        return None
    held = os.open(Path(path) / "LOCK", os.O_RDONLY if shared else os.O_RDWR)  # a reader may not write the store
    try:
        fcntl.lockf(held, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError:
        os.close(held)
        raise StoreInUse(path) from None
    return held


def _reader_lock(path: Path) -> int | None:
    """The shared lock, once this process is known to have no writer there. Another process that joins the readers
    at the same moment holds the store for an instant (see _no_writer_here): that is waited out, a writer is not."""

    def take() -> int | None:
        _no_writer_here(path)
        return lock_store(path, shared=True)

    return patiently(take, READER_WAIT, None, step=0.05)


def open_writer(path: Path) -> ox.Store:
    """The store in ``path`` opened for writing; an OSError naming who has it when it is open already (RocksDB's
    own messages are the only way to tell a writer of this process from another process)."""
    if readers_here(path):
        raise OSError(OWN_READER.format(path=path))
    if Path(path).exists() and not _may_write(path):
        raise OSError(READ_ONLY.format(path=path))
    where = Path(path).resolve()  # RocksDB knows its writers by the path as given: one spelling for every opening
    try:
        store = ox.Store(str(where))
        _WRITTEN.add(where)
        return store
    except OSError as err:
        if "current process" in str(err):
            raise OSError(OWN_WRITER.format(path=path)) from None
        if "lock file" in str(err):
            raise StoreInUse(path) from None
        raise


def _no_writer_here(path: Path) -> None:
    """Refuse when this process has a writer of its own open on the store. Only RocksDB knows for sure (its own
    register of the locks it holds: a writer dropped may live on in an unfinished iteration); asking it opens a
    writer for a moment when nobody has the store, which rewrites the store's MANIFEST, OPTIONS and LOG files. So it
    is asked only about a store this process has opened for writing before (open_writer): a query in a process of
    its own leaves the store's files as they were. A store this process may not write holds no writer of its own."""
    if Path(path).resolve() not in _WRITTEN or not _may_write(path):
        return
    with suppress(StoreInUse):  # another process has it: the shared lock decides
        open_writer(path)


def _may_write(path: Path) -> bool:
    """Whether this process may write the store's folder and its LOCK (RocksDB's writer adds and renames files in
    it, and locks LOCK)."""
    lock = Path(path) / "LOCK"
    return os.access(path, os.W_OK) and (not lock.exists() or os.access(lock, os.W_OK))
