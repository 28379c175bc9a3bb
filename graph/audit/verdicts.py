"""Each claim's standing, judged from its findings and the claims that support or contradict it."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import ClaimView, Finding


@dataclass(frozen=True)
class Standing:
    status: str  # contested, unsupported, weakly-supported, supported
    evidence_level: str  # the strongest traceable evidence behind the claim
    literature: str  # supports / contradicts / mixed / silent for claims of audited texts; "" otherwise


def judge(views: list[ClaimView], findings: list[Finding]) -> dict[str, Standing]:
    info = {v.id: v for v in views}
    supporters: dict[str, set[str]] = {}
    for view in views:
        for target in view.supports:
            supporters.setdefault(target, set()).add(view.id)
    contested = {claim for f in findings if f.kind == "contradiction" for claim in f.claims}
    standings = {}
    for view in views:
        backers = [info[s] for s in sorted(supporters.get(view.id, ())) if s in info]
        cited_backers = [b for b in backers if b.citation]
        own_counts = bool(view.citation) or not view.traceable
        levels = [(view.evidence_rank, view.evidence)] if own_counts else [(0, "none")]
        levels += [(b.evidence_rank, b.evidence) for b in cited_backers]
        if view.id in contested:
            status = "contested"
        elif view.citation or cited_backers:
            status = "supported"
        elif view.evidence_rank > 0 or backers:
            status = "weakly-supported"
        else:
            status = "unsupported"
        standings[view.id] = Standing(status, max(levels)[1], _literature(view, info, backers))
    return standings


def _literature(view: ClaimView, info: dict[str, ClaimView], backers: list[ClaimView]) -> str:
    """How published sources stand on a claim of an audited text; empty for claims of other sources."""
    if not view.audited:
        return ""
    supported = any(b.published and b.source != view.source for b in backers)
    contradicted = any(
        info[o].published and info[o].source != view.source for o in view.contradicts if o in info
    )
    return {(True, True): "mixed", (True, False): "supports", (False, True): "contradicts"}.get(
        (supported, contradicted), "silent"
    )
