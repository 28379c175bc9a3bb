"""docs/sparql.md runs as written: its SPARQL blocks, its `claimgraph query` lines, its `serve` session (curl) and its
Python snippets, on the shipped build. (The `push` lines need a configured triplestore: tests/test_virtuoso.py.)"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pyoxigraph
import pytest

from tests.conftest import ROOT, claimgraph
from tests.serving import serve

DOC = (ROOT / "docs" / "sparql.md").read_text(encoding="utf-8")


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC, flags=re.DOTALL)


def commands(prefix: str) -> list[str]:
    """Lines of the sh blocks that start with ``prefix``, continuation lines joined."""
    found = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            if line.startswith(prefix):
                found.append(line)
    return found


@pytest.fixture(scope="module")
def project(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the shipped build as out/, as after `claimgraph build`."""
    root = tmp_path_factory.mktemp("docs")
    shutil.copytree(shipped_build, root / "out")
    return root


def test_every_sparql_block_answers_on_the_build(project: Path):
    queries = blocks("sparql")
    assert len(queries) >= 3
    for query in queries:
        result = claimgraph("query", query, "--format", "csv", cwd=project)
        assert result.returncode == 0 and len(result.stdout.splitlines()) > 1, (query, result.stderr)


def test_every_query_line_runs(project: Path, tmp_path: Path):
    lines = [line for line in commands("claimgraph query ") if "8890" not in line]
    assert len(lines) >= 12
    with serve("--graph", str(project / "out" / "claims.ttl"), "--workers", "1") as server:
        for line in lines:
            line = line.replace("/tmp/cg-store", str(tmp_path / "cg-store"))
            line = line.replace("http://127.0.0.1:8000/sparql", server.url)
            args = shlex.split(line.split("&&")[0], comments=True)[1:]
            result = claimgraph(*args, cwd=project)
            assert result.returncode in (0, 1) and not result.stderr, (line, result.stderr)
            assert result.stdout.strip(), line


def test_the_serve_session_runs_with_curl(project: Path):
    curls = commands("curl ")
    assert len(curls) >= 4
    with serve("--graph", str(project / "out" / "claims.ttl"), "--cors", "https://yasgui.triply.cc") as server:
        outputs = []
        for line in curls:
            line = line.replace("http://127.0.0.1:8000/sparql", server.url)
            result = subprocess.run(shlex.split(line), capture_output=True, timeout=60)
            assert result.returncode == 0, (line, result.stderr)
            outputs.append(result.stdout.decode("utf-8"))
    triples = len(list(pyoxigraph.parse(path=str(project / "out" / "claims.ttl"))))
    assert outputs[0] == f"n\r\n{triples}\r\n"
    assert '"boolean": true' in outputs[1]
    assert "a cg:Source" in outputs[2] or "<https://w3id.org/claimgraph/ns#Source>" in outputs[2]
    assert "HTTP/1.1 204" in outputs[3]
    assert "access-control-allow-origin: https://yasgui.triply.cc" in outputs[3].lower()


def test_the_python_snippets_run(project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    snippets = blocks("python")
    assert len(snippets) == 2
    monkeypatch.chdir(project)
    with serve("--graph", str(project / "out" / "claims.ttl"), "--workers", "1") as server:
        for snippet in snippets:
            snippet = snippet.replace("http://127.0.0.1:8000/sparql", server.url)
            snippet = snippet.replace("/tmp/cg-store", str(project / "cg-store"))
            exec(compile(snippet, "docs/sparql.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["['C01', 'C02', 'C03']"] * 2, printed
