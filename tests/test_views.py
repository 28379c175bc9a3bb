"""The NetworkX projection, its export, the page's data and the render/export commands (no browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest

from graph.api import ClaimGraph
from graph.views import export, select, to_networkx
from graph.views.page import render_html, script_json, sentence_context
from tests.conftest import ROOT, claimgraph, script

BASE = "https://w3id.org/claimgraph/id/"


@pytest.fixture(scope="module")
def built(shipped_build: Path) -> ClaimGraph:
    return ClaimGraph.open(graph=shipped_build / "claims.ttl")


@pytest.fixture(scope="module")
def projection(built: ClaimGraph) -> nx.MultiDiGraph:
    return to_networkx(built.views(), built.findings())


def _kinds(graph: nx.MultiDiGraph, what: str) -> dict[str, int]:
    items = graph.nodes(data=True) if what == "nodes" else ((e, d) for *e, d in graph.edges(data=True))
    counts: dict[str, int] = {}
    for _, attrs in items:
        counts[attrs["kind"]] = counts.get(attrs["kind"], 0) + 1
    return counts


def test_the_projection_has_entity_claim_and_value_nodes_and_typed_edges(projection, built: ClaimGraph):
    claims = len(built.views())
    kinds = _kinds(projection, "nodes")
    assert kinds["claim"] == claims and kinds["value"] == 3 and kinds["entity"] > 50
    edges = _kinds(projection, "edges")
    assert edges["subject"] == edges["object"] == claims
    rows = (ROOT / "claims.csv").read_text(encoding="utf-8")
    assert edges["supports"] > 0 and edges["contradicts"] > 0
    c36 = BASE + "claim/C36"
    assert projection.has_edge(BASE + "entity/prolotherapy", c36, key="subject")
    assert projection.has_edge(c36, BASE + "entity/knee-pain", key="object")
    assert projection.edges[c36, BASE + "entity/knee-pain", "object"]["label"] == "treats"
    assert "C36" in rows


def test_claim_attributes_carry_qualifiers_quote_source_and_audit(projection):
    c36 = projection.nodes[BASE + "claim/C36"]
    assert c36["certainty"] == "possible"
    assert c36["polarity"] == "affirmed"
    assert c36["attribution"] == "a systematic review"
    assert c36["evidence"] == "systematic-review"
    assert c36["quote"].startswith("A systematic review of studies concluded")
    assert c36["source"] == "prolotherapy-article" and not c36["evidence_source"]
    assert c36["verdict"] == "supported" and c36["evidence_certainty"] == "moderate"
    assert set(c36["evidence_for"]) == {"L02", "L05", "L06", "L19"}
    assert "uncited-evidence" in c36["finding_kinds"]
    assert c36["label"] == "C36 treats knee pain"  # a short statement, not only the id
    l02 = projection.nodes[BASE + "claim/L02"]
    assert l02["evidence_source"] and l02["source_url"] == "https://doi.org/10.1370/afm.1504"


def test_every_conflict_is_one_edge_whatever_found_it(projection, built: ClaimGraph):
    rows = built.query("SELECT ?a ?b WHERE { ?a <https://w3id.org/claimgraph/ns#contradicts> ?b }").rows
    pairs = {frozenset((a.value, b.value)) for a, b in rows}
    iri = {v.id: v.iri for v in built.views()}
    found = {frozenset(iri[c] for c in f.claims) for f in built.findings() if f.kind == "contradiction"}
    drawn = [frozenset((u, v)) for u, v, k in projection.edges(keys=True) if k == "contradicts"]
    assert len(drawn) == len(set(drawn)) == len(pairs | found)
    assert found <= set(drawn)


def test_the_audit_verdicts_reach_the_projection(projection):
    c03, c48 = projection.nodes[BASE + "claim/C03"], projection.nodes[BASE + "claim/C48"]
    assert (c03["verdict"], c48["verdict"]) == ("supported", "contradicted-by-evidence")  # directional
    assert "contradiction" in c03["finding_kinds"] and "contradiction" in c48["finding_kinds"]
    assert projection.has_edge(BASE + "claim/C03", BASE + "claim/C48", key="contradicts")
    assert any(f["kind"] == "contradiction" and f["message"] for f in c48["findings"])
    verdicts = {a["verdict"] for _, a in projection.nodes(data=True) if a["kind"] == "claim"}
    assert verdicts <= {"contradicted-by-evidence", "overstated", "unsupported", "inconsistent", "mixed", "supported",
                        "not-assessed", "evidence"}  # fmt: skip


def test_literal_objects_become_shared_value_nodes(projection):
    values = {a["label"] for _, a in projection.nodes(data=True) if a["kind"] == "value"}
    assert {"decades", "centuries"} <= values


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_export_round_trips_and_is_deterministic(projection, fmt, tmp_path: Path):
    data = export(projection, fmt)
    assert data == export(projection, fmt)
    path = tmp_path / f"g.{fmt}"
    path.write_bytes(data)
    back = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    assert back.number_of_nodes() == projection.number_of_nodes()
    assert back.number_of_edges() == projection.number_of_edges()


def test_export_command_writes_the_file(shipped_build: Path, tmp_path: Path):
    out = tmp_path / "claims.graphml"
    result = claimgraph("export", "--graph", str(shipped_build / "claims.ttl"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    nodes = ClaimGraph.open(graph=shipped_build / "claims.ttl").page().nodes
    assert f"{nodes} nodes" in result.stdout
    assert nx.read_graphml(out).number_of_nodes() == nodes


def test_focus_and_only_select_subgraphs(projection):
    knee = select(projection, focus="knee osteoarthritis", hops=1)
    claims = {a["id"] for _, a in knee.nodes(data=True) if a["kind"] == "claim"}
    assert claims == {"L02", "L05", "L17"}
    assert BASE + "entity/prolotherapy" in knee  # the subjects of the kept claims come along
    wider = select(projection, focus="knee osteoarthritis", hops=3)
    assert len(wider) > len(knee)
    contradictions = select(projection, only="contradictions")
    assert all(
        any(k == "contradicts" for *_, k in contradictions.edges(n, keys=True))
        or any(k == "contradicts" for *_, k in contradictions.in_edges(n, keys=True))
        or "contradiction" in a["finding_kinds"]
        for n, a in contradictions.nodes(data=True)
        if a["kind"] == "claim"
    )
    with pytest.raises(LookupError):
        select(projection, focus="no such thing")


def test_render_refuses_a_page_over_the_limit_and_writes_nothing(shipped_build: Path, tmp_path: Path):
    out = tmp_path / "page.html"
    result = claimgraph("render", "--graph", str(shipped_build / "claims.ttl"), "--out", str(out), "--max-nodes", "50")
    assert result.returncode == 2
    assert "--focus" in result.stderr and "--only" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    result = claimgraph("render", "--graph", str(shipped_build / "claims.ttl"), "--out", str(out), "--focus", "nowhere")
    assert result.returncode == 2 and "nowhere" in result.stderr
    result = claimgraph(
        "render", "--graph", str(shipped_build / "claims.ttl"), "--out", str(out), "--focus", "knee osteoarthritis"
    )
    assert result.returncode == 0, result.stderr
    assert out.exists()


def test_render_without_a_build_says_what_to_do(tmp_path: Path):
    result = claimgraph("render", "--graph", str(tmp_path / "missing.ttl"), "--out", str(tmp_path / "p.html"))
    assert result.returncode == 2
    assert "claimgraph build" in result.stderr


def test_the_page_is_deterministic_and_self_contained(projection, built: ClaimGraph):
    html = render_html(projection, built.vocabulary())
    assert html == render_html(projection, built.vocabulary())
    markup = re.sub(r'<script type="application/json".*?</script>', "", html, flags=re.S)  # the data, not markup
    head = markup.split("<script>", 1)[0]
    assert "http://" not in head.replace("http://www.w3.org", "") and "cdn" not in head.lower()
    for tag in ("<link", "src="):
        assert tag not in head


def test_embedded_json_cannot_end_its_script_element():
    text = script_json({"a": "</script><img src=x onerror=alert(1)>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><img src=x onerror=alert(1)>&"}


def test_the_quote_is_shown_in_its_sentence():
    assert sentence_context("herapy for treating joint pain. ", ", but more research is needed.\n\n") == (
        "",
        ", but more research is needed.",
    )
    assert sentence_context("which means it ", " and more") == ("…which means it ", " and more…")


def test_generated_projects_build(tmp_path: Path):
    make_corpus = script("make_corpus")
    project = make_corpus.generate_project(tmp_path / "gen", 60, seed=1)
    result = claimgraph("build", "--out", str(project / "out"), cwd=project)
    assert result.returncode == 0, result.stderr
    built = ClaimGraph.open(graph=project / "out" / "claims.ttl")
    assert _kinds(to_networkx(built.views()), "nodes")["claim"] == 60
    assert (project / "out" / "claims.html").exists()
    again = make_corpus.generate_project(tmp_path / "gen2", 60, seed=1)
    assert (again / "claims.csv").read_bytes() == (project / "claims.csv").read_bytes()


def test_the_page_docs_render_and_export_examples_run(shipped_build: Path, tmp_path: Path):
    import shlex
    import shutil

    doc = (ROOT / "docs" / "page.md").read_text(encoding="utf-8")
    examples = [
        line.split("#")[0].strip()
        for block in re.findall(r"```\n(.*?)```", doc, flags=re.DOTALL)
        for line in block.splitlines()
        if line.startswith((".venv/bin/claimgraph render", ".venv/bin/claimgraph export"))
    ]
    assert len(examples) >= 6
    shutil.copy(ROOT / "claims.csv", tmp_path)
    shutil.copy(ROOT / "ontology.ttl", tmp_path)
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    shutil.copytree(shipped_build, tmp_path / "out")  # the build of these files, as `claimgraph build` wrote it
    for example in examples:
        result = claimgraph(*shlex.split(example)[1:], cwd=tmp_path)
        assert result.returncode == 0, (example, result.stderr)
        assert result.stdout.startswith("wrote "), example


SEEDED_COMMANDS = {
    "only": ("render", "--only", "contradictions"),
    "focus": ("render", "--focus", "knee osteoarthritis", "--hops", "2"),
    "full": ("render",),
    "graphml": ("export", "--format", "graphml"),
    "gexf": ("export", "--format", "gexf"),
}
RUN_SEEDED = """
import json, sys
from graph.cli import main
graph, out, commands = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for name, command in commands.items():
    assert main([*command, "--graph", graph, "--out", out + "/" + name]) == 0, name
"""


def test_pages_and_exports_are_the_same_bytes_under_any_hash_seed(shipped_build: Path, tmp_path: Path):
    import os
    import subprocess
    import sys

    processes = {}
    for seed in ("1", "2"):  # the hash seed is fixed when a process starts: one process per seed, side by side
        env = {**os.environ, "PYTHONHASHSEED": seed}
        (tmp_path / seed).mkdir()
        args = [str(shipped_build / "claims.ttl"), str(tmp_path / seed), json.dumps(SEEDED_COMMANDS)]
        processes[seed] = subprocess.Popen(
            [sys.executable, "-c", RUN_SEEDED, *args], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
    for process in processes.values():
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    for name in SEEDED_COMMANDS:
        first, second = (tmp_path / seed / name for seed in ("1", "2"))
        assert first.stat().st_size > 1000, name
        assert first.read_bytes() == second.read_bytes(), name


@pytest.mark.parametrize("command", ["render", "export"])
def test_a_malformed_graph_is_reported_at_its_line_and_column(command, tmp_path: Path):
    bad = tmp_path / "claims.ttl"
    bad.write_text('@prefix x: <http://example.org/> .\nx:a x:b x:c .\nx:a x:b "unterminated .\n', encoding="utf-8")
    out = tmp_path / "out.file"
    result = claimgraph(command, "--graph", str(bad), "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{bad}:3: col ") and "syntax error" in lines[0]
    assert len(lines) == 2 and "nothing was written" in lines[1]
    assert "Traceback" not in result.stderr and not out.exists()


def test_verdicts_colour_the_page_and_the_digest_opens_it(shipped_build: Path, built: ClaimGraph):
    from graph.audit.digest import digest
    from graph.views.page import page_data, verdicts

    vocab = built.vocabulary()
    audit = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))
    views, findings = built.views(), built.findings()
    nxg = to_networkx(views, findings)
    data = page_data(nxg, vocab, "t", None, digest(views, findings, vocab, {}))
    colours = {v["name"]: v["colour"] for v in verdicts(vocab)}
    assert colours["contradicted-by-evidence"] != colours["supported"]  # the disfavoured side red, the favoured not
    nodes = {n["id"]: n for n in data["nodes"]}
    for claim_id, claim in audit["claims"].items():
        expected = claim.get("verdict", "evidence")  # the literature is drawn as evidence, not judged
        assert nodes[BASE + "claim/" + claim_id]["color"]["background"] == colours[expected], claim_id
    c48 = nodes[BASE + "claim/C48"]
    assert c48["cg"]["verdict"] == "contradicted-by-evidence" and "rabago-2010" in c48["title"]
    assert [e["claims"][0]["id"] for e in data["digest"][:2]] == [e["claims"][0] for e in audit["verdicts"][:2]]
    assert data["digest"][0]["claims"][0]["node"] == BASE + "claim/C39"


def test_the_build_writes_the_page_it_renders_and_a_notice_above_the_limit(
    shipped_build: Path, tmp_path: Path, built: ClaimGraph
):
    page = built.page()
    assert page.nodes == len(built.views()) + 67 and (shipped_build / "claims.html").read_bytes() == page.html
    out = tmp_path / "out"
    assert claimgraph("build", "--out", str(out), cwd=ROOT).returncode == 0
    assert (out / "claims.html").read_bytes() == page.html
    small = claimgraph("build", "--out", str(out), "--max-nodes", "50", cwd=ROOT)
    assert small.returncode == 0 and "page " in small.stdout and "a notice only" in small.stdout
    notice = (out / "claims.html").read_text(encoding="utf-8")
    assert "not drawn here" in notice and "claimgraph render" in notice  # never the previous build's drawing
