"""Writing the audit's results into the graph: a step of its own, so SPARQL and later readers see them too.

Each finding is a node named after the first claim it concerns. Each judged claim gets its verdict (cg:verdict,
cg:verdictReason, cg:evidenceFor / cg:evidenceAgainst, cg:evidenceCertainty) and a schema:ClaimReview whose
rating names the verdict; literature claims get the certainty of their evidence.

The triples are made as N-Triples text, in chunks of whole lines, and bulk-loaded: at 100,000 claims a Python
object per term costs more than the audit itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox

from ..model import Audit
from ..rdf import literal
from ..vocab import CG, DCTERMS, RDF, SCHEMA

_SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\\\]*$")  # needs no check by an IRI parser
CHUNK_LINES = 200_000  # lines per chunk of text


def audit_ntriples(audit: Audit) -> Iterator[str]:
    """The audit's triples as N-Triples text, in chunks of whole lines."""
    lines: list[str] = []
    for line in _lines(audit):
        lines.append(line)
        if len(lines) >= CHUNK_LINES:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _node(iri: str) -> str:
    return f"<{iri}>" if _SAFE.match(iri) else str(ox.NamedNode(iri))  # ValueError if it cannot be an IRI


def _lines(audit: Audit) -> Iterator[str]:
    vocab = audit.vocab
    a, identifier = str(RDF.type), str(DCTERMS.identifier)
    kinds = {k: str(v.iri) for k, v in vocab.finding_kinds.items()}
    severities = {k: str(v.iri) for k, v in vocab.severities.items()}
    grades = {k: str(v.iri) for k, v in vocab.grades.items()}
    iri = {v.id: f"<{v.iri}>" for v in audit.views}  # claim IRIs come from the store: valid
    for finding in audit.findings:
        first = iri.get(finding.claims[0])
        if first is None:
            continue
        node = _node(f"{first[1:-1]}/finding/{finding.rule}" + "".join(f"/{c}" for c in finding.claims[1:]))
        yield f"{node} {a} {CG.Finding} .\n"
        yield f"{node} {identifier} {literal(finding.id)} .\n"
        yield f"{node} {CG.rule} {literal(finding.rule)} .\n"
        yield f"{node} {CG.findingKind} {kinds[finding.kind]} .\n"
        yield f"{node} {CG.severity} {severities[finding.severity]} .\n"
        yield f"{node} {CG.message} {literal(finding.message)} .\n"
        if finding.id in audit.waived:
            yield f"{node} {CG.waiver} {literal(audit.waived[finding.id])} .\n"
        for claim_id in finding.claims:
            if claim_id in iri:
                yield f"{node} {CG.concerns} {iri[claim_id]} .\n"
    for view in audit.views:
        node = iri[view.id]
        if view.evidence_certainty in grades:
            yield f"{node} {CG.evidenceCertainty} {grades[view.evidence_certainty]} .\n"
        if view.verdict not in vocab.verdicts:
            continue
        verdict = vocab.verdicts[view.verdict]
        yield f"{node} {CG.verdict} {verdict.iri} .\n"
        yield f"{node} {CG.verdictReason} {literal(view.reason)} .\n"
        if f"verdict:{view.id}" in audit.waived:
            yield f"{node} {CG.waiver} {literal(audit.waived[f'verdict:{view.id}'])} .\n"
        for prop, ids in ((CG.evidenceFor, view.evidence_for), (CG.evidenceAgainst, view.evidence_against)):
            for other in ids:
                if other in iri:
                    yield f"{node} {prop} {iri[other]} .\n"
        review, rating = f"<{view.iri}/review>", f"<{view.iri}/rating>"
        yield f"{review} {a} {SCHEMA.ClaimReview} .\n"
        yield f"{review} {SCHEMA.itemReviewed} {node} .\n"
        yield f"{review} {SCHEMA.reviewBody} {literal(view.reason)} .\n"
        yield f"{review} {SCHEMA.reviewRating} {rating} .\n"
        yield f"{rating} {a} {SCHEMA.Rating} .\n"
        yield f"{rating} {SCHEMA.alternateName} {literal(verdict.label)} .\n"
        yield f"{rating} {SCHEMA.ratingExplanation} {literal(verdict.comment)} .\n"
