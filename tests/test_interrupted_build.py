"""Issue 11 #12: a build replaces all of out/ or none of it, whatever stops it: SIGKILL at random moments,
Ctrl-C (SIGINT to the process group, as a terminal sends it), a full disk (RLIMIT_FSIZE: writes past the limit
fail with EFBIG). out/ always holds one complete build's four files, never a mix; temporary files and folders
of killed runs are removed by the next run; Ctrl-C prints no traceback.

These run the command in a child process: a signal, a traceback and a resource limit are what is tested.
"""

from __future__ import annotations

import contextlib
import os
import random
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CLAIMGRAPH_COMMAND, MiniProject, claim

OUTPUTS = {"claims.ttl", "audit.json", "audit.md", "claims.html"}
SIGKILL_TRIALS = 24
SIGINT_TRIALS = 12


def _command(claims: str) -> list[str]:
    # --max-nodes 1: the page is a notice, so the run spends its time reading, building, auditing and writing
    # (not drawing), and more of the random moments fall where the outputs are written
    return [*CLAIMGRAPH_COMMAND, "build", "--claims", claims, "--out", "out", "--max-nodes", "1"]


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}


def _leftovers(project: Path) -> list[str]:
    """Temporary files and folders a run leaves beside out/ or inside it."""
    beside = [p.name for p in project.iterdir() if p.name.startswith(".out.")]
    out = project / "out"
    inside = [p.name for p in out.iterdir() if p.name.startswith(".")] if out.is_dir() else []
    return beside + inside


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory):
    """A project with two claims tables, a.csv and b.csv, and the four files each one builds."""
    root = tmp_path_factory.mktemp("interrupted")
    project = MiniProject.create(root)
    project.write_claims([claim("C01"), claim("C02", object="back pain", polarity="negated")])
    (root / "claims.csv").rename(root / "a.csv")
    project.write_claims([claim("C01", subject="dextrose", note="the other build")])
    (root / "claims.csv").rename(root / "b.csv")
    expected = {}
    durations = []
    for name in ("a.csv", "b.csv"):
        started = time.monotonic()
        done = subprocess.run(_command(name), cwd=root, capture_output=True, text=True, timeout=120)
        durations.append(time.monotonic() - started)
        assert done.returncode == 0, done.stderr
        expected[name] = _contents(root / "out")
        assert set(expected[name]) == OUTPUTS
    assert all(expected["a.csv"][f] != expected["b.csv"][f] for f in OUTPUTS)  # every file tells them apart
    return root, expected, max(durations)


def _which(contents: dict[str, bytes], expected: dict[str, dict[str, bytes]]) -> str:
    """Which complete build out/ holds; fails on anything else (a mix, a missing or partial file)."""
    visible = {name: data for name, data in contents.items() if not name.startswith(".")}
    for name, files in expected.items():
        if visible == files:
            return name
    mixed = {f: [n for n, files in expected.items() if files.get(f) == visible.get(f)] for f in OUTPUTS}
    raise AssertionError(f"out/ holds no single build: {mixed} (files: {sorted(contents)})")


def _moment(rng: random.Random, duration: float) -> float:
    """Half the kills anywhere in the run, half in its last part, where the files are written and swapped."""
    return rng.uniform(0, duration * 1.1) if rng.random() < 0.5 else rng.uniform(duration * 0.6, duration * 1.1)


def test_sigkill_at_random_moments_leaves_one_complete_build(two_builds):
    root, expected, duration = two_builds
    rng = random.Random(12)
    outcomes = {"a.csv": 0, "b.csv": 0}
    current = _which(_contents(root / "out"), expected)
    temporary = root / "tmp"  # the runs' own temporary folder: what a killed run leaves there stays there
    temporary.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(temporary)}
    for trial in range(SIGKILL_TRIALS):
        target = "a.csv" if current == "b.csv" else "b.csv"
        process = subprocess.Popen(
            _command(target), cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(_moment(rng, duration))
        process.kill()
        process.wait()
        held = _which(_contents(root / "out"), expected)
        assert held in (current, target), trial
        outcomes["old" if held == current else "new"] = outcomes.get("old" if held == current else "new", 0) + 1
        current = held
    assert outcomes.get("old", 0) > 0  # some kills did land mid-build
    # the next run cleans up what the killed ones left
    done = subprocess.run(_command("a.csv"), cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _which(_contents(root / "out"), expected) == "a.csv"
    assert _leftovers(root) == []
    assert sorted(p.name for p in temporary.iterdir()) == []  # no temporary file outlives its run, killed or not
    print(f"SIGKILL: {SIGKILL_TRIALS} trials, kept the previous build {outcomes.get('old', 0)} times, "
          f"the new complete build {outcomes.get('new', 0)} times, never a mix")  # fmt: skip


def _start_up() -> float:
    """How long the interpreter takes to start the command here (``claimgraph --version``, the slowest of 3):
    a Ctrl-C before that reaches Python's own start-up, not the command."""
    times = []
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([*_command("x")[:-7], "--version"], capture_output=True, timeout=60)
        times.append(time.monotonic() - started)
    return max(times)


def test_ctrl_c_at_random_moments_leaves_one_complete_build_and_no_traceback(two_builds):
    root, expected, duration = two_builds
    rng = random.Random(7)
    start_up = _start_up()
    current = _which(_contents(root / "out"), expected)
    interrupted = trial = 0
    # Until at least half the planned trials were interrupted (a loaded machine can make builds finish first, so
    # up to three times as many trials run): a run that interrupts nothing would test nothing.
    while trial < SIGINT_TRIALS or (interrupted < SIGINT_TRIALS // 2 and trial < 3 * SIGINT_TRIALS):
        target = "a.csv" if current == "b.csv" else "b.csv"
        # the first half of the planned trials in the first second (once the interpreter runs the command), the
        # rest anywhere in the build; any extra trial in the first half-second
        first_second = rng.uniform(start_up + 0.02, 1.0 if trial < SIGINT_TRIALS else 0.5)
        late = SIGINT_TRIALS // 2 <= trial < SIGINT_TRIALS
        delay = max(start_up + 0.02, _moment(rng, duration)) if late else first_second
        trial += 1
        process = subprocess.Popen(
            _command(target), cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the build and its rule children
        _, err = process.communicate(timeout=120)
        assert "Traceback" not in err, (trial, delay, err)
        held = _which(_contents(root / "out"), expected)
        if process.returncode == 0:
            assert held == target
        else:  # stopped: by our handler (130, "interrupted"), or by SIGINT itself once Python is shutting down
            interrupted += 1
            assert process.returncode in (130, -signal.SIGINT), (delay, process.returncode, err)
            assert process.returncode == -signal.SIGINT or err.strip().endswith("claimgraph: interrupted"), err
            assert held in (current, target)  # before the swap: as it was; after it: the new build, complete
        current = held
    assert interrupted >= SIGINT_TRIALS // 2
    assert _leftovers(root) == []
    print(f"SIGINT: {trial} trials after a {start_up:.2f} s start-up, {interrupted} interrupted,"
          f" {trial - interrupted} finished first; no traceback, never a mix")


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_leaves_out_as_it_was_and_no_temporary_files(two_builds):
    root, expected, _ = two_builds
    current = _which(_contents(root / "out"), expected)
    target = "a.csv" if current == "b.csv" else "b.csv"
    sizes = sorted(len(data) for data in expected[target].values())
    for limit in (sizes[0] // 2, sizes[-1] - 1):  # the first file fails to write / the largest one does
        done = subprocess.run(
            _command(target), cwd=root, capture_output=True, text=True, timeout=120, preexec_fn=_limit_file_size(limit)
        )
        assert done.returncode == 1, done.stderr
        assert "File too large" in done.stderr and "Traceback" not in done.stderr
        assert _which(_contents(root / "out"), expected) == current
        assert _leftovers(root) == []


SLOW_RULE = (
    "# id: slow\n# kind: unsupported\n# severity: warning\n# description: a cartesian product\n"
    "SELECT ?claim WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?claim }\n"
)


def test_ctrl_c_while_rule_workers_read_an_on_disk_store_says_one_line(shipped_build: Path, tmp_path: Path):
    """Ctrl-C reaches the whole process group: the rule workers (started by a fork server, with Python's default
    SIGINT handling) end quietly, and nothing is left for Python to warn about (a semaphore), so the one line the
    user reads is the command's own."""
    from tests.serving import descendants

    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "slow.rq").write_text(SLOW_RULE, encoding="utf-8")
    graph = str(shipped_build / "claims.ttl")
    for trial in range(3):
        command = [*CLAIMGRAPH_COMMAND, "audit", "--graph", graph, "--store", f"oxigraph:{tmp_path / 'db'}",
                   "--rules", str(tmp_path / "rules"), "--format", "json"]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while len(descendants(process.pid)) < 3 and time.monotonic() < deadline:  # tracker, fork server, worker
            time.sleep(0.05)
        # the worker started and inside the rule: Ctrl-C within a worker's own start-up (multiprocessing reading
        # its task from the audit) can still print that module's EOFError; not covered here
        time.sleep(1.0 + 0.3 * trial)
        os.killpg(process.pid, signal.SIGINT)
        try:  # its output ends when every process holding it has: the command, its fork server and workers
            _, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # a worker left behind would run its rule for hours
            raise AssertionError(f"trial {trial}: processes of the audit outlived it by a minute") from None
        assert (process.returncode, err) == (130, "claimgraph: interrupted\n"), (trial, err)
