"""Structural validation of any claims graph against the SHACL shapes (graph/shapes.ttl)."""

from __future__ import annotations

from importlib import resources

from .stores import Store

CG_CLAIM = "https://w3id.org/claimgraph/ns#Claim"


def shapes_text() -> str:
    return resources.files("graph").joinpath("shapes.ttl").read_text(encoding="utf-8")


def check_shapes(store: Store) -> list[str]:
    """Every SHACL violation as one readable line, sorted: 'claim C07: cg:certainty: message (value …)'."""
    from pyshacl import validate
    from rdflib import RDF, Graph, Namespace, URIRef

    from .stores.memory import MemoryStore
    from .vocab import PREFIXES

    sh = Namespace("http://www.w3.org/ns/shacl#")
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").triples
    graph = MemoryStore.of(triples).graph
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    lines = set()
    if (None, RDF.type, URIRef(CG_CLAIM)) not in graph:  # SHACL checks what is there; an empty graph would pass
        lines.add("the graph holds no cg:Claim: it is not a claims graph")
    shapes = Graph().parse(data=shapes_text(), format="turtle")
    conforms, report, _ = validate(graph, shacl_graph=shapes, inference="none", advanced=True)
    if conforms:
        return sorted(lines)
    for result in report.subjects(RDF.type, sh.ValidationResult):
        focus = report.value(result, sh.focusNode)
        path = report.value(result, sh.resultPath)
        value = report.value(result, sh.value)
        message = report.value(result, sh.resultMessage)
        identifier = graph.value(focus, URIRef("http://purl.org/dc/terms/identifier"))
        kind = graph.value(focus, RDF.type)
        kind_name = str(kind).rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower() if kind is not None else "node"
        where = f"{kind_name} {identifier}" if identifier is not None else f"{kind_name} <{focus}>"
        step = f"{graph.namespace_manager.normalizeUri(path)}: " if isinstance(path, URIRef) else ""
        shown = f" (value {value.n3(graph.namespace_manager)})" if value is not None else ""
        lines.add(f"{where}: {step}{message}{shown}")
    return sorted(lines)
