"""Helpers for mutation testing with mutmut (docs/testing.md).

    python scripts/mutation.py sample 24            # every 24th mutant of each module (after `mutmut run` has
                                                    # generated mutants/), one name a line
    python scripts/mutation.py verify NAME...       # run each mutant against its module's test files

mutmut credits a test with the functions that run during it, so work done in a shared (module- or session-scoped)
fixture counts only for the first test using it, and code run in a forked child for none. ``verify`` re-runs a
mutant mutmut reported as survived (or not covered) against the test files of its module, with the same test
selection, and prints killed or survived with the first failing test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_FILES = {  # module prefix -> the test files that exercise it
    "graph.text": ["test_text", "test_sources", "test_audit", "test_rdf"],
    "graph.files": ["test_files", "test_validation", "test_query", "test_rdf"],
    "graph.read": ["test_read", "test_validation", "test_vocab", "test_sources"],
    "graph.rdf": ["test_minting", "test_rdf", "test_stores", "test_extension"],
    "graph.audit": ["test_audit_parts", "test_audit", "test_audit_rules"],
    "graph.views.page": ["test_page", "test_views", "test_extension"],
}


def module_of(name: str) -> str:
    return name.split(".x")[0]


def sample(every: int) -> list[str]:
    names: list[str] = []
    for meta in sorted((ROOT / "mutants" / "graph").rglob("*.py.meta")):
        names += json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    by_module: dict[str, list[str]] = defaultdict(list)
    for name in sorted(names):
        by_module[module_of(name)].append(name)
    return [n for module in sorted(by_module) for n in by_module[module][::every]]


def verify(name: str) -> tuple[str, str]:
    selection = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    keyword = selection["pytest_add_cli_args_test_selection"][-1]
    prefix = next(p for p in TEST_FILES if module_of(name) == p or module_of(name).startswith(p + "."))
    files = [f"tests/{f}.py" for f in TEST_FILES[prefix] if (ROOT / "mutants" / "tests" / f"{f}.py").exists()]
    env = {**os.environ, "MUTANT_UNDER_TEST": name, "OPENBLAS_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:randomly", "-p", "no:cacheprovider", "-k", keyword]
    result = subprocess.run([*command, *files], cwd=ROOT / "mutants", env=env, capture_output=True, text=True)
    failed = next((line for line in result.stdout.splitlines() if line.startswith("FAILED")), "")
    return ("killed" if result.returncode == 1 else "survived" if result.returncode == 0 else "error"), failed


def main(argv: list[str]) -> int:
    if argv[:1] == ["sample"] and len(argv) == 2:
        print("\n".join(sample(int(argv[1]))))
        return 0
    if argv[:1] == ["verify"]:
        for name in argv[1:]:
            verdict, failed = verify(name)
            print(name, verdict, failed[:150], flush=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
