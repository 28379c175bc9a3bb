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


def test_a_claim_node_s_style_follows_its_qualifiers_and_status(shipped_page: dict):
    nodes = claims(shipped_page)
    c36, c03 = nodes["C36"], nodes["C03"]
    assert c36["shapeProperties"] == {"borderDashes": [5, 4]} and c36["cg"]["hedged"] is True  # possible
    assert c03["cg"]["certainty"] == "certain" and c03["shapeProperties"] == {"borderDashes": False}
    assert c03["color"]["background"] == "#d62728" and c03["cg"]["status"] == "contested"
    negated = [n for n in nodes.values() if n["cg"]["polarity"] == "negated"]
    assert negated and all(n["label"].startswith("¬ ") and n["borderWidth"] == 4 for n in negated)
    assert all(n["borderWidth"] == 2 and not n["label"].startswith("¬") for n in nodes.values() if n not in negated)
    assert nodes["L02"]["shape"] == "diamond" and c36["shape"] == "square"  # evidence sources stand out


def test_the_reading_and_tooltip_say_the_claim_in_words(shipped_page: dict):
    c36 = claims(shipped_page)["C36"]
    assert c36["cg"]["reading"] == (
        "prolotherapy — treats → knee pain, possible, according to a systematic review, no citation"
    )
    assert c36["title"].splitlines()[:2] == ["C36 · contested", c36["cg"]["reading"]]
    assert c36["cg"]["after"] == ", but more research is needed."


def test_statuses_and_counts_come_from_the_ontology(shipped_page: dict, shipped_build: Path):
    audit = json.loads((shipped_build / "audit.json").read_text(encoding="utf-8"))
    names = [s["name"] for s in shipped_page["statuses"]]
    assert names[-1] == "unaudited" and set(names[:-1]) == set(audit["summary"]["by_status"])
    counts = {k: v for k, v in shipped_page["statusCounts"].items() if k != "unaudited"}
    assert counts == audit["summary"]["by_status"]
    assert shipped_page["findingKinds"] == sorted({k for k, n in audit["summary"]["by_kind"].items() if n})


def test_edges_are_styled_by_kind(shipped_page: dict):
    kinds = {}
    for edge in shipped_page["edges"]:
        kinds.setdefault(edge["cg"]["kind"], edge)
    assert set(kinds) == {"subject", "object", "supports", "contradicts"}
    assert kinds["contradicts"]["arrows"]["to"]["enabled"] is False and kinds["contradicts"]["dashes"] == [10, 6]
    assert kinds["supports"]["arrows"]["to"]["enabled"] is True and kinds["supports"]["width"] == 2
    assert kinds["object"]["label"] and "label" not in kinds["subject"]
