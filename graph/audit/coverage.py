"""Coverage: which sentences of each source text no claim's quote touches, and which of those look like claims."""

from __future__ import annotations

import re
from functools import lru_cache

from ..cues import cues_in
from ..sources import Source
from .runner import ClaimInfo

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n")
_QUANTITY = re.compile(r"\d|%")


@lru_cache(maxsize=32)
def sentences(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence: split after . ! ? and at line breaks, white space trimmed.

    Cached: the report asks again for every quote it shows.
    """
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        chunk = text[s:e]
        if chunk.strip():
            s += len(chunk) - len(chunk.lstrip())
            e -= len(chunk) - len(chunk.rstrip())
            trimmed.append((s, e))
    return tuple(trimmed)


def claim_like(sentence: str) -> list[str]:
    """The cues that make an uncovered sentence worth a curator's look: hedges, claim verbs, quantities."""
    cues = cues_in(sentence) + cues_in(sentence, "claim-cues.txt")
    if _QUANTITY.search(sentence):
        cues.append("quantity")
    return cues


def coverage(sources: dict[str, Source], info: dict[str, ClaimInfo]) -> dict[str, dict]:
    """Per source with a text: sentences, how many a quote overlaps, and the uncovered claim-like ones."""
    report: dict[str, dict] = {}
    for key, source in sorted(sources.items()):
        if source.text is None:
            continue
        text = source.text.text
        spans = [(c.start, c.end) for c in info.values() if c.source == key and c.start is not None]
        all_sentences = sentences(text)
        uncovered = []
        covered = 0
        for s, e in all_sentences:
            if any(qs < e and s < qe for qs, qe in spans):
                covered += 1
                continue
            cues = claim_like(text[s:e])
            if cues:
                uncovered.append({"start": s, "end": e, "text": text[s:e], "cues": cues})
        report[key] = {"sentences": len(all_sentences), "covered": covered, "uncovered": uncovered}
    return report
