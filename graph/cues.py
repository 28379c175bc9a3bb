"""Cue words found in text: the hedges that lower a sentence's certainty."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def _cue_pattern(name: str) -> re.Pattern[str]:
    text = resources.files("graph").joinpath("data", name).read_text(encoding="utf-8")
    cues = sorted({line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")})
    alternatives = "|".join(re.escape(cue).replace(r"\ ", r"\s+") for cue in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def cues_in(text: str, name: str = "hedge-cues.txt") -> list[str]:
    """The distinct cues of a cue file found in ``text``, lower-cased, in order of first appearance."""
    found = (" ".join(m.group(0).lower().split()) for m in _cue_pattern(name).finditer(text))
    return list(dict.fromkeys(found))
