"""Views of a built claims graph: the NetworkX projection, GraphML/GEXF, and the interactive page."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import ClaimView, Entry, Finding
from ..vocab import Vocabulary
from .export import EXPORT_FORMATS, export
from .network import ONLY_CHOICES, find_node, select, to_networkx

DEFAULT_MAX_NODES = 2000


class TooLarge(ValueError):
    """A page would hold more nodes than the limit: drawing it would freeze the browser."""


@dataclass(frozen=True)
class Page:
    """A rendered page, not yet written: its bytes and what it holds."""

    html: bytes
    nodes: int
    edges: int


def node_count(views: list[ClaimView]) -> int:
    """How many nodes the full projection has: claims, entities and values (without building it)."""
    ends = {v.subject_iri for v in views} | {v.object_iri or f"value:{v.object_datatype}:{v.object}" for v in views}
    return len(views) + len(ends)


def build_page(
    views: list[ClaimView],
    findings: list[Finding],
    vocab: Vocabulary,
    focus: str | None = None,
    hops: int = 1,
    only: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str | None = None,
    digest: list[Entry] = (),
) -> Page:
    """The interactive page of the claims (or of the subgraph chosen by focus/only), in memory, opening on the
    digest's ranked problems.

    Raises TooLarge when the page would exceed ``max_nodes`` (before any layout work for a whole graph);
    LookupError for an unknown focus.
    """
    if focus is None and not only and node_count(views) > max_nodes:
        raise TooLarge(_too_large(node_count(views), max_nodes))
    nxg = to_networkx(views, findings)
    chosen = select(nxg, focus, hops, only) if (focus is not None or only) else nxg
    if chosen.number_of_nodes() > max_nodes:
        raise TooLarge(_too_large(chosen.number_of_nodes(), max_nodes))
    from .page import render_html

    html = render_html(chosen, vocab, title or _title(focus, hops, only), digest=digest).encode("utf-8")
    return Page(html, chosen.number_of_nodes(), chosen.number_of_edges())


def _too_large(nodes: int, max_nodes: int) -> str:
    return (
        f"the graph has {nodes} nodes, more than the limit of {max_nodes} that a browser draws smoothly; "
        "render a part with --focus LABEL --hops N and/or --only flagged|contradictions|unsupported, "
        "or raise --max-nodes"
    )


def _title(focus: str | None, hops: int, only: str | None) -> str:
    parts = ["claimgraph"]
    if focus is not None:
        parts.append(f"around {focus!r} ({hops} hop{'s' if hops != 1 else ''})")
    if only:
        parts.append(f"only {only}")
    return " · ".join(parts)


def notice_page(reason: str) -> bytes:
    """The page a build writes instead of a drawing too large for a browser."""
    from html import escape

    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>claimgraph</title></head><body>\n'
        f"<p>The graph is not drawn here: {escape(reason)}.</p>\n"
        "<p>Render part of it, for example: <code>claimgraph render --only flagged</code></p>\n</body></html>\n"
    ).encode()


__all__ = [
    "DEFAULT_MAX_NODES",
    "EXPORT_FORMATS",
    "ONLY_CHOICES",
    "Page",
    "TooLarge",
    "build_page",
    "export",
    "find_node",
    "notice_page",
    "select",
    "to_networkx",
]
