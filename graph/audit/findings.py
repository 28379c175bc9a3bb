"""Writing an audit back into the RDF graph, so SPARQL and the views see the findings too."""

from __future__ import annotations

from rdflib import RDF, Graph, Literal, URIRef

from ..rdf import Minter
from ..vocab import CG
from .runner import Audit


def add_findings(graph: Graph, audit: Audit, base: str) -> None:
    """Replace any earlier findings and verdicts in ``graph`` with those of ``audit``."""
    for finding in list(graph.subjects(RDF.type, CG.Finding)):
        graph.remove((finding, None, None))
    graph.remove((None, CG.status, None))
    graph.remove((None, CG.evidenceLevel, None))
    graph.remove((None, CG.literature, None))
    mint = Minter(base)
    for finding in audit.findings:
        node = URIRef(f"{mint.base}finding/{finding.rule}/{'+'.join(finding.claims)}")
        graph.add((node, RDF.type, CG.Finding))
        graph.add((node, CG.rule, Literal(finding.rule)))
        graph.add((node, CG.findingKind, Literal(finding.kind)))
        graph.add((node, CG.severity, Literal(finding.severity)))
        graph.add((node, CG.message, Literal(finding.message)))
        for claim_id in finding.claims:
            graph.add((node, CG.concerns, mint.claim(claim_id)))
    for claim_id, verdict in audit.claims.items():
        graph.add((mint.claim(claim_id), CG.status, Literal(verdict.status)))
        graph.add((mint.claim(claim_id), CG.evidenceLevel, Literal(verdict.evidence_level)))
        if verdict.literature is not None:
            graph.add((mint.claim(claim_id), CG.literature, Literal(verdict.literature)))
