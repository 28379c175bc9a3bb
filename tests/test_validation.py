"""One test per kind of bad input: exit 2, a FILE:LINE: COLUMN: message, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import HEADER, MiniProject, claim, claimgraph_process


def _drop_column(p: MiniProject) -> None:
    p.write_claims(
        [{k: v for k, v in claim("C01").items() if k != "predicate"}], header=[h for h in HEADER if h != "predicate"]
    )


def _bad_utf8(p: MiniProject) -> None:
    path = p.write_claims([claim("C01"), claim("C02", note="caf\u00e9")])
    path.write_bytes(path.read_bytes().replace("caf\u00e9".encode(), b"caf\xe9"))


def _bad_ontology(p: MiniProject) -> None:
    path = p.root / "ontology.ttl"
    path.write_text(path.read_text(encoding="utf-8") + '\ncg:oops cg:is "unterminated .\n', encoding="utf-8")


CASES = {
    "missing column": (_drop_column, "claims.csv:1: predicate: missing required column 'predicate'"),
    "missing value": (
        lambda p: p.write_claims([claim("C01", subject="")]),
        "claims.csv:2: subject: missing value for 'subject'",
    ),
    "duplicate id": (
        lambda p: p.write_claims([claim("C01"), claim("C01")]),
        "claims.csv:3: id: duplicate id 'C01' (first on line 2)",
    ),
    "bad id": (lambda p: p.write_claims([claim("1st claim")]), "claims.csv:2: id: bad id '1st claim'"),
    "unknown predicate": (
        lambda p: p.write_claims([claim("C01", predicate="treat")]),
        "claims.csv:2: predicate: unknown predicate 'treat'; did you mean 'treats'?",
    ),
    "value outside set": (
        lambda p: p.write_claims([claim("C01", certainty="sure")]),
        "claims.csv:2: certainty: 'sure' is not allowed; use one of: certain, doubtful, possible, probable",
    ),
    "unknown supports id": (
        lambda p: p.write_claims([claim("C01", supports="C09")]),
        "claims.csv:2: supports: unknown claim id 'C09'",
    ),
    "contradicts itself": (
        lambda p: p.write_claims([claim("C01", contradicts="C01")]),
        "claims.csv:2: contradicts: claim 'C01' cannot contradict itself",
    ),
    "unknown source": (
        lambda p: p.write_claims([claim("C01", source="nowhere")]),
        "claims.csv:2: source: unknown source 'nowhere'",
    ),
    "source without text or citation": (
        lambda p: p.write_sources(
            "key,title,kind,citation,published\nprolotherapy-article,A,article,,\nlost,Lost paper,rct,,\n"
        ),
        "sources.csv:3: citation: source 'lost' has neither a text",
    ),
    "quote not in source": (
        lambda p: p.write_claims([claim("C01", quote="prolotherapy cures knee pain")]),
        "claims.csv:2: quote: quote not found in prolotherapy-article.txt",
    ),
    "invalid utf-8": (_bad_utf8, "claims.csv:3: col "),
    "malformed ontology": (_bad_ontology, "ontology.ttl:"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_a_located_message_and_writes_nothing(mini: MiniProject, case: str):
    mutate, expected = CASES[case]
    mutate(mini)
    result = mini.run("build")
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (mini.root / "out").exists()
    assert mini.run("validate").returncode == 2


def test_invalid_utf8_names_the_line(mini: MiniProject):
    _bad_utf8(mini)
    result = mini.run("validate")
    assert "claims.csv:3: col" in result.stderr and "invalid UTF-8 (byte 0xe9)" in result.stderr


def test_malformed_ontology_names_the_parser_line(mini: MiniProject):
    _bad_ontology(mini)
    lines = (mini.root / "ontology.ttl").read_text(encoding="utf-8").count("\n")
    result = mini.run("validate")
    assert f"ontology.ttl:{lines}: col" in result.stderr
    assert "unknown predicate" not in result.stderr  # a broken ontology does not flood the report


def test_every_problem_is_reported_at_once(mini: MiniProject):
    mini.write_claims(
        [
            claim("C01", predicate="treat"),
            claim("C02", certainty="sure", supports="C09"),
            claim("C01", source="nowhere"),
        ]
    )
    result = mini.run("validate")
    assert result.returncode == 2
    located = {tuple(line.split(": ")[:2]) for line in result.stderr.splitlines() if line.startswith("claims.csv")}
    assert located == {
        ("claims.csv:2", "predicate"),
        ("claims.csv:3", "certainty"),
        ("claims.csv:3", "supports"),
        ("claims.csv:4", "id"),
        ("claims.csv:4", "source"),
    }


def test_failed_build_keeps_the_previous_good_output(mini: MiniProject):
    assert mini.run("build").returncode == 0
    good = {p.name: p.read_bytes() for p in (mini.root / "out").iterdir()}
    assert "claims.ttl" in good and "audit.json" in good
    mini.write_claims([claim("C01", quote="not in the article at all")])
    assert mini.run("build").returncode == 2
    after = {p.name: p.read_bytes() for p in (mini.root / "out").iterdir()}
    assert after == good  # nothing replaced, and no temporary files left behind


def test_repeated_quote_is_a_warning_not_an_error(mini: MiniProject):
    mini.write_claims(
        [
            claim(
                "C01",
                predicate="promotes",
                object="healing",
                quote="to promote healing",
                certainty="certain",
                evidence="none",
                attribution="author",
            )
        ]
    )
    result = mini.run("build")
    assert result.returncode == 0
    assert "claims.csv:2: quote: warning: quote occurs 3 times" in result.stderr


def test_bom_and_crlf_are_accepted(mini: MiniProject):
    path = mini.write_claims([claim("C01"), claim("C02", predicate="improves", object="function")])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    result = mini.run("build")
    assert result.returncode == 0, result.stderr
    assert "2 claims" in result.stdout


def test_unexpected_error_has_no_traceback_unless_debug(mini: MiniProject, tmp_path: Path):
    blocker = mini.root / "out"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    result = mini.run("build")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "--debug" in result.stderr
    result = claimgraph_process("build", "--debug", cwd=mini.root)  # a traceback is what a process prints
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_outputs_are_readable_like_any_new_file(mini: MiniProject):
    assert mini.run("build").returncode == 0
    for path in (mini.root / "out").iterdir():
        assert path.stat().st_mode & 0o044 == 0o044, path  # group and others may read (umask 022)


def test_an_unclosed_quote_is_reported_where_it_opens(mini: MiniProject):
    path = mini.write_claims([claim("C01"), claim("C02", object="hip pain")])
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",prolotherapy might effectively treat knee pain,", ',"prolotherapy might,')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = mini.run("validate")
    assert result.returncode == 2
    assert "claims.csv:2: a quoted field opened here is never closed" in result.stderr


def test_a_folder_given_as_the_claims_table_is_named_as_such(mini: MiniProject):
    result = mini.run("validate", "--claims", "sources")
    assert result.returncode == 2 and "sources: is a folder, not a CSV file" in result.stderr


@pytest.mark.parametrize("command", [("audit",), ("query", "by-certainty"), ("build", "--out", "out-piped")])
def test_a_reader_that_stops_reading_ends_the_command_quietly(command: tuple[str, ...], mini: MiniProject):
    """`claimgraph audit | head`: once the reader has gone, the command stops as one stopped by SIGPIPE does (exit
    141), without an error about a broken pipe; a build's files are written before it prints."""
    import os
    import subprocess

    from tests.conftest import CLAIMGRAPH_COMMAND

    assert mini.run("build").returncode == 0
    read, write = os.pipe()
    child = subprocess.Popen([*CLAIMGRAPH_COMMAND, *command], cwd=mini.root, stdout=write, stderr=subprocess.PIPE)
    os.close(write)
    os.close(read)  # the reader is gone before the command writes anything
    _, err = child.communicate(timeout=600)
    assert (child.returncode, err.decode()) == (141, "")
    if command[0] == "build":
        assert (mini.root / "out-piped" / "audit.md").is_file()


def test_a_broken_pipe_is_the_reader_s_only_when_stdout_s_reader_has_gone():
    """Another BrokenPipeError (a socket to an endpoint) is an error to report, not a reader that stopped."""
    import contextlib
    import io
    import os
    import sys

    from graph.cli import _reader_gone

    read, write = os.pipe()
    with os.fdopen(write, "w") as pipe, contextlib.redirect_stdout(pipe):
        open_reader = _reader_gone()
        os.close(read)
        closed_reader = _reader_gone()
    with contextlib.redirect_stdout(io.StringIO()):
        captured = _reader_gone()
    import socket

    mine, theirs = socket.socketpair()
    with mine, os.fdopen(os.dup(mine.fileno()), "w") as sock, contextlib.redirect_stdout(sock):
        theirs.close()
        closed_socket = _reader_gone()
    assert (open_reader, closed_reader, captured, closed_socket) == (False, True, False, True), sys.platform


@pytest.mark.parametrize("args", [
    ("build", "--rule-timeout", "0"), ("audit", "--rule-timeout", "-5"), ("audit", "--rule-timeout", "nan"),
    ("query", "sources", "--wait", "-1"), ("query", "sources", "--wait", "inf"), ("build", "--wait", "soon"),
    ("serve", "--timeout", "nan"), ("serve", "--client-timeout", "inf"), ("serve", "--timeout", "0"),
    ("serve", "--timeout", "1e9"),  # a query's wait overflowed: 'internal error: OverflowError' for every request
])  # fmt: skip
def test_an_option_given_no_usable_number_of_seconds_is_a_usage_error(args: tuple[str, ...], mini: MiniProject):
    """A rule limit of 0 s failed every rule 'for running longer than its limit'; an endless --wait never ended."""
    from tests.conftest import claimgraph

    result = claimgraph(*args, cwd=mini.root)
    assert result.returncode == 2 and f"argument {args[-2]}: '{args[-1]}' is not a number of seconds" in result.stderr
    assert not (mini.root / "out").exists()


def test_a_rule_limit_of_years_is_a_long_limit_not_an_error(mini: MiniProject):
    """The command line allows up to 11 days; a program may give more (the wait for the workers overflowed)."""
    from graph.api import Options, Project

    assert mini.run("audit", "--rule-timeout", "1e6", "--format", "json").returncode == 0
    project = Project.load(mini.root / "claims.csv", sources=mini.root / "sources", options=Options(rule_seconds=1e9))
    assert project.build().audit.views


def test_a_folder_given_as_the_graph_file_is_named_as_such(mini: MiniProject):
    result = mini.run("query", "sources", "--graph", "sources")
    assert result.returncode == 2 and "sources: is a folder, not a graph file" in result.stderr


def test_a_misspelt_optional_column_is_an_error_an_unrelated_one_a_warning(mini: MiniProject):
    """'certainity' would leave every claim at the default 'certain' (the hedges are what the audit judges); a column
    of the user's own ('reviewer_comment') is only ignored."""
    path = mini.write_claims([claim("C01", certainty="possible"), claim("C02", object="hip pain")])
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",certainty,", ",certainity,", 1), encoding="utf-8")
    misspelt = mini.run("validate")
    assert misspelt.returncode == 2
    assert "claims.csv:1: certainity: unknown column 'certainity'; did you mean 'certainty'?" in misspelt.stderr
    lines = text.splitlines()
    path.write_text("\n".join([lines[0] + ",reviewer_comment", *(f"{line},ok" for line in lines[1:])]) + "\n")
    own = mini.run("validate")
    assert own.returncode == 0 and "unknown column 'reviewer_comment' is ignored" in own.stderr
