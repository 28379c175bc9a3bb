"""Library entry points for the page and the export: what `claimgraph render`, `export` and `build` call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from ..files import read_graph, write_atomic
from ..problems import InvalidInput, Problem
from .network import export, select, to_networkx
from .page import render_html

DEFAULT_MAX_NODES = 2000


class TooLarge(ValueError):
    """A page would hold more nodes than the limit: drawing it would freeze the browser."""


@dataclass(frozen=True)
class Written:
    path: Path
    nodes: int
    edges: int


def load_graph(path: Path) -> Graph:
    """A built claims graph read back from its file; InvalidInput (located) when missing or malformed."""
    if not Path(path).exists():
        raise InvalidInput([Problem(str(path), 0, "", "no such file; run `claimgraph build` first")])
    return read_graph(Path(path))


@dataclass(frozen=True)
class Page:
    """A rendered page, not yet written: its bytes and what it holds."""

    html: bytes
    nodes: int
    edges: int


def build_page(
    graph: Graph,
    focus: str | None = None,
    hops: int = 1,
    only: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str | None = None,
) -> Page:
    """The interactive page of ``graph`` (or of the subgraph chosen by focus/only), in memory; nothing is written.

    Raises TooLarge when the page would exceed ``max_nodes``; LookupError for an unknown focus.
    """
    nxg = to_networkx(graph)
    chosen = select(nxg, focus, hops, only) if (focus is not None or only) else nxg
    if chosen.number_of_nodes() > max_nodes:
        raise TooLarge(
            f"the graph has {chosen.number_of_nodes()} nodes, more than the limit of {max_nodes} that a browser "
            "draws smoothly; render a part with --focus LABEL --hops N and/or --only flagged|contradictions|"
            "unsupported, or raise --max-nodes"
        )
    html = render_html(chosen, title or _title(focus, hops, only)).encode("utf-8")
    return Page(html, chosen.number_of_nodes(), chosen.number_of_edges())


def render_page(
    graph: Graph,
    out: Path,
    focus: str | None = None,
    hops: int = 1,
    only: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str | None = None,
) -> Written:
    """Write the interactive page of ``graph`` (or of the subgraph chosen by focus/only) to ``out``.

    Raises TooLarge, without writing, when the page would exceed ``max_nodes``; LookupError for an unknown focus.
    """
    page = build_page(graph, focus, hops, only, max_nodes, title)
    write_atomic(out, page.html)
    return Written(Path(out), page.nodes, page.edges)


def export_graph(graph: Graph, fmt: str, out: Path) -> Written:
    """Write the NetworkX projection as GraphML or GEXF."""
    nxg = to_networkx(graph)
    write_atomic(out, export(nxg, fmt))
    return Written(Path(out), nxg.number_of_nodes(), nxg.number_of_edges())


def _title(focus: str | None, hops: int, only: str | None) -> str:
    parts = ["claimgraph"]
    if focus is not None:
        parts.append(f"around {focus!r} ({hops} hop{'s' if hops != 1 else ''})")
    if only:
        parts.append(f"only {only}")
    return " · ".join(parts)
