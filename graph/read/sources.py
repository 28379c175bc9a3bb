"""sources/sources.csv and the source texts beside it."""

from __future__ import annotations

import re
from pathlib import Path

from ..files import read_text
from ..model import Source
from ..problems import Problem
from ..text import SourceText, citation_iri
from .tables import read_table

KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
REQUIRED = ("key", "title", "kind")
OPTIONAL = ("citation", "published")


def read_sources(directory: Path, kinds: set[str] | None, problems: list[Problem]) -> dict[str, Source]:
    """Read DIR/sources.csv and the texts DIR/KEY.txt, appending every problem found.

    ``kinds`` is the allowed set of source kinds, or None to skip that check.
    """
    path = Path(directory) / "sources.csv"
    sources: dict[str, Source] = {}
    for row in read_table(path, REQUIRED, OPTIONAL, problems):
        for column in REQUIRED:
            if not row.get(column):
                problems.append(row.problem(column, f"missing value for '{column}'"))
        key, kind, citation = row.get("key"), row.get("kind"), row.get("citation")
        valid_key = bool(key and KEY.match(key))
        if key and not valid_key:
            problems.append(row.problem("key", f"bad key '{key}': use letters, digits and _.- starting with a letter"))
        if key in sources:
            problems.append(row.problem("key", f"duplicate key '{key}' (first on line {sources[key].line})"))
            continue
        if kind and kinds is not None and kind not in kinds:
            problems.append(row.problem("kind", f"'{kind}' is not a source kind; allowed: {', '.join(sorted(kinds))}"))
        if citation and citation_iri(citation) is None:
            problems.append(row.problem("citation", f"'{citation}' is not a DOI, PMID:n or http(s) URL"))
        text_path = Path(directory) / f"{key}.txt"
        text = None
        if valid_key and text_path.is_file():  # a bad key is never used as a file name
            text = SourceText(read_text(text_path, problems))
        if valid_key and text is None and not citation:
            problems.append(row.problem("citation", f"source '{key}' has neither a text ({text_path}) nor a citation"))
        sources[key] = Source(key, row.get("title"), kind, citation, row.get("published"), row.line, text)
    return sources
