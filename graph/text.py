"""Plain-text helpers shared by every step: sentence spans, white-space normalisation, cue words."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import pyoxigraph as ox

_SPACE = re.compile(r"\s+")
# A sentence ends after . ! ? followed by white space (not inside "e.g." style abbreviations that are followed
# by a lower-case word), or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^\sa-z])|\n")


def collapse(text: str) -> str:
    """White space collapsed to single spaces and trimmed."""
    return _SPACE.sub(" ", text).strip()


def short(text: str, width: int = 60) -> str:
    text = collapse(text)
    return text if len(text) <= width else text[: width - 1] + "…"


@lru_cache(maxsize=64)
def sentences(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence of ``text``, white space trimmed; the one sentence splitter of the tool.

    Cached: reports ask again for every quote they show.
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


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentences that hold characters ``start`` to ``end``."""
    spans = sentences(text)
    starts = [s for s, _ in spans]
    ends = [e for _, e in spans]
    first = bisect.bisect_right(starts, start) - 1
    last = bisect.bisect_left(ends, end)
    return (starts[first] if first >= 0 else 0, ends[last] if last < len(ends) else len(text))


@cache
def _cue_pattern(name: str) -> re.Pattern[str]:
    text = resources.files("graph").joinpath("data", name).read_text(encoding="utf-8")
    cues = sorted({line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")})
    alternatives = "|".join(re.escape(cue).replace(r"\ ", r"\s+") for cue in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def cues_in(text: str, name: str = "hedge-cues.txt") -> list[str]:
    """The distinct cues of a cue file (graph/data/NAME) found in ``text`` as whole words, lower-cased,
    in order of first appearance."""
    found = (" ".join(m.group(0).lower().split()) for m in _cue_pattern(name).finditer(text))
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------- quotes in a source text

CONTEXT = 32  # characters of prefix and suffix kept in a TextQuoteSelector

# Straight and typographic quote marks are interchangeable when matching a quote.
_QUOTE_MARKS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
    }
)


@dataclass(frozen=True)
class Span:
    """Where a quote stands in its source: character offsets, end exclusive."""

    start: int
    end: int
    occurrences: int


class SourceText:
    """A source's text, indexed for quote matching that ignores white space and quote style."""

    def __init__(self, text: str):
        self.text = text
        self._normal, self._offsets = _normalise_with_offsets(text)
        self._found: dict[str, Span | None] = {}

    def find(self, quote: str) -> Span | None:
        """The first place the quote stands (and how often it occurs); None when it does not occur."""
        needle = normalise(quote)
        if not needle:
            return None
        if needle not in self._found:  # rows that share a quote share the search
            at = self._normal.find(needle)
            if at < 0:
                self._found[needle] = None
            else:
                occurrences = self._normal.count(needle)
                end = at + len(needle) - 1
                self._found[needle] = Span(self._offsets[at], self._offsets[end] + 1, occurrences)
        return self._found[needle]

    def context(self, span: Span) -> tuple[str, str]:
        return self.text[max(0, span.start - CONTEXT) : span.start], self.text[span.end : span.end + CONTEXT]


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text.translate(_QUOTE_MARKS)).strip()


def _normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalised text plus, for each of its characters, the offset it came from."""
    chars: list[str] = []
    offsets: list[int] = []
    translated = text.translate(_QUOTE_MARKS)
    for i, ch in enumerate(translated):
        if ch.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                offsets.append(i)
            continue
        chars.append(ch)
        offsets.append(i)
    return "".join(chars), offsets


# ---------------------------------------------------------------- citations

DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/[^\s<>\"{}|\\^`]+)$", re.IGNORECASE)
PMID = re.compile(r"^PMID:\s*(\d+)$", re.IGNORECASE)
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def citation_iri(citation: str) -> str | None:
    """The resolvable IRI of a DOI, PMID or URL citation; None when it is none of these (or holds characters
    an IRI cannot)."""
    citation = citation.strip()
    if m := DOI.match(citation):
        iri = "https://doi.org/" + m.group(1)
    elif m := PMID.match(citation):
        iri = f"https://pubmed.ncbi.nlm.nih.gov/{m.group(1)}/"
    elif URL.match(citation):
        iri = citation
    else:
        return None
    try:  # the build writes it as an IRI: whatever the RDF parser would refuse is refused here, at validation
        ox.NamedNode(iri)
    except ValueError:
        return None
    return iri
