"""Reading user files and writing outputs atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .problems import Problem


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A failed run never leaves a half-written file, and the previous good file stays until
    the new one is complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_text(path: Path, problems: list[Problem]) -> str:
    """Read a UTF-8 file (a BOM is dropped), reporting each line holding invalid UTF-8.

    Invalid bytes are replaced so that the rest of the file can still be checked.
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        for number, line in enumerate(raw.split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                problems.append(
                    Problem(str(path), number, f"col {err.start + 1}", f"invalid UTF-8 (byte 0x{line[err.start]:02x})")
                )
        text = raw.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff")
