"""The audit as JSON (for tools), Markdown (for people) and CSV (for spreadsheets)."""

from __future__ import annotations

import bisect
import csv
import io
import json
import re

from ..sources import Source
from .coverage import sentences
from .rules import KINDS, SEVERITIES
from .runner import STATUSES, Audit, ClaimInfo, Finding


def to_json(audit: Audit) -> str:
    claims = {
        claim_id: {
            "status": v.status,
            "evidence_level": v.evidence_level,
            "findings": v.findings,
            **({"literature": v.literature} if v.literature is not None else {}),
        }
        for claim_id, v in audit.claims.items()
    }
    document = {
        "summary": _summary(audit),
        "claims": claims,
        "findings": [
            {
                "id": f.id,
                "rule": f.rule,
                "kind": f.kind,
                "severity": f.severity,
                "claims": list(f.claims),
                "message": f.message,
            }
            for f in audit.findings
        ],
    }
    if audit.coverage is not None:
        document["coverage"] = audit.coverage
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_csv(audit: Audit) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["finding", "rule", "kind", "severity", "claims", "message"])
    for f in audit.findings:
        writer.writerow([f.id, f.rule, f.kind, f.severity, ";".join(f.claims), f.message])
    return out.getvalue()


def _summary(audit: Audit) -> dict:
    statuses = [v.status for v in audit.claims.values()]
    literature = [v.literature for v in audit.claims.values() if v.literature is not None]
    return {
        "claims": len(audit.claims),
        "findings": len(audit.findings),
        "by_kind": audit.counts(),
        "by_severity": {s: sum(1 for f in audit.findings if f.severity == s) for s in SEVERITIES},
        "by_status": {s: statuses.count(s) for s in STATUSES},
        "literature": {s: literature.count(s) for s in ("supports", "contradicts", "mixed", "silent")},
    }


def to_markdown(audit: Audit, sources: dict[str, Source] | None = None) -> str:
    sources = sources or {}
    summary = _summary(audit)
    lines = ["# Claims audit", ""]
    lines += [
        f"{summary['claims']} claims, {summary['findings']} findings "
        f"({', '.join(f'{n} {s}' for s, n in summary['by_severity'].items())}).",
        "",
    ]
    lines += ["| finding kind | count |", "| --- | ---: |"]
    lines += [f"| {kind} | {count} |" for kind, count in summary["by_kind"].items()]
    lines += ["", "| claim status | count |", "| --- | ---: |"]
    lines += [f"| {status} | {count} |" for status, count in summary["by_status"].items()]
    lines += _literature_section(audit)
    for kind in sorted(KINDS, key=lambda k: _kind_rank(audit, k)):
        group = [f for f in audit.findings if f.kind == kind]
        if not group:
            continue
        lines += ["", f"## {kind} ({len(group)})", ""]
        for finding in group:
            lines += _finding_block(finding, audit.info, sources)
    if audit.coverage is not None:
        lines += _coverage_section(audit.coverage)
    return "\n".join(lines).rstrip() + "\n"


def _kind_rank(audit: Audit, kind: str) -> tuple[int, int]:
    """Kinds with the most severe findings first, then in the fixed order of KINDS."""
    severities = [SEVERITIES.index(f.severity) for f in audit.findings if f.kind == kind]
    return (min(severities, default=len(SEVERITIES)), KINDS.index(kind))


def _finding_block(finding: Finding, info: dict[str, ClaimInfo], sources: dict[str, Source]) -> list[str]:
    lines = [f"### {finding.severity}: {finding.message}", "", f"Rule `{finding.rule}` · finding `{finding.id}`", ""]
    for claim_id in finding.claims:
        claim = info.get(claim_id)
        if claim is None:
            lines.append(f"- **{claim_id}** (not found in the graph)")
            continue
        lines.append(
            f"- **{claim.id}** {_md(claim.reading())} · source `{claim.source}` · evidence {claim.evidence}"
            + (f" · citation <{claim.citation}>" if claim.citation else " · no citation")
        )
        if claim.quote:
            lines.append(f"  > {_quote_in_sentence(claim, sources.get(claim.source))}")
    lines.append("")
    return lines


def _quote_in_sentence(claim: ClaimInfo, source: Source | None) -> str:
    """The quoted words in bold inside their sentence (or inside the selector's context without the text)."""
    if source is not None and source.text is not None and claim.start is not None:
        text = source.text.text
        spans = sentences(text)
        starts = [s for s, _ in spans]  # sorted, as are the ends: sentences do not overlap
        ends = [e for _, e in spans]
        at = bisect.bisect_right(starts, claim.start) - 1
        first = starts[at] if at >= 0 else 0
        after = bisect.bisect_left(ends, claim.end)
        last = ends[after] if after < len(ends) else len(text)
        before, quoted, after = text[first : claim.start], text[claim.start : claim.end], text[claim.end : last]
    else:
        before, quoted, after = "…" + claim.prefix, claim.quote, claim.suffix + "…"
    return f"{_md(before)}**{_md(quoted).strip()}**{_md(after)}".strip()


def _literature_section(audit: Audit) -> list[str]:
    rows = [(cid, v) for cid, v in audit.claims.items() if v.literature is not None]
    if not any(v.literature != "silent" for _, v in rows):
        return []
    lines = [
        "",
        "## The claims against the literature",
        "",
        "| claim | statement | literature | status | evidence level |",
        "| --- | --- | --- | --- | --- |",
    ]
    for claim_id, verdict in rows:
        lines.append(
            f"| {claim_id} | {_md(audit.info[claim_id].reading())} | {verdict.literature} | "
            f"{verdict.status} | {verdict.evidence_level} |"
        )
    return lines


def _coverage_section(coverage: dict) -> list[str]:
    lines = ["", "## Coverage", ""]
    for key, report in coverage.items():
        lines.append(
            f"`{key}`: {report['covered']} of {report['sentences']} sentences carry a claim; "
            f"{len(report['uncovered'])} uncovered sentences look like claims:"
        )
        lines.append("")
        lines += [
            f"- ({u['start']}–{u['end']}) {_md(u['text'])} — cues: {', '.join(u['cues'])}" for u in report["uncovered"]
        ]
        lines.append("")
    return lines


def _md(text: str) -> str:
    """Plain text made safe for Markdown: no markup, HTML or table breaks can come from user text."""
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return re.sub(r"\s+", " ", text)  # one line; the spaces around the quoted words stay
