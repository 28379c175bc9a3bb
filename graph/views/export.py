"""GraphML and GEXF for Gephi and Cytoscape: the NetworkX projection with flat, XML-safe attributes."""

from __future__ import annotations

import io
from typing import Any

import networkx as nx

from ..escape import xml_text

EXPORT_FORMATS = ("graphml", "gexf")


def export(nxg: nx.MultiDiGraph, fmt: str) -> bytes:
    """GraphML or GEXF bytes; lists are flattened to text and characters XML cannot hold are replaced."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    flat = nx.MultiDiGraph(name=nxg.graph.get("name", "claimgraph"))
    for node, attrs in nxg.nodes(data=True):
        flat.add_node(xml_text(node), **_flatten(attrs))
    for u, v, key, attrs in nxg.edges(keys=True, data=True):
        flat.add_edge(xml_text(u), xml_text(v), key=key, **_flatten(attrs))
    out = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(flat, out, encoding="utf-8", prettyprint=True)
    else:
        nx.write_gexf(flat, out, encoding="utf-8", prettyprint=True, version="1.2draft")
    return _strip_timestamp(out.getvalue())


def _strip_timestamp(data: bytes) -> bytes:
    """GEXF carries the write date in <meta lastmodifieddate>; drop it so the same graph gives the same bytes."""
    text = data.decode("utf-8")
    start = text.find(' lastmodifieddate="')
    if start >= 0:
        end = text.index('"', start + len(' lastmodifieddate="'))
        text = text[:start] + text[end + 1 :]
    return text.encode("utf-8")


def _flatten(attrs: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in attrs.items():
        if name == "findings":
            value = "\n".join(f"{f['kind']} ({f['severity']}): {f['message']}" for f in value)
        elif isinstance(value, list | tuple):
            value = "; ".join(str(v) for v in value)
        elif value is None:
            value = ""
        flat[name] = xml_text(value) if isinstance(value, str) else value
    return flat
