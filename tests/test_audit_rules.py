"""Each audit rule on small purpose-built tables: one that must fire, one that must not."""

from __future__ import annotations

import pytest

from graph.api import Project
from tests.conftest import MiniProject, claim

DECADES = "Prolotherapy has been used to treat everything from back to joint pain for decades"
CENTURIES = "Prolotherapy is a treatment that has been used for centuries"
MIGHT = "prolotherapy might effectively treat knee pain"
REPORT = "Many people who have undergone prolotherapy report significant pain relief"
INJECTION = "It involves the injection of a solution into the injured area to promote healing."


def plain(id: str, **cells: str) -> dict[str, str]:
    """An unhedged article claim by the author with no evidence, overridable."""
    return claim(id, **{"quote": DECADES, "certainty": "certain", "attribution": "author", "evidence": "none", **cells})


def literature(id: str, **cells: str) -> dict[str, str]:
    return claim(
        id,
        **{
            "source": "rabago-2013",
            "quote": "",
            "object": "knee osteoarthritis",
            "certainty": "probable",
            "attribution": "Rabago et al. 2013",
            "evidence": "rct",
            "citation": "10.1370/afm.1504",
            **cells,
        },
    )


def audit(mini: MiniProject, rows: list[dict[str, str]]):
    mini.write_claims(rows)
    project = Project.load(mini.root / "claims.csv", [mini.root / "ontology.ttl"], mini.root / "sources")
    return project.build().audit


def fired(result, rule: str) -> list[tuple[str, ...]]:
    return [f.claims for f in result.findings if f.rule == rule]


CASES = {
    "curated-contradiction": (
        [plain("C01"), plain("C02", predicate="improves", object="function", quote=INJECTION, contradicts="C01")],
        [plain("C01"), plain("C02", predicate="improves", object="function", quote=INJECTION)],
        ("C01", "C02"),
    ),
    "contradicted-by-evidence": (
        [plain("C01"), literature("L01", polarity="negated", contradicts="C01")],
        [plain("C01"), literature("L01", supports="C01")],
        ("C01", "L01"),
    ),
    "functional-conflict": (
        [
            plain("C01", predicate="inUseFor", object="decades"),
            plain("C02", predicate="inUseFor", object="centuries", quote=CENTURIES),
        ],
        [
            plain("C01", predicate="inUseFor", object="decades"),
            plain("C02", predicate="inUseFor", object="centuries", quote=CENTURIES, polarity="negated"),
        ],
        ("C01", "C02"),
    ),
    "polarity-conflict": (
        [plain("C01"), plain("C02", polarity="negated", quote=INJECTION)],
        [plain("C01"), plain("C02", polarity="negated", quote=INJECTION, object="hip pain")],
        ("C01", "C02"),
    ),
    "certainty-conflict": (
        [plain("C01"), plain("C02", certainty="possible", quote=MIGHT)],
        [plain("C01"), plain("C02", certainty="probable", quote=MIGHT)],
        ("C01", "C02"),
    ),
    "unsupported": (
        [plain("C01")],
        [plain("C01"), literature("L01", supports="C01")],
        ("C01",),
    ),
    "uncited-evidence": (
        [plain("C01", evidence="systematic-review")],
        [plain("C01", evidence="systematic-review", citation="10.1370/afm.1504")],
        ("C01",),
    ),
    "weak-evidence": (
        [plain("C01", quote=REPORT, attribution="patients", evidence="anecdotal")],
        [plain("C01", quote=REPORT, attribution="patients", evidence="anecdotal"), literature("L01", supports="C01")],
        ("C01",),
    ),
    "overclaim": (
        [plain("C01", evidence="anecdotal")],
        [plain("C01", predicate="contains", object="phenol")],
        ("C01",),
    ),
    "hedge-cue-but-certain": (
        [plain("C01", quote=MIGHT)],
        [plain("C01", quote=MIGHT, certainty="possible")],
        ("C01",),
    ),
    "hedged-without-cue": (
        [plain("C01", certainty="possible")],
        [plain("C01", certainty="certain")],
        ("C01",),
    ),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_on_its_case_and_not_on_the_near_miss(mini: MiniProject, rule: str):
    firing, quiet, claims = CASES[rule]
    assert claims in fired(audit(mini, firing), rule)
    assert fired(audit(mini, quiet), rule) == []


def test_every_builtin_rule_has_a_case():
    from graph.audit import load_rules
    from graph.read.ontology import default_ontologies, load_vocabulary

    assert {r.id for r in load_rules(load_vocabulary(default_ontologies(), []))} == set(CASES)


def test_evidence_contradiction_says_so(mini: MiniProject):
    result = audit(mini, CASES["contradicted-by-evidence"][0])
    finding = next(f for f in result.findings if f.rule == "contradicted-by-evidence")
    assert finding.kind == "contradiction" and finding.severity == "error"
    assert "contradicted by L01 from rabago-2013" in finding.message
    assert "https://doi.org/10.1370/afm.1504" in finding.message


def test_overclaim_spares_hedged_efficacy_claims(mini: MiniProject):
    assert fired(audit(mini, [plain("C01", quote=MIGHT, certainty="possible")]), "overclaim") == []


def test_status_and_evidence_level(mini: MiniProject):
    result = audit(
        mini,
        [
            plain("C01", object="back pain"),  # nothing behind it
            plain("C02", quote=REPORT, attribution="patients", evidence="anecdotal", object="pain"),
            plain("C03", quote=MIGHT, certainty="possible", evidence="systematic-review"),  # uncited review
            literature("L01", supports="C03"),
            plain("C04", predicate="inUseFor", object="decades"),
            plain("C05", predicate="inUseFor", object="centuries", quote=CENTURIES),
        ],
    )
    verdicts = result.by_id
    assert (verdicts["C01"].status, verdicts["C01"].evidence_level) == ("unsupported", "none")
    assert (verdicts["C02"].status, verdicts["C02"].evidence_level) == ("weakly-supported", "anecdotal")
    assert (verdicts["C03"].status, verdicts["C03"].evidence_level) == ("supported", "rct")
    assert verdicts["L01"].status == "supported"
    assert verdicts["C04"].status == verdicts["C05"].status == "contested"
    assert verdicts["C03"].literature == "supports"
    assert verdicts["C01"].literature == "silent"
    assert verdicts["L01"].literature == ""  # the literature's own claims are not judged against it
    assert set(verdicts["C04"].findings) >= {"functional-conflict:C04+C05"}
