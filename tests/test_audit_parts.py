"""The audit's parts through their public functions and the command line: loading rules, the time limit,
coverage from the texts the graph names, the reports (escaped for each medium) and what goes into the graph."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.api import Project
from graph.audit import RuleTimeout, load_rules, start_rules
from graph.audit.report import _ended, indented_json, to_csv, to_json, to_markdown
from graph.problems import InvalidInput
from graph.read.ontology import default_ontologies, load_vocabulary
from graph.stores.oxigraph import OxigraphStore
from tests.conftest import ROOT, MiniProject, claim, claimgraph, gone_within

VOCAB = load_vocabulary(default_ontologies(), [])
HEADER = "# id: {id}\n# kind: overclaim\n# severity: info\n# description: d\n"
SELECT = "PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT ?claim WHERE { ?c dcterms:identifier ?claim }\n"


def rules_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def load_problems(folder: Path) -> list[str]:
    with pytest.raises(InvalidInput) as raised:
        load_rules(VOCAB, [folder])
    return [str(p).replace(str(folder) + "/", "") for p in raised.value.problems]


def test_the_builtin_rules_are_sorted_and_read_from_their_headers():
    rules = load_rules(VOCAB)
    assert [r.id for r in rules] == sorted(r.id for r in rules)
    unsupported = next(r for r in rules if r.id == "unsupported")
    assert (unsupported.kind, unsupported.severity) == ("unsupported", "warning")
    assert unsupported.description
    assert unsupported.path.endswith("unsupported.rq")
    assert "SELECT" in unsupported.sparql and "?claim" in unsupported.sparql


@pytest.mark.parametrize(
    "text,expected",
    [
        ("# id: x\n" + SELECT, ["x.rq:1: description: missing header line '# description: …'",
                                "x.rq:1: kind: missing header line '# kind: …'",
                                "x.rq:1: severity: missing header line '# severity: …'"]),
        (HEADER.format(id="Bad_Id") + SELECT, ["x.rq:1: id: bad rule id 'Bad_Id': use a-z, 0-9 and -"]),
        (HEADER.replace("info", "fatal").format(id="x") + SELECT,
         ["x.rq:3: severity: 'fatal' is not a severity; use one of: error, info, warning"]),
        (HEADER.format(id="x") + "ASK { ?s ?p ?o }\n", ["x.rq: sparql: a rule must be a SELECT query"]),
        (HEADER.format(id="x") + "SELECT ?c WHERE { ?c ?p ?o }\n",
         ["x.rq: sparql: a rule must select ?claim (a claim id)"]),
        (HEADER.format(id="x") + "SELECT ?claim WHERE { SERVICE <http://x/> { ?claim ?p ?o } }\n",
         ["x.rq: sparql: SERVICE is refused: a query here never fetches another endpoint (see --allow-service)"]),
        (HEADER.format(id="unsupported") + SELECT, ["x.rq:1: id: rule id 'unsupported' is already used by "]),
    ],
)
def test_a_bad_rule_file_is_refused_with_its_reason(tmp_path: Path, text: str, expected: list[str]):
    found = load_problems(rules_dir(tmp_path, {"x.rq": text}))
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_a_header_stops_at_the_first_line_that_is_not_a_comment(tmp_path: Path):
    text = "# id: x\n# kind: overclaim\n\n# severity: info\n# description: d\n" + SELECT
    assert load_problems(rules_dir(tmp_path, {"x.rq": text})) == [
        "x.rq:1: description: missing header line '# description: …'",
        "x.rq:1: severity: missing header line '# severity: …'",
    ]


def test_a_missing_rules_folder_and_every_bad_file_are_reported_together(tmp_path: Path):
    folder = rules_dir(tmp_path, {"a.rq": "# id: a\n" + SELECT, "b.rq": HEADER.format(id="b") + "ASK {}"})
    with pytest.raises(InvalidInput) as raised:
        load_rules(VOCAB, [folder, tmp_path / "nowhere"])
    files = {Path(p.file).name for p in raised.value.problems}
    assert files == {"a.rq", "b.rq", "nowhere"}
    assert any(p.message == "rules folder not found" for p in raised.value.problems)


def test_a_user_rule_with_service_loads_when_allowed(tmp_path: Path):
    folder = rules_dir(tmp_path, {"x.rq": HEADER.format(id="x") + "SELECT ?claim WHERE { SERVICE <http://x/> "
                                                                  "{ ?claim ?p ?o } }\n"})  # fmt: skip
    assert "x" in {r.id for r in load_rules(VOCAB, [folder], allow_service=True)}


def test_a_rule_over_its_time_limit_is_stopped_and_named(mini: MiniProject, tmp_path: Path):
    slow = "SELECT ?claim WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?claim }\n"
    folder = rules_dir(tmp_path, {"slow.rq": HEADER.format(id="slow") + slow})
    result = mini.run("audit", "--rules", str(folder), "--rule-timeout", "1")
    assert result.returncode == 1
    assert "rule 'slow'" in result.stderr and "ran longer than its limit of 1 s and was stopped" in result.stderr
    assert RuleTimeout.__name__ == "RuleTimeout"


@pytest.mark.parametrize(("line_break", "shown"), [("\n", "\\n"), ("\u2028", "\\u2028")])
def test_an_error_naming_a_path_with_a_line_break_stays_on_one_line(mini: MiniProject, tmp_path: Path,
                                                                     line_break: str, shown: str):  # fmt: skip
    """The rule's path is in the message: a folder name cannot start a forged line of its own under the error."""
    slow = "SELECT ?claim WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?claim }\n"
    parent = tmp_path / f"x{line_break}claimgraph: ok"
    parent.mkdir()
    folder = rules_dir(parent, {"slow.rq": HEADER.format(id="slow") + slow})
    result = mini.run("audit", "--rules", str(folder), "--rule-timeout", "1")
    assert result.returncode == 1 and "ran longer than its limit" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and f"x{shown}claimgraph: ok" in result.stderr


def test_a_rule_whose_process_is_killed_is_named_with_the_signal(shipped_build: Path, tmp_path: Path):
    # what the kernel's out-of-memory killer does to a rule that outgrows the machine (seen at 1,000,000 claims)
    slow = "SELECT ?claim WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?claim }\n"
    rules = [r for r in load_rules(VOCAB, [rules_dir(tmp_path, {"slow.rq": HEADER.format(id="slow") + slow})])
             if r.id == "slow"]  # fmt: skip
    running = start_rules(OxigraphStore.from_file(shipped_build / "claims.ttl"), rules, seconds=60)
    for process in running.workers.values():
        os.kill(process.pid, signal.SIGKILL)
    killed = r"(rule 'slow'|a rule worker) was killed by SIGKILL \(by the system's out-of-memory killer"
    with pytest.raises(RuntimeError, match=killed):  # named once the worker has said which rule it took
        list(running.findings(None))


MANY_ROWS = (  # every pair of claims: some 20,000 rows, megabytes, far more than a pipe holds
    'PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT ?claim ?other ?message WHERE {\n'
    '  ?a dcterms:identifier ?claim . ?b dcterms:identifier ?other .\n'
    '  BIND (CONCAT(?claim, " and ", ?other, " make a long message to fill the pipe") AS ?message) }\n'
)


def test_a_worker_goes_on_to_its_next_rule_while_its_rows_wait_to_be_read(shipped_build: Path, tmp_path: Path):
    # the caller reads the claim view before the findings; a rule's rows (megabytes at scale) must not hold the
    # worker meanwhile: one worker, nobody reading, and it still takes every rule (the hand-out pipe passes them)
    files = {f"many-{i}.rq": HEADER.format(id=f"many-{i}") + MANY_ROWS for i in range(3)}
    rules = [r for r in load_rules(VOCAB, [rules_dir(tmp_path, files)]) if r.id.startswith("many-")]
    running = start_rules(OxigraphStore.from_file(shipped_build / "claims.ttl"), rules, seconds=60, spare=64)
    assert len(running.workers) == 1
    waited = 0.0
    while running.untaken() > 0 and waited < 60:
        time.sleep(0.05)
        waited += 0.05
    assert running.untaken() == 0
    found = running.findings(None)
    assert running.untaken() == 0  # and asking again once the run is over is no error
    per_rule = Counter(f.rule for f in found)
    assert set(per_rule) == {r.id for r in rules} and len(set(per_rule.values())) == 1 and len(found) > 10_000


PARENT = """
import sys, time
from pathlib import Path
from graph.audit import load_rules
from graph.audit.runner import start_rules
from graph.read.ontology import default_ontologies, load_vocabulary
from graph.stores.oxigraph import OxigraphStore
if sys.argv[4] == "no":  # as where the kernel cannot end a child with its parent (not Linux)
    import graph.audit.runner
    graph.audit.runner.die_with_parent = lambda: None
rules = load_rules(load_vocabulary(default_ontologies(), []), [Path(sys.argv[1])])
store = OxigraphStore.from_file(Path(sys.argv[2])) if sys.argv[3] == "memory" else OxigraphStore.directory(sys.argv[2])
running = start_rules(store, [r for r in rules if r.id.startswith("many-")], seconds=60, spare=64)
print(*(process.pid for process in running.workers.values()), flush=True)
time.sleep(600)
"""


SLOW = "SELECT ?claim WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?claim }\n"  # a cartesian product: hours


@pytest.mark.parametrize(("where", "kernel"), [("memory", "yes"), ("memory", "no"), ("disk", "yes")])
@pytest.mark.parametrize("rule", ["rows waiting", "inside the store"])
def test_a_killed_audit_leaves_no_rule_worker_behind(
    shipped_build: Path, tmp_path: Path, where: str, kernel: str, rule: str
):
    # nobody reads the workers' rows once the audit's process is killed: without the kernel's help a worker would
    # wait on its full pipe forever, holding its memory (gigabytes at scale); a worker inside a long rule would run
    # it to its end (on disk its parent is the fork server, which lives as long as any of its children)
    query = MANY_ROWS if rule == "rows waiting" else SLOW
    files = {f"many-{i:02}.rq": HEADER.format(id=f"many-{i:02}") + query for i in range(20)}
    graph = shipped_build / "claims.ttl"
    if where == "disk":
        store = OxigraphStore.directory(tmp_path / "store")
        store.load_file(graph)
        store.store.flush()
        del store
        graph = tmp_path / "store"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(rules_dir(tmp_path, files)), str(graph), where, kernel],
        stdout=subprocess.PIPE, cwd=ROOT, text=True,
    )  # fmt: skip
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 1 and not gone_within(workers[0], 0)
    time.sleep(1)  # the worker is at its rules, its pipe filling
    parent.kill()
    parent.wait()
    try:
        assert gone_within(workers[0], 30)
    finally:  # a worker left behind would run its rule for hours
        with contextlib.suppress(ProcessLookupError):
            os.kill(workers[0], signal.SIGKILL)


def test_a_rule_s_message_and_other_claim_come_from_its_answer(mini: MiniProject, tmp_path: Path):
    text = HEADER.format(id="pairs") + (
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "SELECT ?claim ?other ?message WHERE { ?a dcterms:identifier ?claim . ?b dcterms:identifier ?other .\n"
        '  FILTER (?claim < ?other) BIND (CONCAT(?claim, " pairs with ", ?other) AS ?message) }\n'
    )
    plain = HEADER.format(id="plain") + SELECT
    folder = rules_dir(tmp_path, {"pairs.rq": text, "plain.rq": plain})
    mini.write_claims([claim("C01"), claim("C02", object="hip pain")])
    project = Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources")
    project.options.rule_dirs = [folder]
    findings = {f.id: f for f in project.build().audit.findings}
    pair = findings["pairs:C01+C02"]
    assert (pair.claims, pair.message, pair.kind, pair.severity) == (("C01", "C02"), "C01 pairs with C02", "overclaim",
                                                                     "info")  # fmt: skip
    assert findings["plain:C01"].message == "d"  # no ?message: the rule's description


# --- coverage uses the texts the graph names -----------------------------------------------------------------


@pytest.fixture(scope="module")
def elsewhere(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped project in another folder, built there."""
    project = tmp_path_factory.mktemp("elsewhere")
    for name in ("claims.csv", "ontology.ttl"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "sources", project / "sources")
    shutil.copytree(shipped_build, project / "out")
    return project


def test_audit_of_a_graph_elsewhere_uses_that_project_s_texts(elsewhere: Path, shipped_build: Path):
    result = claimgraph("audit", "--graph", str(elsewhere / "out" / "claims.ttl"), "--format", "json", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    built = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))
    assert json.loads(result.stdout)["coverage"] == built["coverage"]


def test_a_changed_or_missing_text_is_named_and_its_coverage_skipped(elsewhere: Path, tmp_path: Path):
    project = tmp_path / "p"
    shutil.copytree(elsewhere, project)
    text = project / "sources" / "prolotherapy-article.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\nA new sentence.\n", encoding="utf-8")
    changed = json.loads(claimgraph("audit", "--graph", "out/claims.ttl", "--format", "json", cwd=project).stdout)
    assert "prolotherapy-article" not in changed.get("coverage", {})
    assert [note.replace(f"{project}/", "") for note in changed["notes"]] == [
        "sources/prolotherapy-article.txt has changed since the build (its SHA-256 differs): coverage of "
        "'prolotherapy-article' skipped"
    ]
    text.unlink()
    missing = claimgraph("audit", "--graph", "out/claims.ttl", "--format", "md", cwd=project).stdout
    assert "## Not checked" in missing
    assert f"the text of 'prolotherapy-article' was not found (looked in {project}/sources): coverage" in (
        missing.replace("\\", "")
    )


def test_a_text_saved_with_a_bom_still_matches_its_hash(elsewhere: Path, tmp_path: Path):
    project = tmp_path / "p"
    shutil.copytree(elsewhere, project)
    text = project / "sources" / "prolotherapy-article.txt"
    text.write_bytes(b"\xef\xbb\xbf" + text.read_bytes())
    audit = json.loads(claimgraph("audit", "--graph", "out/claims.ttl", "--format", "json", cwd=project).stdout)
    assert audit["coverage"]["prolotherapy-article"]["sentences"] == 38 and "notes" not in audit


# --- the reports --------------------------------------------------------------------------------------------------

HOSTILE = "=HYPERLINK(\"http://x\") *bold* <b>|pipe| [link](http://x)"


@pytest.fixture(scope="module")
def hostile_audit(tmp_path_factory: pytest.TempPathFactory):
    """A small project whose labels and notes hold Markdown, HTML and spreadsheet formulas."""

    root = tmp_path_factory.mktemp("hostile-report")
    mini = MiniProject.create(root)
    mini.write_claims([
        claim("C01", subject=HOSTILE, certainty="certain", quote="prolotherapy might effectively treat knee pain"),
        claim("C02", object="hip pain", predicate="treats", polarity="negated", contradicts="C01",
              quote="Prolotherapy is a treatment that has been used for centuries"),
    ])  # fmt: skip
    project = Project.load(root / "claims.csv", [root / "ontology.ttl"], root / "sources")
    built = project.build()
    return built.audit, built.texts()


def test_the_markdown_report_escapes_what_came_from_input(hostile_audit):
    audit, texts = hostile_audit
    report = to_markdown(audit, texts)
    assert "*bold*" not in report and "<b>" not in report and "[link](" not in report
    assert "\\*bold\\*" in report and "&lt;b&gt;" in report and "&#124;pipe&#124;" in report
    assert report.startswith("# Claims audit\n\n")
    assert report.endswith("\n") and not report.endswith("\n\n")


def test_the_markdown_report_shows_the_quote_in_bold_inside_its_sentence(hostile_audit):
    audit, texts = hostile_audit
    report = to_markdown(audit, texts)
    assert "> A systematic review of studies concluded that **prolotherapy might effectively treat knee pain**, " in (
        report
    )
    without_texts = to_markdown(audit, {})
    assert "> …" in without_texts and "**prolotherapy might effectively treat knee pain**" in without_texts
    quoted = next(line for line in without_texts.splitlines() if "**prolotherapy might" in line)
    assert quoted.endswith("…") and not quoted.endswith("……")


def test_the_csv_report_neutralises_formulas_and_lists_every_finding(hostile_audit):
    audit, _ = hostile_audit
    rows = list(csv.reader(io.StringIO(to_csv(audit))))
    assert rows[0] == ["finding", "rule", "kind", "severity", "claims", "message"]
    assert len(rows) == len(audit.findings) + 1
    assert {row[0] for row in rows[1:]} == {f.id for f in audit.findings}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    pair = next(row for row in rows if row[4] == "C01;C02")
    assert pair[2] == "contradiction"


def test_the_json_report_summarises_by_kind_severity_and_verdict(hostile_audit):
    audit, _ = hostile_audit
    document = json.loads(to_json(audit))
    summary = document["summary"]
    assert summary["claims"] == 2 and summary["findings"] == len(audit.active)
    assert sum(summary["by_severity"].values()) == sum(summary["by_kind"].values()) == len(audit.active)
    assert list(summary["by_severity"]) == list(VOCAB.severities)
    assert sum(summary["by_verdict"].values()) == summary["judged"]
    assert set(document["claims"]) == {"C01", "C02"}
    assert set(document["coverage"]) == {"prolotherapy-article"} and "notes" not in document


def test_the_written_reports_are_laid_out_as_whole_documents_would_be(shipped_build: Path):
    """The build streams audit.json and audit.md a claim at a time: the bytes must be those of the document
    rendered whole (json.dumps with indent 2; the Markdown's lines joined, its end stripped)."""
    written = (shipped_build / "audit.json").read_text(encoding="utf-8")
    assert written == json.dumps(json.loads(written), indent=2, ensure_ascii=False) + "\n"
    report = (shipped_build / "audit.md").read_text(encoding="utf-8")
    assert report == "\n".join(report.splitlines()).rstrip() + "\n" and "\n## Claims\n\n### " in report


@pytest.mark.parametrize(
    "lines",
    [[], [""], ["a"], ["a", ""], ["", "a  ", " "], ["a", "", "b ", "", " "], ["a\n", "", "b\n \n"], ["", "", "a"]],
)
def test_the_markdown_ends_as_the_whole_text_stripped_would(lines: list[str]):
    assert "".join(_ended(lines)) == "\n".join(lines).rstrip() + "\n"


@pytest.mark.parametrize(
    "value",
    [
        {}, [], (), "", 0, -3, 1.5, 1e300, float("nan"), float("-inf"), True, None,
        {"a": [], "b": {}, "c": [{"d": ["é\n\"\\\u2028\x00", 2.0, False]}], "": None},
        {7: "int key", 2.5: "float key", True: "bool key", None: "null key"},
        [[[]], [{}], ("t", "u")],
    ],
)
@pytest.mark.parametrize("level", [0, 2])
def test_the_reports_json_text_is_what_json_dumps_with_an_indent_writes(value: object, level: int):
    expected = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)
    assert indented_json(value, "  " * level) == expected


def test_the_audit_on_an_on_disk_store_finds_what_the_memory_audit_finds(mini: MiniProject, tmp_path: Path):
    """Rules on an on-disk Oxigraph store run in children that open it read-only."""
    mini.write_claims([claim("C01"), claim("C02", object="hip pain", polarity="negated", contradicts="C01")])
    assert mini.run("build").returncode == 0
    graph = str(mini.root / "out" / "claims.ttl")
    memory = mini.run("audit", "--graph", graph, "--format", "json")
    disk = mini.run("audit", "--graph", graph, "--store", f"oxigraph:{tmp_path / 'db'}", "--format", "json")
    assert memory.returncode == disk.returncode == 0, disk.stderr
    assert json.loads(disk.stdout)["findings"] == json.loads(memory.stdout)["findings"]
    assert json.loads(disk.stdout)["findings"]


def _second_writer(store_dir: Path) -> str:
    """What another process is told when it opens the store for writing now ('' if it could)."""
    code = "import sys; from graph.stores.oxigraph import OxigraphStore; OxigraphStore.directory(sys.argv[1])"
    opened = subprocess.run([sys.executable, "-c", code, str(store_dir)], capture_output=True, text=True, cwd=ROOT)
    return "" if opened.returncode == 0 else opened.stderr.strip().splitlines()[-1]


def _opened_for_writing(tmp_path: Path):
    """The build in tmp_path/out with its store tmp_path/db opened for writing (as a store whose file changed is; one
    that holds its file already is opened read-only)."""
    from graph.api import ClaimGraph
    from graph.stores import StoreSpec

    return ClaimGraph(OxigraphStore.directory(tmp_path / "db"), StoreSpec(str(tmp_path / "out" / "claims.ttl")))


@pytest.mark.parametrize("how", ["build", "audit of the store"])
def test_no_writer_is_open_while_the_rule_workers_read_the_store(mini: MiniProject, tmp_path: Path, how: str):
    """RocksDB leaves a read-only open beside an open writer undefined; in CI a worker failed to open the store on a
    file the writer's background compaction had just deleted. So while the rules run, this process reads through a
    read-only handle and keeps other processes from writing; afterwards its writer is back (the build then adds the
    audit to the store)."""

    mini.write_claims([claim("C01"), claim("C02", object="hip pain", polarity="negated", contradicts="C01")])
    project = Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources")
    db = tmp_path / "db"
    seen: list[tuple[str, str, str]] = []  # (when, what a write here raised, what a writer elsewhere was told)
    holder: list = []

    def look(when: str) -> None:
        refused = "(no handle to try)"  # a build's store is not the caller's until the build returns
        if holder:
            try:
                holder[0].store.add([ox.Triple(ox.NamedNode("urn:x"), ox.NamedNode("urn:y"), ox.NamedNode("urn:z"))])
                refused = ""
            except RuntimeError as err:
                refused = str(err)
        seen.append((when, refused, _second_writer(db)))

    if how == "build":
        build = project.build(db, audit_progress=lambda done, total: look(f"rule {done}"), steps=look)
        build.write(tmp_path / "out")
        found = build.audit.findings
        store = build.store
    else:
        project.build(db).write(tmp_path / "out")
        graph = _opened_for_writing(tmp_path)
        holder.append(graph)
        found = graph.audit(progress=lambda done, total: look(f"rule {done}"), steps=look).findings
        store = graph.store
    during = [entry for entry in seen if entry[0].startswith(("reading", "rule"))]
    assert len(during) == 11 and found
    for when, refused, told in during:
        assert refused and f"the store {db} is open in another process" in told, when
        assert how == "build" or "read-write" in refused, when  # this process reads through a read-only handle
    assert _second_writer(db)  # the writer is back ...
    store.add([ox.Triple(ox.NamedNode("urn:x"), ox.NamedNode("urn:y"), ox.NamedNode("urn:z"))])  # ... and writes
    if how == "build":
        assert any("/finding/" in t.subject.value for t in store.triples())


def test_an_audit_of_a_store_holding_its_file_reads_it_among_readers(mini: MiniProject, tmp_path: Path):
    """audit --store on a store that holds its file: read-only here and in the rule workers, writers kept out all the
    while (and after, for as long as the store is open), findings as from the file."""
    from graph.api import ClaimGraph

    mini.write_claims([claim("C01"), claim("C02", object="hip pain", polarity="negated", contradicts="C01")])
    Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources").build(
        tmp_path / "db"
    ).write(tmp_path / "out")
    graph_file = str(tmp_path / "out" / "claims.ttl")
    graph = ClaimGraph.open(graph=graph_file, store=f"oxigraph:{tmp_path / 'db'}")
    told: list[str] = []
    findings = graph.audit(progress=lambda done, total: told.append(_second_writer(tmp_path / "db"))).findings
    assert not graph.store.writable and len(told) == 10
    assert all(f"the store {tmp_path / 'db'} is open in another process" in t for t in told)
    assert findings == ClaimGraph.open(graph=graph_file).audit().findings
    graph.store.close()
    assert _second_writer(tmp_path / "db") == ""


def test_an_unfinished_iteration_over_the_store_stops_the_audit_before_the_rules(mini: MiniProject, tmp_path: Path):
    """A writer cannot close while an iteration over it is unfinished (it holds the database): the audit says so
    before any rule worker opens the store beside it, and runs on the store opened again once the iteration is
    dropped."""
    from graph.api import ClaimGraph

    mini.write_claims([claim("C01"), claim("C02", object="hip pain")])
    Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources").build(
        tmp_path / "db"
    ).write(tmp_path / "out")
    graph = _opened_for_writing(tmp_path)
    unfinished = iter(graph.store.triples())
    next(unfinished)
    steps: list[str] = []
    with pytest.raises(OSError, match=r"already open for writing in this process .* an iteration over it not read"):
        graph.audit(steps=steps.append)
    assert steps == []  # no rule was started
    del unfinished, graph
    graph = _opened_for_writing(tmp_path)
    assert graph.audit().findings == ClaimGraph.open(graph=str(tmp_path / "out" / "claims.ttl")).audit().findings


def test_a_rule_stopped_on_a_store_leaves_it_open_for_writing_again(mini: MiniProject, tmp_path: Path):
    """The error that stops the rules is the one reported, and the store's writer is back afterwards."""

    slow = "SELECT ?claim WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?claim }\n"
    folder = rules_dir(tmp_path, {"slow.rq": HEADER.format(id="slow") + slow})
    mini.write_claims([claim("C01"), claim("C02", object="hip pain")])
    Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources").build(
        tmp_path / "db"
    ).write(tmp_path / "out")
    graph = _opened_for_writing(tmp_path)
    with pytest.raises(RuleTimeout, match="rule 'slow'"):
        graph.audit(rule_dirs=[folder], seconds=1)
    graph.store.add([ox.Triple(ox.NamedNode("urn:x"), ox.NamedNode("urn:y"), ox.NamedNode("urn:z"))])
    assert _second_writer(tmp_path / "db")


def test_an_on_disk_build_leaves_a_store_holding_exactly_the_written_graph(mini: MiniProject, tmp_path: Path):
    """``build --store oxigraph:DIR`` adds the audit to its store while it writes the files; later commands given
    that store and the file use the store as it is, so it must hold the file's triples, audit included, and the
    file's fingerprint."""
    from graph.stores.oxigraph import FINGERPRINT, META, OxigraphStore, _sha256

    mini.write_claims([claim("C01"), claim("C02", object="hip pain", polarity="negated", contradicts="C01")])
    assert mini.run("build", "--store", f"oxigraph:{tmp_path / 'db'}").returncode == 0
    graph = mini.root / "out" / "claims.ttl"
    store = OxigraphStore.directory(tmp_path / "db", read_only=True)
    written = set(OxigraphStore.from_file(graph).triples())
    assert set(store.triples()) == written and any("/finding/" in t.subject.value for t in written)
    assert {q.object.value for q in store.store.quads_for_pattern(None, FINGERPRINT, None, META)} == {_sha256(graph)}


def test_ctrl_c_while_the_store_takes_the_audit_stops_the_build_at_once(mini: MiniProject, tmp_path: Path):
    """At 1,000,000 claims the audit's load into the on-disk store can outlast the files by a minute; a program that
    stops the build then (a KeyboardInterrupt it catches) must not wait for it. The load is held here until the test
    lets it go (the stand-in for a long one), and the interrupt arrives while the build waits for it. The store, left
    without the new file's fingerprint, is loaded again from the file by the next command that opens it with it."""
    import gc
    import threading

    from graph.stores import StoreSpec, open_store

    mini.write_claims([claim("C01"), claim("C02", object="hip pain")])
    project = Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources")
    build = project.build(tmp_path / "db")
    started, release, ended = threading.Event(), threading.Event(), threading.Event()
    main = threading.get_ident()
    told: list[threading.Event] = []

    def held(audit_text, stop) -> None:  # the load the process's exit would cut short
        told.append(stop)
        started.set()
        release.wait(10)
        ended.set()

    def interrupt_once_it_started() -> None:
        started.wait(10)
        time.sleep(0.2)  # the build is waiting for the load by then
        signal.pthread_kill(main, signal.SIGINT)  # as a terminal's Ctrl-C, to the thread that waits

    build._store_audit = held  # type: ignore[method-assign]
    threading.Thread(target=interrupt_once_it_started, daemon=True).start()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # a shell may start the tests ignoring it
    try:
        with pytest.raises(KeyboardInterrupt):
            build.write(tmp_path / "out")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not ended.is_set()  # stopped while the load was still held: it did not wait for it
    assert told[0].is_set()  # and the load was told to give up
    release.set()
    assert ended.wait(10)
    del build  # closes the store
    gc.collect()
    graph = tmp_path / "out" / "claims.ttl"
    reopened = open_store(StoreSpec(graph=str(graph), store=f"oxigraph:{tmp_path / 'db'}"))
    assert set(reopened.triples()) == set(OxigraphStore.from_file(graph).triples())


def test_a_stopped_build_gives_up_adding_the_audit_to_its_store(mini: MiniProject, tmp_path: Path):
    """Once a build is stopped, its store thread leaves the store alone at the next block (so a program that goes
    on can open the store again soon): nothing of the audit is added and nothing compacted."""
    import threading

    from graph.api import _Spool
    from graph.audit.enrich import audit_ntriples

    mini.write_claims([claim("C01"), claim("C02", object="hip pain")])
    project = Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources")
    build = project.build(tmp_path / "db")
    before = len(build.store)
    stop = threading.Event()
    stop.set()
    with pytest.raises(InterruptedError):
        build._store_audit(_Spool.of(audit_ntriples(build.audit)), stop)
    assert len(build.store) == before
    build._store_audit(_Spool.of(audit_ntriples(build.audit)), threading.Event())
    assert len(build.store) > before


def test_a_quote_across_two_sentences_covers_both(mini: MiniProject):
    across = "most commonly ligament and tendon injuries. It involves the injection of a solution"
    mini.write_claims([claim("C01", quote=across, predicate="improves", object="injuries")])
    coverage = json.loads(mini.run("audit", "--format", "json").stdout)["coverage"]["prolotherapy-article"]
    assert coverage["covered"] == 2 and coverage["sentences"] == 38
    mini.write_claims([claim("C01")])
    assert json.loads(mini.run("audit", "--format", "json").stdout)["coverage"]["prolotherapy-article"]["covered"] == 1


def test_a_rule_with_a_bad_header_and_a_bad_query_reports_both(tmp_path: Path):
    text = HEADER.replace("overclaim", "gossip").format(id="x") + "ASK { ?s ?p ?o }\n"
    assert load_problems(rules_dir(tmp_path, {"x.rq": text})) == [
        "x.rq: sparql: a rule must be a SELECT query",
        "x.rq:2: kind: 'gossip' is not a finding kind; use one of: " + VOCAB.finding_kinds.words(),
    ]


def test_more_rules_than_one_audit_hands_out_are_refused_with_a_message():
    import multiprocessing

    from graph.audit.runner import _hand_out

    three = _hand_out(3, multiprocessing.get_context("fork"))
    assert os.read(three.fileno(), 100) == b"\x00\x00\x01\x00\x02\x00"  # the numbers, then the end
    assert os.read(three.fileno(), 100) == b""
    for count in (40_000, 70_000):  # past the pipe (64 KiB: 32,768), past the rule numbers (65,536)
        with pytest.raises(ValueError, match=f"{count} rules are more than an audit runs at once"):
            _hand_out(count, multiprocessing.get_context("fork"))
