"""Writing the audit's results into the graph: a step of its own, so SPARQL and later readers see them too."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox

from ..model import Audit
from ..rdf import literal, parse_ntriples
from ..vocab import CG, DCTERMS, RDF

_SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\\\]*$")  # needs no check by an IRI parser
CHUNK = 20_000  # findings or claims per chunk of text


def audit_triples(audit: Audit) -> Iterator[ox.Triple]:
    """The findings (one node each, named after the first claim it concerns) and each claim's standing."""
    return parse_ntriples(audit_ntriples(audit))


def audit_ntriples(audit: Audit) -> Iterator[str]:
    """The same triples as N-Triples text, in chunks of whole lines."""
    vocab = audit.vocab
    a, finding_class, identifier = str(RDF.type), str(CG.Finding), str(DCTERMS.identifier)
    rule, kind, severity, message, concerns = (str(CG.rule), str(CG.findingKind), str(CG.severity),
                                               str(CG.message), str(CG.concerns))  # fmt: skip
    status, level, literature = str(CG.status), str(CG.evidenceLevel), str(CG.literature)
    kinds = {k: str(v.iri) for k, v in vocab.finding_kinds.items()}
    severities = {k: str(v.iri) for k, v in vocab.severities.items()}
    statuses = {k: str(v.iri) for k, v in vocab.statuses.items()}
    standings = {k: str(v.iri) for k, v in vocab.values["LiteratureStanding"].items()}
    iri = {v.id: v.iri for v in audit.views}  # claim IRIs come from the store: valid
    lines: list[str] = []
    for finding in audit.findings:
        first = iri.get(finding.claims[0])
        if first is None:
            continue
        node = f"{first}/finding/{finding.rule}" + "".join(f"/{c}" for c in finding.claims[1:])
        node = f"<{node}>" if _SAFE.match(node) else str(ox.NamedNode(node))  # ValueError if it cannot be an IRI
        lines.append(f"{node} {a} {finding_class} .\n")
        lines.append(f"{node} {identifier} {literal(finding.id)} .\n")
        lines.append(f"{node} {rule} {literal(finding.rule)} .\n")
        lines.append(f"{node} {kind} {kinds[finding.kind]} .\n")
        lines.append(f"{node} {severity} {severities[finding.severity]} .\n")
        lines.append(f"{node} {message} {literal(finding.message)} .\n")
        for claim_id in finding.claims:
            if claim_id in iri:
                lines.append(f"{node} {concerns} <{iri[claim_id]}> .\n")
        if len(lines) >= CHUNK * 8:
            yield "".join(lines)
            lines = []
    for view in audit.views:
        node = f"<{view.iri}>"
        if view.status in statuses:
            lines.append(f"{node} {status} {statuses[view.status]} .\n")
        if view.evidence_level:
            lines.append(f"{node} {level} {literal(view.evidence_level)} .\n")
        if view.literature in standings:
            lines.append(f"{node} {literature} {standings[view.literature]} .\n")
        if len(lines) >= CHUNK * 3:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
