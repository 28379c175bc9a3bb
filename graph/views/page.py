"""The interactive HTML page: NetworkX layout, vis-network styling, and a self-contained Jinja2 template.

PyVis supplies two things it does well: the vis-network bundle it ships (inlined here, so the page makes no
request) and its default physics options (the "physics on" setting and the benchmark baseline). The page itself
is our own autoescaped template: PyVis 0.3.2's template loads Bootstrap from a CDN, renders the heading and
select menu unescaped and switches tooltips to innerHTML (see README, "Why not PyVis's own page").
"""

from __future__ import annotations

import functools
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
import numpy as np

from .network import CLAIM, ENTITY, HEDGED, UNAUDITED

SEED = 7
STATUSES = ("contested", "unsupported", "weakly-supported", "supported", UNAUDITED)
STATUS_COLOURS = {
    "contested": "#d62728",
    "unsupported": "#f28e2b",
    "weakly-supported": "#edc948",
    "supported": "#59a14f",
    UNAUDITED: "#bab0ac",
}
STATUS_MEANING = {
    "contested": "contradicted by another claim",
    "unsupported": "no evidence behind it",
    "weakly-supported": "weak or untraceable evidence",
    "supported": "backed by traceable evidence",
    UNAUDITED: "not audited",
}
LITERATURE_MEANING = {  # cg:literature, on claims of an audited text: what the literature's own claims say of it
    "supports": "the literature's claims support it",
    "contradicts": "the literature's claims contradict it",
    "mixed": "the literature's claims both support and contradict it",
    "silent": "the literature's claims say nothing about it",
}
ENTITY_COLOUR, VALUE_COLOUR = "#4e79a7", "#d7dde4"
EDGE_STYLES = {
    "contradicts": {"color": "#d62728", "width": 4, "dashes": [10, 6]},
    "supports": {"color": "#2e8b3a", "width": 2, "dashes": False},
    "subject": {"color": "#9aa5b1", "width": 1, "dashes": False},
    "object": {"color": "#9aa5b1", "width": 1, "dashes": False},
}
EDGE_LABEL_LIMIT = 400  # above this many nodes edge labels stay in the tooltip only: drawing them costs frames
_SENTENCE_END = re.compile(r"[.!?]\s+|\n")


def layout(nxg: nx.MultiDiGraph, seed: int = SEED) -> dict[str, tuple[int, int]]:
    """Integer canvas positions: the same graph gives the same positions.

    Each connected component is laid out on its own (Kamada-Kawai for small ones, which spreads hubs evenly;
    a seeded spring layout for large ones), scaled by its size, and the components are packed in rows,
    largest first, so a few big components do not push the small ones off screen.
    """
    simple = nx.Graph()
    simple.add_nodes_from(nxg)
    simple.add_edges_from((u, v) for u, v in nxg.edges() if u != v)
    order = {node: i for i, node in enumerate(nxg)}
    components = sorted(
        (sorted(c, key=order.__getitem__) for c in nx.connected_components(simple)),
        key=lambda c: (-len(c), order[c[0]]),
    )
    boxes = [_component_layout(_ordered(simple, nodes, order), seed) for nodes in components]
    positions: dict[str, tuple[int, int]] = {}
    total_area = sum((b["w"] + GAP) * (b["h"] + GAP) for b in boxes)
    row_width = max(max((b["w"] for b in boxes), default=0), math.sqrt(total_area) * 1.4)
    x = y = row_height = 0.0
    for box in boxes:
        if x > 0 and x + box["w"] > row_width:
            x, y, row_height = 0.0, y + row_height + GAP, 0.0
        for node, (px, py) in box["pos"].items():
            positions[node] = (round(x + px), round(y + py))
        x += box["w"] + GAP
        row_height = max(row_height, box["h"])
    return positions


GAP = 120.0


def _ordered(graph: nx.Graph, nodes: list[str], order: dict[str, int]) -> nx.Graph:
    """A component as a new graph with nodes and edges in projection order.

    (A networkx subgraph view iterates its nodes in set order, which changes with the hash seed.)
    """
    component = nx.Graph()
    component.add_nodes_from(nodes)
    edges = ((u, v) if order[u] < order[v] else (v, u) for u, v in graph.edges(nodes))
    component.add_edges_from(sorted(edges, key=lambda e: (order[e[0]], order[e[1]])))
    return component


def _component_layout(component: nx.Graph, seed: int) -> dict[str, Any]:
    """One component's positions, shifted so its bounding box starts at (0, 0)."""
    n = len(component)
    if n == 1:
        return {"pos": {next(iter(component)): (0.0, 0.0)}, "w": 0.0, "h": 0.0}
    raw = nx.kamada_kawai_layout(component, weight=None) if n <= KAMADA_KAWAI_LIMIT else _force_layout(component, seed)
    scale = NODE_SPACING * math.sqrt(n)
    pos = {node: (float(px) * scale, float(py) * scale) for node, (px, py) in raw.items()}
    min_x = min(p[0] for p in pos.values())
    min_y = min(p[1] for p in pos.values())
    pos = {node: (px - min_x, py - min_y) for node, (px, py) in pos.items()}
    return {"pos": pos, "w": max(p[0] for p in pos.values()), "h": max(p[1] for p in pos.values())}


KAMADA_KAWAI_LIMIT = 250
NODE_SPACING = 70.0
_CHUNK = 1024


def _force_layout(component: nx.Graph, seed: int, iterations: int = 50) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold, vectorised with numpy in row blocks.

    networkx's sparse spring layout (used above 500 nodes) loops in Python and took 26 s on 1,900 nodes; its
    dense one needs n² memory. This one takes n·1024 memory and a few seconds on 5,000 nodes.
    """
    nodes = list(component)
    n = len(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    edges = np.array([(index[u], index[v]) for u, v in component.edges()], dtype=np.int64).reshape(-1, 2)
    pos = np.random.default_rng(seed).random((n, 2), dtype=np.float32)
    k = np.float32(1.0 / math.sqrt(n))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        disp = np.empty((n, 2), dtype=np.float32)
        squares = (pos**2).sum(axis=1)
        for start in range(0, n, _CHUNK):
            block = pos[start : start + _CHUNK]
            # repulsion k²/d along (p_i - p_j): with w_ij = k²/d², sum_j w_ij (p_i - p_j) = p_i·Σw - W·p (BLAS)
            weight = block @ pos.T
            weight *= -2.0
            weight += squares[None, :]
            weight += squares[start : start + _CHUNK, None]
            np.maximum(weight, 1e-9, out=weight)
            np.divide(k * k, weight, out=weight)
            disp[start : start + _CHUNK] = block * weight.sum(axis=1)[:, None] - weight @ pos
        d = pos[edges[:, 0]] - pos[edges[:, 1]]
        pull = d * (np.sqrt((d**2).sum(axis=1)) / k)[:, None]
        np.add.at(disp, edges[:, 0], -pull)
        np.add.at(disp, edges[:, 1], pull)
        length = np.maximum(np.sqrt((disp**2).sum(axis=1)), 1e-9)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature -= cooling
    pos -= pos.mean(axis=0)
    pos /= max(float(np.abs(pos).max()), 1e-9)
    return {node: (float(pos[i, 0]), float(pos[i, 1])) for i, node in enumerate(nodes)}


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


def page_data(nxg: nx.MultiDiGraph, title: str, positions: dict[str, tuple[int, int]] | None) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-ready data (vis-network node/edge objects plus details)."""
    max_degree = max([a.get("degree", 0) for _, a in nxg.nodes(data=True) if a["kind"] != CLAIM] or [1])
    labels_on_edges = len(nxg) <= EDGE_LABEL_LIMIT
    nodes = []
    for node, attrs in nxg.nodes(data=True):
        item = _node(node, attrs, max_degree)
        if positions is not None:
            item["x"], item["y"] = positions[node]
        nodes.append(item)
    edges = []
    for number, (u, v, key, attrs) in enumerate(nxg.edges(keys=True, data=True)):
        edges.append(_edge(f"e{number}", u, v, key, attrs, labels_on_edges))
    claims = [a for _, a in nxg.nodes(data=True) if a["kind"] == CLAIM]
    sources = {a["source"]: a["source_title"] for a in claims}
    return {
        "title": title,
        "nodes": nodes,
        "edges": edges,
        "statuses": [{"name": s, "colour": STATUS_COLOURS[s], "meaning": STATUS_MEANING[s]} for s in STATUSES],
        "statusCounts": {s: sum(1 for a in claims if a["status"] == s) for s in STATUSES},
        "findingKinds": sorted({k for a in claims for k in a["finding_kinds"]}),
        "sources": [{"key": k, "title": sources[k]} for k in sorted(sources)],
        "edgeStyles": EDGE_STYLES,
        "physicsOptions": pyvis_default_options()["physics"],
    }


def render_html(nxg: nx.MultiDiGraph, title: str = "claimgraph", precomputed: bool = True, seed: int = SEED) -> str:
    """The self-contained page. ``precomputed=False`` leaves positions to vis-network physics with PyVis's
    default options (the benchmark baseline)."""
    positions = layout(nxg, seed) if precomputed else None
    data = page_data(nxg, title, positions)
    options = _options(precomputed)
    return _template().render(
        title=title,
        data_json=script_json(data),
        options_json=script_json(options),
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


def _node(node: str, attrs: dict[str, Any], max_degree: int) -> dict[str, Any]:
    kind = attrs["kind"]
    if kind == CLAIM:
        return _claim_node(node, attrs)
    degree = attrs.get("degree", 0)
    if kind == ENTITY:
        size = 10 + round(30 * math.sqrt(degree / max_degree))
        return {
            "id": node,
            "label": attrs["label"],
            "shape": "dot",
            "size": size,
            "color": {"background": ENTITY_COLOUR, "border": "#2d4a6b"},
            "borderWidth": 1,
            "font": {"size": 14 + round(8 * math.sqrt(degree / max_degree)), "color": "#1d2b3a"},
            "title": f"{attrs['label']}\nentity · {degree} claim(s)",
            "cg": {"kind": kind, "label": attrs["label"], "degree": degree},
        }
    return {
        "id": node,
        "label": attrs["label"],
        "shape": "box",
        "color": {"background": VALUE_COLOUR, "border": "#8a96a3"},
        "borderWidth": 1,
        "font": {"size": 12, "color": "#333333"},
        "title": f"{attrs['label']}\nvalue · {degree} claim(s)",
        "cg": {"kind": kind, "label": attrs["label"], "degree": degree},
    }


def _claim_node(node: str, attrs: dict[str, Any]) -> dict[str, Any]:
    colour = STATUS_COLOURS.get(attrs["status"], STATUS_COLOURS[UNAUDITED])
    negated = attrs["polarity"] == "negated"
    hedged = attrs["certainty"] in HEDGED
    before, after = sentence_context(attrs["quote_prefix"], attrs["quote_suffix"]) if attrs["quote"] else ("", "")
    text = reading(attrs)
    label = ("¬ " if negated else "") + attrs["claim_id"]
    tooltip = [f"{attrs['claim_id']} · {attrs['status']}", text]
    if attrs["literature"]:
        tooltip.append(f"literature: {attrs['literature']}")
    if attrs["finding_kinds"]:
        tooltip.append("findings: " + ", ".join(attrs["finding_kinds"]))
    return {
        "id": node,
        "label": label,
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
        "cg": {
            "kind": CLAIM,
            "id": attrs["claim_id"],
            "status": attrs["status"],
            "reading": text,
            "quote": attrs["quote"],
            "before": before,
            "after": after,
            "source": attrs["source"],
            "sourceTitle": attrs["source_title"],
            "sourceKind": attrs["source_kind"],
            "sourceUrl": _http(attrs["source_url"]),
            "evidenceSource": attrs["evidence_source"],
            "evidence": attrs["evidence"],
            "evidenceLevel": attrs["evidence_level"],
            "literature": attrs["literature"],
            "literatureMeaning": LITERATURE_MEANING.get(attrs["literature"], ""),
            "citation": attrs["citation"],
            "citationUrl": _http(attrs["citation"]),
            "certainty": attrs["certainty"],
            "polarity": attrs["polarity"],
            "hedged": hedged,
            "negated": negated,
            "hedgeCues": attrs["hedge_cues"],
            "note": attrs["note"],
            "findings": [
                {"kind": f["kind"], "severity": f["severity"], "message": f["message"], "rule": f["rule"]}
                for f in attrs["findings"]
            ],
            "findingKinds": attrs["finding_kinds"],
        },
    }


def _edge(edge_id: str, u: str, v: str, key: str, attrs: dict[str, Any], with_label: bool) -> dict[str, Any]:
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


def template_path() -> Path:
    return Path(str(resources.files("graph.views") / "templates" / "claims.html.j2"))
