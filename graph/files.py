"""Reading user files, and writing outputs so that a failure never leaves a half-written or mixed result."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from .formats import rdf_format_of
from .problems import InvalidInput, Problem, missing_file
from .progress import Step, quiet

Writer = Callable[[Path], None]  # writes one output file at the path it is given
# A file's content: whole, as text chunks made while the file is written, or a function that writes it.
Content = bytes | str | Iterable[str] | Writer
_PENDING: set[Path] = set()  # temporary files and folders being written now (removed if the run is stopped)


def remove_pending() -> None:
    """Remove the temporary files and folders this process is writing (for a Ctrl-C that ends it at once)."""
    for path in list(_PENDING):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


# ---------------------------------------------------------------- writing


def write_atomic(path: Path, data: Content) -> None:
    """Write one file through a temporary file and a rename: the previous good file stays until the new one
    is complete. ``data`` is the content (whole, or text chunks made as they are written: a large build's reports
    are hundreds of megabytes), or a function that writes the content to the path it is given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path.parent, f".{path.name}.")
    tmp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    _PENDING.add(tmp)
    try:
        _write(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _PENDING.discard(tmp)


def _write(path: Path, data: Content) -> None:
    if callable(data):
        data(path)
    elif isinstance(data, bytes | str):
        with open(path, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
    else:
        with open(path, "w", encoding="utf-8", newline="") as text:
            text.writelines(data)
    with open(path, "rb+") as done:  # on disk before the rename makes it visible
        os.fsync(done.fileno())


def replace_directory(target: Path, files: dict[str, Content], steps: Step = quiet) -> list[Path]:
    """Replace the build outputs in ``target`` all at once: every file is written into a fresh directory beside
    it, the two directories are swapped in one step, and only then is the old one removed.

    A crash, Ctrl-C or full disk before the swap leaves ``target`` exactly as it was; files in ``target`` that
    this build does not write (an export, a store) are carried over by hard links. ``steps`` is told each file
    as it is started.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a folder; give --out another folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target.parent, f".{target.name}.")
    fresh = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.new"
    _PENDING.add(fresh)
    fresh.mkdir()
    try:
        for name, writer in files.items():
            steps(f"writing {target / name}")
            _write(fresh / name, writer)
        if target.is_dir():
            _carry_over(target, fresh, set(files))
        _fsync_dir(fresh)
        old = _swap(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        _PENDING.discard(fresh)
        raise
    if old is not None:
        _PENDING.add(old)
        shutil.rmtree(old, ignore_errors=True)
        _PENDING.discard(old)
    _PENDING.discard(fresh)
    _fsync_dir(target.parent)
    return [target / name for name in files]


def _carry_over(old: Path, new: Path, written: set[str]) -> None:
    for entry in sorted(old.iterdir()):
        if entry.name in written or entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, copy_function=_link_or_copy, symlinks=True)
        else:
            _link_or_copy(entry, new / entry.name)


def _link_or_copy(source: Path | str, destination: Path | str) -> None:
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, destination, follow_symlinks=False)


_RENAME_EXCHANGE = 2


def _swap(fresh: Path, target: Path) -> Path | None:
    """Put ``fresh`` in place of ``target``; return where the old directory now is (None if there was none)."""
    if not target.exists():
        os.rename(fresh, target)
        return None
    if _exchange(fresh, target):  # Linux: one atomic step, target is never missing
        return fresh
    old = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.old"
    os.rename(target, old)
    os.rename(fresh, target)
    return old


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_TEMP = re.compile(r"\.(\d+)-[0-9a-f]{8}\.(?:tmp|new|old)$")


def _remove_stale(directory: Path, prefix: str) -> None:
    """Remove temporary files and directories that a killed run left behind (their process is gone)."""
    with contextlib.suppress(OSError):
        for entry in directory.iterdir():
            match = _TEMP.search(entry.name)
            if entry.name.startswith(prefix) and match and not _alive(int(match.group(1))):
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------- reading text

MAX_PROBLEMS_PER_FILE = 50  # invalid-UTF-8 lines reported before the rest are counted


def read_text(path: Path, problems: list[Problem]) -> str:
    """Read a UTF-8 file (a BOM is dropped), reporting the lines holding invalid UTF-8.

    A UTF-16 file, or one with NUL bytes, is one problem naming the cause rather than a line per NUL.
    Invalid bytes are replaced so that the rest of the file can still be checked.
    """
    raw = Path(path).read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        kind = "UTF-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw.count(b"\x00") > len(raw) // 4 else ""
        reason = f"the file is {kind}, not UTF-8" if kind else "the file holds NUL bytes (is it binary?)"
        problems.append(Problem(str(path), 1, "", f"{reason}; save it as UTF-8"))
        return ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        _report_invalid_utf8(path, raw, problems)
        text = raw.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff")


def _report_invalid_utf8(path: Path, raw: bytes, problems: list[Problem]) -> None:
    bad = 0
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as err:
            bad += 1
            if bad <= MAX_PROBLEMS_PER_FILE:
                message = f"invalid UTF-8 (byte 0x{line[err.start]:02x})"
                problems.append(Problem(str(path), number, f"col {err.start + 1}", message))
    if bad > MAX_PROBLEMS_PER_FILE:
        more = bad - MAX_PROBLEMS_PER_FILE
        problems.append(Problem(str(path), 0, "", f"{more} more lines hold invalid UTF-8"))


# ---------------------------------------------------------------- reading RDF

MAX_ENTITY_EXPANSION = 1_000_000  # characters XML entities may add to an RDF/XML file


def read_rdf(path: Path, problems: list[Problem], max_bytes: int | None = None) -> list[ox.Triple]:
    """The triples of an RDF file (format from its suffix; a dataset's graphs merged into one graph).

    A missing file, a syntax error (file, line and column from the parser), an oversized file or an RDF/XML
    entity bomb each become one Problem; the answer is then empty.
    """
    if not rdf_file_ok(Path(path), problems, max_bytes):
        return []
    try:
        return list(iter_rdf(path))
    except SyntaxError as err:
        problems.append(syntax_problem(Path(path), err))
        return []


def rdf_file_ok(path: Path, problems: list[Problem], max_bytes: int | None = None) -> bool:
    """Whether a graph file may be parsed: it exists, is within ``max_bytes``, and (RDF/XML) its entities are
    bounded. What is wrong is appended to ``problems``."""
    if not path.is_file():
        problems.append(missing_file(path))
        return False
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        problems.append(Problem(str(path), 0, "", f"the file has {size:,} bytes, more than the {max_bytes:,} allowed"))
        return False
    if rdf_format_of(path).name == "rdfxml" and (refused := xml_entity_problem(path.read_bytes())):
        problems.append(Problem(str(path), refused[0], "", refused[1]))
        return False
    return True


def iter_rdf(path: Path) -> Iterator[ox.Triple]:
    """Stream the triples of a graph file (checked with rdf_file_ok); SyntaxError as pyoxigraph raises it."""
    fmt = rdf_format_of(path)
    for statement in ox.parse(path=str(path), format=fmt.ox, base_iri=Path(path).resolve().as_uri()):
        yield _triple(statement)


def _triple(statement: ox.Triple | ox.Quad) -> ox.Triple:
    return statement.triple if isinstance(statement, ox.Quad) else statement


def syntax_problem(path: Path, err: SyntaxError) -> Problem:
    """A pyoxigraph syntax error as a Problem at the parser's line and column."""
    message = " ".join(str(err.msg).split())
    return Problem(str(path), err.lineno or 0, f"col {err.offset or 0}", f"syntax error: {message}")


def require_file(path: Path, hint: str = "") -> Path:
    """``path`` if it is a file; InvalidInput with the one missing-file message otherwise."""
    if not Path(path).is_file():
        raise InvalidInput([missing_file(path, hint)])
    return Path(path)


# Every entity declaration anywhere in the document (Oxigraph's RDF/XML parser also reads those inside
# comments), with its name and its quoted value; names are anything up to white space, as the parser reads them.
_ENTITY = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s\"'%<>]+)\s*(\"([^\"]*)\"|'([^']*)'|\S+)?", re.S)
_REFERENCE = re.compile(rb"&([^&;#\s<>\"']+);")
_AMPERSAND_REFERENCE = re.compile(rb"&#(?:38|x26|X26);|&amp;")  # an entity value can build '&name;' from these
ENTITY_GROWTH = 10  # expanded text allowed per byte of the file, above MAX_ENTITY_EXPANSION


def xml_entity_problem(raw: bytes) -> tuple[int, str] | None:
    """Why an RDF/XML document's entities are refused, with the line of the declaration at fault; None when
    they are harmless.

    External (SYSTEM, PUBLIC) and parameter entities are never allowed. For internal entities, the length of
    the text all references would expand to is computed without expanding anything (each entity's size from
    the sizes of the entities it refers to), and bounded: a "billion laughs" or a quadratic blow-up is refused
    after one pass over the file, in memory proportional to the file.
    """
    if b"<!ENTITY" not in raw:
        return None
    values: dict[bytes, bytes] = {}
    lines: dict[bytes, int] = {}
    for match in _ENTITY.finditer(raw):
        line = raw.count(b"\n", 0, match.start()) + 1
        name, quoted = match.group(2), match.group(3)
        if match.group(1):
            return line, "RDF/XML with parameter entities (<!ENTITY % …>) is refused"
        if quoted is None or quoted[:1] not in (b'"', b"'"):
            if quoted in (b"SYSTEM", b"PUBLIC"):
                return line, "RDF/XML with external entities (SYSTEM or PUBLIC) is refused: they can read files"
            return line, 'an entity declaration is not of the form <!ENTITY name "value">: refused'
        value = match.group(4) if match.group(4) is not None else match.group(5)
        values.setdefault(name, _AMPERSAND_REFERENCE.sub(b"&", value))
        lines.setdefault(name, line)
    limit = MAX_ENTITY_EXPANSION + ENTITY_GROWTH * len(raw)
    sizes: dict[bytes, int] = {}
    for name in values:  # sizes in dependency order, without recursion (a chain may be long)
        stack, on_stack = [name], {name}
        while stack:
            current = stack[-1]
            refs = [r for r in _REFERENCE.findall(values[current]) if r in values]
            pending = [r for r in refs if r not in sizes]
            if pending:
                cycle = next((r for r in pending if r in on_stack), None)
                if cycle is not None:
                    return lines[cycle], f"the XML entity '{_name(cycle)}' refers to itself"
                stack.append(pending[0])
                on_stack.add(pending[0])
                continue
            sizes[current] = min(len(values[current]) + sum(sizes[r] for r in refs), limit + 1)
            stack.pop()
            on_stack.discard(current)
    total = 0
    for ref in _REFERENCE.findall(raw):
        total += sizes.get(ref, 0)
        if total > limit:
            worst = max(sizes, key=lambda n: (sizes[n], -lines[n]))
            alone = f"more than {limit:,}" if sizes[worst] > limit else f"{sizes[worst]:,}"
            return lines[worst], (
                f"XML entities would expand to more than {limit:,} characters (the entity '{_name(worst)}' "
                f"declared here alone to {alone}): refused"
            )
    return None


def _name(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
