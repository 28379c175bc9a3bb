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
    "omission": (
        [plain("C01"), literature("L01", predicate="hasAdverseEffect", object="pneumothorax")],
        [plain("C01"), literature("L01", predicate="hasAdverseEffect", object="pneumothorax", supports="C01")],
        ("L01",),
    ),
    "link-suggestion": (
        [plain("C01", object="knee pain"), literature("L01", object="Knee pains")],
        [plain("C01", object="knee pain"), literature("L01", object="Knee pains", supports="C01")],
        ("C01", "L01"),
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


@pytest.mark.parametrize(
    "cells",
    [
        {"predicate": "hasAdverseEffect", "object": "nerve damage"},  # a harm disclosure, stated flatly
        {"predicate": "usedFor", "object": "back pain"},  # a report of use, not of efficacy
    ],
    ids=["harm disclosure", "use report"],
)
def test_harm_disclosures_and_use_reports_are_never_overclaims_or_unsupported(mini: MiniProject, cells):
    result = audit(mini, [plain("C01", **cells)])
    assert fired(result, "overclaim") == fired(result, "unsupported") == fired(result, "weak-evidence") == []
    assert fired(audit(mini, [plain("C01")]), "overclaim") == [("C01",)]  # the efficacy claim itself still is


def test_an_efficacy_judgement_is_held_to_the_standard_of_efficacy_claims(mini: MiniProject):
    assert fired(audit(mini, [plain("C01", predicate="hasEfficacy", object="effective")]), "overclaim") == [("C01",)]
    assert fired(audit(mini, [plain("C01", predicate="hasProperty", object="effective")]), "overclaim") == []


def test_a_search_that_found_nothing_is_never_a_contradiction(mini: MiniProject):
    search = literature("L01", evidence="no-evidence-found", citation="", contradicts="C01", certainty="doubtful",
                        predicate="inUseFor", object="centuries")  # fmt: skip
    rows = [plain("C01", predicate="inUseFor", object="decades"), search]
    result = audit(mini, rows)
    assert not [f for f in result.findings if f.kind == "contradiction"]

