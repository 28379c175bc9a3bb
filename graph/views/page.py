"""The interactive HTML page: vis-network styling over the NetworkX projection, in a self-contained template.

PyVis supplies two things it does well: the vis-network bundle it ships (inlined here, so the page makes no
request) and its default physics options (the "physics on" setting and the benchmark baseline). The page itself
is our own autoescaped template: PyVis 0.3.2's template loads Bootstrap from a CDN, renders the heading and
select menu unescaped and switches tooltips to innerHTML.
"""

from __future__ import annotations

import functools
import json
import math
import re
from importlib import resources
from typing import Any

import jinja2
import networkx as nx

from ..model import Entry
from ..vocab import Vocabulary
from .layout import SEED, layout
from .network import CLAIM, ENTITY, EVIDENCE, UNAUDITED

# Verdict colours, assigned in the ontology's rank order within each side: the disfavoured side red to orange,
# the favoured side green, neutral verdicts yellow and grey (a palette that stays apart for colour-blind readers).
UNFAVOURABLE = ("#c4161c", "#e8613c", "#f28e2b", "#a05195")
FAVOURABLE = ("#59a14f", "#8cd17d")
NEUTRAL = ("#edc948", "#bab0ac", "#d4d4d4")
EVIDENCE_COLOUR, UNAUDITED_COLOUR = "#76b7b2", "#e0e0e0"
ENTITY_COLOUR, VALUE_COLOUR = "#4e79a7", "#d7dde4"
EDGE_STYLES = {
    "contradicts": {"color": "#d62728", "width": 4, "dashes": [10, 6]},
    "supports": {"color": "#2e8b3a", "width": 2, "dashes": False},
    "subject": {"color": "#9aa5b1", "width": 1, "dashes": False},
    "object": {"color": "#9aa5b1", "width": 1, "dashes": False},
}
EDGE_LABEL_LIMIT = 400  # above this many nodes edge labels stay in the tooltip only: drawing them costs frames
_SENTENCE_END = re.compile(r"[.!?]\s+|\n")


@functools.cache
def vis_network_js() -> str:
    """The vis-network 9.1.2 bundle that ships inside the pyvis package (its in_line template uses this file)."""
    lib = resources.files("pyvis") / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
    text = lib.read_text(encoding="utf-8")
    if "</script" in text.lower():  # would end the inline <script> early
        raise RuntimeError("the vis-network bundle contains '</script' and cannot be inlined")
    return text


def pyvis_default_options() -> dict[str, Any]:
    """PyVis's default vis-network options (barnesHut physics, 1000 stabilisation iterations, dynamic edges)."""
    from pyvis.network import Network

    return json.loads(Network(directed=True).options.to_json())


def verdicts(vocab: Vocabulary) -> list[dict[str, str]]:
    """The verdicts the ontology declares, with their meaning and colour, then the literature and 'unaudited'."""
    used = {"false": 0, "true": 0, "": 0}
    found = []
    for value in vocab.verdicts.values():
        side = value.properties.get("favourable")
        key = side.value if side is not None else ""
        palette = {"false": UNFAVOURABLE, "true": FAVOURABLE, "": NEUTRAL}[key]
        colour = palette[min(used[key], len(palette) - 1)]
        used[key] += 1
        found.append({"name": value.notation, "colour": colour, "meaning": value.comment or value.label})
    return [
        *found,
        {"name": EVIDENCE, "colour": EVIDENCE_COLOUR, "meaning": "a claim of the literature: evidence, not judged"},
        {"name": UNAUDITED, "colour": UNAUDITED_COLOUR, "meaning": "not audited"},
    ]


def page_data(
    nxg: nx.MultiDiGraph,
    vocab: Vocabulary,
    title: str,
    positions: dict[str, tuple[int, int]] | None,
    digest: list[Entry] = (),
) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-ready data (vis-network node/edge objects plus details)."""
    verdict_list = verdicts(vocab)
    colours = {s["name"]: s["colour"] for s in verdict_list}
    top_certainty = max((v.rank or 0 for v in vocab.certainty.values()), default=0)
    max_degree = max([a.get("degree", 0) for _, a in nxg.nodes(data=True) if a["kind"] != CLAIM] or [1])
    nodes = []
    for node, attrs in nxg.nodes(data=True):
        if attrs["kind"] == CLAIM:
            item = _claim_node(node, attrs, colours, top_certainty)
        else:
            item = _other_node(node, attrs, max_degree)
        if positions is not None:
            item["x"], item["y"] = positions[node]
        nodes.append(item)
    labels_on_edges = len(nxg) <= EDGE_LABEL_LIMIT
    edges = [
        _edge(f"e{number}", u, v, attrs, labels_on_edges)
        for number, (u, v, attrs) in enumerate(nxg.edges(data=True))
    ]
    claims = [a for _, a in nxg.nodes(data=True) if a["kind"] == CLAIM]
    claim_nodes = {a["id"]: n for n, a in nxg.nodes(data=True) if a["kind"] == CLAIM}  # once, not per entry
    sources = {a["source"]: a["source_title"] for a in claims}
    return {
        "title": title,
        "nodes": nodes,
        "edges": edges,
        "verdicts": verdict_list,
        "verdictCounts": {s["name"]: sum(1 for a in claims if a["verdict"] == s["name"]) for s in verdict_list},
        "digest": [_entry(e, claim_nodes) for e in digest],
        "findingKinds": sorted({k for a in claims for k in a["finding_kinds"]}),
        "sources": [{"key": k, "title": sources[k]} for k in sorted(sources)],
        "edgeStyles": EDGE_STYLES,
        "physicsOptions": pyvis_default_options()["physics"],
    }


def render_html(
    nxg: nx.MultiDiGraph,
    vocab: Vocabulary,
    title: str = "claimgraph",
    precomputed: bool = True,
    seed: int = SEED,
    digest: list[Entry] = (),
) -> str:
    """The self-contained page, opening on the digest's ranked problems. ``precomputed=False`` leaves positions
    to vis-network physics with PyVis's default options (the benchmark baseline)."""
    positions = layout(nxg, seed) if precomputed else None
    data = page_data(nxg, vocab, title, positions, digest)
    return _template().render(
        title=title,
        data_json=script_json(data),
        options_json=script_json(_options(precomputed)),
        vis_js=vis_network_js(),
        node_count=nxg.number_of_nodes(),
        edge_count=nxg.number_of_edges(),
    )


def script_json(value: Any) -> str:
    """JSON safe inside <script type="application/json">: '<', '>' and '&' escaped, so '</script>' cannot end it."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def reading(attrs: dict[str, Any]) -> str:
    """A claim in plain words: 'prolotherapy — treats → knee pain, possible, according to a systematic review, …'."""
    verb = ("NOT " if attrs["polarity"] == "negated" else "") + attrs["predicate_label"]
    who = attrs["attribution"] or "author"
    who = "the author" if who == "author" else who
    if attrs["citation"]:
        cited = f"cites {attrs['citation']}"
    elif attrs["evidence"] in ("none", ""):
        cited = "no evidence invoked"
    else:
        cited = "no citation"
    return f"{attrs['subject']} — {verb} → {attrs['object']}, {attrs['certainty']}, according to {who}, {cited}"


def sentence_context(prefix: str, suffix: str) -> tuple[str, str]:
    """The parts of the quote's sentence around it, as far as the stored context reaches."""
    ends = list(_SENTENCE_END.finditer(prefix))
    before = prefix[ends[-1].end() :] if ends else "…" + prefix.lstrip()
    after_end = re.search(r"[.!?](?=\s|$)|\n", suffix)
    after = suffix[: after_end.end()].rstrip() if after_end else suffix.rstrip() + "…"
    return " ".join(before.split(" ")).lstrip(), after


def _other_node(node: str, attrs: dict[str, Any], max_degree: int) -> dict[str, Any]:
    kind, degree = attrs["kind"], attrs.get("degree", 0)
    cg = {"kind": kind, "label": attrs["label"], "degree": degree}
    if kind == ENTITY:
        scale = math.sqrt(degree / max_degree)
        return {
            "id": node,
            "label": attrs["label"],
            "shape": "dot",
            "size": 10 + round(30 * scale),
            "color": {"background": ENTITY_COLOUR, "border": "#2d4a6b"},
            "borderWidth": 1,
            "font": {"size": 14 + round(8 * scale), "color": "#1d2b3a"},
            "title": f"{attrs['label']}\nentity · {degree} claim(s)",
            "cg": cg,
        }
    return {
        "id": node,
        "label": attrs["label"],
        "shape": "box",
        "color": {"background": VALUE_COLOUR, "border": "#8a96a3"},
        "borderWidth": 1,
        "font": {"size": 12, "color": "#333333"},
        "title": f"{attrs['label']}\nvalue · {degree} claim(s)",
        "cg": cg,
    }


def _entry(entry: Entry, nodes: dict[str, str]) -> dict[str, Any]:
    """A digest entry for the side panel; claims are given by node id (``nodes``: claim id -> node) so the page
    can focus them."""
    return {
        "rank": entry.rank,
        "verdict": entry.verdict,
        "about": entry.topic,
        "reason": entry.reason,
        "claims": [{"id": c, "node": nodes.get(c, "")} for c in entry.claims],
        "for": [{"id": c, "node": nodes.get(c, "")} for c in entry.evidence_for],
        "against": [{"id": c, "node": nodes.get(c, "")} for c in entry.evidence_against],
    }


def _claim_node(node: str, attrs: dict[str, Any], colours: dict[str, str], top_certainty: int) -> dict[str, Any]:
    colour = colours.get(attrs["verdict"], UNAUDITED_COLOUR)
    negated = attrs["polarity"] == "negated"
    hedged = attrs["certainty_rank"] < top_certainty
    before, after = sentence_context(attrs["prefix"], attrs["suffix"]) if attrs["quote"] else ("", "")
    text = reading(attrs)
    tooltip = [f"{attrs['id']} · {attrs['verdict']}", text]
    if attrs["reason"]:
        tooltip.append(attrs["reason"])
    if attrs["finding_kinds"]:
        tooltip.append("findings: " + ", ".join(attrs["finding_kinds"]))
    shown = {k: attrs[k] for k in _CLAIM_FIELDS}
    shown.update(
        kind=CLAIM,
        reading=text,
        before=before,
        after=after,
        hedged=hedged,
        negated=negated,
        source_url=_http(attrs["source_url"]),
        citation_url=_http(attrs["citation"]),
        findings=[{k: f[k] for k in ("kind", "severity", "message", "rule")} for f in attrs["findings"]],
    )
    return {
        "id": node,
        "label": attrs["label"],
        "shape": "diamond" if attrs["evidence_source"] else "square",
        "size": 14 if attrs["evidence_source"] else 11,
        "color": {
            "background": colour,
            "border": "#111111" if negated else "#4a4a4a",
            "highlight": {"background": colour, "border": "#000000"},
        },
        "borderWidth": 4 if negated else 2,
        "shapeProperties": {"borderDashes": [5, 4] if hedged else False},
        "font": {"size": 12, "color": "#222222"},
        "title": "\n".join(tooltip),
        "cg": shown,
    }


_CLAIM_FIELDS = (
    "id", "verdict", "reason", "evidence_for", "evidence_against", "evidence_certainty", "quote", "source",
    "source_title", "source_kind", "evidence_source", "evidence", "citation", "certainty", "polarity",
    "hedge_cues", "note", "finding_kinds",
)  # fmt: skip


def _edge(edge_id: str, u: str, v: str, attrs: dict[str, Any], with_label: bool) -> dict[str, Any]:
    kind = attrs["kind"]
    style = EDGE_STYLES[kind]
    item: dict[str, Any] = {
        "id": edge_id,
        "from": u,
        "to": v,
        "color": {"color": style["color"], "highlight": "#000000"},
        "width": style["width"],
        "dashes": style["dashes"],
        "arrows": {"to": {"enabled": kind != "contradicts", "scaleFactor": 0.5}},
        "title": attrs.get("label", kind),
        "cg": {"kind": kind},
    }
    if with_label and kind in ("object", "supports", "contradicts"):
        item["label"] = attrs.get("label", kind)
        item["font"] = {"size": 10, "color": "#555555", "strokeWidth": 3, "align": "middle"}
    return item


def _options(precomputed: bool) -> dict[str, Any]:
    """vis-network options: with a precomputed layout, physics is off and nothing is recomputed on load."""
    if not precomputed:
        options = pyvis_default_options()
        options["edges"]["color"] = {"inherit": False}
        return options
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": SEED},
        "edges": {"smooth": False},
        "nodes": {"font": {"face": "system-ui, sans-serif"}},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": False},
    }


def _http(value: str) -> str:
    """Only http(s) addresses become links (a javascript: URL in user data must never be clickable)."""
    return value if value.startswith(("https://", "http://")) else ""


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("graph.views", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("claims.html.j2")
