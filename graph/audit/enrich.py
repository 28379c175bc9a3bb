"""Writing the audit's results into the graph: a step of its own, so SPARQL and later readers see them too."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from ..model import Audit
from ..vocab import CG, DCTERMS, RDF


def audit_triples(audit: Audit) -> Iterator[ox.Triple]:
    """The findings (one node each, named after the first claim it concerns) and each claim's standing."""
    T, vocab = ox.Triple, audit.vocab
    iri = {v.id: v.iri for v in audit.views}
    for finding in audit.findings:
        first = iri.get(finding.claims[0])
        if first is None:
            continue
        node = ox.NamedNode(f"{first}/finding/{finding.rule}" + "".join(f"/{c}" for c in finding.claims[1:]))
        yield T(node, RDF.type, CG.Finding)
        yield T(node, DCTERMS.identifier, ox.Literal(finding.id))
        yield T(node, CG.rule, ox.Literal(finding.rule))
        yield T(node, CG.findingKind, vocab.finding_kinds[finding.kind].iri)
        yield T(node, CG.severity, vocab.severities[finding.severity].iri)
        yield T(node, CG.message, ox.Literal(finding.message))
        for claim_id in finding.claims:
            if claim_id in iri:
                yield T(node, CG.concerns, ox.NamedNode(iri[claim_id]))
    for view in audit.views:
        node = ox.NamedNode(view.iri)
        if view.status in vocab.statuses:
            yield T(node, CG.status, vocab.statuses[view.status].iri)
        if view.evidence_level:
            yield T(node, CG.evidenceLevel, ox.Literal(view.evidence_level))
        if view.literature in vocab.values["LiteratureStanding"]:
            yield T(node, CG.literature, vocab.values["LiteratureStanding"][view.literature].iri)
