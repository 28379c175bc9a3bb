"""Writing the audit's results into the graph: a step of its own, so SPARQL and later readers see them too.

Each finding is a node named after the first claim it concerns. Each judged claim gets its verdict (cg:verdict,
cg:verdictReason, cg:evidenceFor / cg:evidenceAgainst, cg:evidenceCertainty) and a schema:ClaimReview whose
rating names the verdict; literature claims get the certainty of their evidence.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from ..model import Audit
from ..vocab import CG, DCTERMS, RDF, SCHEMA


def audit_triples(audit: Audit) -> Iterator[ox.Triple]:
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
        if finding.id in audit.waived:
            yield T(node, CG.waiver, ox.Literal(audit.waived[finding.id]))
        for claim_id in finding.claims:
            if claim_id in iri:
                yield T(node, CG.concerns, ox.NamedNode(iri[claim_id]))
    for view in audit.views:
        node = ox.NamedNode(view.iri)
        if view.evidence_certainty in vocab.grades:
            yield T(node, CG.evidenceCertainty, vocab.grades[view.evidence_certainty].iri)
        if view.verdict not in vocab.verdicts:
            continue
        verdict = vocab.verdicts[view.verdict]
        yield T(node, CG.verdict, verdict.iri)
        yield T(node, CG.verdictReason, ox.Literal(view.reason))
        if f"verdict:{view.id}" in audit.waived:
            yield T(node, CG.waiver, ox.Literal(audit.waived[f"verdict:{view.id}"]))
        for prop, ids in ((CG.evidenceFor, view.evidence_for), (CG.evidenceAgainst, view.evidence_against)):
            for other in ids:
                if other in iri:
                    yield T(node, prop, ox.NamedNode(iri[other]))
        review, rating = ox.NamedNode(f"{view.iri}/review"), ox.NamedNode(f"{view.iri}/rating")
        yield T(review, RDF.type, SCHEMA.ClaimReview)
        yield T(review, SCHEMA.itemReviewed, node)
        yield T(review, SCHEMA.reviewBody, ox.Literal(view.reason))
        yield T(review, SCHEMA.reviewRating, rating)
        yield T(rating, RDF.type, SCHEMA.Rating)
        yield T(rating, SCHEMA.alternateName, ox.Literal(verdict.label))
        yield T(rating, SCHEMA.ratingExplanation, ox.Literal(verdict.comment))
