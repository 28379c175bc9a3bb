"""The page layout (graph/views/layout.py): every node placed at finite integer coordinates, components apart,
no level edge, the same positions in every process, for a graph large enough for the Fruchterman-Reingold path
and for the shipped data (Kamada-Kawai). No timings here: scripts/bench_render.py measures speed."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from graph.views import layout as layout_module
from graph.views.layout import KAMADA_KAWAI_LIMIT, layout
from tests.conftest import ROOT

BIG = 700


def sample_graph() -> nx.MultiDiGraph:
    """A seeded graph shaped like a projection: one component of 700 nodes (a random tree with extra edges, a
    repeated edge and a self-loop), twenty small components, ten isolated nodes, inserted in a shuffled order."""
    rng = random.Random(11)
    edges = [(f"big{i}", f"big{rng.randrange(i)}") for i in range(1, BIG)]
    edges += [(f"big{rng.randrange(BIG)}", f"big{rng.randrange(BIG)}") for _ in range(300)]
    edges += [("big1", "big0"), ("big5", "big5")]
    for c in range(20):
        size = 2 + c % 11
        edges += [(f"s{c}-{i}", f"s{c}-{rng.randrange(i)}") for i in range(1, size)]
    nodes = sorted({n for e in edges for n in e}) + [f"alone{i}" for i in range(10)]
    rng.shuffle(nodes)
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return graph


def components(graph: nx.MultiDiGraph) -> list[set[str]]:
    return [set(c) for c in nx.connected_components(nx.Graph(graph))]


def assert_placed_apart(graph: nx.MultiDiGraph, positions: dict[str, tuple[int, int]]) -> None:
    """Every node has integer coordinates, no two components' bounding boxes meet, and no edge is exactly
    horizontal (vis-network 9.1.2 draws such an edge's label at the canvas origin: visjs/vis-network#2044)."""
    level = [(u, v) for u, v in graph.edges() if u != v and positions[u][1] == positions[v][1]]
    assert level == []
    assert set(positions) == set(graph)
    for x, y in positions.values():
        assert type(x) is int and type(y) is int
    boxes = []
    for nodes in components(graph):
        xs, ys = [positions[n][0] for n in nodes], [positions[n][1] for n in nodes]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (a, b)


@pytest.fixture(scope="module")
def sample() -> tuple[nx.MultiDiGraph, dict[str, tuple[int, int]]]:
    graph = sample_graph()
    return graph, layout(graph)


def test_a_large_graph_takes_the_fruchterman_reingold_path(monkeypatch: pytest.MonkeyPatch):
    graph = sample_graph()
    assert max(len(c) for c in components(graph)) > KAMADA_KAWAI_LIMIT
    sizes = []
    real = layout_module.igraph.Graph.layout_fruchterman_reingold

    def spy(self, *args, **kwargs):
        sizes.append(self.vcount())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(layout_module.igraph.Graph, "layout_fruchterman_reingold", spy)
    layout(graph)
    assert sizes == [max(len(c) for c in components(graph))]


def test_every_node_is_placed_and_components_do_not_overlap(sample):
    graph, positions = sample
    assert_placed_apart(graph, positions)
    big = [positions[f"big{i}"] for i in range(BIG)]
    assert len(set(big)) >= 0.99 * BIG  # spread out, not collapsed onto a few points
    edge = [math.dist(positions[u], positions[v]) for u, v in graph.edges() if u.startswith("big") and u != v]
    assert sorted(edge)[len(edge) // 2] > 50  # a typical edge is long enough to see


def test_the_same_graph_gives_the_same_positions_in_every_process(sample):
    _, positions = sample
    assert layout(sample_graph()) == positions
    probe = (
        "import json; from tests.test_layout import sample_graph; from graph.views.layout import layout; "
        "print(json.dumps(sorted(layout(sample_graph()).items())))"
    )
    runs = {
        seed: subprocess.Popen(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    }
    expected = json.loads(json.dumps(sorted(positions.items())))
    for run in runs.values():
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert json.loads(out) == expected


def test_the_layout_leaves_python_s_random_numbers_alone():
    import igraph

    random.seed(3)
    expected = [random.random() for _ in range(3)]
    random.seed(3)
    layout(sample_graph())
    assert [random.random() for _ in range(3)] == expected  # the layout drew from its own generator
    drawn = []
    for _ in range(2):  # and igraph draws from the random module again afterwards
        random.seed(5)
        drawn.append(igraph.Graph(4).layout_random().coords)
    assert drawn[0] == drawn[1]


def test_the_shipped_page_is_laid_out(shipped_build: Path):
    from graph.api import ClaimGraph
    from graph.views import to_networkx
    from tests.test_page import page_json

    built = ClaimGraph.open(graph=shipped_build / "claims.ttl")
    graph = to_networkx(built.views(), built.findings())
    positions = layout(graph)
    assert max(len(c) for c in components(graph)) <= KAMADA_KAWAI_LIMIT  # the Kamada-Kawai path, as said above
    assert_placed_apart(graph, positions)
    assert len(set(positions.values())) == len(graph)
    page = {n["id"]: (n["x"], n["y"]) for n in page_json(shipped_build / "claims.html")["nodes"]}
    assert page == positions  # the build drew the page with this layout
