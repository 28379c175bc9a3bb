"""sources/sources.csv and the source texts beside it."""

from __future__ import annotations

import re
from pathlib import Path

from ..files import read_text
from ..model import Source
from ..problems import Problem
from ..text import SourceText, citation_iri
from ..vocab import Vocabulary
from .tables import Row, read_table

KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
REQUIRED = ("key", "title", "kind")
OPTIONAL = ("citation", "published", "participants", "risk_of_bias", "conflict_of_interest")


def read_sources(directory: Path, vocab: Vocabulary | None, problems: list[Problem]) -> dict[str, Source]:
    """Read DIR/sources.csv and the texts DIR/KEY.txt, appending every problem found.

    ``vocab`` gives the allowed source kinds, risks of bias and conflicts of interest; None skips those checks
    (the ontology itself failed to load).
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
        if vocab is not None:
            _check_values(row, vocab, problems)
        if citation and citation_iri(citation) is None:
            problems.append(row.problem("citation", f"'{citation}' is not a DOI, PMID:n or http(s) URL"))
        text_path = Path(directory) / f"{key}.txt"
        text = None
        if valid_key and text_path.is_file():  # a bad key is never used as a file name
            text = SourceText(read_text(text_path, problems))
        if valid_key and text is None and not citation:
            problems.append(row.problem("citation", f"source '{key}' has neither a text ({text_path}) nor a citation"))
        sources[key] = Source(
            key,
            row.get("title"),
            kind,
            citation,
            row.get("published"),
            row.line,
            text,
            _participants(row, problems),
            row.get("risk_of_bias"),
            row.get("conflict_of_interest"),
        )
    return sources


def _check_values(row: Row, vocab: Vocabulary, problems: list[Problem]) -> None:
    for column, allowed, what in (
        ("kind", vocab.source_kinds, "a source kind"),
        ("risk_of_bias", vocab.values["RiskOfBias"], "a risk of bias"),
        ("conflict_of_interest", vocab.values["ConflictOfInterest"], "a conflict-of-interest value"),
    ):
        value = row.get(column)
        if value and value not in allowed:
            problems.append(row.problem(column, f"'{value}' is not {what}; allowed: {allowed.words()}"))


def _participants(row: Row, problems: list[Problem]) -> int | None:
    value = row.get("participants")
    if not value:
        return None
    if not value.isdigit():
        problems.append(row.problem("participants", f"'{value}' is not a number of people (write digits only)"))
        return None
    return int(value)
