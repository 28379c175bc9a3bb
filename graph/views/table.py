"""A built graph back as the tables it was built from: claims.csv and sources/sources.csv.

A curator can then edit the claims in a spreadsheet and build again: building the tables gives the same graph,
triple for triple, with the same ontology, rules and ``--base``. The source texts are not written: the graph
records each text's SHA-256, and the texts stay in the sources folder, where the tables are checked against
them. Every cell goes through ``csv_cell`` (a formula is shown as text); the CSV reader undoes that escape.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..escape import csv_cell
from ..model import ClaimView, claim_views
from ..read.claims import COLUMNS
from ..read.sources import OPTIONAL as SOURCE_OPTIONAL
from ..read.sources import REQUIRED as SOURCE_REQUIRED
from ..stores import Store

SOURCE_COLUMNS = SOURCE_REQUIRED + SOURCE_OPTIONAL
CUE_SEPARATOR = " … "


@dataclass
class Tables:
    """The two tables, and what a rebuild needs beside them."""

    claims: str
    sources: str
    claim_count: int
    source_count: int
    texts: dict[str, str] = field(default_factory=dict)  # source key -> SHA-256 of the text its quotes are in
    notes: list[str] = field(default_factory=list)  # what the tables cannot hold exactly, and why


def tables(store: Store) -> Tables:
    """claims.csv and sources.csv of the graph in ``store``."""
    views = claim_views(store)
    notes: list[str] = []
    claims = _csv([list(COLUMNS), *(_claim_row(v, notes) for v in views)])
    sources, texts = [], {}
    for row in store.query(_query("sources-view.rq")).dicts():
        value = {name: row[name].value if name in row else "" for name in (*SOURCE_COLUMNS, "sha256")}
        sources.append([value[c] for c in SOURCE_COLUMNS])
        if value["sha256"]:
            texts[value["key"]] = value["sha256"]
    sources.sort(key=lambda r: r[0])
    return Tables(claims, _csv([list(SOURCE_COLUMNS), *sources]), len(views), len(sources), texts, notes)


def _claim_row(view: ClaimView, notes: list[str]) -> list[str]:
    quote = " ".join(view.quote.split())  # anchors where the build anchored it (white space is not matched)
    if not quote and view.hedge_cues:
        # The source has no text, so the build kept only the hedge cues of the quote; they are what comes back.
        quote = CUE_SEPARATOR.join(view.hedge_cues)
        notes.append(f"{view.id}: the graph holds only the hedge cues of its quote (its source has no text)")
    cells = {
        "id": view.id,
        "source": view.source,
        "subject": view.subject,
        "predicate": view.predicate,
        "object": view.object,
        "quote": quote,
        "polarity": view.polarity,
        "certainty": view.certainty,
        "attribution": view.attribution,
        "evidence": view.evidence,
        "citation": view.citation,
        "supports": "; ".join(view.supports),
        "contradicts": "; ".join(view.contradicts),
        "note": view.note,
    }
    return [cells[c] for c in COLUMNS]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    # RFC 4180 line ends: with "\n" the csv module would leave a cell holding a bare "\r" unquoted
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue()


def text_notes(texts: dict[str, str], directory: Path) -> list[str]:
    """For each text the graph's quotes are anchored in: a note when DIR/KEY.txt is missing or differs."""
    notes = []
    for key, digest in sorted(texts.items()):
        path = Path(directory) / f"{key}.txt"
        if not path.is_file():
            notes.append(f"{path} is missing: put the text of '{key}' there before building (SHA-256 {digest})")
            continue
        text = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != digest:
            notes.append(f"{path} differs from the text the graph was built from; its quotes may not be found")
    return notes


def _query(name: str) -> str:
    return resources.files("graph").joinpath("data", name).read_text(encoding="utf-8")
