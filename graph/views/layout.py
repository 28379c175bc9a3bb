"""Positions for the page: each connected component laid out on its own and packed in rows, so the browser
draws at once with physics off. The same graph always gives the same positions.

The force layouts are igraph's (C code, no BLAS): Kamada-Kawai for components up to ``KAMADA_KAWAI_LIMIT`` nodes,
which spreads hubs evenly, and Fruchterman-Reingold (grid-accelerated) above, which lays out 5,000 nodes in under
a second where Kamada-Kawai takes a minute. Kamada-Kawai starts from igraph's circle, Fruchterman-Reingold from
seeded positions, and both run with igraph's random numbers drawn from a seeded generator, so the result depends on
the graph and the seed only.
"""

from __future__ import annotations

import math
import random
import threading
from typing import Any

import igraph
import networkx as nx
import numpy as np

SEED = 7
KAMADA_KAWAI_LIMIT = 250
NODE_SPACING = 70.0
GAP = 120.0
LEVEL_PASSES = 10
_RNG_LOCK = threading.Lock()  # igraph's generator is process-wide: one layout at a time sets it


def layout(nxg: nx.MultiDiGraph, seed: int = SEED) -> dict[str, tuple[int, int]]:
    """Integer canvas positions: the same graph gives the same positions.

    Each connected component is laid out on its own, scaled by its size, and the components are packed in rows,
    largest first, so a few big components do not push the small ones off screen.
    """
    order = {node: i for i, node in enumerate(nxg)}
    simple = nx.Graph()
    simple.add_nodes_from(nxg)
    simple.add_edges_from((u, v) for u, v in nxg.edges() if u != v)
    components = sorted(
        (sorted(c, key=order.__getitem__) for c in nx.connected_components(simple)),
        key=lambda c: (-len(c), order[c[0]]),
    )
    boxes = [_component_layout(simple, nodes, seed) for nodes in components]
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
    _tilt_level_edges(simple, positions, order)
    return positions


def _tilt_level_edges(graph: nx.Graph, positions: dict[str, tuple[int, int]], index: dict[str, int]) -> None:
    """Move one end of every exactly horizontal edge 1 px down (the end later in ``index``), until none is left.

    vis-network 9.1.2 draws the label of a level edge at the canvas origin instead of at the edge's middle
    (visjs/vis-network#2044), and Kamada-Kawai lays a path or a two-node component out on one line.
    """
    nodes = list(index)
    edges = sorted(tuple(sorted((index[u], index[v]))) for u, v in graph.edges())
    for _ in range(LEVEL_PASSES):
        moved = False
        for a, b in edges:
            (_, ya), (xb, yb) = positions[nodes[a]], positions[nodes[b]]
            if ya == yb:
                positions[nodes[b]] = (xb, yb + 1)
                moved = True
        if not moved:
            return


def _component_layout(graph: nx.Graph, nodes: list[str], seed: int) -> dict[str, Any]:
    """One component's positions, scaled by its size and shifted so its bounding box starts at (0, 0)."""
    n = len(nodes)
    if n == 1:
        return {"pos": {nodes[0]: (0.0, 0.0)}, "w": 0.0, "h": 0.0}
    raw = force_layout(graph, nodes, seed)
    raw -= raw.min(axis=0)
    raw *= NODE_SPACING * math.sqrt(n)
    width, height = (float(v) for v in raw.max(axis=0))
    return {
        "pos": {node: (float(raw[i, 0]), float(raw[i, 1])) for i, node in enumerate(nodes)},
        "w": width,
        "h": height,
    }


def force_layout(graph: nx.Graph, nodes: list[str], seed: int) -> np.ndarray:
    """Positions of one connected component (``nodes`` in a fixed order), centred and scaled into [-1, 1].

    Kamada-Kawai up to ``KAMADA_KAWAI_LIMIT`` nodes, Fruchterman-Reingold above. The edges are given to igraph
    in a sorted order and the start positions come from a seeded generator; igraph draws any other random number
    from ``random.Random(seed)``. Its generator is process-wide and cannot be read back, so afterwards it is set to
    the ``random`` module again, igraph's default.
    """
    index = {node: i for i, node in enumerate(nodes)}
    edges = sorted(tuple(sorted((index[u], index[v]))) for u, v in graph.edges(nodes))
    component = igraph.Graph(n=len(nodes), edges=edges)
    with _RNG_LOCK:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            if len(nodes) <= KAMADA_KAWAI_LIMIT:
                found = component.layout_kamada_kawai()
            else:
                side = math.sqrt(len(nodes))  # igraph's own random start: a square of side √n around the origin
                start = ((np.random.default_rng(seed).random((len(nodes), 2)) - 0.5) * side).tolist()
                found = component.layout_fruchterman_reingold(seed=start, niter=500, grid="grid")
        finally:
            igraph.set_random_number_generator(random)
    pos = np.array(found.coords, dtype=np.float64)
    pos -= pos.mean(axis=0)
    return pos / max(float(np.abs(pos).max()), 1e-9)
