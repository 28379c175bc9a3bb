"""Writing outputs atomically, reading text files, and refusing hostile RDF: graph/files.py through its functions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph.files import (
    MAX_ENTITY_EXPANSION,
    read_rdf,
    read_text,
    replace_directory,
    require_file,
    write_atomic,
    xml_entity_problem,
)
from graph.problems import InvalidInput, Problem

# --- write_atomic: the previous file stays whole until the new one is complete ---------------------------


def test_a_reader_of_the_old_file_keeps_the_old_content_and_the_path_gets_the_new(tmp_path: Path):
    """An atomic replacement is a rename: a file opened before it still reads the old bytes in full (written in
    place, the open file would be truncated and overwritten under its reader)."""
    path = tmp_path / "out" / "claims.ttl"
    write_atomic(path, "old content\n" * 1000)
    with open(path, "rb") as reader:
        write_atomic(path, b"new")
        assert reader.read() == b"old content\n" * 1000
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in path.parent.iterdir()) == ["claims.ttl"]  # no temporary file left


def test_while_the_writer_runs_the_target_still_holds_the_previous_file(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text("previous", encoding="utf-8")
    seen = {}

    def writer(where: Path) -> None:
        seen["where"], seen["target"] = where, path.read_text(encoding="utf-8")
        where.write_text("complete", encoding="utf-8")

    write_atomic(path, writer)
    assert seen["target"] == "previous" and seen["where"] != path and seen["where"].parent == path.parent
    assert seen["where"].name.startswith(".page.html.") and seen["where"].name.endswith(".tmp")
    assert path.read_text(encoding="utf-8") == "complete" and not seen["where"].exists()


def test_a_writer_that_fails_half_way_leaves_the_previous_file_and_no_temporary(tmp_path: Path):
    path = tmp_path / "audit.json"
    path.write_bytes(b'{"good": true}')

    def failing(where: Path) -> None:
        where.write_bytes(b'{"half')
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, failing)
    assert path.read_bytes() == b'{"good": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["audit.json"]


def test_text_is_written_as_utf8_and_bytes_as_they_are(tmp_path: Path):
    write_atomic(tmp_path / "a.txt", "café – ✓\n")
    write_atomic(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "a.txt").read_bytes() == "café – ✓\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"


def test_a_dead_run_s_temporary_file_is_removed_and_a_live_one_kept(tmp_path: Path):
    dead_pid = _a_finished_pid()
    dead = tmp_path / f".claims.ttl.{dead_pid}-0123abcd.tmp"
    live = tmp_path / f".claims.ttl.{os.getppid()}-89abcdef.tmp"
    other = tmp_path / f".other.ttl.{dead_pid}-0123abcd.tmp"
    for stale in (dead, live, other):
        stale.write_text("x", encoding="utf-8")
    write_atomic(tmp_path / "claims.ttl", "new")
    assert not dead.exists()
    assert live.exists() and other.exists()  # a running process's file, and another output's


def _a_finished_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# --- replace_directory: all outputs at once ------------------------------------------------------------------


def _writer(text: str):
    return lambda path: Path(path).write_text(text, encoding="utf-8")


def test_replace_directory_swaps_every_file_and_carries_over_the_others(tmp_path: Path):
    out = tmp_path / "out"
    assert replace_directory(out, {"a.txt": _writer("a1"), "b.txt": _writer("b1")}) == [out / "a.txt", out / "b.txt"]
    (out / "export.graphml").write_text("kept", encoding="utf-8")
    (out / "store").mkdir()
    (out / "store" / "db").write_text("kept too", encoding="utf-8")
    (out / ".hidden").write_text("not carried", encoding="utf-8")
    replace_directory(out, {"a.txt": _writer("a2"), "b.txt": _writer("b2")})
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir() if p.is_file()} == {
        "a.txt": "a2",
        "b.txt": "b2",
        "export.graphml": "kept",
    }
    assert (out / "store" / "db").read_text(encoding="utf-8") == "kept too"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it


def test_replace_directory_changes_nothing_when_a_writer_fails(tmp_path: Path):
    out = tmp_path / "out"
    replace_directory(out, {"a.txt": _writer("a1"), "b.txt": _writer("b1")})

    def failing(path: Path) -> None:
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError):
        replace_directory(out, {"a.txt": _writer("a2"), "b.txt": failing})
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == {"a.txt": "a1", "b.txt": "b1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_replace_directory_refuses_a_file_in_the_way(tmp_path: Path):
    blocker = tmp_path / "out"
    blocker.write_text("a file", encoding="utf-8")
    with pytest.raises(NotADirectoryError, match="give --out another folder"):
        replace_directory(blocker, {"a.txt": _writer("a")})
    assert blocker.read_text(encoding="utf-8") == "a file"


# --- reading text ----------------------------------------------------------------------------------------------


def test_read_text_drops_a_bom_and_reports_bad_lines(tmp_path: Path):
    good = tmp_path / "good.csv"
    good.write_bytes(b"\xef\xbb\xbfid\nC1\n")
    problems: list[Problem] = []
    assert read_text(good, problems) == "id\nC1\n" and problems == []
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"ok\ncaf\xe9\nfine\n\xff")
    assert read_text(bad, problems) == "ok\ncaf\ufffd\nfine\n\ufffd"
    assert [(p.line, p.column, p.message) for p in problems] == [
        (2, "col 4", "invalid UTF-8 (byte 0xe9)"),
        (4, "col 1", "invalid UTF-8 (byte 0xff)"),
    ]


def test_read_text_names_utf16_and_binary_files(tmp_path: Path):
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes("id\nC1\n".encode("utf-16"))
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"id\x00x\nC1 and a longer line of ordinary text to keep NULs rare\n")
    problems: list[Problem] = []
    assert read_text(utf16, problems) == "" and read_text(binary, problems) == ""
    assert [p.message for p in problems] == [
        "the file is UTF-16, not UTF-8; save it as UTF-8",
        "the file holds NUL bytes (is it binary?); save it as UTF-8",
    ]
    assert all(p.line == 1 for p in problems)


def test_many_bad_lines_are_counted_after_the_first_fifty(tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xe9\n" * 53)
    problems: list[Problem] = []
    read_text(path, problems)
    assert len(problems) == 51 and problems[49].line == 50
    assert (problems[50].line, problems[50].message) == (0, "3 more lines hold invalid UTF-8")


def test_require_file_names_a_missing_file(tmp_path: Path):
    existing = tmp_path / "x.ttl"
    existing.write_text("", encoding="utf-8")
    assert require_file(existing) == existing
    with pytest.raises(InvalidInput) as raised:
        require_file(tmp_path / "missing.ttl", "build one")
    assert [str(p) for p in raised.value.problems] == [f"{tmp_path / 'missing.ttl'}: no such file (build one)"]
    with pytest.raises(InvalidInput):
        require_file(tmp_path)  # a folder is not the file


# --- reading RDF -------------------------------------------------------------------------------------------------


def test_read_rdf_locates_a_syntax_error_and_refuses_an_oversized_file(tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> <urn:c> .\n<urn:a> <urn:b> .\n", encoding="utf-8")
    problems: list[Problem] = []
    assert read_rdf(bad, problems) == []
    assert (problems[0].file, problems[0].line) == (str(bad), 2) and problems[0].message.startswith("syntax error: ")
    assert len(problems[0].message) > 20 and "None" not in problems[0].message  # the parser's own words
    good = tmp_path / "good.nt"
    good.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    assert len(read_rdf(good, [])) == 1
    size = good.stat().st_size
    problems = []
    assert read_rdf(good, problems, max_bytes=size - 1) == []
    assert problems[0].message == f"the file has {size:,} bytes, more than the {size - 1:,} allowed"
    assert len(read_rdf(good, [], max_bytes=size)) == 1


def test_a_dataset_s_graphs_are_merged(tmp_path: Path):
    trig = tmp_path / "d.trig"
    trig.write_text("<urn:g> { <urn:a> <urn:b> <urn:c> . }\n<urn:a> <urn:b> <urn:d> .\n", encoding="utf-8")
    assert sorted(str(t.object) for t in read_rdf(trig, [])) == ["<urn:c>", "<urn:d>"]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="urn:a">
<rdf:value>&e;&e;</rdf:value></rdf:Description></rdf:RDF>
"""


def test_an_entity_bomb_is_refused_before_parsing_and_a_small_entity_is_read(tmp_path: Path):
    line, reason = xml_entity_problem(BOMB)
    assert line == 7 and reason.startswith("XML entities would expand to more than ") and reason.endswith("refused")
    assert MAX_ENTITY_EXPANSION == 1_000_000
    bomb = tmp_path / "bomb.rdf"
    bomb.write_bytes(BOMB)
    problems: list[Problem] = []
    assert read_rdf(bomb, problems) == [] and "refused" in problems[0].message
    small = BOMB.replace(b"&e;&e;", b"&b;").replace(b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">\n', b"")
    assert xml_entity_problem(small) is None
    (tmp_path / "small.rdf").write_bytes(small)
    (triple,) = read_rdf(tmp_path / "small.rdf", [])
    assert triple.object.value == "a" * 1000


@pytest.mark.parametrize(
    "doctype,reason",
    [
        ('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "external entities (SYSTEM or PUBLIC) is refused"),
        ('<!DOCTYPE r [<!ENTITY % x "y">]>', "parameter entities"),
        ('<!DOCTYPE r [<!ENTITY x "&x;">]>', "the XML entity 'x' refers to itself"),
    ],
)
def test_dangerous_entities_are_refused(doctype: str, reason: str):
    assert reason in xml_entity_problem(f'<?xml version="1.0"?>{doctype}<r>&x;</r>'.encode())[1]


KILLED_WRITER = """
import os, sys
from pathlib import Path
from graph.files import write_atomic

def die(path):
    Path(path).write_text("half", encoding="utf-8")
    os._exit(9)  # killed mid-write: no clean-up runs

write_atomic(Path(sys.argv[1]), die)
"""


def test_the_temporary_file_of_a_killed_write_is_removed_by_the_next_write(tmp_path: Path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path / "claims.ttl"
    path.write_text("good", encoding="utf-8")
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], cwd=ROOT, capture_output=True)
    assert killed.returncode == 9
    (left,) = [p for p in tmp_path.iterdir() if p.name != "claims.ttl"]
    assert left.name.startswith(".claims.ttl.") and left.read_text(encoding="utf-8") == "half"
    assert path.read_text(encoding="utf-8") == "good"
    write_atomic(path, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.ttl"]
    assert path.read_text(encoding="utf-8") == "new"


# --- the build's spool: N-Triples text kept in a temporary file --------------------------------------------


def test_the_spool_goes_into_tmpdir_without_python_probing_it_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Python finds its temporary folder by writing and removing a file of its own there, the first time a process
    asks; a build killed between the two left that file in TMPDIR (seen in the SIGKILL test). A spool made with
    TMPDIR set goes there directly: Python never looks for a folder (tempfile.tempdir stays unset)."""
    import tempfile

    from graph.api import _Spool

    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    spool = _Spool()
    assert tempfile.tempdir is None
    assert os.readlink(f"/proc/self/fd/{spool.file.fileno()}").startswith(str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # and it has no name there


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
def test_the_spool_gives_its_text_back_in_blocks_while_it_is_parsed(size: int):
    """The on-disk store loads the audit's text from the spool while the graph file parses the same spool: the
    blocks are the text, and reading them moves nothing under the parser."""
    from graph.api import _Spool

    lines = [f'<urn:s:{i}> <urn:p> "{"x" * (i * 13 % 97)}" .\n' for i in range(300)]
    lines[-1] = lines[-1].rstrip("\n")  # the text's last line may lack its newline
    spool = _Spool.of(["".join(lines[:120]), "".join(lines[120:])])
    quads = spool.quads()
    first = next(quads)
    pieces = list(spool.chunks(size))
    assert b"".join(pieces) == "".join(lines).encode()
    assert len(pieces) > 1 or size == 1 << 20
    assert 1 + sum(1 for _ in quads) == spool.lines + 1 == 300 and first.subject.value == "urn:s:0"
