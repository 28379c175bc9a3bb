"""The audit as JSON (for tools), Markdown (for people) and CSV (for spreadsheets).

Markdown reads like a fact-check: the ranked digest first, then what can be said of each text as a whole, then
every judged claim with its verdict, the literature for and against it (named, with designs), the curator's note
and the findings behind it (merged: one entry per claim or pair, whatever rules fired). Every text that came
from input is escaped for its medium (graph/escape.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring

from ..escape import csv_cell, terminal
from ..escape import markdown as md
from ..model import Audit, ClaimView, Entry, Finding
from ..text import sentence_around
from .verdicts import topic


def summary(audit: Audit) -> dict:
    vocab = audit.vocab
    judged = [v for v in audit.views if v.judged]
    verdicts = Counter(v.verdict for v in judged)
    active = audit.active
    return {
        "claims": len(audit.views),
        "judged": len(judged),
        "findings": len(active),
        "waived": len(audit.waived),
        "by_verdict": {name: verdicts.get(name, 0) for name in vocab.verdicts},
        "by_kind": {kind: sum(1 for f in active if f.kind == kind) for kind in vocab.finding_kinds},
        "by_severity": {s: sum(1 for f in active if f.severity == s) for s in vocab.severities},
    }


def articles(audit: Audit) -> dict[str, list[str]]:
    """What can be said of each text under audit as a whole, said once rather than once per claim."""
    by_id = audit.by_id
    by_source: dict[str, list[ClaimView]] = {}  # grouped once: a loop over every claim per text is quadratic
    for v in audit.views:
        if v.judged:
            by_source.setdefault(v.source, []).append(v)
    omitted = [f for f in audit.active if f.kind == "omission"]
    missing = ", ".join(dict.fromkeys(by_id[f.claims[0]].object for f in omitted if f.claims[0] in by_id))
    result: dict[str, list[str]] = {}
    for source in sorted(by_source):
        claims = by_source[source]
        ids = {c.id for c in claims}
        lines = []
        cited = [v for v in claims if v.citation]
        needing = [v for v in claims if topic(v) in ("efficacy", "safety", "mechanism")]
        if not cited:
            lines.append(
                f"cites no sources: its {len(needing)} claims of benefit, safety or mechanism rest on nothing a reader "
                f"can check; the literature was checked for them: {_tally(needing)}"
            )
        else:
            lines.append(f"cites sources for {len(cited)} of {len(claims)} claims")
        uncited = [v for v in claims if v.traceable and not v.citation and not v.absence]
        if uncited:
            lines.append(f"invokes research without citing it in {len(uncited)} claims ({_ids(uncited)})")
        harms = [v for v in claims if topic(v) == "harm"]
        if harms or omitted:
            named = ", ".join(dict.fromkeys(v.object for v in harms))
            lines.append(
                f"discloses {len(harms)} harms ({named or 'none'})"
                + (f"; omits harms the literature reports: {missing}" if missing else "")
            )
        inconsistent = [v for v in claims if any(o in ids for o in v.contradicts)]
        if inconsistent:
            lines.append(f"contradicts itself: {_ids(inconsistent)}")
        lines.append(f"verdicts: {_tally(claims)}")
        result[source] = lines
    return result


def _tally(claims: list[ClaimView]) -> str:
    counts = Counter(v.verdict for v in claims)
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"


def _ids(claims: list[ClaimView]) -> str:
    return ", ".join(v.id for v in claims)


# ---------------------------------------------------------------- JSON and CSV


def to_json(audit: Audit) -> str:
    return "".join(json_chunks(audit))


def json_chunks(audit: Audit) -> Iterator[str]:
    """The audit as indented JSON, a claim or finding at a time: the bytes ``json.dumps(document, indent=2)``
    gives, without holding the document (at 1,000,000 claims it and its text took gigabytes)."""
    claims = (
        (
            v.id,
            _json_value(
                {
                    **({"verdict": v.verdict, "reason": v.reason} if v.verdict else {}),
                    **({"for": list(v.evidence_for), "against": list(v.evidence_against)} if v.judged else {}),
                    **({"certainty_of_evidence": v.evidence_certainty} if v.evidence_certainty else {}),
                    "findings": list(v.findings),
                },
                2,
            ),
        )
        for v in audit.views
    )
    sections: list[tuple[str, Iterable[str]]] = [
        ("summary", _json_value(summary(audit), 1)),
        ("verdicts", _json_array((_entry_json(e) for e in audit.digest), 1)),
        ("articles", _json_value(articles(audit), 1)),
        ("claims", _json_object(claims, 1)),
        ("findings", _json_array((_finding_json(f) for f in _ordered(audit, audit.active)), 1)),
        ("waived", _json_value([{"id": k, "reason": r} for k, r in sorted(audit.waived.items())], 1)),
    ]
    if audit.coverage is not None:
        sections.append(("coverage", _json_value(audit.coverage, 1)))
    if audit.notes:
        sections.append(("notes", _json_value(audit.notes, 1)))
    yield from _json_object(sections, 0)
    yield "\n"


def _json_value(value: object, level: int) -> Iterator[str]:
    yield indented_json(value, "  " * level)


def indented_json(value: object, indent: str = "") -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)`` with each line after the first led by ``indent``.

    With an indent, json.dumps uses its Python encoder and sets it up anew on every call: a third of the audit's
    JSON time at 100,000 claims, a call per claim. This does the same with json's C string encoder."""
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        members = (f"{inner}{encode_basestring(_json_key(k))}: {indented_json(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(members) + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + indented_json(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value)  # numbers, booleans and null: one line, spelled as json.dumps spells them


def _json_key(key: object) -> str:
    return key if isinstance(key, str) else json.dumps(key).strip('"')  # 1 -> "1", True -> "true", as json does


def _json_object(members: Iterable[tuple[str, Iterable[str]]], level: int) -> Iterator[str]:
    """A JSON object at ``level`` whose members come one by one, each value as its text's chunks."""
    inner, opened = "  " * (level + 1), False
    for key, value in members:
        yield (",\n" if opened else "{\n") + inner + json.dumps(key, ensure_ascii=False) + ": "
        yield from value
        opened = True
    yield "\n" + "  " * level + "}" if opened else "{}"


def _json_array(items: Iterable[object], level: int) -> Iterator[str]:
    inner, opened = "  " * (level + 1), False
    for value in items:
        yield (",\n" if opened else "[\n") + inner
        yield from _json_value(value, level + 1)
        opened = True
    yield "\n" + "  " * level + "]" if opened else "[]"


def _finding_json(f: Finding) -> dict:
    return {"id": f.id, "rule": f.rule, "kind": f.kind, "severity": f.severity, "claims": list(f.claims),
            "message": f.message}  # fmt: skip


def _entry_json(entry: Entry) -> dict:
    return {
        "rank": entry.rank,
        "claims": list(entry.claims),
        "verdict": entry.verdict,
        "reason": entry.reason,
        "for": list(entry.evidence_for),
        "against": list(entry.evidence_against),
        "about": entry.topic,
    }


def to_csv(audit: Audit) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["finding", "rule", "kind", "severity", "claims", "message"])
    for f in _ordered(audit, audit.active):
        cells = (f.id, f.rule, f.kind, f.severity, ";".join(f.claims), f.message)
        writer.writerow([csv_cell(terminal(c)) for c in cells])  # a report: no control character acts
    return out.getvalue()


def _ordered(audit: Audit, findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by kind (the ontology's order), rule and claims."""
    severity = {s: i for i, s in enumerate(audit.vocab.severities)}
    kind = {k: i for i, k in enumerate(audit.vocab.finding_kinds)}
    return sorted(findings, key=lambda f: (severity.get(f.severity, 99), kind.get(f.kind, 99), f.rule, f.claims))


# ---------------------------------------------------------------- Markdown


def to_markdown(audit: Audit, texts: dict[str, str] | None = None) -> str:
    return "".join(markdown_chunks(audit, texts))


def markdown_chunks(audit: Audit, texts: dict[str, str] | None = None) -> Iterator[str]:
    """The report for people, a line at a time."""
    return _ended(_markdown_lines(audit, texts or {}))


def _markdown_lines(audit: Audit, texts: dict[str, str]) -> Iterator[str]:
    numbers = summary(audit)
    verdicts = ", ".join(f"{n} {name}" for name, n in numbers["by_verdict"].items() if n)
    yield from ("# Claims audit", "")
    yield (
        f"{numbers['judged']} claims judged ({verdicts}) against {numbers['claims'] - numbers['judged']} claims of "
        f"the literature; {numbers['findings']} findings"
        + (f", {numbers['waived']} waived" if numbers["waived"] else "")
        + "."
    )
    yield ""
    yield from _digest_section(audit)
    yield from _articles_section(audit)
    yield from _claims_section(audit, texts)
    yield from _other_findings(audit)
    if audit.waived:
        yield from ("", "## Waived", "")
        yield from (f"- `{md(k)}`: {md(r)}" for k, r in sorted(audit.waived.items()))
    if audit.coverage is not None:
        yield from _coverage_section(audit.coverage)
    if audit.notes:
        yield from ("", "## Not checked", "")
        yield from (f"- {md(note)}" for note in audit.notes)


def _ended(lines: Iterable[str]) -> Iterator[str]:
    """``"\\n".join(lines).rstrip() + "\\n"`` a line at a time: what comes before a line with text is final."""
    held: list[str] = []  # the last line with text and the blank lines after it: the end may strip them
    for line in lines:
        if line.strip() and held:
            yield "\n".join(held) + "\n"
            held = []
        held.append(line)
    yield "\n".join(held).rstrip() + "\n"


def _digest_section(audit: Audit) -> list[str]:
    if not audit.digest:
        return ["## Digest", "", "No problems found.", ""]
    lines = ["## Digest", "", "The problems to read first, most serious first.", ""]
    for entry in audit.digest:
        claims = ", ".join(entry.claims)
        quote = f" “{md(entry.quote)}”" if entry.quote else ""
        lines.append(f"{entry.rank}. **{md(entry.verdict)}** ({md(entry.topic)}) — {md(claims)}{quote}  ")
        lines.append(f"   {md(entry.reason)}")
        sides = _sides(audit, entry.evidence_for, entry.evidence_against)
        if sides:
            lines.append(f"   {sides}")
    return [*lines, ""]


def _articles_section(audit: Audit) -> list[str]:
    lines = []
    for source, facts in articles(audit).items():
        lines += [f"## The text {md(source)}", ""]
        lines += [f"- {md(fact)}" for fact in facts]
        lines.append("")
    return lines


def _claims_section(audit: Audit, texts: dict[str, str]) -> Iterator[str]:
    """Every judged claim with something to say: its verdict, the literature on it, its note and findings."""
    about: dict[str, list[Finding]] = {}
    for f in _ordered(audit, audit.active):
        about.setdefault(f.claims[0], []).append(f)
    order = {name: i for i, name in enumerate(audit.vocab.verdicts)}
    shown = [v for v in audit.views if v.judged and (v.verdict != "not-assessed" or about.get(v.id))]
    shown.sort(key=lambda v: (order.get(v.verdict, 99), v.id))
    yield from ("## Claims", "")
    for view in shown:
        waived = " (waived)" if f"verdict:{view.id}" in audit.waived else ""
        yield from (f"### {md(view.id)} — {md(view.verdict)}{waived}", "")
        yield f"{md(view.reading())}  "
        if view.quote:
            yield f"> {_quote_in_sentence(view, texts.get(view.source))}"
        yield from ("", f"Verdict: {md(view.reason)}")
        sides = _sides(audit, view.evidence_for, view.evidence_against)
        if sides:
            yield f"Literature: {sides}"
        if view.note:
            yield f"Curator's note: {md(view.note)}"
        merged = _merged(about.get(view.id, []))
        if merged:
            yield "Findings:"
            yield from (f"- {line}" for line in merged)
        yield ""


def _other_findings(audit: Audit) -> list[str]:
    """Findings about claims that are not judged (omissions, suggestions on literature claims)."""
    rest = [f for f in _ordered(audit, audit.active) if not any(audit.by_id.get(c) and audit.by_id[c].judged
                                                                for c in f.claims[:1])]  # fmt: skip
    if not rest:
        return []
    return ["## Other findings", "", *[f"- {line}" for line in _merged(rest)], ""]


def _merged(findings: list[Finding]) -> list[str]:
    """One line per claim or pair of claims, naming every rule that fired on it."""
    groups: dict[tuple[str, ...], list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.claims, []).append(f)
    lines = []
    for claims, group in groups.items():
        rules = ", ".join(f"`{md(f.rule)}`" for f in group)
        severity = min((f.severity for f in group), key=("error", "warning", "info").index)
        lines.append(f"{md(severity)}: {md(group[0].message)} — {md(' + '.join(claims))}; rules {rules}")
    return lines


def _sides(audit: Audit, evidence_for: tuple[str, ...], against: tuple[str, ...]) -> str:
    """scite-style tallies: 'supporting (2): rabago-2013 (RCT, moderate), …; contrasting (1): …'."""
    parts = []
    for label, ids in (("supporting", evidence_for), ("contrasting", against)):
        if ids:
            named = ", ".join(_evidence(audit, i) for i in ids)
            parts.append(f"{label} ({len(ids)}): {named}")
    return md("; ".join(parts))


def _evidence(audit: Audit, claim_id: str) -> str:
    view = audit.by_id.get(claim_id)
    if view is None:
        return claim_id
    kind = audit.vocab.evidence.get(view.evidence)
    grade = audit.vocab.grades.get(view.evidence_certainty)
    details = ", ".join(part for part in (kind.label if kind else view.evidence, grade.label if grade else "") if part)
    return f"{view.source} {view.id} ({details})"


def _quote_in_sentence(view: ClaimView, text: str | None) -> str:
    """The quoted words in bold inside their sentence (or inside the selector's context without the text)."""
    if text is not None and view.start is not None and view.end is not None:
        first, last = sentence_around(text, view.start, view.end)
        before, quoted, after = text[first : view.start], text[view.start : view.end], text[view.end : last]
    else:
        before, quoted, after = "…" + view.prefix, view.quote, view.suffix + "…"
    return f"{_inline(before)}**{md(quoted)}**{_inline(after)}".strip()


def _inline(text: str) -> str:
    """Escaped text that keeps one space at either end (bold markers need the quote's own spacing)."""
    escaped = md(text)
    lead = " " if text[:1].isspace() and escaped else ""
    trail = " " if text[-1:].isspace() and escaped else ""
    return lead + escaped + trail


def _coverage_section(coverage: dict) -> list[str]:
    lines = ["", "## Coverage", ""]
    for key, report in coverage.items():
        lines.append(
            f"{md(key)}: {report['covered']} of {report['sentences']} sentences carry a claim; "
            f"{len(report['uncovered'])} uncovered sentences look like claims:"
        )
        lines.append("")
        lines += [
            f"- ({u['start']}–{u['end']}) {md(u['text'])} — cues: {md(', '.join(u['cues']))}"
            for u in report["uncovered"]
        ]
        lines.append("")
    return lines
