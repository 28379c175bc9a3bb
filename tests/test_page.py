"""The page's data (graph/views/page.py) as the render command writes it: links, readings, styles, statuses."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from tests.conftest import claimgraph

CLAIM = "https://w3id.org/claimgraph/id/claim/"
RABAGO = "https://doi.org/10.1370/afm.1504"


def page_json(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    raw = re.search(r'<script type="application/json" id="cg-data">(.*?)</script>', text, re.S).group(1)
    return json.loads(html.unescape(raw) if "&quot;" in raw else raw)


def render(graph: Path, out: Path, *args: str) -> dict:
    result = claimgraph("render", "--graph", str(graph), "--out", str(out), *args)
    assert result.returncode == 0, result.stderr
    return page_json(out)


@pytest.fixture(scope="module")
def shipped_page(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return render(shipped_build / "claims.ttl", tmp_path_factory.mktemp("page") / "claims.html")


@pytest.fixture(scope="module")
def hostile_page(shipped_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The shipped build with the Rabago citation (the L02 source's and its evidence's) made javascript: URLs,
    as a graph from elsewhere may hold them (the claims table refuses them)."""
    folder = tmp_path_factory.mktemp("hostile")
    text = (shipped_build / "claims.ttl").read_text(encoding="utf-8")
    assert f"<{RABAGO}>" in text
    hostile = folder / "claims.ttl"
    hostile.write_text(text.replace(f"<{RABAGO}>", "<javascript:alert(document.domain)>"), encoding="utf-8")
    return render(hostile, folder / "claims.html")


def claims(data: dict) -> dict[str, dict]:
    return {n["id"].removeprefix(CLAIM): n for n in data["nodes"] if n["cg"]["kind"] == "claim"}


def test_http_citations_become_links(shipped_page: dict):
    l02 = claims(shipped_page)["L02"]["cg"]
    assert l02["source_url"] == RABAGO and l02["citation_url"] == RABAGO
    assert (l02["quote"], l02["before"], l02["after"]) == ("", "", "")  # no quote: no sentence around it


def test_javascript_urls_never_become_links(hostile_page: dict):
    l02 = claims(hostile_page)["L02"]["cg"]
    assert l02["citation"] == "javascript:alert(document.domain)"  # shown as text
    assert l02["source_url"] == "" and l02["citation_url"] == ""
    links = [
        value
        for node in hostile_page["nodes"]
        for key, value in node["cg"].items()
        if key.endswith("_url") and value
    ]
    assert links and all(url.startswith(("https://", "http://")) for url in links)


def test_a_claim_node_s_style_follows_its_qualifiers_and_verdict(shipped_page: dict):
    nodes = claims(shipped_page)
    c36, c03 = nodes["C36"], nodes["C03"]
    assert c36["shapeProperties"] == {"borderDashes": [5, 4]} and c36["cg"]["hedged"] is True  # possible
    assert c03["cg"]["certainty"] == "certain" and c03["shapeProperties"] == {"borderDashes": False}
    colours = {v["name"]: v["colour"] for v in shipped_page["verdicts"]}
    assert all(n["color"]["background"] == colours[n["cg"]["verdict"]] for n in nodes.values())
    negated = [n for n in nodes.values() if n["cg"]["polarity"] == "negated"]
    assert negated and all(n["label"].startswith("¬ ") and n["borderWidth"] == 4 for n in negated)
    assert all(n["borderWidth"] == 2 and not n["label"].startswith("¬") for n in nodes.values() if n not in negated)
    assert nodes["L02"]["shape"] == "diamond" and c36["shape"] == "square"  # evidence sources stand out


def test_the_reading_and_tooltip_say_the_claim_in_words(shipped_page: dict):
    c36 = claims(shipped_page)["C36"]
    assert c36["cg"]["reading"] == (
        "prolotherapy — treats → knee pain, possible, according to a systematic review, no citation"
    )
    assert c36["title"].splitlines()[:2] == [f"C36 · {c36['cg']['verdict']}", c36["cg"]["reading"]]
    assert c36["cg"]["after"] == ", but more research is needed."


def test_verdicts_and_counts_come_from_the_audit(shipped_page: dict, shipped_build: Path):
    audit = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))
    names = [v["name"] for v in shipped_page["verdicts"]]
    assert names[-1] == "unaudited" and set(audit["summary"]["by_verdict"]) <= set(names)
    counts = {k: v for k, v in shipped_page["verdictCounts"].items() if k in audit["summary"]["by_verdict"]}
    judged = {k: v for k, v in counts.items() if k not in ("evidence", "not-assessed")}
    assert judged == {k: v for k, v in audit["summary"]["by_verdict"].items() if k in judged}
    assert sum(shipped_page["verdictCounts"].values()) == len(claims(shipped_page))
    assert shipped_page["findingKinds"] == sorted({k for k, n in audit["summary"]["by_kind"].items() if n})


def test_edges_are_styled_by_kind(shipped_page: dict):
    kinds = {}
    for edge in shipped_page["edges"]:
        kinds.setdefault(edge["cg"]["kind"], edge)
    assert set(kinds) == {"subject", "object", "supports", "contradicts"}
    assert kinds["contradicts"]["arrows"]["to"]["enabled"] is False and kinds["contradicts"]["dashes"] == [10, 6]
    assert kinds["supports"]["arrows"]["to"]["enabled"] is True and kinds["supports"]["width"] == 2
    assert kinds["object"]["label"] and "label" not in kinds["subject"]
    assert kinds["contradicts"]["label"] == "contradicts" and kinds["supports"]["label"] == "supports"


# --- the parts of a node, through page_data on the shipped build ------------------------------------------------


def test_entity_and_value_nodes_are_sized_by_how_many_claims_they_join(shipped_page: dict):
    others = [n for n in shipped_page["nodes"] if n["cg"]["kind"] != "claim"]
    entities = [n for n in others if n["cg"]["kind"] == "entity"]
    values = [n for n in others if n["cg"]["kind"] == "value"]
    assert len(entities) > 40 and len(values) == 3
    top = max(n["cg"]["degree"] for n in others)
    for n in entities:
        scale = (n["cg"]["degree"] / top) ** 0.5
        assert (n["shape"], n["size"], n["font"]["size"]) == ("dot", 10 + round(30 * scale), 14 + round(8 * scale))
        assert n["title"] == f"{n['label']}\nentity · {n['cg']['degree']} claim(s)"
    assert max(n["size"] for n in entities) == 40
    for n in values:
        assert n["shape"] == "box" and n["title"] == f"{n['label']}\nvalue · {n['cg']['degree']} claim(s)"


def test_a_claim_node_carries_what_the_details_panel_shows(shipped_page: dict):
    c36 = claims(shipped_page)["C36"]["cg"]
    assert {k: c36[k] for k in ("id", "source", "evidence", "certainty", "polarity")} == {
        "id": "C36", "source": "prolotherapy-article", "evidence": "systematic-review",
        "certainty": "possible", "polarity": "affirmed",
    }  # fmt: skip
    assert c36["verdict"] and c36["reason"] and c36["quote"].startswith("A systematic review")
    assert c36["hedge_cues"] == ["might"] and c36["negated"] is False
    assert all(set(f) == {"kind", "severity", "message", "rule"} for f in c36["findings"])
    assert [s["key"] for s in shipped_page["sources"]] == sorted(s["key"] for s in shipped_page["sources"])


def test_every_verdict_has_a_colour_and_a_meaning(shipped_page: dict):
    assert len({v["colour"] for v in shipped_page["verdicts"]}) == len(shipped_page["verdicts"])
    assert all(v["meaning"] for v in shipped_page["verdicts"])
    assert shipped_page["verdicts"][0]["name"] == "contradicted-by-evidence"  # the most serious first


def test_the_quote_s_sentence_around_it():
    from graph.views.page import sentence_context

    assert sentence_context("Earlier. And so ", " works. Later") == ("And so ", " works.")
    assert sentence_context("no end before ", " or after") == ("…no end before ", " or after…")
    assert sentence_context("line one\nline  two ", "!\nNext") == ("line  two ", "!")
    assert sentence_context("", "") == ("…", "…")


def test_the_reading_says_who_claims_what_on_what_evidence():
    from graph.views.page import reading

    base = {"polarity": "affirmed", "predicate_label": "treats", "attribution": "author", "citation": "",
            "evidence": "none", "subject": "s", "object": "o", "certainty": "probable"}  # fmt: skip
    assert reading(base) == "s — treats → o, probable, according to the author, no evidence invoked"
    assert reading({**base, "polarity": "negated", "attribution": "", "evidence": ""}) == (
        "s — NOT treats → o, probable, according to the author, no evidence invoked"
    )
    review = reading({**base, "attribution": "a review", "evidence": "rct"})
    assert review.endswith("according to a review, no citation")
    assert reading({**base, "citation": "https://doi.org/x", "evidence": "rct"}).endswith(", cites https://doi.org/x")


def test_the_page_with_physics_uses_pyvis_s_options_and_no_positions(shipped_build: Path):
    from graph.api import ClaimGraph
    from graph.views import to_networkx
    from graph.views.page import render_html

    built = ClaimGraph.open(graph=shipped_build / "claims.ttl")
    nxg = to_networkx(built.views(), built.findings())
    page = render_html(nxg, built.vocabulary(), "t", precomputed=False)
    raw = re.search(r'<script type="application/json" id="cg-options">(.*?)</script>', page, re.S).group(1)
    options = json.loads(raw)
    assert options["physics"]["enabled"] is True and options["edges"]["color"] == {"inherit": False}
    data = json.loads(re.search(r'id="cg-data">(.*?)</script>', page, re.S).group(1))
    assert all("x" not in n and "y" not in n for n in data["nodes"])


def test_edge_labels_are_left_to_the_tooltip_above_four_hundred_nodes(shipped_build: Path):
    import networkx as nx

    from graph.api import ClaimGraph
    from graph.views import to_networkx
    from graph.views.page import page_data

    built = ClaimGraph.open(graph=shipped_build / "claims.ttl")
    one = to_networkx(built.views(), built.findings())
    three = nx.union_all([nx.relabel_nodes(one, {n: f"{i}:{n}" for n in one}) for i in range(3)])
    assert len(one) <= 400 < len(three)
    small, large = (page_data(g, built.vocabulary(), "t", None) for g in (one, three))
    assert any("label" in e for e in small["edges"]) and not any("label" in e for e in large["edges"])
    assert all(e["title"] for e in large["edges"])


def test_a_laid_out_page_starts_with_physics_off_and_fixed_positions(shipped_build: Path, tmp_path: Path):
    out = tmp_path / "page.html"
    render(shipped_build / "claims.ttl", out)
    text = out.read_text(encoding="utf-8")
    options = json.loads(re.search(r'id="cg-options">(.*?)</script>', text, re.S).group(1))
    assert options["physics"] == {"enabled": False} and options["edges"] == {"smooth": False}
    assert options["layout"]["improvedLayout"] is False and options["interaction"]["hover"] is True
    data = page_json(out)
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in data["nodes"])
