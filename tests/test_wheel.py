"""The wheel is the product: built from a copy of the sources, installed into a fresh virtual environment with no
repository in sight, it builds a project that has no ontology.ttl of its own (the bundled core ontology)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, ARTICLE_SOURCES, ROOT, claim, csv_text


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(list(map(str, command)), cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built (without build isolation: no download) from a copy of what the repository tracks."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "ontology.ttl"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "graph", source / "graph", symlinks=True, ignore=ignore)  # data/ontology.ttl is a link
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q", "-w", out, cwd=source)
    (built,) = out.glob("claimgraph-*.whl")
    return built


DATA_SUFFIXES = (".rq", ".txt", ".ttl", ".j2", ".html", ".js", ".css")


def test_the_wheel_holds_the_core_ontology_and_every_data_file(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    packaged = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "graph").rglob("*")
        if p.is_file() and p.suffix in DATA_SUFFIXES and "__pycache__" not in p.parts
    }
    assert "graph/data/ontology.ttl" in packaged
    assert packaged <= names, sorted(packaged - names)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("graph/data/ontology.ttl") == (ROOT / "ontology.ttl").read_bytes()  # the link's target


def test_the_installed_wheel_builds_a_project_without_an_ontology_of_its_own(wheel: Path, tmp_path: Path):
    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(run(python, "-c", purelib, cwd=tmp_path).stdout.strip())
    # The dependencies come from this test environment's site-packages, listed after the fresh environment's own
    # (a plain path: the editable install's finder in there is not run), so nothing is downloaded.
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel, cwd=tmp_path)

    project = tmp_path / "project"
    (project / "sources").mkdir(parents=True)
    shutil.copy(ARTICLE, project / "sources" / "prolotherapy-article.txt")
    (project / "sources" / "sources.csv").write_text(ARTICLE_SOURCES, encoding="utf-8")
    (project / "claims.csv").write_text(csv_text([claim("C01")]), encoding="utf-8")
    assert not (project / "ontology.ttl").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = run(python, "-c", "import graph; print(graph.__file__)", cwd=project, env=env).stdout.strip()
    assert Path(where).is_relative_to(env_dir) and not Path(where).is_relative_to(ROOT), where
    built = run(env_dir / "bin" / "claimgraph", "build", cwd=project, env=env)
    assert "built out/claims.ttl: 1 claims" in built.stdout
    checked = run(env_dir / "bin" / "claimgraph", "validate", "--graph", "out/claims.ttl", cwd=project, env=env)
    assert "conforms" in checked.stdout
    assert "cg:Certainty" in (project / "out" / "claims.ttl").read_text(encoding="utf-8")  # the vocabulary came along
