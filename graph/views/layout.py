"""Positions for the page: each connected component laid out on its own and packed in rows, so the browser
draws at once with physics off. The same graph always gives the same positions."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np

SEED = 7


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
