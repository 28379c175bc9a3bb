"""claims.csv: reading and checking every row against the vocabulary and the sources."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from ..escape import control_free
from ..model import Claim, Source
from ..problems import Problem
from ..text import Span, citation_iri, collapse, short
from ..vocab import Vocabulary
from .sources import KEY
from .tables import Row, read_table

REQUIRED = ("id", "source", "subject", "predicate", "object")
OPTIONAL = ("quote", "polarity", "certainty", "attribution", "evidence", "citation", "supports", "contradicts", "note")
COLUMNS = REQUIRED + OPTIONAL
DEFAULTS = {"polarity": "affirmed", "certainty": "certain", "attribution": "author", "evidence": "none"}
LABEL_COLUMNS = ("subject", "object", "attribution")


def entity_key(label: str) -> str:
    """Labels name the same entity when they match after Unicode compatibility folding (NFKC: full-width
    letters, ligatures), case folding and white space collapsing."""
    return collapse(unicodedata.normalize("NFKC", label)).casefold()


def read_claims(path: Path, vocab: Vocabulary, sources: dict[str, Source], problems: list[Problem]) -> list[Claim]:
    """Read claims.csv and check every row against the vocabulary and the sources."""
    rows = read_table(path, REQUIRED, OPTIONAL, problems)
    _anchor_all(rows, sources)
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
    cells = {c: row.get(c) for c in COLUMNS}
    for column in REQUIRED:
        if not cells[column]:
            problems.append(row.problem(column, f"missing value for '{column}'"))
    if not control_free("\t".join(cells.values())):  # one search per row; tab is allowed, so it separates
        for column in COLUMNS:
            if not control_free(cells[column]):
                problems.append(row.problem(column, "holds a control character (shown escaped above); remove it"))
    values = {c: cells[c] or DEFAULTS.get(c, "") for c in COLUMNS}
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
            problems.append(row.problem(column, f"'{values[column]}' is not allowed; use one of: {allowed.words()}"))
    if values["predicate"]:
        predicate, reason = vocab.resolve(values["predicate"])
        if reason:
            problems.append(row.problem("predicate", reason))
        elif predicate.literal and values["object"] and not _well_typed(values["object"], predicate.datatype):
            problems.append(row.problem("object", f"'{values['object']}' is not a valid {predicate.datatype.value}"))


def _well_typed(text: str, datatype: object) -> bool:
    """Whether ``text`` is a valid lexical form of ``datatype`` (rdflib knows the XSD lexical spaces)."""
    if datatype is None:
        return True
    from rdflib import Literal, URIRef

    return not Literal(text, datatype=URIRef(datatype.value)).ill_typed


def _anchor_all(rows: list[Row], sources: dict[str, Source]) -> None:
    """Anchor every quote of each source text in one pass over the text (linear, however many quotes)."""
    quotes: dict[str, list[str]] = {}
    for row in rows:
        key, quote = row.get("source"), row.get("quote")
        if quote and key in sources and sources[key].text is not None:
            quotes.setdefault(key, []).append(quote)
    for key, found in quotes.items():
        sources[key].text.find_all(found)


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
        problems.append(row.problem("quote", f"quote not found in {key}.txt: '{short(quote)}'"))
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

