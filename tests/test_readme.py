"""The README's promises: its two commands, every command it shows, its figures and its digest."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    block = README.split("```")[1].strip().splitlines()
    assert block == [
        "# build",
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/claimgraph build",
        "# tests",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ]
    assert "awk '/^# tests$/" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_command_the_readme_shows_runs_as_written(tmp_path: Path):
    """The sh blocks, in order, in one shell (as typed into one terminal), in a clean copy of the project where the
    set-up line has run."""
    work = tmp_path / "checkout"
    work.mkdir()
    for name in ("claims.csv", "ontology.ttl"):
        shutil.copy(ROOT / name, work / name)
    shutil.copytree(ROOT / "sources", work / "sources")
    (work / ".venv").symlink_to(Path(sys.prefix))  # the venv the set-up line made (this one)
    env = {**os.environ, "PATH": f"{work / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    setup = subprocess.run([".venv/bin/claimgraph", "build"], cwd=work, env=env, capture_output=True, text=True)
    assert setup.returncode == 0, setup.stderr
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    assert len(blocks) >= 4
    session = "".join(f"{block}echo '-- block {k} done'\n" for k, block in enumerate(blocks))
    result = subprocess.run(["bash", "-e", "-c", session], cwd=work, env=env, capture_output=True, text=True)
    done = result.stdout.count("-- block ")
    assert result.returncode == 0 and done == len(blocks), (blocks[done] if done < len(blocks) else "", result.stderr)
    report = (work / "my-audit" / "out" / "audit.md").read_text(encoding="utf-8")
    assert "1. **contradicted-by-evidence** (efficacy) — C02" in report  # what the walkthrough says it finds
    assert "**unsupported** (efficacy) — C01" in report


def test_readme_figures_and_digest_are_those_of_the_shipped_build(shipped_run, shipped_build: Path):
    built, audited, page = shipped_run.stdout.splitlines()[:3]
    assert built.split(" in ")[0].replace(str(shipped_build), "out") in README
    assert audited.replace(str(shipped_build), "out") in README
    assert page.replace(str(shipped_build), "out") in README
    report = (shipped_build / "audit.md").read_text(encoding="utf-8")
    shown = re.findall(r"^(\d+)\. ([a-z-]+) \(([a-z]+)\) — ([A-Z0-9, ]+?)[ :\"“]", README, flags=re.MULTILINE)
    assert len(shown) == 10
    for rank, verdict, about, claims in shown:
        assert f"{rank}. **{verdict}** ({about}) — {claims.strip()}" in report, (rank, verdict, claims)
