"""The Claim record, and reading and validating claims.csv into Claims."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal

from .problems import Problem
from .sources import KEY, Source, Span, citation_iri
from .tables import Row, read_table
from .vocab import Vocabulary

REQUIRED = ("id", "source", "subject", "predicate", "object")
OPTIONAL = ("quote", "polarity", "certainty", "attribution", "evidence", "citation", "supports", "contradicts", "note")
COLUMNS = REQUIRED + OPTIONAL
DEFAULTS = {"polarity": "affirmed", "certainty": "certain", "attribution": "author", "evidence": "none"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Claim:
    """One row of claims.csv, validated; ``anchor`` is where the quote stands in the source text."""

    id: str
    source: str
    subject: str
    predicate: str
    object: str
    quote: str = ""
    polarity: str = "affirmed"
    certainty: str = "certain"
    attribution: str = "author"
    evidence: str = "none"
    citation: str = ""
    supports: tuple[str, ...] = ()
    contradicts: tuple[str, ...] = ()
    note: str = ""
    line: int = 0
    anchor: Span | None = field(default=None, compare=False)

    def row(self) -> dict[str, str]:
        """The claim as a claims.csv row (the inverse of reading one)."""
        return {
            "id": self.id,
            "source": self.source,
            "subject": self.subject,
            "predicate": self.predicate,
            "object": self.object,
            "quote": self.quote,
            "polarity": self.polarity,
            "certainty": self.certainty,
            "attribution": self.attribution,
            "evidence": self.evidence,
            "citation": self.citation,
            "supports": ";".join(self.supports),
            "contradicts": ";".join(self.contradicts),
            "note": self.note,
        }


def entity_key(label: str) -> str:
    """Labels name the same entity when they match case-insensitively with white space collapsed."""
    return _SPACE.sub(" ", label).strip().casefold()


def read_claims(path: Path, vocab: Vocabulary, sources: dict[str, Source], problems: list[Problem]) -> list[Claim]:
    """Read claims.csv and check every row against the vocabulary and the sources."""
    rows = read_table(path, REQUIRED, OPTIONAL, problems)
    first_line: dict[str, int] = {}
    claims = []
    for row in rows:
        claim = _claim_from_row(row, vocab, sources, problems)
        if claim.id in first_line:
            problems.append(row.problem("id", f"duplicate id '{claim.id}' (first on line {first_line[claim.id]})"))
            continue
        if claim.id:
            first_line[claim.id] = row.line
        claims.append(claim)
    _check_links(claims, rows, first_line, problems)
    return claims


def _claim_from_row(row: Row, vocab: Vocabulary, sources: dict[str, Source], problems: list[Problem]) -> Claim:
    for column in REQUIRED:
        if not row.get(column):
            problems.append(row.problem(column, f"missing value for '{column}'"))
    values = {c: row.get(c) or DEFAULTS.get(c, "") for c in COLUMNS}
    if values["id"] and not KEY.match(values["id"]):
        problems.append(
            row.problem("id", f"bad id '{values['id']}': use letters, digits and _.- starting with a letter")
        )
    if values["citation"] and citation_iri(values["citation"]) is None:
        problems.append(row.problem("citation", f"'{values['citation']}' is not a DOI, PMID:n or http(s) URL"))
    if vocab.complete:  # with a broken ontology every value would look unknown
        _check_vocabulary(row, values, vocab, problems)
    anchor = _anchor(row, values, sources, problems)
    return Claim(
        **{c: values[c] for c in COLUMNS if c not in ("supports", "contradicts")},
        supports=_ids(values["supports"]),
        contradicts=_ids(values["contradicts"]),
        line=row.line,
        anchor=anchor,
    )


def _check_vocabulary(row: Row, values: dict[str, str], vocab: Vocabulary, problems: list[Problem]) -> None:
    for column, allowed in (("polarity", vocab.polarity), ("certainty", vocab.certainty), ("evidence", vocab.evidence)):
        if values[column] not in allowed:
            problems.append(
                row.problem(column, f"'{values[column]}' is not allowed; use one of: {', '.join(sorted(allowed))}")
            )
    if values["predicate"]:
        predicate, reason = vocab.resolve(values["predicate"])
        if reason:
            problems.append(row.problem("predicate", reason))
        elif (
            predicate.literal and values["object"] and Literal(values["object"], datatype=predicate.datatype).ill_typed
        ):
            problems.append(row.problem("object", f"'{values['object']}' is not a valid {predicate.datatype}"))


def _anchor(row: Row, values: dict[str, str], sources: dict[str, Source], problems: list[Problem]) -> Span | None:
    key, quote = values["source"], values["quote"]
    if not key:
        return None
    source = sources.get(key)
    if source is None:
        known = ", ".join(sorted(sources)) or "none"
        problems.append(row.problem("source", f"unknown source '{key}' (sources.csv has: {known})"))
        return None
    if source.text is None:
        return None
    if not quote:
        problems.append(row.problem("quote", f"missing quote: source '{key}' has a text, so the claim must quote it"))
        return None
    span = source.text.find(quote)
    if span is None:
        problems.append(row.problem("quote", f"quote not found in {key}.txt: '{_short(quote)}'"))
    elif span.occurrences > 1:
        problems.append(
            row.problem(
                "quote",
                f"quote occurs {span.occurrences} times in {key}.txt; anchored at the first "
                f"(character {span.start}); lengthen it to make it unique",
                severity="warning",
            )
        )
    return span


def _check_links(claims: list[Claim], rows: list[Row], ids: dict[str, int], problems: list[Problem]) -> None:
    by_line = {row.line: row for row in rows}
    for claim in claims:
        for column in ("supports", "contradicts"):
            for target in getattr(claim, column):
                if target == claim.id:
                    problems.append(
                        by_line[claim.line].problem(column, f"claim '{claim.id}' cannot {column[:-1]} itself")
                    )
                elif target not in ids:
                    problems.append(by_line[claim.line].problem(column, f"unknown claim id '{target}'"))


def _ids(cell: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in cell.split(";") if part.strip()))


def _short(text: str, width: int = 60) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= width else text[: width - 1] + "…"
