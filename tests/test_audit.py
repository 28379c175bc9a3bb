"""The audit end to end: the shipped article, the command line, user rules, reports and SHACL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from rdflib import RDF, Graph, Literal, Namespace

from tests.conftest import ARTICLE, ROOT, MiniProject, claim, claimgraph

CG = Namespace("https://w3id.org/claimgraph/ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SCHEMA = Namespace("http://schema.org/")
DCTERMS = Namespace("http://purl.org/dc/terms/")


def _audit(shipped_build: Path) -> dict:
    return json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))


def _claim_rows() -> list[dict[str, str]]:
    with open(ROOT / "claims.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_article_contradictions_and_uncited_review_are_found(shipped_build: Path):
    audit = _audit(shipped_build)
    by_id = {f["id"]: f for f in audit["findings"]}
    # "used for decades" against "used for centuries": curated, and inferred from the functional predicate
    assert by_id["functional-conflict:C03+C48"]["kind"] == "contradiction"
    assert "decades" in by_id["functional-conflict:C03+C48"]["message"]
    assert by_id["curated-contradiction:C03+C48"]["severity"] == "error"
    # "A systematic review of studies concluded …" names no review
    assert by_id["uncited-evidence:C36"]["kind"] == "uncited-evidence"
    # the literature contradicts the article on what the solution contains
    assert any(f["rule"] == "contradicted-by-evidence" and "C15" in f["claims"] for f in audit["findings"])
    # the conflict is directional: the evidence (rabago-2010, L11) favours "decades"
    assert audit["claims"]["C48"]["verdict"] == "contradicted-by-evidence"
    assert audit["claims"]["C03"]["verdict"] == audit["claims"]["C05"]["verdict"] == "supported"
    assert audit["claims"]["C48"]["against"] == ["L11"] and "L11" in audit["claims"]["C03"]["for"]


def test_every_article_claim_has_a_verdict_and_the_literature_a_certainty(shipped_build: Path):
    audit = _audit(shipped_build)
    article = [r["id"] for r in _claim_rows() if r["source"] == "prolotherapy-article"]
    assert all(audit["claims"][i]["verdict"] and audit["claims"][i]["reason"] for i in article)
    literature = [r["id"] for r in _claim_rows() if r["source"] not in ("prolotherapy-article",)]
    assert all("verdict" not in audit["claims"][i] for i in literature)
    graded = {audit["claims"][i].get("certainty_of_evidence") for i in literature}
    assert {"moderate", "low", "very-low"} <= graded


def test_audit_json_is_complete_and_sorted(shipped_build: Path):
    audit = _audit(shipped_build)
    assert set(audit["claims"]) == {r["id"] for r in _claim_rows()}
    severity = {"error": 0, "warning": 1, "info": 2}
    keys = [severity[f["severity"]] for f in audit["findings"]]
    assert keys == sorted(keys)
    for finding in audit["findings"]:
        assert set(finding) == {"id", "rule", "kind", "severity", "claims", "message"}
        for claim_id in finding["claims"]:
            assert finding["id"] in audit["claims"][claim_id]["findings"]
    assert sum(audit["summary"]["by_kind"].values()) == len(audit["findings"])


def test_coverage_lists_uncovered_claim_like_sentences(shipped_build: Path):
    coverage = _audit(shipped_build)["coverage"]["prolotherapy-article"]
    text = ARTICLE.read_text(encoding="utf-8")
    assert 0 < coverage["covered"] < coverage["sentences"]
    for sentence in coverage["uncovered"]:
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]
        assert sentence["cues"]
    quoted = [r["quote"] for r in _claim_rows() if r["quote"]]
    assert not any(q in s["text"] for s in coverage["uncovered"] for q in quoted)


def test_findings_are_written_into_the_graph(shipped_build: Path):
    graph = Graph().parse(shipped_build / "claims.ttl")
    audit = _audit(shipped_build)
    findings = set(graph.subjects(RDF.type, CG.Finding))
    assert len(findings) == len(audit["findings"])
    verdicts = {str(graph.value(o, SKOS.notation)) for o in graph.objects(None, CG.verdict)}
    assert {"contradicted-by-evidence", "unsupported", "supported", "not-assessed"} <= verdicts
    reviews = set(graph.subjects(RDF.type, SCHEMA.ClaimReview))
    assert len(reviews) == sum(1 for c in audit["claims"].values() if "verdict" in c)


def test_markdown_report_shows_the_quote_in_its_sentence(shipped_build: Path):
    report = (shipped_build / "audit.md").read_text(encoding="utf-8")
    audit = _audit(shipped_build)
    assert f"{audit['summary']['by_verdict']['contradicted-by-evidence']} contradicted-by-evidence" in report
    assert (
        "**A systematic review of studies concluded that prolotherapy might effectively treat knee pain**, "
        "but more research is needed."
    ) in report
    verdicts_in_order = [line.split(" — ")[1] for line in report.splitlines() if line.startswith("### ")]
    ranks = [list(audit["summary"]["by_verdict"]).index(v.replace(" (waived)", "")) for v in verdicts_in_order]
    assert ranks == sorted(ranks)  # the most serious verdicts first


def test_fail_on_gates_like_a_linter(mini: MiniProject):
    mini.write_claims(
        [
            claim(
                "C01",
                predicate="inUseFor",
                object="decades",
                certainty="certain",
                evidence="none",
                quote="Prolotherapy has been used to treat everything from back to joint pain for decades",
            ),
            claim(
                "C02",
                predicate="inUseFor",
                object="centuries",
                certainty="certain",
                evidence="none",
                quote="Prolotherapy is a treatment that has been used for centuries",
            ),
        ]
    )
    assert mini.run("audit", "--fail-on", "contradiction").returncode == 3
    assert mini.run("audit", "--fail-on", "weak-evidence,overclaim").returncode == 0
    assert mini.run("audit", "--fail-on", "any").returncode == 3
    bad = mini.run("audit", "--fail-on", "contradictions")
    assert bad.returncode == 2 and "unknown name(s) contradictions" in bad.stderr


def test_formats(mini: MiniProject):
    as_json = json.loads(mini.run("audit", "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(mini.run("audit", "--format", "csv").stdout)))
    assert [f["id"] for f in as_json["findings"]] == [row["finding"] for row in as_csv]
    assert mini.run("audit").stdout.startswith("# Claims audit")


def test_user_rules_run_beside_the_builtin_ones(mini: MiniProject, tmp_path: Path):
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "review-claims.rq").write_text(
        "# id: attributed-to-review\n# kind: weak-evidence\n# severity: info\n"
        "# description: Claims a review is said to make.\n"
        "PREFIX prov: <http://www.w3.org/ns/prov#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "SELECT ?claim ?message WHERE { ?c dcterms:identifier ?claim ; prov:wasAttributedTo/rdfs:label ?who .\n"
        '  FILTER (CONTAINS(?who, "review")) BIND (CONCAT(?claim, " is said to come from a review") AS ?message) }\n',
        encoding="utf-8",
    )
    result = json.loads(mini.run("audit", "--rules", str(rules), "--format", "json").stdout)
    mine = [f for f in result["findings"] if f["rule"] == "attributed-to-review"]
    assert [f["claims"] for f in mine] == [["C01"]] and mine[0]["severity"] == "info"
    assert json.loads(mini.run("audit", "--format", "json").stdout)["findings"] != result["findings"]


def test_a_broken_user_rule_is_located(mini: MiniProject, tmp_path: Path):
    rules = tmp_path / "bad-rules"
    rules.mkdir()
    (rules / "oops.rq").write_text(
        "# id: oops\n# kind: gossip\n# severity: error\n# description: x\nSELECT ?claim WHERE { ?claim ?p }\n",
        encoding="utf-8",
    )
    result = mini.run("audit", "--rules", str(rules))
    assert result.returncode == 2
    assert f"{rules / 'oops.rq'}:2: kind: 'gossip' is not a finding kind" in result.stderr
    assert f"{rules / 'oops.rq'}" in result.stderr and "syntax error" in result.stderr
    assert "Traceback" not in result.stderr


def test_audit_of_an_existing_build_matches_the_build(shipped_build: Path):
    result = claimgraph("audit", "--graph", str(shipped_build / "claims.ttl"), "--format", "json", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == _audit(shipped_build)


def test_shacl_shipped_build_conforms_and_a_broken_graph_does_not(shipped_build: Path, tmp_path: Path):
    good = claimgraph("validate", "--graph", str(shipped_build / "claims.ttl"), cwd=ROOT)
    assert good.returncode == 0, good.stderr
    graph = Graph().parse(shipped_build / "claims.ttl")
    c36 = next(graph.subjects(CG.hedgeCue, None))
    graph.remove((c36, CG.certainty, None))
    graph.add((c36, CG.polarity, CG.Certain))
    broken = tmp_path / "broken.ttl"
    graph.serialize(broken, format="turtle")
    bad = claimgraph("validate", "--graph", str(broken), cwd=ROOT)
    assert bad.returncode == 2
    assert "cg:certainty: a claim needs exactly one certainty" in bad.stderr
    assert "cg:polarity: a claim needs exactly one polarity" in bad.stderr
    assert "SHACL violation" in bad.stderr


def test_validate_graph_reports_a_syntax_error_with_its_line(tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('<http://a> <http://b> <http://c> .\n<http://a> <http://b> "open .\n', encoding="utf-8")
    result = claimgraph("validate", "--graph", str(bad), cwd=ROOT)
    assert result.returncode == 2 and f"{bad}:2:" in result.stderr


def test_verdicts_and_their_evidence_are_in_the_graph(shipped_build: Path):
    graph = Graph().parse(shipped_build / "claims.ttl")
    audit = _audit(shipped_build)
    pairs = graph.subject_objects(CG.verdict)
    in_graph = {str(s).rsplit("/", 1)[-1]: str(graph.value(o, SKOS.notation)) for s, o in pairs}
    expected = {i: c["verdict"] for i, c in audit["claims"].items() if "verdict" in c}
    assert in_graph == expected and in_graph["C15"] == "contradicted-by-evidence"
    c40 = next(graph.subjects(DCTERMS.identifier, Literal("C40")))
    against = {str(graph.value(o, DCTERMS.identifier)) for o in graph.objects(c40, CG.evidenceAgainst)}
    assert against == set(audit["claims"]["C40"]["against"]) == {"L01", "L17", "L18"}


def test_markdown_keeps_the_spaces_around_the_quoted_words(shipped_build: Path):
    report = (shipped_build / "audit.md").read_text(encoding="utf-8")
    assert "While **most prolotherapy treatments are safe and effective**, there is" in report
    assert "joint pain** for decades" in report or "joint pain for decades**" in report
    assert "**for" not in report and "While**" not in report


def test_shacl_refuses_a_graph_without_claims(tmp_path: Path):
    result = claimgraph("validate", "--graph", str(ROOT / "ontology.ttl"), cwd=ROOT)
    assert result.returncode == 2 and "holds no cg:Claim" in result.stderr


def test_a_rule_syntax_error_names_line_and_column(mini: MiniProject, tmp_path: Path):
    rules = tmp_path / "r"
    rules.mkdir()
    (rules / "bad.rq").write_text(
        "# id: bad\n# kind: overclaim\n# severity: info\n# description: x\nSELECT ?claim WHERE {\n  ?claim ?p }\n",
        encoding="utf-8",
    )
    result = mini.run("audit", "--rules", str(rules))
    assert result.returncode == 2
    line = next(x for x in result.stderr.splitlines() if "bad.rq" in x)
    assert f"{rules / 'bad.rq'}:6: col " in line and "SPARQL syntax error: expected one of" in line
    assert len(line) < 300


def test_the_same_audit_on_every_local_store(shipped_build: Path, tmp_path: Path):
    graph = str(shipped_build / "claims.ttl")
    answers = {
        store: claimgraph("audit", "--graph", graph, "--format", "json", *extra, cwd=ROOT)
        for store, extra in {
            "oxigraph": [],
            "memory": ["--store", "memory"],
            "on disk": ["--store", f"oxigraph:{tmp_path / 'db'}"],
        }.items()
    }
    assert all(r.returncode == 0 for r in answers.values()), {s: r.stderr for s, r in answers.items()}
    assert len({r.stdout for r in answers.values()}) == 1
    assert json.loads(answers["on disk"].stdout) == _audit(shipped_build)
