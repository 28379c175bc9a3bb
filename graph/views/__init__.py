"""Views of a built claims graph: the NetworkX projection, GraphML/GEXF export and the interactive page."""

from .network import export, find_node, select, to_networkx
from .page import render_html
from .render import (
    DEFAULT_MAX_NODES,
    Page,
    TooLarge,
    Written,
    build_page,
    export_graph,
    load_graph,
    render_page,
)

__all__ = [
    "DEFAULT_MAX_NODES",
    "Page",
    "TooLarge",
    "Written",
    "build_page",
    "export",
    "export_graph",
    "find_node",
    "load_graph",
    "render_html",
    "render_page",
    "select",
    "to_networkx",
]
