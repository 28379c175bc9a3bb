"""Long commands say what they are doing: each step as it starts, on a terminal only."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from graph.api import Project
from tests.conftest import CLAIMGRAPH_COMMAND, MiniProject, claim, claimgraph

STEP = re.compile(r"^\[ *(\d+\.\d) s\] (.+)$")
OUTPUTS = ("claims.ttl", "audit.json", "audit.md", "claims.html")


def _project(mini: MiniProject) -> Project:
    mini.write_claims([claim("C01"), claim("C02", object="hip pain")])
    return Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources")


def test_a_build_on_disk_names_each_step_in_order(mini: MiniProject, tmp_path: Path):
    steps: list[str] = []
    store, out = tmp_path / "store", tmp_path / "out"
    _project(mini).build(store, steps=steps.append).write(out, steps=steps.append)
    assert steps[:4] == [
        f"making the claims' triples and loading them into the on-disk store {store}",
        f"compacting the on-disk store {store}",
        "reading every claim back while the rules run",
        "judging every claim, ranking the digest, measuring coverage",
    ]
    assert [s.removeprefix("writing ") for s in steps if s.startswith("writing ")] == [str(out / n) for n in OUTPUTS]


def test_a_build_in_memory_has_no_store_to_compact(mini: MiniProject, tmp_path: Path):
    steps: list[str] = []
    _project(mini).build(steps=steps.append)
    assert steps[0] == "making the claims' triples and loading them into memory"
    assert not [s for s in steps if "compacting" in s]


def test_on_a_terminal_a_build_prints_its_steps_with_the_time_since_it_started(mini: MiniProject, tmp_path: Path):
    _project(mini)
    leader, follower = os.openpty()  # stderr is a real terminal; stdout a pipe
    command = [*CLAIMGRAPH_COMMAND, "build", "--out", str(tmp_path / "out")]
    with subprocess.Popen(command, cwd=mini.root, stdout=subprocess.PIPE, stderr=follower) as child:
        os.close(follower)
        shown = b""
        while True:  # read as it comes, so the terminal's buffer never stops the child
            try:
                part = os.read(leader, 4096)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not part:
                break
            shown += part
        assert child.wait(timeout=120) == 0
    os.close(leader)
    lines = [m.groups() for line in shown.decode().replace("\r", "\n").splitlines() if (m := STEP.match(line))]
    labels = [label for _, label in lines]
    assert labels[0] == "reading claims.csv, the sources and the ontology"
    assert "reading every claim back while the rules run" in labels
    assert labels[-len(OUTPUTS):] == [f"writing {tmp_path / 'out' / n}" for n in OUTPUTS]
    times = [float(t) for t, _ in lines]
    assert times == sorted(times) and times[0] < 1.0


def test_off_a_terminal_no_step_is_printed(mini: MiniProject, tmp_path: Path):
    _project(mini)
    result = claimgraph("build", "--out", str(tmp_path / "out"), cwd=mini.root)
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if STEP.match(line)]


def test_an_audit_of_a_store_names_its_steps(mini: MiniProject, tmp_path: Path):
    from graph.api import ClaimGraph

    _project(mini).build(tmp_path / "store").write(tmp_path / "out")
    steps: list[str] = []
    ClaimGraph.open(store=f"oxigraph:{tmp_path / 'store'}").audit(steps=steps.append)
    assert steps == [
        "reading every claim back while the rules run",
        "judging every claim, ranking the digest, measuring coverage",
    ]
