"""The interactive page in a real headless Chromium: offline, complete, styled, clickable, filterable, inert."""

from __future__ import annotations

import collections
import os
from pathlib import Path

import pytest

from graph.api import ClaimGraph
from graph.views import to_networkx
from tests.browser import click_node, launch_or_skip, node_point, open_page
from tests.conftest import ROOT, claimgraph, script

ARTIFACTS = ROOT / "test-artifacts"
BASE = "https://w3id.org/claimgraph/id/"
PAYLOAD = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


@pytest.fixture(scope="module")
def browser():
    manager, started = launch_or_skip()
    yield started
    started.close()
    manager.stop()


@pytest.fixture(scope="module")
def shipped(browser, shipped_build: Path):
    opened = open_page(browser, shipped_build / "claims.html")
    yield opened
    opened.page.context.close()


@pytest.fixture(scope="module")
def projection(shipped_build: Path):
    built = ClaimGraph.open(graph=shipped_build / "claims.ttl")
    return to_networkx(built.views(), built.findings())


def visible_nodes(opened) -> set[str]:
    return set(opened.js("window.claimgraph.network.body.nodeIndices"))


def visible_edges(opened) -> set[str]:
    return set(opened.js("window.claimgraph.network.body.edgeIndices"))


def test_the_page_makes_no_request_beyond_its_own_file(shipped):
    assert shipped.requests == [shipped.page.url]
    assert all(url.startswith("file://") for url in shipped.requests)
    assert shipped.csp_violations() == []
    assert shipped.errors == []
    assert shipped.dialogs == []


def test_it_draws_every_node_and_edge_of_the_projection(shipped, projection):
    assert len(visible_nodes(shipped)) == projection.number_of_nodes()
    assert len(visible_edges(shipped)) == projection.number_of_edges()
    assert shipped.js("window.claimgraph.nodes.length") == projection.number_of_nodes()
    assert shipped.js("window.claimgraph.edges.length") == projection.number_of_edges()
    drawn = set(shipped.js("window.claimgraph.nodes.getIds()"))
    assert drawn == set(projection.nodes)
    ARTIFACTS.mkdir(exist_ok=True)
    shipped.page.screenshot(path=str(ARTIFACTS / "claims.png"))


def test_contradiction_edges_are_drawn_red_thick_and_dashed(shipped, projection):
    wanted = sum(1 for *_, d in projection.edges(data=True) if d["kind"] == "contradicts")
    styles = shipped.js(
        """() => Object.values(window.claimgraph.network.body.edges)
            .filter(e => window.claimgraph.edges.get(e.id).cg.kind === 'contradicts')
            .map(e => [e.options.color.color, e.options.width,
                       Array.isArray(e.options.dashes) || e.options.dashes === true, e.options.arrows.to.enabled])"""
    )
    assert wanted > 0
    assert len(styles) == wanted
    assert all(style == ["#d62728", 4, True, False] for style in styles), collections.Counter(map(str, styles))
    others = shipped.js(
        """() => Object.values(window.claimgraph.network.body.edges)
            .filter(e => window.claimgraph.edges.get(e.id).cg.kind !== 'contradicts')
            .filter(e => e.options.color.color === '#d62728' || e.options.dashes).length"""
    )
    assert others == 0


def test_the_decades_centuries_contradiction_is_drawn_and_only_the_disfavoured_side_is_red(shipped):
    c03, c48 = BASE + "claim/C03", BASE + "claim/C48"
    edge = shipped.js(
        """([a, b]) => Object.values(window.claimgraph.network.body.edges)
            .filter(e => e.fromId === a && e.toId === b && window.claimgraph.edges.get(e.id).cg.kind === 'contradicts')
            .map(e => [e.options.color.color, e.options.width, Array.isArray(e.options.dashes)])""",
        [c03, c48],
    )
    assert edge == [["#d62728", 4, True]]
    colours = shipped.js(
        "ids => ids.map(id => window.claimgraph.network.body.nodes[id].options.color.background)", [c03, c48]
    )
    legend = {v["name"]: v["colour"] for v in shipped.js("window.claimgraph.data.verdicts")}
    assert colours == [legend["supported"], legend["contradicted-by-evidence"]]  # C03 is the side the evidence favours
    click_node(shipped, c48)
    assert "contradicted-by-evidence" in shipped.page.text_content("#details h3")
    assert "rabago-2010" in shipped.page.text_content("#reason")
    assert "contradiction" in shipped.page.text_content("#findings")


def test_clicking_a_claim_shows_its_reading_quote_and_source(shipped):
    click_node(shipped, BASE + "claim/C36")
    assert shipped.js("window.claimgraph.network.getSelectedNodes()") == [BASE + "claim/C36"]
    page = shipped.page
    reading = page.text_content("#reading")
    assert reading.startswith("prolotherapy — treats → knee pain, possible, according to a systematic review")
    assert page.text_content("#quote mark") == (
        "A systematic review of studies concluded that prolotherapy might effectively treat knee pain"
    )
    assert page.text_content("#quote").endswith(", but more research is needed.")
    assert "Prolotherapy: uses, benefits and dangers" in page.text_content("#details")


def test_a_literature_claim_links_its_doi_source(shipped):
    click_node(shipped, BASE + "claim/L02")
    link = shipped.page.locator("#details a").first
    assert link.get_attribute("href") == "https://doi.org/10.1370/afm.1504"
    assert link.get_attribute("rel") == "noopener noreferrer"


def test_the_page_opens_on_the_top_problems_and_shows_both_sides_of_the_evidence(browser, shipped_build: Path):
    opened = open_page(browser, shipped_build / "claims.html")
    try:
        digest = opened.page.locator("#digest > li")
        assert digest.count() >= 10  # the side panel opens on the ranked problems
        first = digest.first.text_content()
        assert first.startswith("contradicted-by-evidence (efficacy) C39, C40")
        digest.first.locator("button", has_text="C40").click()  # a problem's claim opens its details
        assert opened.page.text_content("#details h3").startswith("C40 contradicted-by-evidence")
        assert opened.page.text_content("#evidence-against") == "L01, L17, L18"
        assert opened.page.text_content("#evidence-for") == "L07"
        click_node(opened, BASE + "claim/L02")  # a claim of the literature: evidence, not judged
        assert opened.page.locator("#reason").count() == 0
        opened.page.click("#top-problems")
        assert opened.page.locator("#digest > li").count() == digest.count()
        assert opened.errors == []
    finally:
        opened.page.context.close()


def _toggle(opened, group: str, value: str, checked: bool) -> None:
    box = opened.page.locator(f'input[data-filter="{group}"][value="{value}"]')
    box.set_checked(checked)


@pytest.mark.parametrize(
    "group,value,hidden_claims",
    [
        ("source", "prolotherapy-article", lambda a: a["source"] == "prolotherapy-article"),
        ("source", "acr-2019", lambda a: a["source"] == "acr-2019"),
        ("verdict", "contradicted-by-evidence", lambda a: a["verdict"] == "contradicted-by-evidence"),
        ("verdict", "unsupported", lambda a: a["verdict"] == "unsupported"),
        ("finding", "contradiction", lambda a: a["finding_kinds"] == ["contradiction"]),
        ("finding", "(no finding)", lambda a: not a["finding_kinds"]),
    ],
)
def test_each_filter_hides_what_it_should_and_restores_it(shipped, projection, group, value, hidden_claims):
    everything = visible_nodes(shipped)
    all_edges = visible_edges(shipped)
    hidden = {n for n, a in projection.nodes(data=True) if a["kind"] == "claim" and hidden_claims(a)}
    assert hidden
    _toggle(shipped, group, value, False)
    shown = visible_nodes(shipped)
    assert not (hidden & shown)
    kept = {n for n, a in projection.nodes(data=True) if a["kind"] == "claim"} - hidden
    assert kept <= shown
    for node in shown - kept:  # an entity or value stays only while a shown claim relates it
        assert any(c in kept for c in nx_neighbours(projection, node)), node
    assert all(_ends_shown(shipped, edge, shown) for edge in visible_edges(shipped))
    _toggle(shipped, group, value, True)
    assert visible_nodes(shipped) == everything
    assert visible_edges(shipped) == all_edges


def nx_neighbours(graph, node: str) -> set[str]:
    return set(graph.predecessors(node)) | set(graph.successors(node))


def _ends_shown(opened, edge: str, shown: set[str]) -> bool:
    ends = opened.js("id => { const e = window.claimgraph.edges.get(id); return [e.from, e.to]; }", edge)
    return ends[0] in shown and ends[1] in shown


def test_the_search_box_focuses_an_entity(shipped):
    page = shipped.page
    page.fill("#search", "  Knee   Osteoarthritis ")
    page.press("#search", "Enter")
    assert shipped.js("window.claimgraph.network.getSelectedNodes()") == [BASE + "entity/knee-osteoarthritis"]
    assert page.text_content("#details h3") == "knee osteoarthritis"
    scale = shipped.js("window.claimgraph.network.getScale()")
    assert scale == pytest.approx(1.3)


def test_physics_is_off_until_toggled(shipped):
    assert shipped.js("window.claimgraph.network.physics.physicsEnabled") is False
    shipped.page.check("#physics")
    assert shipped.js("window.claimgraph.network.physics.physicsEnabled") is True
    shipped.page.uncheck("#physics")
    assert shipped.js("window.claimgraph.network.physics.physicsEnabled") is False


def test_xss_payloads_in_label_quote_note_and_title_stay_inert_text(browser, tmp_path: Path):
    project = script("make_corpus").generate_project(tmp_path / "xss", 12, seed=3, payload=PAYLOAD)
    result = claimgraph("build", "--out", str(project / "out"), cwd=project)
    assert result.returncode == 0, result.stderr
    page_file = project / "out" / "xss.html"
    result = claimgraph(
        "render", "--graph", str(project / "out" / "claims.ttl"), "--out", str(page_file), "--title", PAYLOAD
    )
    assert result.returncode == 0, result.stderr
    for html in (project / "out" / "claims.html", page_file):
        opened = open_page(browser, html)
        try:
            page = opened.page
            claim = f"{BASE}claim/G00001"
            click_node(opened, claim)
            assert PAYLOAD in page.text_content("#quote mark")
            assert PAYLOAD in page.text_content("#note")
            assert PAYLOAD in page.text_content("#reading")
            entity = opened.js(
                "() => window.claimgraph.nodes.get().find(n => n.cg.kind === 'entity' && n.label.includes('<img')).id"
            )
            click_node(opened, entity)
            assert page.text_content("#details h3") == f"entity {PAYLOAD}"
            # the hover tooltip, shown by moving the mouse onto the node
            page.mouse.move(5, 5)
            page.mouse.move(*node_point(opened, claim))
            page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
            assert PAYLOAD in page.text_content("div.vis-tooltip")
            if html == page_file:
                assert page.text_content("#title") == PAYLOAD
                assert page.title() == PAYLOAD
            page.wait_for_timeout(300)
            assert opened.js("document.querySelectorAll('img').length") == 0
            assert opened.js("document.querySelectorAll('script').length") == 4
            assert opened.dialogs == []
            assert opened.errors == []
            assert all(url.startswith("file://") for url in opened.requests)
        finally:
            opened.page.context.close()


def test_a_two_thousand_node_generated_page_draws(browser, tmp_path: Path):
    project = script("make_corpus").generate_project(tmp_path / "big", 1350, seed=0)
    result = claimgraph("build", "--out", str(project / "out"), cwd=project)
    assert result.returncode == 0, result.stderr
    nodes = to_networkx(ClaimGraph.open(graph=project / "out" / "claims.ttl").views()).number_of_nodes()
    assert 1900 <= nodes <= 2000
    opened = open_page(browser, project / "out" / "claims.html")
    try:
        assert len(visible_nodes(opened)) == nodes
        assert opened.js("window.claimgraph.timing.firstDraw") > 0
        assert opened.errors == []
        assert all(url.startswith("file://") for url in opened.requests)
    finally:
        opened.page.context.close()


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="checked in CI, where .ci/run installs Chromium")
def test_ci_requires_the_browser():
    assert os.environ.get("CLAIMGRAPH_REQUIRE_BROWSER") == "1"
