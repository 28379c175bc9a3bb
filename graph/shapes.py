"""Structural validation of any claims graph against the SHACL shapes (pySHACL)."""

from __future__ import annotations

from importlib import resources

from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef

SH = Namespace("http://www.w3.org/ns/shacl#")
DCTERMS_ID = URIRef("http://purl.org/dc/terms/identifier")
CG_CLAIM = URIRef("https://w3id.org/claimgraph/ns#Claim")


def shapes_graph() -> Graph:
    return Graph().parse(
        data=resources.files("graph").joinpath("shapes.ttl").read_text(encoding="utf-8"), format="turtle"
    )


def check_shapes(graph: Graph) -> list[str]:
    """Every SHACL violation as one readable line, sorted: 'claim C07: cg:certainty: message (value …)'."""
    lines = set()
    if (None, RDF.type, CG_CLAIM) not in graph:  # SHACL checks what is there; an empty graph would pass
        lines.add("the graph holds no cg:Claim: it is not a claims graph")
    conforms, report, _ = validate(graph, shacl_graph=shapes_graph(), inference="none", advanced=True)
    if conforms:
        return sorted(lines)
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage)
        where = _describe(graph, focus)
        step = f"{graph.namespace_manager.normalizeUri(path)}: " if isinstance(path, URIRef) else ""
        shown = f" (value {value.n3(graph.namespace_manager)})" if value is not None else ""
        lines.add(f"{where}: {step}{message}{shown}")
    return sorted(lines)


def _describe(graph: Graph, node: object) -> str:
    identifier = graph.value(node, DCTERMS_ID)
    kind = graph.value(node, RDF.type)
    kind_name = str(kind).rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower() if kind is not None else "node"
    return f"{kind_name} {identifier}" if identifier is not None else f"{kind_name} <{node}>"
