"""Each claim's verdict: which side of a conflict the evidence favours, how certain that evidence is, and why.

Evidence is the literature: claims of sources with a citation or of an evidence-source kind, linked to a claim by
``supports`` or ``contradicts`` (or found in conflict by a rule). Its certainty is rated GRADE-style from the
ontology: the evidence kind's starting level (cg:gradeStart), minus one level each for a high risk of bias, a
conflict of interest, fewer than 400 participants (imprecision) and a different subject (indirectness); never
above what the literature claim's own wording says (a review that concludes "may" is at most low certainty).

A claim stated more certainly than its best evidence warrants is overstated: high certainty allows a flat
statement, moderate "probably", low "may" (GRADE's informative statements). A hedged claim is allowed one
step of slack; a harm disclosure, a use report or background is never overstated or unsupported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..model import ClaimView, Finding
from ..vocab import Vocabulary

OPTIMAL_INFORMATION_SIZE = 400  # participants below which GRADE downgrades for imprecision (rule of thumb)
TOPICS = ("efficacy", "safety", "harm", "mechanism", "use")  # the order reviewers read them in; then background


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason: str
    evidence_for: tuple[str, ...] = ()
    evidence_against: tuple[str, ...] = ()
    certainty: str = ""  # GRADE level of the best evidence for the claim


@cache
def neutral_judgements() -> frozenset[str]:
    text = resources.files("graph").joinpath("data", "neutral-judgements.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def topic(view: ClaimView) -> str:
    """What a claim is about, for ranking: the first of its aspects in reading order, else background."""
    return next((t for t in TOPICS if t in view.aspects), "background")


class Judge:
    """Verdicts for every claim of the texts under audit, from the claims' links and the rules' conflicts."""

    def __init__(self, views: list[ClaimView], findings: Iterable[Finding], vocab: Vocabulary):
        self.views = {v.id: v for v in views}
        self.vocab = vocab
        self.supporters: dict[str, set[str]] = {}
        self.opponents: dict[str, set[str]] = {}
        for view in views:
            for target in view.supports:
                self.supporters.setdefault(target, set()).add(view.id)
            for target in view.contradicts:
                self._oppose(view.id, target)
        for finding in findings:  # a conflict a rule found counts like a curated one
            if finding.kind == "contradiction" and len(finding.claims) == 2:
                self._oppose(*finding.claims)

    def _oppose(self, a: str, b: str) -> None:
        if b in self.supporters.get(a, ()) or a in self.supporters.get(b, ()):
            return  # claims linked by supports never contradict each other
        self.opponents.setdefault(a, set()).add(b)
        self.opponents.setdefault(b, set()).add(a)

    # ---------------------------------------------------------------- certainty of evidence

    def grade(self, evidence: ClaimView, about: ClaimView | None = None) -> int:
        """GRADE rank (1 very low … 4 high; 0 no evidence) of a literature claim, as evidence about ``about``."""
        kind = self.vocab.evidence.get(evidence.evidence)
        level = kind.number("gradeStart") if kind else 0
        if level == 0:
            return 0
        if evidence.source_participants is not None and evidence.source_participants < OPTIMAL_INFORMATION_SIZE:
            level -= 1
        for values, notation in (
            (self.vocab.values["RiskOfBias"], evidence.source_risk_of_bias),
            (self.vocab.values["ConflictOfInterest"], evidence.source_conflict),
        ):
            if notation in values:
                level -= values[notation].number("downgrade")
        if about is not None and evidence.subject_iri != about.subject_iri:
            level -= 1  # indirectness: evidence about another subject
        return max(1, min(level, evidence.certainty_rank + 1))

    def own_grade(self, view: ClaimView) -> int:
        """A claim that cites its evidence carries it: the evidence kind's starting level, capped by its wording."""
        kind = self.vocab.evidence.get(view.evidence)
        if not view.citation or kind is None or kind.number("gradeStart") == 0:
            return 0
        return min(kind.number("gradeStart"), view.certainty_rank + 1)

    def _grade_name(self, rank: int) -> str:
        value = self.vocab.grade(rank)
        return value.notation if value is not None else ""

    # ---------------------------------------------------------------- verdicts

    def judge(self, view: ClaimView) -> Judgement:
        if view.literature:  # the evidence itself: rated, not judged
            return Judgement("", "", certainty=self._grade_name(self.grade(view)))
        others = [self.views[i] for i in sorted(self.opponents.get(view.id, ())) if i in self.views]
        backers = [self.views[i] for i in sorted(self.supporters.get(view.id, ())) if i in self.views]
        evidence_for = [b for b in backers if b.literature and not b.absence]
        against = [o for o in others if o.literature and not o.absence]
        absent = [o for o in others if o.absence]
        internal = [o for o in others if o.judged]
        strength_for = self._strength(evidence_for, view, own=self.own_grade(view))
        strength_against = self._strength(against, view)
        certainty = self._grade_name(strength_for[0])
        ids_for = tuple(b.id for b in evidence_for)
        ids_against = tuple(o.id for o in against)

        def verdict(name: str, reason: str) -> Judgement:
            return Judgement(name, reason, ids_for, ids_against, certainty)

        if against and strength_against > strength_for:
            return verdict("contradicted-by-evidence", self._contradicted(against, evidence_for, view))
        if against and strength_against == strength_for:
            sides = self._sides(evidence_for, against, view)
            return verdict("mixed", f"Evidence of the same strength on both sides: {sides}.")
        if not against and internal and strength_for[0] == 0:
            favoured = [o for o in internal if self._strength(self._for(o), o)[0] > 0]
            if favoured:
                names = ", ".join(o.id for o in favoured)
                backing = "; ".join(self._describe(e, favoured[0]) for e in self._for(favoured[0]))
                return verdict(
                    "contradicted-by-evidence",
                    f"Contradicts {names} of the same text, which the evidence favours ({backing}).",
                )
            names = ", ".join(o.id for o in internal)
            reason = f"Contradicts {names} of the same text, and no evidence settles which is right."
            return verdict("inconsistent", reason)
        if strength_for[0] > 0:
            return self._backed(view, evidence_for, against, strength_for[0], verdict)
        return verdict(*self._unbacked(view, absent))

    def _for(self, view: ClaimView) -> list[ClaimView]:
        backers = [self.views[i] for i in sorted(self.supporters.get(view.id, ())) if i in self.views]
        return [b for b in backers if b.literature and not b.absence]

    def _strength(self, evidence: list[ClaimView], about: ClaimView, own: int = 0) -> tuple[int, int]:
        """(best GRADE rank, number of distinct sources at that rank): the stronger side of a conflict has the
        better evidence, or as good evidence from more independent sources."""
        ranks = [(self.grade(e, about), e.source) for e in evidence] + ([(own, about.source)] if own else [])
        best = max((r for r, _ in ranks), default=0)
        return best, len({s for r, s in ranks if r == best}) if best else 0

    def _backed(self, view: ClaimView, evidence_for, against, best: int, verdict) -> Judgement:
        warranted = best - 1  # high → certain (3), moderate → probable (2), low → possible (1), very low → doubtful
        gap = view.certainty_rank - warranted
        top = max((v.rank or 0 for v in self.vocab.certainty.values()), default=3)
        slack = 0 if view.certainty_rank >= top else 1  # a hedged claim gets one step of slack
        grade = self.vocab.grade(best)
        if self._favourable(view) and gap > slack:
            allowed = next((v.label for v in self.vocab.certainty.values() if v.rank == warranted), "doubtful")
            best_source = self._design(self._best(evidence_for, view)) if evidence_for else "its own citation"
            return verdict(
                "overstated",
                f"Stated as {view.certainty}, but the best evidence for it, {best_source}, is of {grade.label} "
                f"certainty, which warrants no more than '{allowed}'.",
            )
        backing = self._list(evidence_for, view) if evidence_for else f"its own citation ({view.citation})"
        against_note = f"; against it: {self._list(against, view)}" if against else ""
        return verdict("supported", f"Backed by {backing}{against_note}.")

    def _unbacked(self, view: ClaimView, absent: list[ClaimView]) -> tuple[str, str]:
        if not self._needs_evidence(view):
            return "not-assessed", f"{self._kind_of(view)}: needs no evidence, and none contradicts it."
        about = topic(view)
        if absent:
            return "unsupported", (
                f"A claim about {about} with nothing traceable behind it, and {absent[0].source} found no evidence "
                "for it (absence of evidence, not evidence against)."
            )
        kind = self.vocab.evidence.get(view.evidence)
        if kind is not None and (kind.rank or 0) > 0 and not kind.flag("traceable"):
            return "unsupported", (
                f"A claim about {about} whose only backing is {kind.label} ({view.attribution}), no study."
            )
        if view.evidence_rank > 0 and not view.citation:
            invoked = kind.label if kind else view.evidence
            return "unsupported", f"A claim about {about} that invokes {invoked} but cites none."
        return "unsupported", f"A claim about {about} with nothing traceable behind it: no citation, no study."

    def _needs_evidence(self, view: ClaimView) -> bool:
        aspects = self.vocab.values["ClaimAspect"]
        return any(aspects[a].flag("needsEvidence") for a in view.aspects if a in aspects)

    def _favourable(self, view: ClaimView) -> bool:
        """A claim that the intervention works, is safe, or works by a mechanism (what overstatement is about)."""
        neutral = view.object.strip().lower() in neutral_judgements()
        return self._needs_evidence(view) and not view.negated and not neutral

    def _kind_of(self, view: ClaimView) -> str:
        return {"harm": "A harm disclosure", "use": "A report of use"}.get(topic(view), "Background")

    def _best(self, evidence: list[ClaimView], about: ClaimView) -> ClaimView:
        return max(evidence, key=lambda e: (self.grade(e, about), e.id))

    def _design(self, evidence: ClaimView) -> str:
        kind = self.vocab.evidence.get(evidence.evidence)
        return f"{evidence.source} ({kind.label if kind else evidence.evidence})"

    def _describe(self, evidence: ClaimView, about: ClaimView | None = None) -> str:
        kind = self.vocab.evidence.get(evidence.evidence)
        design = kind.label if kind else evidence.evidence
        grade = self.vocab.grade(self.grade(evidence, about))
        return f"{evidence.source} ({design}{', ' + grade.label + ' certainty' if grade else ''})"

    def _list(self, evidence: list[ClaimView], about: ClaimView, most: int = 3) -> str:
        ranked = sorted(evidence, key=lambda e: (-self.grade(e, about), e.id))
        names = list(dict.fromkeys(self._describe(e, about) for e in ranked))
        shown = names[:most]
        if len(names) > most:
            return ", ".join(shown) + f" and {len(names) - most} more"
        return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else "".join(shown)

    def _sides(self, evidence_for, against, about) -> str:
        backing = self._list(evidence_for, about) if evidence_for else f"its own citation ({about.citation})"
        return f"for, {backing}; against, {self._list(against, about)}"

    def _contradicted(self, against, evidence_for, about) -> str:
        if evidence_for or about.citation:
            backing = self._list(evidence_for, about) if evidence_for else f"its own citation ({about.citation})"
            return f"Contradicted by stronger evidence, {self._list(against, about)}; only {backing} supports it."
        return f"Contradicted by {self._list(against, about)}."


def judge(views: list[ClaimView], findings: Iterable[Finding], vocab: Vocabulary) -> dict[str, Judgement]:
    """Every claim's judgement (literature claims get only the certainty of their evidence)."""
    judge_ = Judge(views, findings, vocab)
    return {v.id: judge_.judge(v) for v in views}
