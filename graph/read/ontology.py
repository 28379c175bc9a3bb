"""Ontology files: the core ontology and any extensions, loaded into one Vocabulary."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..files import read_rdf
from ..problems import Problem
from ..vocab import KEPT_DATATYPES, Vocabulary

MAX_ONTOLOGY_BYTES = 100_000_000
CORE = "ontology.ttl"


def bundled_ontology() -> Path:
    """The core ontology shipped inside the package (the repository's ontology.ttl, packaged as data)."""
    return Path(str(resources.files("graph").joinpath("data", CORE)))


def default_ontologies() -> list[Path]:
    """./ontology.ttl when the folder has one (a project's own copy), else the bundled core ontology."""
    local = Path(CORE)
    return [local if local.is_file() else bundled_ontology()]


def load_vocabulary(paths: list[Path], problems: list[Problem]) -> Vocabulary:
    """Load and merge ontology files; every syntax error is reported with the parser's line and column."""
    before = len(problems)
    triples = []
    for path in paths:
        triples += read_rdf(Path(path), problems, max_bytes=MAX_ONTOLOGY_BYTES)
    vocab = Vocabulary(triples, complete=len(problems) == before)
    if vocab.complete:
        where = str(paths[-1]) if paths else CORE
        problems += [Problem(where, 0, "", message) for message in vocab.problems()]
        for predicates in vocab.predicates.values():
            for p in predicates:
                if p.literal and p.datatype is not None and p.datatype.value not in KEPT_DATATYPES:
                    problems.append(
                        Problem(
                            where,
                            0,
                            "",
                            f"{p.name}: range {p.datatype.value} is not kept term for term by Oxigraph or Virtuoso "
                            "(they store derived types as their base type); use xsd:string, xsd:integer, "
                            "xsd:decimal, xsd:double, xsd:boolean, xsd:date, xsd:dateTime or xsd:gYear",
                        )
                    )
    return vocab
