"""The audit: rules as SPARQL files run over any store, each claim's verdict, the digest, coverage, reports."""

from __future__ import annotations

from pathlib import Path

from ..model import Audit, ClaimView, Finding, claim_views
from ..progress import Progress, Step, quiet
from ..stores import Store
from ..vocab import Vocabulary
from .coverage import coverage, source_texts
from .digest import digest
from .rules import Rule, load_rules
from .runner import DEFAULT_RULE_SECONDS, RuleTimeout, readers_only, run_rules, start_rules
from .verdicts import judge


def run_audit(
    store: Store,
    vocab: Vocabulary,
    rules: list[Rule],
    texts: dict[str, str] | None = None,
    text_dirs: list[Path] | None = None,
    waivers: dict[str, str] | None = None,
    seconds: float | None = DEFAULT_RULE_SECONDS,
    progress: Progress | None = None,
    steps: Step = quiet,
) -> Audit:
    """Run the rules over the store, read every claim back (one query), judge each, rank the digest, and
    measure coverage.

    ``texts`` are the source texts by key (a build has them); otherwise they are looked up as KEY.txt in
    ``text_dirs`` and used only when their hash matches the graph's. ``waivers`` (id → reason) are findings and
    verdicts a reviewer has set aside. ``progress`` counts the rules done; ``steps`` is told each step as it starts.
    """
    with readers_only(store):
        steps("reading every claim back while the rules run")
        running = start_rules(store, rules, seconds, spare=1)  # the rules run in children while ...
        try:
            views = claim_views(store)  # ... this process reads every claim back
        except BaseException:
            running.stop()
            raise
        findings = running.findings(progress)
    steps("judging every claim, ranking the digest, measuring coverage")
    notes: list[str] = []
    if texts is None and text_dirs is not None:
        texts, notes = source_texts(views, text_dirs)
    waived = {k: v for k, v in (waivers or {}).items() if k in {f.id for f in findings} or k.startswith("verdict:")}
    judged = _judged(views, findings, vocab)
    return Audit(
        findings,
        judged,
        vocab,
        coverage(views, texts) if texts else None,
        notes,
        digest(judged, findings, vocab, waived),
        waived,
    )


def _judged(views: list[ClaimView], findings: list[Finding], vocab: Vocabulary) -> list[ClaimView]:
    judgements = judge(views, findings, vocab)
    by_claim: dict[str, list[str]] = {}
    for finding in findings:
        for claim_id in finding.claims:
            by_claim.setdefault(claim_id, []).append(finding.id)
    return [
        v.audited_as(
            verdict=judgements[v.id].verdict,
            reason=judgements[v.id].reason,
            evidence_for=judgements[v.id].evidence_for,
            evidence_against=judgements[v.id].evidence_against,
            evidence_certainty=judgements[v.id].certainty,
            findings=tuple(sorted(by_claim.get(v.id, ()))),
        )
        for v in views
    ]


__all__ = [
    "DEFAULT_RULE_SECONDS", "Audit", "Rule", "RuleTimeout", "load_rules", "run_audit", "run_rules", "start_rules",
]
