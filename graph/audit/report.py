"""The audit as JSON (for tools), Markdown (for people) and CSV (for spreadsheets).

Every text that came from input is escaped for its medium (graph/escape.py): nothing in a claim, label,
source key or citation can become markup in a Markdown viewer or a formula in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json

from ..escape import csv_cell, terminal
from ..escape import markdown as md
from ..model import Audit, ClaimView, Finding
from ..text import sentence_around


def summary(audit: Audit) -> dict:
    vocab = audit.vocab
    statuses = [v.status for v in audit.views]
    literature = [v.literature for v in audit.views if v.literature]
    return {
        "claims": len(audit.views),
        "findings": len(audit.findings),
        "by_kind": audit.counts(),
        "by_severity": {s: sum(1 for f in audit.findings if f.severity == s) for s in vocab.severities},
        "by_status": {s: statuses.count(s) for s in vocab.statuses},
        "literature": {s: literature.count(s) for s in vocab.values["LiteratureStanding"]},
    }


def to_json(audit: Audit) -> str:
    claims = {
        v.id: {
            "status": v.status,
            "evidence_level": v.evidence_level,
            "findings": list(v.findings),
            **({"literature": v.literature} if v.literature else {}),
        }
        for v in audit.views
    }
    document: dict = {
        "summary": summary(audit),
        "claims": claims,
        "findings": [
            {"id": f.id, "rule": f.rule, "kind": f.kind, "severity": f.severity, "claims": list(f.claims),
             "message": f.message}
            for f in _ordered(audit)
        ],
    }
    if audit.coverage is not None:
        document["coverage"] = audit.coverage
    if audit.notes:
        document["notes"] = audit.notes
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_csv(audit: Audit) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["finding", "rule", "kind", "severity", "claims", "message"])
    for f in _ordered(audit):
        cells = (f.id, f.rule, f.kind, f.severity, ";".join(f.claims), f.message)
        writer.writerow([csv_cell(terminal(c)) for c in cells])  # a report: no control character acts
    return out.getvalue()


def _ordered(audit: Audit) -> list[Finding]:
    """Most severe first, then by kind (the ontology's order), rule and claims."""
    severity = {s: i for i, s in enumerate(audit.vocab.severities)}
    kind = {k: i for i, k in enumerate(audit.vocab.finding_kinds)}
    return sorted(audit.findings, key=lambda f: (severity.get(f.severity, 99), kind.get(f.kind, 99), f.rule, f.claims))


def to_markdown(audit: Audit, texts: dict[str, str] | None = None) -> str:
    texts = texts or {}
    numbers = summary(audit)
    lines = ["# Claims audit", ""]
    severities = ", ".join(f"{n} {s}" for s, n in numbers["by_severity"].items())
    lines += [f"{numbers['claims']} claims, {numbers['findings']} findings ({severities}).", ""]
    lines += ["| finding kind | count |", "| --- | ---: |"]
    lines += [f"| {kind} | {count} |" for kind, count in numbers["by_kind"].items()]
    lines += ["", "| claim status | count |", "| --- | ---: |"]
    lines += [f"| {status} | {count} |" for status, count in numbers["by_status"].items()]
    lines += _literature_section(audit)
    ordered = _ordered(audit)
    for kind in dict.fromkeys(f.kind for f in ordered):
        group = [f for f in ordered if f.kind == kind]
        lines += ["", f"## {md(kind)} ({len(group)})", ""]
        for finding in group:
            lines += _finding_block(finding, audit, texts)
    if audit.coverage is not None:
        lines += _coverage_section(audit.coverage)
    if audit.notes:
        lines += ["", "## Not checked", ""] + [f"- {md(note)}" for note in audit.notes]
    return "\n".join(lines).rstrip() + "\n"


def _finding_block(finding: Finding, audit: Audit, texts: dict[str, str]) -> list[str]:
    lines = [
        f"### {md(finding.severity)}: {md(finding.message)}",
        "",
        f"Rule `{md(finding.rule)}` · finding `{md(finding.id)}`",
        "",
    ]
    for claim_id in finding.claims:
        view = audit.by_id.get(claim_id)
        if view is None:
            lines.append(f"- **{md(claim_id)}** (not found in the graph)")
            continue
        cited = f" · citation &lt;{md(view.citation)}&gt;" if view.citation else " · no citation"
        lines.append(
            f"- **{md(view.id)}** {md(view.reading())} · source {md(view.source)} · evidence {md(view.evidence)}{cited}"
        )
        if view.quote:
            lines.append(f"  > {_quote_in_sentence(view, texts.get(view.source))}")
    lines.append("")
    return lines


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


def _literature_section(audit: Audit) -> list[str]:
    rows = [v for v in audit.views if v.literature]
    if not any(v.literature != "silent" for v in rows):
        return []
    lines = [
        "",
        "## The claims against the literature",
        "",
        "| claim | statement | literature | status | evidence level |",
        "| --- | --- | --- | --- | --- |",
    ]
    for v in rows:
        lines.append(
            f"| {md(v.id)} | {md(v.reading())} | {md(v.literature)} | {md(v.status)} | {md(v.evidence_level)} |"
        )
    return lines


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
