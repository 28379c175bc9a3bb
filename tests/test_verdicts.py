"""Verdicts: directional, GRADE-rated, on small tables of their own, and on two whole articles against a reviewer.

Each rule of the verdict engine has a table that shows the true positive kept and the false positive gone.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from graph.api import Project
from tests.conftest import ARTICLE, ROOT, MiniProject, claim, claimgraph

SECOND = ROOT / "tests" / "data" / "second"
FLAT = "Prolotherapy has been used to treat everything from back to joint pain for decades"
MIGHT = "prolotherapy might effectively treat knee pain"
RISK = "There is a small risk of infection associated with prolotherapy"
APPEARS = "prolotherapy appears safe when performed by a trained and experienced practitioner"
REPORT = "Many people who have undergone prolotherapy report significant pain relief"
CENTURIES = "Prolotherapy is a treatment that has been used for centuries"
SOURCES = (
    "key,title,kind,citation,published,participants,risk_of_bias,conflict_of_interest\n"
    "prolotherapy-article,Prolotherapy,article,,,,,\n"
    "big-trial,A large trial,rct,10.1000/big,2020,1200,low,no\n"
    "small-trial,A small trial,rct,10.1000/small,2020,90,,\n"
    "biased-review,A review by clinic owners,systematic-review,10.1000/biased,2020,,high,yes\n"
    "guideline,A guideline,guideline,10.1000/guide,2020,,,\n"
    "search,A literature search,other,10.1000/search,2020,,,\n"
)


def article(id: str, **cells: str) -> dict[str, str]:
    """A flat efficacy claim of the article, by the author, with no evidence of its own."""
    return claim(id, **{"quote": FLAT, "certainty": "certain", "attribution": "author", "evidence": "none", **cells})


def study(id: str, source: str, **cells: str) -> dict[str, str]:
    row = {"source": source, "quote": "", "object": "knee pain", "certainty": "probable", "attribution": source,
           "evidence": "rct", "citation": f"10.1000/{source.split('-')[0]}"}  # fmt: skip
    if source == "biased-review":
        row["evidence"] = "systematic-review"
    if source == "guideline":
        row["evidence"] = "guideline"
    return claim(id, **{**row, **cells})


def audit(mini: MiniProject, rows: list[dict[str, str]]):
    mini.write_sources(SOURCES)
    mini.write_claims(rows)
    return Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources").build().audit


def verdict(result, claim_id: str) -> str:
    return result.by_id[claim_id].verdict


# --- direction: only the disfavoured side of a conflict is contradicted -------------------------------------


def test_stronger_evidence_against_contradicts_and_weaker_does_not(mini: MiniProject):
    strong_against = audit(mini, [
        article("C01"),
        study("L01", "big-trial", polarity="negated", contradicts="C01", certainty="certain"),  # high
        study("L02", "small-trial", supports="C01"),  # moderate
    ])  # fmt: skip
    assert verdict(strong_against, "C01") == "contradicted-by-evidence"
    assert "big-trial" in strong_against.by_id["C01"].reason
    assert strong_against.by_id["C01"].evidence_against == ("L01",)
    assert strong_against.by_id["C01"].evidence_for == ("L02",)
    weak_against = audit(mini, [
        article("C01", certainty="possible", quote=MIGHT),
        study("L01", "small-trial", polarity="negated", contradicts="C01"),  # moderate
        study("L02", "big-trial", supports="C01", certainty="certain"),  # high
    ])  # fmt: skip
    assert verdict(weak_against, "C01") == "supported"  # the favoured side keeps a positive verdict
    assert weak_against.by_id["L01"].verdict == ""  # the literature is evidence, not judged


def test_equal_evidence_on_both_sides_is_mixed_and_more_sources_tip_it(mini: MiniProject):
    tie = audit(mini, [
        article("C01", certainty="possible", quote=MIGHT),
        study("L01", "small-trial", polarity="negated", contradicts="C01"),  # moderate
        study("L02", "big-trial", supports="C01", certainty="probable"),  # capped at moderate by its wording
    ])  # fmt: skip
    assert verdict(tie, "C01") == "mixed" and tie.by_id["C01"].evidence_against == ("L01",)
    two_against = audit(mini, [
        article("C01"),
        study("L01", "guideline", polarity="negated", contradicts="C01", predicate="recommendedFor"),
        study("L02", "small-trial", polarity="negated", contradicts="C01", object="knee pain"),
        study("L03", "biased-review", supports="C01", certainty="probable"),
    ])  # fmt: skip
    assert verdict(two_against, "C01") == "contradicted-by-evidence"


# --- GRADE: design, risk of bias, conflicts of interest, imprecision, indirectness, the evidence's own wording


def test_certainty_of_evidence_is_downgraded_grade_style(mini: MiniProject):
    result = audit(mini, [
        article("C01", certainty="possible", quote=MIGHT),
        study("L01", "big-trial", supports="C01", certainty="certain"),  # RCT, 1200 people, low risk: high
        study("L02", "small-trial", supports="C01", certainty="certain"),  # 90 people: imprecision, moderate
        study("L03", "biased-review", supports="C01", certainty="certain"),  # high risk of bias and a conflict: low
        study("L04", "big-trial", supports="C01", certainty="possible"),  # its own 'may' caps it at low
        study("L05", "big-trial", subject="dextrose", supports="C01", certainty="certain"),  # indirect subject
    ])  # fmt: skip
    certainty = {i: result.by_id[i].evidence_certainty for i in ("L01", "L02", "L03", "L04", "L05")}
    assert certainty == {"L01": "high", "L02": "moderate", "L03": "low", "L04": "low", "L05": "high"}
    assert result.by_id["C01"].evidence_certainty == "high"  # the best evidence for it


def test_a_flat_claim_on_low_certainty_evidence_is_overstated_and_a_hedged_one_is_not(mini: MiniProject):
    rows = [study("L01", "biased-review", supports="C01;C02", certainty="certain")]  # low certainty
    result = audit(mini, [article("C01"), article("C02", certainty="possible", quote=MIGHT), *rows])
    assert verdict(result, "C01") == "overstated" and "low certainty" in result.by_id["C01"].reason
    assert verdict(result, "C02") == "supported"


def test_hedged_claims_get_one_step_of_slack(mini: MiniProject):
    appears = article("C01", predicate="hasSafetyProfile", object="safe", certainty="probable", quote=APPEARS)
    low = audit(mini, [appears, study("L01", "biased-review", supports="C01", predicate="hasSafetyProfile",
                                      object="safe", certainty="certain")])  # fmt: skip
    assert verdict(low, "C01") == "supported"  # 'appears' on low-certainty evidence: one step, allowed
    very_low = audit(mini, [appears, study("L01", "search", evidence="expert-opinion", supports="C01",
                                           predicate="hasSafetyProfile", object="safe")])  # fmt: skip
    assert verdict(very_low, "C01") == "overstated"  # two steps above very low certainty


def test_neutral_efficacy_judgements_are_never_overstated(mini: MiniProject):
    debated = article("C01", predicate="hasEfficacy", object="debated")
    result = audit(mini, [debated, study("L01", "biased-review", supports="C01", certainty="certain")])
    assert verdict(result, "C01") == "supported"
    effective = article("C01", predicate="hasEfficacy", object="effective")
    result = audit(mini, [effective, study("L01", "biased-review", supports="C01", certainty="certain")])
    assert verdict(result, "C01") == "overstated"


# --- what needs evidence and what does not -----------------------------------------------------------------


@pytest.mark.parametrize(
    "cells,expected",
    [
        ({"predicate": "treats"}, "unsupported"),  # efficacy
        ({"predicate": "hasEfficacy", "object": "effective"}, "unsupported"),  # 'X is effective' is efficacy
        ({"predicate": "hasSeverity", "subject": "infection", "object": "small risk", "quote": RISK}, "unsupported"),
        ({"predicate": "causes", "subject": "irritant", "object": "inflammation"}, "unsupported"),  # mechanism
        ({"predicate": "usedFor", "object": "back pain"}, "not-assessed"),  # a report of use
        ({"predicate": "hasAdverseEffect", "object": "infection", "quote": RISK}, "not-assessed"),  # a harm
        ({"predicate": "isA", "object": "alternative medicine"}, "not-assessed"),  # background
    ],
)
def test_benefit_safety_and_mechanism_need_evidence_use_harms_and_background_do_not(mini, cells, expected):
    assert verdict(audit(mini, [article("C01", **cells)]), "C01") == expected


def test_testimonials_are_unsupported_whatever_their_wording(mini: MiniProject):
    result = audit(mini, [article("C01", quote=REPORT, attribution="patients", evidence="anecdotal")])
    assert verdict(result, "C01") == "unsupported" and "anecdote" in result.by_id["C01"].reason


def test_the_article_repeating_itself_is_not_support(mini: MiniProject):
    result = audit(mini, [article("C01"), article("C02", quote=MIGHT, certainty="possible", supports="C01")])
    assert verdict(result, "C01") == "unsupported" and result.by_id["C01"].evidence_for == ()


def test_absence_of_evidence_is_never_evidence_against(mini: MiniProject):
    search = study("L01", "search", evidence="no-evidence-found", certainty="doubtful", contradicts="C01;C02")
    harm = article("C02", predicate="hasAdverseEffect", object="joint damage", quote=RISK)
    result = audit(mini, [article("C01", quote=MIGHT, certainty="possible"), harm, search])
    assert verdict(result, "C01") == "unsupported"  # nothing behind it, and the search found nothing
    assert "found no evidence" in result.by_id["C01"].reason and result.by_id["C01"].evidence_against == ()
    assert verdict(result, "C02") == "not-assessed"  # a harm disclosure: absence never counts against it
    assert not any(f.kind == "contradiction" for f in result.findings)


def test_a_contradiction_the_evidence_settles_and_one_it_does_not(mini: MiniProject):
    decades = article("C01", predicate="inUseFor", object="decades")
    centuries = article("C02", predicate="inUseFor", object="centuries", quote=CENTURIES, contradicts="C01")
    unsettled = audit(mini, [decades, centuries])
    assert verdict(unsettled, "C01") == verdict(unsettled, "C02") == "inconsistent"
    settled = audit(mini, [decades, centuries, study("L01", "guideline", predicate="inUseFor", object="decades",
                                                      supports="C01", evidence="expert-opinion")])  # fmt: skip
    assert verdict(settled, "C01") == "supported"
    assert verdict(settled, "C02") == "contradicted-by-evidence"  # the evidence favours 'decades'
    assert verdict(unsettled, "C01") != "contradicted-by-evidence"


def test_a_hedged_restatement_is_not_a_contradiction(mini: MiniProject):
    result = audit(mini, [
        article("C01", predicate="usedFor", object="chronic pain"),
        article("C02", object="chronic pain", certainty="possible", quote=MIGHT),
        article("C03", object="chronic pain", quote=APPEARS, certainty="probable"),
    ])  # fmt: skip
    assert not [f for f in result.findings if f.kind == "contradiction"]
    assert verdict(result, "C02") == "unsupported" and verdict(result, "C03") == "unsupported"


def test_claims_linked_by_supports_never_contradict_each_other(mini: MiniProject):
    rows = [
        article("C01", predicate="inUseFor", object="decades"),
        study("L01", "guideline", predicate="inUseFor", object="about a century", supports="C01",
              evidence="expert-opinion"),
    ]  # fmt: skip
    result = audit(mini, rows)
    assert not [f for f in result.findings if f.rule == "functional-conflict"]
    assert verdict(result, "C01") == "supported"
    rows[1]["supports"] = ""  # unlinked, the functional predicate makes them a conflict
    assert [f.claims for f in audit(mini, rows).findings if f.rule == "functional-conflict"] == [("C01", "L01")]


# --- the two articles, judged as a medical evidence reviewer judged them ------------------------------------


def _reviewer(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as f:
        return {row["id"]: row["verdict"] for row in csv.DictReader(f)}


def _agreement(audit_json: dict, reviewer: dict[str, str]) -> tuple[int, list[str]]:
    disagreements = [
        f"{i}: tool {audit_json['claims'][i].get('verdict')}, reviewer {v}"
        for i, v in reviewer.items()
        if audit_json["claims"][i].get("verdict") != v
    ]
    return len(reviewer) - len(disagreements), disagreements


def test_the_shipped_article_agrees_with_the_reviewer(shipped_build: Path):
    audit_json = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))
    reviewer = _reviewer(ROOT / "tests" / "data" / "reviewer-verdicts.csv")
    agreed, disagreements = _agreement(audit_json, reviewer)
    assert agreed == len(reviewer), disagreements


def test_a_second_article_is_judged_by_the_same_rules(tmp_path: Path):
    project = tmp_path / "second"
    shutil.copytree(SECOND, project)
    result = claimgraph("build", "--out", str(project / "out"), cwd=project)
    assert result.returncode == 0, result.stderr
    audit_json = json.loads((project / "out" / "audit.json").read_text(encoding="utf-8"))
    reviewer = _reviewer(SECOND / "reviewer-verdicts.csv")
    agreed, disagreements = _agreement(audit_json, reviewer)
    assert agreed == len(reviewer), disagreements
    findings = {f["id"] for f in audit_json["findings"]}
    assert "omission:L08" in findings  # the photosensitivity rash the article never mentions
    assert {"link-suggestion:C05+L02", "link-suggestion:C06+L02"} <= findings  # L02 restates L01, unlinked
    assert ["C03", "C04"] in [e["claims"] for e in audit_json["verdicts"]]  # one entry for one contradiction


# --- the digest --------------------------------------------------------------------------------------------

MUST_BE_IN_THE_TOP_TEN = {
    "the flat 'most treatments are safe and effective'": {"C39", "C40"},
    "the phenol/alcohol composition": {"C14", "C15"},
    "centuries vs decades": {"C48"},
    "the sclerotherapy synonym": {"C08"},
    "the uncited review and 'some evidence'": {"C35", "C36"},
    "the mechanism stated as fact": {"C16", "C17", "C18"},
    "the testimonials": {"C19", "C20", "C29"},
    "the minimised harms": {"C61"},
    "the omitted harms": {"L10", "L22"},
}


def test_the_digest_puts_the_real_problems_first(shipped_build: Path):
    audit_json = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))
    top = audit_json["verdicts"][:10]
    assert [e["rank"] for e in audit_json["verdicts"]] == list(range(1, len(audit_json["verdicts"]) + 1))
    for problem, claims in MUST_BE_IN_THE_TOP_TEN.items():
        assert any(claims <= set(e["claims"]) for e in top), problem
    assert top[0]["verdict"] == "contradicted-by-evidence" and "C40" in top[0]["claims"]
    assert set(top[0]["against"]) >= {"L01", "L17"}
    accurate_hedged = {"C33", "C34", "C35", "C36", "C38", "C56", "C60"}
    harm_disclosures = {"C41", "C42", "C43", "C44", "C45", "C46", "C47", "C54", "C57", "C58", "C59", "C63"}
    negative = {"contradicted-by-evidence", "overstated", "unsupported", "inconsistent"}
    for claim_id in accurate_hedged | harm_disclosures:
        assert audit_json["claims"][claim_id]["verdict"] not in negative, claim_id


def test_the_markdown_report_opens_with_the_digest_and_says_each_fact_once(shipped_build: Path):
    report = (shipped_build / "audit.md").read_text(encoding="utf-8")
    assert report.index("## Digest") < report.index("## The text prolotherapy-article") < report.index("## Claims")
    assert report.count("cites no sources") == 1
    assert "1. **contradicted-by-evidence** (efficacy) — C39, C40" in report
    c36 = report[report.index("### C36") : report.index("###", report.index("### C36") + 4)]
    assert "supporting (4): rabago-2013 L02 (randomised controlled trial" in c36
    assert "Curator's note:" in c36 and "uncited-evidence" in c36


# --- waivers -----------------------------------------------------------------------------------------------


def test_a_waived_finding_stops_recurring_and_fail_on_ignores_it(mini: MiniProject):
    mini.write_sources(SOURCES)
    mini.write_claims([article("C01", predicate="hasSeverity", subject="infection", object="small risk", quote=RISK)])
    gated = mini.run("audit", "--fail-on", "unsupported", "--format", "json")
    assert gated.returncode == 3 and "unsupported" in gated.stderr
    (mini.root / "waivers.csv").write_text(
        "id,reason,reviewer,date\n"
        'unsupported:C01,"the rate is in the package insert",A. Reviewer,2026-11-27\n'
        "overclaim:C01,same,A. Reviewer,2026-11-27\n"
        "verdict:C01,same,A. Reviewer,2026-11-27\n",
        encoding="utf-8",
    )
    waived = mini.run("audit", "--fail-on", "unsupported", "--format", "json")
    assert waived.returncode == 0, waived.stderr
    document = json.loads(waived.stdout)
    assert {w["id"] for w in document["waived"]} == {"unsupported:C01", "overclaim:C01", "verdict:C01"}
    reasons = {w["id"]: w["reason"] for w in document["waived"]}
    assert reasons["unsupported:C01"] == "the rate is in the package insert (A. Reviewer, 2026-11-27)"
    assert not any(f["id"] == "unsupported:C01" for f in document["findings"])
    assert document["verdicts"] == []  # the waived verdict leaves the digest
    markdown = mini.run("audit").stdout
    assert "## Waived" in markdown and "unsupported:C01" in markdown


def test_a_waiver_without_a_reason_or_with_a_bad_id_is_refused(mini: MiniProject):
    (mini.root / "waivers.csv").write_text("id,reason\nunsupported:C01,\nnonsense,why\n", encoding="utf-8")
    result = mini.run("validate")
    assert result.returncode == 2
    assert "waivers.csv:2: reason: a waiver needs a reason" in result.stderr
    assert "waivers.csv:3: id: 'nonsense' is not a finding id" in result.stderr


def test_a_waivers_file_the_user_names_must_exist_and_any_command_takes_it(mini: MiniProject):
    """--waivers FILE that is not there is a mistake to report (else every waiver in it silently stops applying);
    the default waivers.csv may be absent. build takes --waivers as audit does."""
    mini.write_sources(SOURCES)
    mini.write_claims([article("C01", predicate="hasSeverity", subject="infection", object="small risk", quote=RISK)])
    assert mini.run("build").returncode == 0
    for command in (("audit",), ("build",), ("audit", "--graph", "out/claims.ttl")):
        missing = mini.run(*command, "--waivers", "elsewhere.csv")
        assert missing.returncode == 2 and "elsewhere.csv: no such file" in missing.stderr, command
    (mini.root / "elsewhere.csv").write_text("id,reason\nunsupported:C01,in the package insert\n", encoding="utf-8")
    assert mini.run("build", "--waivers", "elsewhere.csv").returncode == 0
    built = json.loads((mini.root / "out" / "audit.json").read_text(encoding="utf-8"))
    assert [w["id"] for w in built["waived"]] == ["unsupported:C01"]


# --- coding checks are validate's warnings ------------------------------------------------------------------


def test_coding_checks_warn_in_validate_unless_the_note_answers_them(mini: MiniProject):
    mini.write_claims([
        article("C01", quote=MIGHT),  # 'might' but certain
        article("C02", quote=FLAT, certainty="possible"),  # possible without a hedge word
        article("C03", quote=MIGHT, note="'might' reports the review's wording; the article asserts it"),
        article("C04", predicate="hasProperty", object="effective"),
    ])  # fmt: skip
    result = mini.run("validate")
    assert result.returncode == 0, result.stderr
    assert "claims.csv:2: certainty: warning: the quote hedges ('might')" in result.stderr
    expected = "claims.csv:3: certainty: warning: the certainty is 'possible' but the quote has no hedge word"
    assert expected in result.stderr
    assert "claims.csv:4:" not in result.stderr
    assert "claims.csv:5: predicate: warning: 'effective' makes this a claim about efficacy" in result.stderr
    assert "hasEfficacy" in result.stderr
    assert ARTICLE.exists()
