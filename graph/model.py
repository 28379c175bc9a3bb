"""The records every step passes on: a Claim as read from a table, and the ClaimView of a built claim.

A ``Claim`` exists between reading and RDF. After that a claim has one shape only, the ``ClaimView``: read back
from any store by one query (``data/claim-view.rq``; its sources' fields by ``data/claim-sources.rq`` and the
labels and notations of the nodes it names by ``data/node-fields.rq``, each once), it is what the audit judges and
what the reports, the NetworkX projection and the page show. Audit results (verdict, findings) are attached to it
by the audit, or read from a graph the audit already wrote them into.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .text import SourceText, Span, citation_iri

if TYPE_CHECKING:
    from collections.abc import Callable

    from .stores.base import Store, Term
    from .vocab import Vocabulary

SEPARATOR = "\u001f"  # joins the values of a many-valued field in a query answer; cannot occur in ids or IRIs


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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)  # slots: a dict per view cost 1.6 KB, 1.6 GB at a million claims
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
        copy = object.__new__(ClaimView)  # dataclasses.replace runs the checks of __init__ again: 1.8x the time
        for name in _VIEW_FIELDS:
            object.__setattr__(copy, name, results[name] if name in results else getattr(self, name))
        return copy


_AUDIT_FIELDS = {"verdict", "reason", "evidence_for", "evidence_against", "evidence_certainty", "findings"}
_VIEW_FIELDS = tuple(f.name for f in dataclasses.fields(ClaimView))


def _query(name: str) -> str:
    return resources.files("graph").joinpath("data", name).read_text(encoding="utf-8")


def claim_views(store: Store) -> list[ClaimView]:
    """Every claim of the graph in ``store``, by one query (and one each for the fields of their sources, of the
    nodes they name: entities' and predicates' labels, vocabulary values' notations and ranks; of their quotes'
    places; and their many-valued fields: cues, links, findings), sorted by id.

    A claim has one row, unless the graph gives it two values of a one-valued property (two certainties …): then
    the row that sorts first (by its terms' ``str``) is kept, so the view is the same whatever order the store
    answers in; of a node's two labels (or notations …), the one sorting first. Of two claim nodes with the same
    identifier, the one whose IRI sorts first is kept.

    Rows become views as they arrive (an Oxigraph store yields them one at a time), so the answer is never held
    whole. A claim's later rows may arrive anywhere in the answer; a claim found to have several is read again by a
    second pass over the same query that keeps only such claims' rows, and the row sorting first is chosen then.
    """
    sparql = _query("claim-view.rq")
    sources, nodes = _source_fields(store), _node_fields(store)
    anchors, lists = _anchor_fields(store), _list_fields(store)
    names, rows = store.select_rows(sparql)
    at_claim = names.index("claim")
    make = _view_maker(names, sources, nodes, anchors, lists)
    views: dict[str, ClaimView] = {}
    several: set[str] = set()
    for row in rows:
        claim = row[at_claim].value
        if claim in views:
            several.add(claim)
        else:
            views[claim] = make(row)
    if several:  # the same query again: the same columns, so the same maker
        found: dict[str, list[tuple]] = {claim: [] for claim in several}
        for row in store.select_rows(sparql)[1]:
            kept = found.get(row[at_claim].value)
            if kept is not None:
                kept.append(row)
        for claim, kept in found.items():
            views[claim] = make(min(kept, key=_row_key))
    by_id: dict[str, ClaimView] = {}
    for claim in sorted(views):
        view = views[claim]
        by_id.setdefault(view.id, view)
    return [by_id[k] for k in sorted(by_id)]


def _row_key(row: tuple) -> list[str]:
    """The order that picks one of several rows for the same thing, whatever order the store answered in."""
    return [str(t) for t in row]


def _keep_first(kept: dict, key: object, row: tuple) -> None:
    """Keep ``row`` for ``key`` unless a row kept for it already sorts before it (by _row_key)."""
    if key not in kept or _row_key(row) < _row_key(kept[key]):
        kept[key] = row


def _source_fields(store: Store) -> dict[str, dict[str, object]]:
    """The view fields each claim source gives its claims (claim-sources.rq), by the source's IRI: made once per
    source, and the same objects in every view of its claims. Of a source's several rows (two values of a
    one-valued property), the one sorting first, as for a claim's rows."""
    names, rows = store.select_rows(_query("claim-sources.rq"))
    at_source = names.index("src")
    chosen: dict[str, tuple] = {}
    for row in rows:
        _keep_first(chosen, row[at_source].value, row)
    return {key: _source_view(dict(zip(names, row, strict=True))) for key, row in chosen.items()}


def _node_fields(store: Store) -> dict[Term, dict[str, str]]:
    """The labels, notations, ranks and flags of the graph's nodes (node-fields.rq), by node: what a claim's view
    reads of the entities, predicates and vocabulary values it points to. Of a node's several values for one field,
    the one sorting first (as for a claim's rows); a predicate's aspects are all kept, joined."""
    names, rows = store.select_rows(_query("node-fields.rq"))
    at_node, at_field, at_value = names.index("node"), names.index("field"), names.index("value")
    chosen: dict[Term, dict[str, tuple[Term]]] = {}
    aspects: dict[Term, set[str]] = {}
    for row in rows:
        node, name, value = row[at_node], row[at_field], row[at_value]
        if node is None or name is None or value is None:
            continue
        if name.value == "aspect":
            aspects.setdefault(node, set()).add(value.value)
            continue
        _keep_first(chosen.setdefault(node, {}), name.value, (value,))
    nodes = {node: {name: value.value for name, (value,) in fields.items()} for node, fields in chosen.items()}
    for node, found in aspects.items():
        nodes.setdefault(node, {})["aspects"] = SEPARATOR.join(sorted(found))
    return nodes


_ANCHOR_COLUMNS = ("quote", "prefix", "suffix", "start", "end")


def _anchor_fields(store: Store) -> dict[Term, list[str | None]]:
    """Where each claim's quote stands (claim-anchors.rq), by claim node: its quote, prefix, suffix, start and end.
    Of a claim's several quote (or position) selectors, the one sorting first, as for a claim's rows."""
    names, rows = store.select_rows(_query("claim-anchors.rq"))
    at_claim = names.index("claim")
    parts = ([names.index(n) for n in _ANCHOR_COLUMNS[:3]], [names.index(n) for n in _ANCHOR_COLUMNS[3:]])
    quotes: dict[Term, tuple] = {}
    places: dict[Term, tuple] = {}
    for row in rows:
        claim = row[at_claim]
        for kept, columns in zip((quotes, places), parts, strict=True):
            found = tuple(row[i] for i in columns)
            if claim is not None and found[0] is not None:  # else a row of the other selector
                _keep_first(kept, claim, found)
    no_quote, no_place = (None,) * 3, (None,) * 2
    return {
        claim: [None if t is None else t.value for t in (*quotes.get(claim, no_quote), *places.get(claim, no_place))]
        for claim in quotes.keys() | places.keys()
    }


_LIST_COLUMNS = ("cues", "supports", "contradicts", "evidenceFor", "evidenceAgainst", "findings")


def _list_fields(store: Store) -> dict[Term, list[tuple[str, ...]]]:
    """The many-valued fields of each claim (claim-lists.rq), by claim node, in _LIST_COLUMNS' order: each field's
    distinct values, sorted."""
    names, rows = store.select_rows(_query("claim-lists.rq"))
    at_claim, at_field, at_value = names.index("claim"), names.index("field"), names.index("value")
    slot = {name: k for k, name in enumerate(_LIST_COLUMNS)}
    found: dict[tuple[Term, int], set[str]] = {}
    for row in rows:
        claim, name, value = row[at_claim], row[at_field], row[at_value]
        if claim is not None and name is not None and value is not None and value.value:
            found.setdefault((claim, slot[name.value]), set()).add(value.value)
    lists: dict[Term, list[tuple[str, ...]]] = {}
    for (claim, k), values in found.items():
        lists.setdefault(claim, [()] * len(_LIST_COLUMNS))[k] = tuple(sorted(values))
    return lists


def _source_view(row: dict[str, Term | None]) -> dict[str, object]:
    def value(name: str) -> str | None:
        term = row.get(name)
        return None if term is None else term.value

    url = value("sourceUrl")
    return {
        "source": value("source") or "",
        "source_title": value("sourceTitle") or "",
        "source_kind": value("sourceKindNotation") or _local(value("sourceKind") or ""),
        "source_url": url or "",
        "evidence_source": _true(value("evidenceSource")),
        "source_sha256": value("textHash") or "",
        "published": url is not None,
        "source_participants": _number(value("participants"), None),
        "source_risk_of_bias": value("riskOfBiasNotation") or _local(value("riskOfBias") or ""),
        "source_conflict": value("conflictNotation") or _local(value("conflict") or ""),
    }


def findings_in(store: Store) -> list[Finding]:
    """The findings an audit wrote into the graph, by one query."""
    found = []
    for row in store.query(_query("findings-view.rq")).dicts():
        claims = _parts(_text(row, "claims"))
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


# Columns of a claim's view read from the node another column names (node-fields.rq): (column, node column, field).
_NODE_COLUMNS = (
    ("subject", "subjectNode", "label"), ("predicateLabel", "predicate", "label"),
    ("functional", "predicate", "functional"), ("aspects", "predicate", "aspects"), ("objectLabel", "object", "label"),
    ("polarityNotation", "polarity", "notation"), ("certaintyNotation", "certainty", "notation"),
    ("certaintyRank", "certainty", "certaintyRank"), ("evidenceNotation", "evidence", "notation"),
    ("evidenceRank", "evidence", "evidenceRank"), ("traceable", "evidence", "traceable"),
    ("absence", "evidence", "absence"), ("verdictNotation", "verdict", "notation"),
    ("gradeNotation", "grade", "notation"),
)  # fmt: skip
_VIEW_COLUMNS = (
    "claim", "id", "subjectNode", "subject", "predicate", "predicateLabel", "functional", "aspects",
    "object", "objectLabel", "polarity", "polarityNotation", "certainty", "certaintyNotation", "certaintyRank",
    "attribution", "evidence", "evidenceNotation", "evidenceRank", "traceable", "absence", "citation", "note", "quote",
    "prefix", "suffix", "start", "end", "verdict", "verdictNotation", "reason", "grade", "gradeNotation",
    "verdictWaiver", "cues", "supports", "contradicts", "evidenceFor", "evidenceAgainst", "findings",
)  # fmt: skip


# Columns whose values recur from claim to claim (entities, predicates, agents, reasons): one string object each,
# shared by the views that hold it, instead of one per view (a third of the views' memory). (Columns turned into
# numbers, booleans or tuples, or read only through _local, keep nothing and are left out; the node columns are
# shared already.)
_SHARED_COLUMNS = ("subjectNode", "predicate", "object", "attribution", "citation", "reason")


def _view_maker(
    names: list[str],
    sources: dict[str, dict[str, object]],
    nodes: dict[Term, dict[str, str]],
    anchors: dict[Term, list[str | None]],
    lists: dict[Term, list[tuple[str, ...]]],
) -> Callable[[tuple], ClaimView]:
    """A function making the view of one row of the claim-view query whose variables are ``names`` (unbound
    variables are None; a variable the answer lacks reads as unbound), with its source's fields from ``sources``,
    the fields of the nodes it names from ``nodes``, its quote's from ``anchors`` and its many-valued fields from
    ``lists``. Columns are read by position: no dict per row, and each term's ``.value`` is read once."""
    where = {name: i for i, name in enumerate(names)}
    missing = len(names)  # the index of a None appended to every row's values, then the columns read by node
    node_at: list[tuple[int, list[str]]] = []  # (a node column's index, the fields read of it), as in _NODE_COLUMNS
    for _, node, name in _NODE_COLUMNS:
        at = where.get(node, missing)
        if node_at and node_at[-1][0] == at:
            node_at[-1][1].append(name)
        else:
            node_at.append((at, [name]))
    where.update((name, missing + 1 + k) for k, (name, _, _) in enumerate(_NODE_COLUMNS))
    by_claim = (*_ANCHOR_COLUMNS, *_LIST_COLUMNS)
    where.update((name, missing + 1 + len(_NODE_COLUMNS) + k) for k, name in enumerate(by_claim))
    no_fields: dict[str, str] = {}
    no_anchor: list[str | None] = [None] * len(_ANCHOR_COLUMNS)
    no_lists: list[tuple[str, ...]] = [()] * len(_LIST_COLUMNS)
    at_claim = where.get("claim", missing)
    order = tuple(where.get(name, missing) for name in _VIEW_COLUMNS)
    at_object = where.get("object", missing)
    at_source = where.get("src", missing)
    shared_at = [where[name] for name in _SHARED_COLUMNS if name in where]
    shared: dict[str, str] = {}

    def make(row: tuple) -> ClaimView:
        row = (*row, None)  # the None that a column the answer lacks reads
        v = [None if t is None else t.value for t in row]
        for i in shared_at:
            if v[i] is not None:
                v[i] = shared.setdefault(v[i], v[i])
        for at, fields in node_at:
            found = nodes.get(row[at], no_fields)
            v += [found.get(name) for name in fields]
        v += anchors.get(row[at_claim], no_anchor)
        v += lists.get(row[at_claim], no_lists)
        (claim, id_, subject_node, subject, predicate, predicate_label,
         functional, aspects, obj, object_label, polarity, polarity_n, certainty, certainty_n, certainty_rank,
         attribution, evidence, evidence_n, evidence_rank, traceable, absence, citation, note, quote, prefix, suffix,
         start, end, verdict, verdict_n, reason, grade, grade_n, waiver, cues, supports, contradicts, evidence_for,
         evidence_against, findings) = [v[i] for i in order]  # fmt: skip
        term = row[at_object] if at_object < missing else None
        is_iri = isinstance(term, ox.NamedNode)
        predicate = predicate or ""
        return ClaimView(
            id=id_ or "",
            iri=claim or "",
            **sources.get(v[at_source], _NO_SOURCE),
            subject=subject or "",
            subject_iri=subject_node or "",
            predicate=_local(predicate),
            predicate_iri=predicate,
            predicate_label=predicate_label or _local(predicate),
            aspects=_parts(aspects),
            functional=_true(functional),
            object=object_label or obj or "",
            object_iri=(obj or "") if is_iri else "",
            object_datatype=""
            if is_iri or term is None
            else term.datatype.value
            if term.datatype is not None
            else "",
            polarity=polarity_n or _local(polarity or ""),
            certainty=certainty_n or _local(certainty or ""),
            certainty_rank=_number(certainty_rank, 0),
            attribution=attribution or "",
            evidence=evidence_n or _local(evidence or ""),
            evidence_rank=_number(evidence_rank, 0),
            traceable=_true(traceable),
            absence=_true(absence),
            citation=citation or "",
            note=note or "",
            hedge_cues=cues,
            supports=supports,
            contradicts=contradicts,
            quote=quote or "",
            prefix=prefix or "",
            suffix=suffix or "",
            start=_number(start, None),
            end=_number(end, None),
            verdict=verdict_n or _local(verdict or ""),
            reason=reason or "",
            evidence_for=evidence_for,
            evidence_against=evidence_against,
            evidence_certainty=grade_n or _local(grade or ""),
            verdict_waiver=waiver or "",
            findings=findings,
        )

    return make


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


@lru_cache(maxsize=4096)  # called with few distinct IRIs (predicates and vocabulary values): one string each
def _local(iri: str) -> str:
    return iri[max(iri.rfind("#"), iri.rfind("/")) + 1 :]


_NO_SOURCE = _source_view({})  # the fields of a claim without a source (or whose source the graph does not describe)


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
