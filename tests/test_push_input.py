"""claimgraph push: a malformed build is reported by file, line and column before any request is made."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import claimgraph


def test_a_malformed_file_names_its_line_and_exits_2(tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n", encoding="utf-8")
    # nothing listens on port 9 (discard): the file must be refused before the endpoint is contacted
    result = claimgraph("push", "--file", str(bad), "--endpoint", "http://127.0.0.1:9/sparql")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"{bad}:3: col 11: syntax error: ") and "Traceback" not in result.stderr


def test_the_command_lines_chunk_defaults_are_pushs_own():
    """The CLI states push's chunk sizes itself (so that --help and --version import no RDF library): they must not
    drift apart."""
    from graph.cli import _parser
    from graph.sparql.push import CHUNK, GSP_CHUNK

    args = _parser().parse_args(["push"])
    assert (args.chunk, args.update_chunk) == (GSP_CHUNK, CHUNK)
