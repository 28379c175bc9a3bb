"""Running the rules over a store, and each claim's status, evidence level and standing in the literature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

from rdflib import Literal

from ..store import Store
from ..vocab import local_name
from .rules import KINDS, SEVERITIES, Rule

STATUSES = ("contested", "unsupported", "weakly-supported", "supported")


@dataclass(frozen=True)
class Finding:
    id: str
    rule: str
    kind: str
    severity: str
    claims: tuple[str, ...]
    message: str

    def sort_key(self) -> tuple:
        return (SEVERITIES.index(self.severity), KINDS.index(self.kind), self.rule, self.claims)


@dataclass(frozen=True)
class ClaimInfo:
    """What the report needs to show a claim: its statement, qualifiers, evidence and quote."""

    id: str
    source: str
    from_evidence_source: bool  # the source reports research (review, trial, study, guideline)
    audited: bool  # the source's text was checked: its claims are the ones the audit judges
    published: bool  # the source has a citation: its claims are literature
    evidence: str
    evidence_rank: int
    traceable_kind: bool
    citation: str
    certainty: str
    polarity: str
    subject: str
    predicate: str
    object: str
    attribution: str
    quote: str = ""
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    note: str = ""

    def reading(self) -> str:
        """The claim in plain words: 'prolotherapy — treats → knee pain (possible, a systematic review)'."""
        negation = "not " if self.polarity == "negated" else ""
        return f"{self.subject} — {negation}{self.predicate} → {self.object} ({self.certainty}, {self.attribution})"


@dataclass
class Verdict:
    status: str
    evidence_level: str
    findings: list[str] = field(default_factory=list)
    literature: str | None = None  # supports / contradicts / mixed / silent, for claims of audited texts


@dataclass
class Audit:
    findings: list[Finding]
    claims: dict[str, Verdict]
    info: dict[str, ClaimInfo]
    rules: list[Rule]
    coverage: dict | None = None

    def counts(self) -> dict[str, int]:
        return {kind: sum(1 for f in self.findings if f.kind == kind) for kind in KINDS}


def _internal_query(name: str) -> str:
    return resources.files("graph").joinpath("audit", name).read_text(encoding="utf-8")


def run_audit(store: Store, rules: list[Rule], progress: Callable[[int, int], None] | None = None) -> Audit:
    """Run every rule over the store, then judge each claim from the findings and its evidence."""
    findings: dict[str, Finding] = {}
    for done, rule in enumerate(rules, start=1):
        for finding in _run_rule(store, rule):
            findings.setdefault(finding.id, finding)
        if progress:
            progress(done, len(rules))
    ordered = sorted(findings.values(), key=Finding.sort_key)
    info = _claim_info(store)
    links = [
        (str(r["from"]), str(r["relation"]), str(r["to"])) for r in store.query(_internal_query("links.rq")).dicts()
    ]
    verdicts = _verdicts(info, links, ordered)
    return Audit(ordered, verdicts, info, rules)


def _run_rule(store: Store, rule: Rule) -> list[Finding]:
    found = []
    for row in store.query(rule.sparql).dicts():
        if "claim" not in row:
            continue
        claims = tuple(str(row[v]) for v in ("claim", "other") if v in row)
        finding_id = f"{rule.id}:{'+'.join(claims)}"
        message = str(row.get("message", rule.description))
        found.append(Finding(finding_id, rule.id, rule.kind, rule.severity, claims, message))
    return found


def _claim_info(store: Store) -> dict[str, ClaimInfo]:
    anchors: dict[str, dict] = {}
    for row in store.query(_internal_query("anchors.rq")).dicts():
        anchors.setdefault(str(row["claim"]), row)
    info: dict[str, ClaimInfo] = {}
    for row in store.query(_internal_query("claims.rq")).dicts():
        claim_id = str(row["claim"])
        if claim_id in info:  # several selectors or labels: the first row is enough
            continue
        obj = row.get("objectLabel", row["object"])
        anchor = anchors.get(claim_id, {})
        info[claim_id] = ClaimInfo(
            id=claim_id,
            source=str(row["source"]),
            from_evidence_source=_true(row.get("isEvidenceSource")),
            audited="audited" in row,
            published="published" in row,
            evidence=str(row["kind"]),
            evidence_rank=int(row["rank"]),
            traceable_kind=_true(row.get("traceable")),
            citation=str(row.get("citation", "")),
            certainty=str(row["certainty"]),
            polarity=str(row["polarity"]),
            subject=str(row["subject"]),
            predicate=local_name(row["predicate"]),
            object=str(obj),
            attribution=str(row["attribution"]),
            quote=str(anchor.get("quote", "")),
            prefix=str(anchor.get("prefix", "")),
            suffix=str(anchor.get("suffix", "")),
            start=int(anchor["start"]) if "start" in anchor else None,
            end=int(anchor["end"]) if "end" in anchor else None,
            note=str(row.get("note", "")),
        )
    return dict(sorted(info.items()))


def _true(term: object) -> bool:
    """A boolean literal, read the same whether a store returns it typed or as a plain '1'/'true'."""
    if isinstance(term, Literal):
        return str(term).strip().lower() in ("true", "1")
    return False


def _verdicts(
    info: dict[str, ClaimInfo], links: list[tuple[str, str, str]], findings: list[Finding]
) -> dict[str, Verdict]:
    supporters: dict[str, set[str]] = {}
    opponents: dict[str, set[str]] = {}
    for a, relation, b in links:
        if relation == "supports":
            supporters.setdefault(b, set()).add(a)
        else:
            opponents.setdefault(a, set()).add(b)
            opponents.setdefault(b, set()).add(a)
    by_claim: dict[str, list[Finding]] = {}
    for finding in findings:
        for claim_id in finding.claims:
            by_claim.setdefault(claim_id, []).append(finding)
    verdicts: dict[str, Verdict] = {}
    for claim_id, claim in info.items():
        backers = [info[s] for s in sorted(supporters.get(claim_id, ())) if s in info]
        cited_backers = [b for b in backers if b.citation]
        own_counts = bool(claim.citation) or not claim.traceable_kind
        levels = [(claim.evidence_rank, claim.evidence)] if own_counts else [(0, "none")]
        levels += [(b.evidence_rank, b.evidence) for b in cited_backers]
        mine = [f.id for f in by_claim.get(claim_id, ())]
        contested = any(f.kind == "contradiction" for f in by_claim.get(claim_id, ()))
        if contested:
            status = "contested"
        elif claim.citation or cited_backers:
            status = "supported"
        elif claim.evidence_rank > 0 or backers:
            status = "weakly-supported"
        else:
            status = "unsupported"
        verdicts[claim_id] = Verdict(status, max(levels)[1], mine, _literature(claim, info, backers, opponents))
    return verdicts


def _literature(
    claim: ClaimInfo, info: dict[str, ClaimInfo], backers: list[ClaimInfo], opponents: dict[str, set[str]]
) -> str | None:
    """How published sources stand on a claim of an audited text; None for claims of other sources."""
    if not claim.audited:
        return None
    supported = any(b.published and b.source != claim.source for b in backers)
    contradicted = any(
        info[o].published and info[o].source != claim.source for o in opponents.get(claim.id, ()) if o in info
    )
    return {(True, True): "mixed", (True, False): "supports", (False, True): "contradicts"}.get(
        (supported, contradicted), "silent"
    )
