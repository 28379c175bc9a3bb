"""Sources: sources/sources.csv, the texts beside it, and finding a quote in a text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .files import read_text
from .problems import Problem, raise_if_errors
from .tables import read_table

KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
PMID = re.compile(r"^PMID:\s*(\d+)$", re.IGNORECASE)
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
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
_SPACE = re.compile(r"\s+")


def citation_iri(citation: str) -> str | None:
    """The resolvable IRI of a DOI, PMID or URL citation; None when it is none of these."""
    citation = citation.strip()
    if m := DOI.match(citation):
        return "https://doi.org/" + m.group(1)
    if m := PMID.match(citation):
        return f"https://pubmed.ncbi.nlm.nih.gov/{m.group(1)}/"
    if URL.match(citation):
        return citation
    return None


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

    def find(self, quote: str) -> Span | None:
        needle = normalise(quote)
        if not needle:
            return None
        at = self._normal.find(needle)
        if at < 0:
            return None
        occurrences = self._normal.count(needle)
        end = at + len(needle) - 1
        return Span(self._offsets[at], self._offsets[end] + 1, occurrences)

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


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    kind: str
    citation: str
    published: str
    line: int
    text: SourceText | None

    @property
    def citation_iri(self) -> str | None:
        return citation_iri(self.citation) if self.citation else None


def load_project_sources(directory: Path) -> dict[str, Source]:
    """The sources of a folder, for showing quotes in context; raises InvalidInput on a bad table."""
    problems: list[Problem] = []
    sources = read_sources(Path(directory), None, problems)
    raise_if_errors(problems)
    return sources


SOURCE_COLUMNS = ("key", "title", "kind")
SOURCE_OPTIONAL = ("citation", "published")


def read_sources(directory: Path, kinds: set[str] | None, problems: list[Problem]) -> dict[str, Source]:
    """Read DIR/sources.csv and the texts DIR/KEY.txt, appending every problem found.

    ``kinds`` is the allowed set of source kinds, or None to skip that check.
    """
    path = Path(directory) / "sources.csv"
    sources: dict[str, Source] = {}
    for row in read_table(path, SOURCE_COLUMNS, SOURCE_OPTIONAL, problems):
        for column in SOURCE_COLUMNS:
            if not row.get(column):
                problems.append(row.problem(column, f"missing value for '{column}'"))
        key, kind, citation = row.get("key"), row.get("kind"), row.get("citation")
        if key and not KEY.match(key):
            problems.append(row.problem("key", f"bad key '{key}': use letters, digits and _.- starting with a letter"))
        if key in sources:
            problems.append(row.problem("key", f"duplicate key '{key}' (first on line {sources[key].line})"))
            continue
        if kind and kinds is not None and kind not in kinds:
            problems.append(row.problem("kind", f"'{kind}' is not a source kind; allowed: {', '.join(sorted(kinds))}"))
        if citation and citation_iri(citation) is None:
            problems.append(row.problem("citation", f"'{citation}' is not a DOI, PMID:n or http(s) URL"))
        text_path = Path(directory) / f"{key}.txt"
        text = SourceText(read_text(text_path, problems)) if key and text_path.is_file() else None
        if key and text is None and not citation:
            problems.append(row.problem("citation", f"source '{key}' has neither a text ({text_path}) nor a citation"))
        sources[key] = Source(key, row.get("title"), kind, citation, row.get("published"), row.line, text)
    return sources
