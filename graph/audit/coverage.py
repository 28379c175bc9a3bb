"""Coverage: which sentences of each source text no claim's quote touches, and which of those look like claims.

The texts are the ones the graph names: a build records each text's SHA-256, and coverage uses a text only
when its hash matches, saying so when a text is missing or has changed since the build.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from pathlib import Path

from ..model import ClaimView
from ..text import cues_in, sentences

_QUANTITY = re.compile(r"\d|%")


def claim_like(sentence: str) -> list[str]:
    """The cues that make an uncovered sentence worth a curator's look: hedges, claim verbs, quantities."""
    cues = cues_in(sentence) + cues_in(sentence, "claim-cues.txt")
    if _QUANTITY.search(sentence):
        cues.append("quantity")
    return cues


def source_texts(views: list[ClaimView], directories: list[Path]) -> tuple[dict[str, str], list[str]]:
    """The texts of the graph's sources found as KEY.txt in ``directories`` with the hash the graph records,
    and a note for each text that is missing or changed."""
    wanted = {v.source: v.source_sha256 for v in views if v.source_sha256}
    texts, notes = {}, []
    for key, digest in sorted(wanted.items()):
        candidates = [d / f"{key}.txt" for d in directories if (d / f"{key}.txt").is_file()]
        match = next((p for p in candidates if _sha256(p) == digest), None)
        if match is not None:
            texts[key] = match.read_bytes().decode("utf-8").removeprefix("\ufeff")
        elif candidates:
            changed = f"{candidates[0]} has changed since the build (its SHA-256 differs)"
            notes.append(f"{changed}: coverage of '{key}' skipped")
        else:
            looked = ", ".join(str(d) for d in directories) or "no folder"
            notes.append(f"the text of '{key}' was not found (looked in {looked}): coverage of '{key}' skipped")
    return texts, notes


def _sha256(path: Path) -> str:
    text = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()  # the build hashes the text it read, without a BOM


def coverage(views: list[ClaimView], texts: dict[str, str]) -> dict[str, dict]:
    """Per source text: sentences, how many a quote overlaps, and the uncovered claim-like ones."""
    spans_by_source: dict[str, list[tuple[int, int]]] = {}
    for v in views:
        if v.start is not None and v.end is not None:
            spans_by_source.setdefault(v.source, []).append((v.start, v.end))
    report: dict[str, dict] = {}
    for key, text in sorted(texts.items()):
        all_sentences = sentences(text)
        covered = _covered(all_sentences, spans_by_source.get(key, []))
        uncovered = []
        for number, (s, e) in enumerate(all_sentences):
            if number not in covered and (cues := claim_like(text[s:e])):
                uncovered.append({"start": s, "end": e, "text": text[s:e], "cues": cues})
        report[key] = {"sentences": len(all_sentences), "covered": len(covered), "uncovered": uncovered}
    return report


def _covered(spans: tuple[tuple[int, int], ...], quotes: list[tuple[int, int]]) -> set[int]:
    """Indices of the sentences some quote overlaps (by bisection: linear in quotes and sentences)."""
    ends = [e for _, e in spans]
    covered: set[int] = set()
    for qs, qe in quotes:
        at = bisect.bisect_right(ends, qs)  # the first sentence ending after the quote starts
        while at < len(spans) and spans[at][0] < qe:
            covered.add(at)
            at += 1
    return covered
