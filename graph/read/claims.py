"""claims.csv: reading and checking every row against the vocabulary and the sources."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path

from ..escape import control_free
from ..model import Claim, Source
from ..problems import Problem
from ..text import Span, citation_iri, collapse, cues_in, short
from ..vocab import Vocabulary
from .labels import label_problems, skeleton
from .sources import KEY
from .tables import Row, read_table

REQUIRED = ("id", "source", "subject", "predicate", "object")
OPTIONAL = ("quote", "polarity", "certainty", "attribution", "evidence", "citation", "supports", "contradicts", "note")
COLUMNS = REQUIRED + OPTIONAL
DEFAULTS = {"polarity": "affirmed", "certainty": "certain", "attribution": "author", "evidence": "none"}
LABEL_COLUMNS = ("subject", "object", "attribution")
MAX_KEPT = 1000  # problems kept per table; a table with a million bad rows is counted, not listed


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
    found: list[Problem] = []  # this table's problems: the first MAX_KEPT are kept, the rest only counted
    counted = 0
    shared: dict[str, str] = {}  # one string object per recurring value (see _claim_from_row)
    for row in rows:
        row_problems: list[Problem] = []
        claim = _claim_from_row(row, vocab, sources, row_problems, shared)
        duplicate = claim.id in first_line
        if duplicate:
            row_problems.append(row.problem("id", f"duplicate id '{claim.id}' (first on line {first_line[claim.id]})"))
        elif claim.id:
            first_line[claim.id] = row.line
        if len(found) < MAX_KEPT:
            found += row_problems
        else:
            counted += sum(1 for p in row_problems if p.severity == "error")
        if not duplicate:
            claims.append(claim)
    problems += found
    if counted:
        message = f"{counted:,} more problem(s) in this table, counted but not listed"
        problems.append(Problem(str(path), 0, "", message, more=counted - 1))
    _check_links(claims, rows, first_line, problems)
    _check_look_alikes(rows, problems)
    return claims


def _check_look_alikes(rows: list[Row], problems: list[Problem]) -> None:
    """Labels that could be mistaken for another: invisible characters (errors), compatibility forms and mixed
    scripts (warnings), and two different labels that look the same (a warning naming the first one)."""
    seen: dict[str, tuple[str, str, int]] = {}  # skeleton -> (entity key, label, line) of its first spelling
    shapes: dict[str, tuple[str, str]] = {}  # label -> (entity key, skeleton): each label is checked once
    for row in rows:
        for column in LABEL_COLUMNS:
            label = row.get(column)
            if not label:
                continue
            known = shapes.get(label)
            if known is None:
                for severity, message in label_problems(label):
                    problems.append(row.problem(column, message, severity=severity))
                known = shapes[label] = (entity_key(label), skeleton(collapse(label)))
            key, shape = known
            first = seen.setdefault(shape, (key, label, row.line))
            if first[0] != key:
                problems.append(
                    row.problem(
                        column,
                        f"'{label}' looks like '{first[1]}' (line {first[2]}) but is a different label, so it "
                        "names a different entity; write it the same way if it is the same",
                        severity="warning",
                    )
                )


# Columns whose values recur from claim to claim: the claims share one string object per value instead of one per
# cell (the claims of a 1,000,000-claim table hold gigabytes until the build is done).
_SHARED = ("source", "subject", "predicate", "object", "polarity", "certainty", "attribution", "evidence", "citation")


def _claim_from_row(
    row: Row, vocab: Vocabulary, sources: dict[str, Source], problems: list[Problem], shared: dict[str, str]
) -> Claim:
    cells = {c: row.get(c) for c in COLUMNS}
    for column in REQUIRED:
        if not cells[column]:
            problems.append(row.problem(column, f"missing value for '{column}'"))
    if not control_free("\t".join(cells.values())):  # one search per row; tab is allowed, so it separates
        for column in COLUMNS:
            if not control_free(cells[column]):
                problems.append(row.problem(column, "holds a control character (shown escaped above); remove it"))
    values = {c: cells[c] or DEFAULTS.get(c, "") for c in COLUMNS}
    for column in _SHARED:
        values[column] = shared.setdefault(values[column], values[column])
    if values["id"] and not KEY.match(values["id"]):
        problems.append(
            row.problem("id", f"bad id '{values['id']}': use letters, digits and _.- starting with a letter")
        )
    if values["citation"] and citation_iri(values["citation"]) is None:
        problems.append(row.problem("citation", f"'{values['citation']}' is not a DOI, PMID:n or http(s) URL"))
    if vocab.complete:  # with a broken ontology every value would look unknown
        _check_vocabulary(row, values, vocab, problems)
        if not _literature(sources.get(values["source"]), vocab):  # the literature's wording is not coded here
            _check_coding(row, values, vocab, problems)
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


def _literature(source: Source | None, vocab: Vocabulary) -> bool:
    kind = vocab.source_kinds.get(source.kind) if source is not None else None
    return source is not None and (bool(source.citation) or (kind is not None and kind.flag("isEvidenceSource")))


def _check_coding(row: Row, values: dict[str, str], vocab: Vocabulary, problems: list[Problem]) -> None:
    """Warnings about how a row is coded, answered by fixing the row or by a note that says why."""
    note = values["note"].lower()
    certainty = vocab.certainty.get(values["certainty"])
    top = max((v.rank or 0 for v in vocab.certainty.values()), default=0)
    cues = cues_in(values["quote"])
    evidence = vocab.evidence.get(values["evidence"])
    record = evidence is not None and evidence.flag("recordsAbsence")  # a search's result, not hedged prose
    if certainty is not None and values["quote"] and not record:
        unexplained = [c for c in cues if c not in note]
        if certainty.rank == top and unexplained:
            problems.append(row.problem(
                "certainty",
                f"the quote hedges ('{unexplained[0]}') but the certainty is '{values['certainty']}'; lower it, or say "
                "in the note why the word does not hedge this claim",
                severity="warning",
            ))
        elif certainty.rank is not None and certainty.rank < top and not cues and values["certainty"] not in note:
            problems.append(row.problem(
                "certainty",
                f"the certainty is '{values['certainty']}' but the quote has no hedge word; say in the note what "
                "hedges it",
                severity="warning",
            ))
    predicate, _ = vocab.resolve(values["predicate"]) if values["predicate"] else (None, None)
    if predicate is not None and not predicate.aspects:
        aspect = _judgement_aspect(values["object"])
        if aspect:
            better = sorted(p.name for ps in vocab.predicates.values() for p in ps if aspect in p.aspects)
            problems.append(row.problem(
                "predicate",
                f"'{values['object']}' makes this a claim about {aspect}, which '{predicate.name}' does not say; use "
                f"a predicate of that aspect ({', '.join(better)}) so the audit holds it to that standard",
                severity="warning",
            ))


@cache
def _judgement_words() -> dict[str, str]:
    text = resources.files("graph").joinpath("data", "judgement-words.txt").read_text(encoding="utf-8")
    pairs = (line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {word.strip().lower(): aspect.strip() for word, aspect in pairs}


def _judgement_aspect(label: str) -> str:
    words = collapse(label).lower()
    return next((aspect for word, aspect in _judgement_words().items() if words == word), "")


def _well_typed(text: str, datatype: object) -> bool:
    """Whether ``text`` is a valid lexical form of ``datatype`` (rdflib knows the XSD lexical spaces)."""
    if datatype is None:
        return True
    import logging

    from rdflib import Literal, URIRef

    log = logging.getLogger("rdflib.term")  # rdflib logs a failed conversion with its traceback: not for users
    disabled, log.disabled = log.disabled, True
    try:
        return not Literal(text, datatype=URIRef(datatype.value)).ill_typed
    finally:
        log.disabled = disabled


def _anchor_all(rows: list[Row], sources: dict[str, Source]) -> None:
    """Anchor every quote of each source text in one pass over the text (linear, however many quotes)."""
    quotes: dict[str, list[str]] = {}
    for row in rows:
        key, quote = row.get("source"), row.get("quote")
        if quote and key in sources and sources[key].text is not None:
            quotes.setdefault(key, []).append(quote)
    for key, found in quotes.items():
        sources[key].text.find_all(found)
        sources[key].text.drop_index()  # a million claims' texts would keep a gigabyte of offsets


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
        if quote:
            problems.append(
                row.problem(
                    "quote",
                    f"source '{key}' has no text ({key}.txt), so the quote cannot be anchored: the graph keeps only "
                    "its hedge cues",
                    severity="warning",
                )
            )
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

