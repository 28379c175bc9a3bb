"""Plain-text helpers shared by every step: sentence spans, white-space normalisation, cue words."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib import resources

import numpy as np
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
    starts, ends = _bounds(text)
    first = bisect.bisect_right(starts, start) - 1
    last = bisect.bisect_left(ends, end)
    return (starts[first] if first >= 0 else 0, ends[last] if last < len(ends) else len(text))


@lru_cache(maxsize=64)
def _bounds(text: str) -> tuple[list[int], list[int]]:
    """The starts and the ends of the sentences, for bisection (made once per text, not once per quote)."""
    spans = sentences(text)
    return [s for s, _ in spans], [e for _, e in spans]


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


@dataclass(frozen=True, slots=True)
class Span:
    """Where a quote stands in its source: character offsets, end exclusive."""

    start: int
    end: int
    occurrences: int


class SourceText:
    """A source's text, indexed for quote matching that ignores white space and quote style.

    Many quotes are anchored at once (``find_all``) in time linear in the text and the quotes: each quote's first
    characters are hashed, every window of the text of that length is hashed (numpy, rolling), and only the places
    where the hashes meet are compared. Searching the text once per quote would be quadratic.
    """

    def __init__(self, text: str):
        self.text = text
        self._index: tuple[str, np.ndarray] | None = None
        self._found: dict[str, Span | None] = {}  # normalised quote → where
        self._quotes: dict[str, Span | None] = {}  # quote as written → where

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def _indexed(self) -> tuple[str, np.ndarray]:
        if self._index is None:
            self._index = _normalise_with_offsets(self.text)
        return self._index

    def drop_index(self) -> None:
        """Free the index (8 bytes per character) once the quotes are anchored; a quote looked up later rebuilds it."""
        self._index = None

    def find(self, quote: str) -> Span | None:
        """The first place the quote stands (and how often it occurs); None when it does not occur."""
        if quote in self._quotes:
            return self._quotes[quote]
        needle = normalise(quote)
        if not needle:
            return None
        if needle not in self._found:  # rows that share a quote share the search
            self.find_all([quote])
        return self._found[needle]

    def find_all(self, quotes: Iterable[str]) -> None:
        """Anchor many quotes at once; ``find`` then answers each from what was found."""
        needed: dict[str, str] = {}  # quote → needle
        for quote in quotes:
            if quote not in self._quotes and quote not in needed:
                needed[quote] = normalise(quote)
        needles = {n for n in needed.values() if n and n not in self._found}
        self._anchor(needles)
        for quote, needle in needed.items():
            self._quotes[quote] = self._found[needle] if needle else None

    def _anchor(self, needles: set[str]) -> None:
        if not needles:
            return
        normal, offsets = self._indexed()
        few = len(needles) <= _FEW  # each looked up with str.find, no index to build
        places = {n: _occurrences(normal, n) for n in needles} if few else _find_many(normal, needles)
        for needle, found in places.items():
            if not found:
                self._found[needle] = None
                continue
            count, last_end = 0, -1
            for at in found:  # non-overlapping occurrences, counted left to right like str.count
                if at >= last_end:
                    count += 1
                    last_end = at + len(needle)
            at = found[0]
            self._found[needle] = Span(int(offsets[at]), int(offsets[at + len(needle) - 1]) + 1, count)

    def context(self, span: Span) -> tuple[str, str]:
        return self.text[max(0, span.start - CONTEXT) : span.start], self.text[span.end : span.end + CONTEXT]


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text.translate(_QUOTE_MARKS)).strip()


_FEW = 8  # up to this many quotes, each is looked up with str.find (linear in the text, no index to build)
_WHITESPACE = np.array([chr(c).isspace() for c in range(0x3001)])  # U+3000 is the last white space character


def _normalise_with_offsets(text: str) -> tuple[str, np.ndarray]:
    """Normalised text (quote marks unified, white space runs as one space, leading space dropped) plus, for each
    of its characters, the offset in ``text`` it came from."""
    codes = np.frombuffer(text.translate(_QUOTE_MARKS).encode("utf-32-le"), dtype=np.uint32)
    if not len(codes):
        return "", np.zeros(0, dtype=np.int64)
    space = _WHITESPACE[np.minimum(codes, len(_WHITESPACE) - 1)] & (codes < len(_WHITESPACE))
    keep = ~space
    keep[1:] |= space[1:] & ~space[:-1]  # the first white space character of a run after some text
    offsets = np.flatnonzero(keep)
    kept = codes[offsets]
    kept[space[offsets]] = ord(" ")
    return kept.tobytes().decode("utf-32-le"), offsets


def _occurrences(normal: str, needle: str) -> list[int]:
    found, at = [], normal.find(needle)
    while at >= 0:
        found.append(at)
        at = normal.find(needle, at + 1)
    return found


_K = 32  # characters of each quote that are hashed
_BLOCK = 1 << 22  # text positions hashed at once (bounded memory for any text size)
_RADIX = np.uint64(0x9E3779B97F4A7C15)
_FILTER = 1 << 24


def _find_many(normal: str, needles: set[str]) -> dict[str, list[int]]:
    """Every start of every needle in ``normal``, by hashing each needle's first k characters and every window
    of the text of that length (a polynomial hash mod 2^64, rolled with numpy): linear in text and needles."""
    found: dict[str, list[int]] = {n: [] for n in needles}
    powers = _powers(_BLOCK + _K)
    tables = []  # per prefix length k: the sorted prefix hashes, and the needles of each hash
    by_length: dict[int, list[str]] = {}
    for needle in needles:
        by_length.setdefault(min(len(needle), _K), []).append(needle)
    for k, group in sorted(by_length.items()):
        codes = np.frombuffer("".join(n[:k] for n in group).encode("utf-32-le"), dtype=np.uint32)
        hashes = (codes.reshape(len(group), k).astype(np.uint64) * powers[:k]).sum(axis=1, dtype=np.uint64)
        table: dict[int, list[str]] = {}
        for value, needle in zip(hashes.tolist(), group, strict=True):
            table.setdefault(value, []).append(needle)
        seen = np.zeros(_FILTER, dtype=bool)  # a one-hash Bloom filter: most windows are ruled out by one lookup
        seen[(hashes & np.uint64(_FILTER - 1)).astype(np.int64)] = True
        tables.append((k, np.unique(hashes), seen, table))
    text = np.frombuffer(normal.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    inverse = _powers(_BLOCK + _K, inverse=True)
    for begin in range(0, len(text), _BLOCK):
        block = text[begin : begin + _BLOCK + _K - 1]
        sums = np.zeros(len(block) + 1, dtype=np.uint64)
        np.cumsum(block * powers[: len(block)], out=sums[1:])
        for k, wanted, seen, table in tables:
            windows = min(_BLOCK, len(block) - k + 1)
            if windows <= 0:
                continue
            hashes = (sums[k : k + windows] - sums[:windows]) * inverse[:windows]
            maybe = np.flatnonzero(seen[(hashes & np.uint64(_FILTER - 1)).astype(np.int64)])
            where = np.minimum(np.searchsorted(wanted, hashes[maybe]), len(wanted) - 1)
            for at in maybe[wanted[where] == hashes[maybe]].tolist():
                for needle in table[int(hashes[at])]:
                    if normal.startswith(needle, begin + at):
                        found[needle].append(begin + at)
    return found


@cache
def _powers(n: int, inverse: bool = False) -> np.ndarray:
    """RADIX^i (or its inverse mod 2^64) for i < n, wrapping mod 2^64."""
    radix = np.uint64(pow(int(_RADIX), -1, 1 << 64)) if inverse else _RADIX
    powers = np.full(n, radix, dtype=np.uint64)
    powers[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(powers, dtype=np.uint64)


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
