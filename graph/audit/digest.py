"""The digest: the problems a reviewer should read first, one entry per problem, ranked.

Claims that share a quote are one entry; so are the steps of one causal chain stated by a text, the testimonials a
text relays from one group of people, the two sides of a contradiction no evidence settles, the research a text
invokes without citing it, and the harms one source reports that no text mentions. Entries are ranked by how
serious their verdict is, then by what they are about (efficacy and safety first), then by their first claim.
"""

from __future__ import annotations

import dataclasses

from ..model import ClaimView, Entry, Finding
from ..text import normalise
from ..vocab import Vocabulary
from .verdicts import TOPICS, topic

# Digest problems in the order they are read: the negative verdicts (by their rank in the ontology), then these.
OMISSION, UNCITED = "omission", "uncited-evidence"
NEGATIVE = ("contradicted-by-evidence", "overstated", "unsupported", "inconsistent")
ORDER = (*NEGATIVE, OMISSION, UNCITED, "mixed")


def digest(views: list[ClaimView], findings: list[Finding], vocab: Vocabulary, waived: dict[str, str]) -> list[Entry]:
    by_id = {v.id: v for v in views}
    active = [f for f in findings if f.id not in waived]
    entries: list[tuple[tuple, Entry]] = []
    judged = [v for v in views if v.judged and v.verdict in (*NEGATIVE, "mixed") and f"verdict:{v.id}" not in waived]
    for group in _groups(judged):
        entries.append(_verdict_entry(group, vocab))
    entries += _omissions(active, by_id)
    entries += _uncited(active, by_id)
    ranked = sorted(entries, key=lambda item: item[0])
    return [dataclasses.replace(entry, rank=rank) for rank, (_, entry) in enumerate(ranked, start=1)]


def _key(problem: str, about: str, first: str) -> tuple:
    topics = (*TOPICS, "background")
    return (ORDER.index(problem), topics.index(about) if about in topics else len(topics), first)


def _groups(views: list[ClaimView]) -> list[list[ClaimView]]:
    """Claims that make one problem: a shared quote, one causal chain, one group's testimonials, the two sides
    of a contradiction no evidence settles."""
    parent = {v.id: v.id for v in views}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    first: dict[tuple, str] = {}
    for v in views:
        keys = []
        if v.quote:
            keys.append(("quote", v.source, normalise(v.quote)))
        if topic(v) == "mechanism":
            keys += [("chain", v.source, v.subject_iri), ("chain", v.source, v.object_iri or v.object)]
        if _testimonial(v):
            keys.append(("testimony", v.source, v.attribution, v.evidence))
        if v.verdict == "inconsistent":  # the two sides of one contradiction are one problem
            keys += [("conflict", frozenset((v.id, other))) for other in v.contradicts]
        for key in keys:
            if key in first:
                union(v.id, first[key])
            else:
                first[key] = v.id
    groups: dict[str, list[ClaimView]] = {}
    for v in views:
        groups.setdefault(find(v.id), []).append(v)
    return list(groups.values())


def _testimonial(view: ClaimView) -> bool:
    return view.verdict == "unsupported" and not view.traceable and view.evidence_rank > 0


def _verdict_entry(group: list[ClaimView], vocab: Vocabulary) -> tuple[tuple, Entry]:
    order = {name: i for i, name in enumerate(vocab.verdicts)}
    members = sorted(group, key=lambda v: (order.get(v.verdict, 99), _topic_rank(v), v.id))
    lead = members[0]
    same: dict[str, list[str]] = {}  # claims with one reason say it once
    for v in members:
        same.setdefault(v.reason, []).append(v.id)
    reasons = [reason if len(same) == 1 else f"{', '.join(ids)}: {reason}" for reason, ids in same.items()]
    about = min((topic(v) for v in members), key=_topic_index)
    entry = Entry(
        0,
        tuple(sorted(v.id for v in members)),
        lead.verdict,
        " ".join(reasons),
        tuple(sorted({e for v in members for e in v.evidence_for})),
        tuple(sorted({e for v in members for e in v.evidence_against})),
        about,
        lead.quote,
    )
    return _key(lead.verdict, about, entry.claims[0]), entry


def _omissions(findings: list[Finding], by_id: dict[str, ClaimView]) -> list[tuple[tuple, Entry]]:
    """One entry per source whose reported harms (or negative results) no text mentions."""
    entries = []
    for source, views in _by_source(findings, by_id, OMISSION):
        what = ", ".join(f"{'not ' if v.negated else ''}{v.object} ({v.id})" for v in views)
        reason = f"{source} reports what no text under audit mentions: {what}."
        entry = Entry(0, tuple(v.id for v in views), OMISSION, reason, topic=topic(views[0]))
        entries.append((_key(OMISSION, topic(views[0]), entry.claims[0]), entry))
    return entries


def _uncited(findings: list[Finding], by_id: dict[str, ClaimView]) -> list[tuple[tuple, Entry]]:
    """One entry per text for the research it invokes without citing it (true or not, no reader can check it)."""
    entries = []
    for source, views in _by_source(findings, by_id, UNCITED):
        what = "; ".join(f"{v.id} ({v.evidence}, verdict {v.verdict or 'none'})" for v in views)
        reason = f"{source} invokes research without citing it, so no reader can check it: {what}."
        about = min((topic(v) for v in views), key=_topic_index)
        entry = Entry(
            0,
            tuple(v.id for v in views),
            UNCITED,
            reason,
            tuple(sorted({e for v in views for e in v.evidence_for})),
            tuple(sorted({e for v in views for e in v.evidence_against})),
            about,
        )
        entries.append((_key(UNCITED, about, entry.claims[0]), entry))
    return entries


def _by_source(findings: list[Finding], by_id: dict[str, ClaimView], kind: str) -> list[tuple[str, list[ClaimView]]]:
    """The claims that findings of ``kind`` name first, grouped by their source, in order of source and id."""
    by_source: dict[str, list[ClaimView]] = {}
    for f in findings:
        if f.kind == kind and f.claims[0] in by_id:
            view = by_id[f.claims[0]]
            by_source.setdefault(view.source, []).append(view)
    return [(source, sorted(views, key=lambda v: v.id)) for source, views in sorted(by_source.items())]


def _topic_index(name: str) -> int:
    topics = (*TOPICS, "background")
    return topics.index(name) if name in topics else len(topics)


def _topic_rank(view: ClaimView) -> int:
    return _topic_index(topic(view))
