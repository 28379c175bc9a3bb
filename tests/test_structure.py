"""The shape of the package: the module import graph of graph/ has no cycle, every import names a real module,
and the command line starts without loading the heavy libraries."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import CLAIMGRAPH_COMMAND, ROOT

PACKAGE = ROOT / "graph"
HEAVY = ("networkx", "numpy", "scipy", "igraph", "rdflib", "pyshacl", "jinja2", "pyoxigraph", "pyvis")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of the imports under ``if TYPE_CHECKING:`` (never run, so never part of a cycle)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(n.lineno for n in ast.walk(inner) if isinstance(n, ast.Import | ast.ImportFrom))
    return lines


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The graph.* modules ``name`` imports anywhere (module level or inside functions), relative imports
    resolved; ``from . import x`` counts as importing the submodule x when there is one."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "graph")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "graph":
                continue
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, …, a], or None (depth-first search, colouring nodes on the current path)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path: Path):
    """The checker itself: an import inside a function that closes a loop is a cycle."""
    package = tmp_path / "graph"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "a.py").write_text("from .sub import b\n", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "b.py").write_text("def f():\n    from ..a import x\n", encoding="utf-8")
    known = {"graph": package, "graph.a": package / "a.py", "graph.sub": package / "sub", "graph.sub.b": None}
    edges = {
        "graph.a": imports_of("graph.a", package / "a.py", known),
        "graph.sub.b": imports_of("graph.sub.b", package / "sub" / "b.py", known),
    }
    assert edges == {"graph.a": {"graph.sub", "graph.sub.b"}, "graph.sub.b": {"graph.a"}}
    assert find_cycle(edges) == ["graph.a", "graph.sub.b", "graph.a"]
    assert find_cycle({"x": {"y"}, "y": set()}) is None


def test_the_module_import_graph_is_acyclic():
    edges = import_graph()
    assert len(edges) > 30 and edges["graph.api"] >= {"graph.rdf", "graph.stores", "graph.audit"}
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_every_import_of_the_package_names_a_module_that_exists():
    known = modules()
    missing = {name: sorted(deps - set(known)) for name, deps in import_graph().items() if deps - set(known)}
    assert missing == {}


def test_every_module_of_the_package_imports():
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    result = subprocess.run([sys.executable, "-c", code, *modules()], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


VERSION_PROBE = """
import json, sys, time
started = time.perf_counter()
from graph.cli import main
code = main(["--version"])  # argparse's exit, returned as a code
print(json.dumps({"code": code, "heavy": sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)}))
"""


def test_version_and_help_load_no_heavy_module():
    for argv in (["--version"], ["--help"], ["query", "--help"]):
        probe = f"HEAVY = {HEAVY!r}\n" + VERSION_PROBE.replace('["--version"]', repr(argv))
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout.splitlines()[-1])
        assert report == {"code": 0, "heavy": []}, argv


def test_the_version_command_prints_the_package_version():
    from graph import __version__

    result = subprocess.run([*CLAIMGRAPH_COMMAND, "--version"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, f"claimgraph {__version__}\n")
    assert result.stderr == ""
