"""An extension ontology's certainty value, end to end: the table uses it, the build accepts it, the tool's own
SHACL check accepts the build, the audit and the page treat it by its rank (hedged below the top rank)."""

from __future__ import annotations

import json

import pytest

from graph.api import ClaimGraph
from graph.views import to_networkx
from graph.views.page import page_data
from tests.browser import launch_or_skip, open_page
from tests.conftest import MiniProject, claim

CLAIM = "https://w3id.org/claimgraph/id/claim/"
EXTENSION = """\
@prefix cg: <https://w3id.org/claimgraph/ns#> .
@prefix ex: <https://example.org/certainty#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

ex:AlmostCertain a cg:Certainty, owl:NamedIndividual ; skos:notation "almost-certain" ; cg:certaintyRank 2 ;
    rdfs:label "almost certain" ; rdfs:comment "The text all but asserts it." .
"""
MIGHT = "prolotherapy might effectively treat knee pain"
DECADES = "Prolotherapy has been used to treat everything from back to joint pain for decades"


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> MiniProject:
    """A project with an extension ontology and one claim each at 'almost-certain', 'certain' and 'possible'."""


    root = tmp_path_factory.mktemp("extended")
    project = MiniProject.create(root)
    (root / "ext.ttl").write_text(EXTENSION, encoding="utf-8")
    project.write_claims(
        [
            claim("C01", certainty="almost-certain"),
            claim("C02", predicate="inUseFor", object="decades", quote=DECADES, certainty="certain", evidence="none"),
            claim("C03", predicate="improves", certainty="possible"),
        ]
    )
    result = project.run("build", "--ontology", "ontology.ttl", "--ontology", "ext.ttl")
    assert result.returncode == 0, result.stderr
    assert "3 claims" in result.stdout
    return project


def test_the_value_is_refused_without_the_extension_and_accepted_with_it(extended: MiniProject):
    alone = extended.run("validate")
    assert alone.returncode == 2
    assert "claims.csv:2: certainty: 'almost-certain' is not allowed" in alone.stderr
    with_extension = extended.run("validate", "--ontology", "ontology.ttl", "--ontology", "ext.ttl")
    assert with_extension.returncode == 0, with_extension.stderr


def test_the_build_carries_the_value_and_passes_its_own_shapes(extended: MiniProject):
    graph = extended.root / "out" / "claims.ttl"
    checked = extended.run("validate", "--graph", str(graph))
    assert checked.returncode == 0, checked.stderr
    views = {v.id: v for v in ClaimGraph.open(graph=graph).views()}
    assert (views["C01"].certainty, views["C01"].certainty_rank) == ("almost-certain", 2)
    assert views["C02"].certainty_rank == 3


def test_the_page_data_draws_the_extension_value_as_hedged(extended: MiniProject):
    built = ClaimGraph.open(graph=extended.root / "out" / "claims.ttl")
    data = page_data(to_networkx(built.views(), built.findings()), built.vocabulary(), "t", None)
    nodes = {n["id"].removeprefix(CLAIM): n for n in data["nodes"] if n["cg"]["kind"] == "claim"}
    assert {k: n["cg"]["hedged"] for k, n in nodes.items()} == {"C01": True, "C02": False, "C03": True}
    assert nodes["C01"]["shapeProperties"] == {"borderDashes": [5, 4]}
    assert nodes["C02"]["shapeProperties"] == {"borderDashes": False}
    assert nodes["C01"]["cg"]["certainty"] == "almost-certain"


def test_the_audit_reads_the_extension_value_by_its_rank(extended: MiniProject):
    """'almost-certain' is below the top rank: the quote's 'might' fits it, no hedge mismatch for C01."""
    audit = json.loads((extended.root / "out" / "audit.json").read_text(encoding="utf-8"))
    kinds = {f["rule"] for f in audit["findings"] if "C01" in f["claims"]}
    assert "hedge-cue-but-certain" not in kinds
    assert set(audit["claims"]) == {"C01", "C02", "C03"}


@pytest.fixture(scope="module")
def browser():
    manager, started = launch_or_skip()
    yield started
    started.close()
    manager.stop()


def test_the_browser_draws_the_extension_value_with_a_dashed_border(browser, extended: MiniProject):
    opened = open_page(browser, extended.root / "out" / "claims.html")
    try:
        dashes = opened.js(
            """ids => ids.map(id => window.claimgraph.network.body.nodes[id].options.shapeProperties.borderDashes)""",
            [CLAIM + "C01", CLAIM + "C02", CLAIM + "C03"],
        )
        assert dashes == [[5, 4], False, [5, 4]]
        assert opened.errors == []
    finally:
        opened.page.context.close()
