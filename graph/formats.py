"""The one registry of formats: RDF serialisations and SPARQL result formats, by name, suffix and media type."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfFormat:
    name: str
    suffixes: tuple[str, ...]  # the first is the one written
    media_types: tuple[str, ...]  # the first is the one sent
    ox: ox.RdfFormat
    rdflib: str
    quads: bool = False  # a dataset format: its graphs are merged when read as one graph

    @property
    def suffix(self) -> str:
        return self.suffixes[0]

    @property
    def media_type(self) -> str:
        return self.media_types[0]


RDF_FORMATS = (
    RdfFormat("turtle", (".ttl",), ("text/turtle", "application/x-turtle"), ox.RdfFormat.TURTLE, "turtle"),
    RdfFormat("ntriples", (".nt",), ("application/n-triples", "text/plain"), ox.RdfFormat.N_TRIPLES, "nt"),
    RdfFormat("nquads", (".nq",), ("application/n-quads",), ox.RdfFormat.N_QUADS, "nquads", quads=True),
    RdfFormat("trig", (".trig",), ("application/trig",), ox.RdfFormat.TRIG, "trig", quads=True),
    RdfFormat("jsonld", (".jsonld", ".json"), ("application/ld+json",), ox.RdfFormat.JSON_LD, "json-ld"),
    RdfFormat(
        "rdfxml", (".rdf", ".owl", ".xml"), ("application/rdf+xml", "application/xml"), ox.RdfFormat.RDF_XML, "xml"
    ),
)
OUTPUT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld")  # what a build can write


@dataclass(frozen=True)
class ResultFormat:
    name: str
    media_type: str
    aliases: tuple[str, ...] = ()  # other names a `format=` request parameter may use


RESULT_FORMATS = (
    ResultFormat("json", "application/sparql-results+json", ("srj",)),
    ResultFormat("xml", "application/sparql-results+xml", ("srx",)),
    ResultFormat("csv", "text/csv; charset=utf-8"),
    ResultFormat("tsv", "text/tab-separated-values; charset=utf-8"),
    ResultFormat("table", "text/plain; charset=utf-8", ("text",)),
)


def rdf_format(name: str) -> RdfFormat:
    for fmt in RDF_FORMATS:
        if fmt.name == name:
            return fmt
    raise ValueError(f"unknown RDF format {name!r}; use one of {', '.join(f.name for f in RDF_FORMATS)}")


def rdf_format_of(path: Path | str) -> RdfFormat:
    """The format a file's suffix names; Turtle for anything else (the format builds are written in)."""
    suffix = Path(path).suffix.lower()
    for fmt in RDF_FORMATS:
        if suffix in fmt.suffixes:
            return fmt
    return RDF_FORMATS[0]


def rdf_format_for_media_type(media_type: str) -> RdfFormat | None:
    media_type = media_type.split(";")[0].strip().lower()
    for fmt in RDF_FORMATS:
        if media_type in fmt.media_types:
            return fmt
    return None


def result_format(name: str) -> ResultFormat:
    for fmt in RESULT_FORMATS:
        if name == fmt.name or name in fmt.aliases:
            return fmt
    raise ValueError(f"unknown result format {name!r}; use one of {', '.join(f.name for f in RESULT_FORMATS)}")
