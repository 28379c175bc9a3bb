"""The records every step passes on: a Claim as read from a table, and the ClaimView of a built claim.

A ``Claim`` exists between reading and RDF. After that a claim has one shape only, the ``ClaimView``: read back
from any store by one query (``data/claim-view.rq``), it is what the audit judges and what the reports, the
NetworkX projection and the page show. Audit results (verdict, findings) are attached to it by the audit, or read
from a graph the audit already wrote them into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .text import SourceText, Span, citation_iri

if TYPE_CHECKING:
    from .stores.base import Store
    from .vocab import Vocabulary

SEPARATOR = "\u001f"  # joins multi-valued fields in the claim-view query; cannot occur in ids, cues or IRIs


@dataclass(frozen=True)
class Source:
    """One row of sources.csv, with its text when the folder holds one."""

    key: str
    title: str
    kind: str
    citation: str
    published: str
    line: int
    text: SourceText | None
    participants: int | None = None  # people studied (GRADE imprecision)
    risk_of_bias: str = ""  # a cg:RiskOfBias notation
    conflict_of_interest: str = ""  # a cg:ConflictOfInterest notation

    @property
    def citation_iri(self) -> str | None:
        return citation_iri(self.citation) if self.citation else None


@dataclass(frozen=True)
class Claim:
    """One row of claims.csv, validated; ``anchor`` is where the quote stands in the source text."""

    id: str
    source: str
    subject: str
    predicate: str
    object: str
    quote: str = ""
    polarity: str = "affirmed"
    certainty: str = "certain"
    attribution: str = "author"
    evidence: str = "none"
    citation: str = ""
    supports: tuple[str, ...] = ()
    contradicts: tuple[str, ...] = ()
    note: str = ""
    line: int = 0
    anchor: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Finding:
    """A problem the audit found with one claim or a pair of claims."""

    id: str  # RULE:C1 or RULE:C1+C2
    rule: str
    kind: str
    severity: str
    claims: tuple[str, ...]
    message: str
    waiver: str = ""  # the reviewer's reason when waived


@dataclass(frozen=True)
class Entry:
    """One line of the audit's digest: a problem a reviewer should read, with the claims it concerns."""

    rank: int
    claims: tuple[str, ...]
    verdict: str  # the verdict of the entry (the most serious of its claims), or "omission"
    reason: str
    evidence_for: tuple[str, ...] = ()
    evidence_against: tuple[str, ...] = ()
    topic: str = ""  # what the claims are about: efficacy, safety, mechanism, harm, use, background
    quote: str = ""


@dataclass(frozen=True)
class ClaimView:
    """A built claim: its statement, qualifiers, evidence, links, anchor and (once audited) its verdict."""

    id: str
    iri: str
    source: str  # the source's key
    source_title: str
    source_kind: str
    source_url: str  # the source's own citation IRI, if it has one
    evidence_source: bool  # the source's kind reports research (review, trial, study, guideline)
    source_sha256: str  # the hash of the source text the quotes were anchored in; empty without a text
    published: bool  # the source has a citation
    source_participants: int | None  # GRADE fields of the source (sources.csv)
    source_risk_of_bias: str
    source_conflict: str
    subject: str
    subject_iri: str
    predicate: str  # local name, as written in claims.csv
    predicate_iri: str
    predicate_label: str
    aspects: tuple[str, ...]  # what the predicate speaks to: efficacy, safety, …
    functional: bool
    object: str  # the object's label, or the literal's text
    object_iri: str  # empty for a literal object
    object_datatype: str  # the literal's datatype IRI; empty for an entity
    polarity: str
    certainty: str
    certainty_rank: int
    attribution: str
    evidence: str
    evidence_rank: int
    traceable: bool  # the evidence kind names research a reader could look up
    absence: bool  # the evidence kind records a search that found nothing (never evidence against)
    citation: str
    note: str = ""
    hedge_cues: tuple[str, ...] = ()
    supports: tuple[str, ...] = ()  # ids of the claims this one supports
    contradicts: tuple[str, ...] = ()  # ids of the claims this one contradicts (symmetric)
    quote: str = ""
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    verdict: str = ""  # empty until audited, and for claims of the literature
    reason: str = ""
    evidence_for: tuple[str, ...] = ()  # ids of the literature claims the verdict counts for it …
    evidence_against: tuple[str, ...] = ()  # … and against it
    evidence_certainty: str = ""  # GRADE level: of its own evidence (literature), of the best for it (judged)
    verdict_waiver: str = ""  # the reviewer's reason when the verdict is waived
    findings: tuple[str, ...] = ()  # finding ids

    @property
    def literature(self) -> bool:
        """A claim of the literature (its source has a citation or is an evidence source), or a record of a
        search that found nothing: the evidence the other claims are judged by."""
        return self.published or self.evidence_source or self.absence

    @property
    def judged(self) -> bool:
        """A claim of a text under audit: the audit gives it a verdict."""
        return not self.literature

    @property
    def negated(self) -> bool:
        return self.polarity == "negated"

    def reading(self) -> str:
        """The claim in plain words: 'prolotherapy — treats → knee pain (possible, a systematic review)'."""
        negation = "not " if self.negated else ""
        return f"{self.subject} — {negation}{self.predicate} → {self.object} ({self.certainty}, {self.attribution})"

    def audited_as(self, **results: object) -> ClaimView:
        """A copy with the audit's results set (the verdict's fields and the findings)."""
        unknown = set(results) - _AUDIT_FIELDS
        if unknown:
            raise TypeError(f"not an audit result: {', '.join(sorted(unknown))}")
        copy = object.__new__(ClaimView)  # dataclasses.replace re-runs __init__: 100,000 times that shows
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(results)
        return copy


_AUDIT_FIELDS = {"verdict", "reason", "evidence_for", "evidence_against", "evidence_certainty", "findings"}


def _query(name: str) -> str:
    return resources.files("graph").joinpath("data", name).read_text(encoding="utf-8")


def claim_views(store: Store) -> list[ClaimView]:
    """Every claim of the graph in ``store``, by one query, sorted by id.

    A claim has one row, unless the graph gives it two values of a one-valued property (two labels, two
    certainties …): then the row that sorts first is kept, so the view is the same whatever order the store
    answers in. Of two claim nodes with the same identifier, the one whose IRI sorts first is kept.
    """
    result = store.query(_query("claim-view.rq"))
    names = result.variables
    at_claim = names.index("claim")
    rows: dict[str, list[tuple]] = {}
    for row in result.rows:
        rows.setdefault(row[at_claim].value, []).append(row)
    views: dict[str, ClaimView] = {}
    for claim in sorted(rows):
        found = rows[claim]
        row = found[0] if len(found) == 1 else min(found, key=lambda r: [str(t) for t in r])
        view = _view(dict(zip(names, row, strict=True)))
        views.setdefault(view.id, view)
    return [views[k] for k in sorted(views)]


def findings_in(store: Store) -> list[Finding]:
    """The findings an audit wrote into the graph, by one query."""
    found = []
    for row in store.query(_query("findings-view.rq")).dicts():
        claims = tuple(sorted(_split(row.get("claims"))))
        found.append(
            Finding(
                _text(row, "id") or f"{_text(row, 'rule')}:{'+'.join(claims)}",
                _text(row, "rule"),
                _text(row, "kind"),
                _text(row, "severity"),
                claims,
                _text(row, "message"),
                _text(row, "waiver"),
            )
        )
    return sorted(found, key=lambda f: f.id)


def _view(row: dict) -> ClaimView:
    """A claim view from a row of the claim-view query (unbound variables are None)."""
    v = {name: term.value for name, term in row.items() if term is not None}
    get = v.get
    obj = row.get("object")
    is_iri = isinstance(obj, ox.NamedNode)
    predicate = get("predicate", "")

    def notation(name: str) -> str:
        """A value's notation, or the local name of its IRI in a graph whose vocabulary gives none."""
        return get(f"{name}Notation") or _local(get(name, ""))

    return ClaimView(
        id=get("id", ""),
        iri=get("claim", ""),
        source=get("source", ""),
        source_title=get("sourceTitle", ""),
        source_kind=notation("sourceKind"),
        source_url=get("sourceUrl", ""),
        evidence_source=_true(get("evidenceSource")),
        source_sha256=get("textHash", ""),
        published="sourceUrl" in v,
        source_participants=_number(get("participants"), None),
        source_risk_of_bias=notation("riskOfBias"),
        source_conflict=notation("conflict"),
        subject=get("subject", ""),
        subject_iri=get("subjectNode", ""),
        predicate=_local(predicate),
        predicate_iri=predicate,
        predicate_label=get("predicateLabel") or _local(predicate),
        aspects=_parts(get("aspects")),
        functional=_true(get("functional")),
        object=get("objectLabel") or get("object", ""),
        object_iri=get("object", "") if is_iri else "",
        object_datatype="" if is_iri or obj is None else obj.datatype.value if obj.datatype is not None else "",
        polarity=notation("polarity"),
        certainty=notation("certainty"),
        certainty_rank=_number(get("certaintyRank"), 0),
        attribution=get("attribution", ""),
        evidence=notation("evidence"),
        evidence_rank=_number(get("evidenceRank"), 0),
        traceable=_true(get("traceable")),
        absence=_true(get("absence")),
        citation=get("citation", ""),
        note=get("note", ""),
        hedge_cues=_parts(get("cues")),
        supports=_parts(get("supports")),
        contradicts=_parts(get("contradicts")),
        quote=get("quote", ""),
        prefix=get("prefix", ""),
        suffix=get("suffix", ""),
        start=_number(get("start"), None),
        end=_number(get("end"), None),
        verdict=notation("verdict"),
        reason=get("reason", ""),
        evidence_for=_parts(get("evidenceFor")),
        evidence_against=_parts(get("evidenceAgainst")),
        evidence_certainty=notation("grade"),
        verdict_waiver=get("verdictWaiver", ""),
        findings=_parts(get("findings")),
    )


def _parts(text: str | None) -> tuple[str, ...]:
    """The sorted values of a field the query joined with U+001F."""
    return tuple(sorted(part for part in text.split(SEPARATOR) if part)) if text else ()


def _true(text: str | None) -> bool:
    return text is not None and text.strip().lower() in ("true", "1")


def _number(text: str | None, default: int | None) -> int | None:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _text(row: dict, name: str) -> str:
    term = row.get(name)
    return "" if term is None else term.value


def _split(term: object) -> list[str]:
    text = getattr(term, "value", "")
    return [part for part in text.split(SEPARATOR) if part] if text else []


def _local(iri: str) -> str:
    return iri[max(iri.rfind("#"), iri.rfind("/")) + 1 :]


@dataclass
class Audit:
    """What the audit found: the findings, every claim's view with its verdict, the ranked digest, waivers and
    the texts' coverage."""

    findings: list[Finding]
    views: list[ClaimView]
    vocab: Vocabulary  # the graph's vocabulary: finding kinds, severities, verdicts, their order and meaning
    coverage: dict[str, dict] | None = None
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why
    digest: list[Entry] = field(default_factory=list)  # the ranked problems, most serious first
    waived: dict[str, str] = field(default_factory=dict)  # finding or verdict id → the reviewer's reason

    @property
    def active(self) -> list[Finding]:
        """The findings no reviewer has waived."""
        return [f for f in self.findings if f.id not in self.waived]

    def counts(self) -> dict[str, int]:
        """Findings per kind, in the ontology's order of kinds."""
        return {kind: sum(1 for f in self.findings if f.kind == kind) for kind in self.vocab.finding_kinds}

    @cached_property
    def by_id(self) -> dict[str, ClaimView]:
        return {v.id: v for v in self.views}
