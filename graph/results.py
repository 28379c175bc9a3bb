"""Query answers written out: the W3C SPARQL 1.1 Query Results JSON, XML, CSV and TSV formats, Turtle for
graphs, and a plain table for people at a terminal."""

from __future__ import annotations

import csv
import io
import json
import re
from xml.sax.saxutils import escape, quoteattr

from rdflib import XSD, BNode, Literal, URIRef
from rdflib.term import Node

from .store import QueryResult
from .vocab import PREFIXES

MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "table": "text/plain; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
GRAPH_FORMATS = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}
# Turtle's abbreviated forms, usable in TSV when the lexical form matches the grammar exactly.
_ABBREVIATED = {
    XSD.integer: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal: re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD.double: re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    XSD.boolean: re.compile(r"true|false"),
}


def render(result: QueryResult, fmt: str) -> str:
    """The result in ``fmt``: json, xml, csv, tsv or table for SELECT/ASK; turtle (etc.) for graphs."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return _graph(result, fmt)
    if result.type == "ASK":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}, ensure_ascii=False) + "\n"
        if fmt == "xml":
            return _xml_document("<head/>", f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
        return ("true" if result.boolean else "false") + "\n"
    return {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv, "table": to_table}[fmt](result)


def to_json(result: QueryResult) -> str:
    bindings = [
        {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None} for row in result.rows
    ]
    document = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and term.datatype != XSD.string:
        out["datatype"] = str(term.datatype)
    return out


def to_xml(result: QueryResult) -> str:
    head = "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables) + "</head>"
    rows = []
    for row in result.rows:
        cells = "".join(
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v, t in zip(result.variables, row, strict=True)
            if t is not None
        )
        rows.append(f"<result>{cells}</result>")
    return _xml_document(head, "<results>" + "\n".join(rows) + "</results>")


def _xml_document(head: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n{head}\n{body}\n</sparql>\n'
    )


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype and term.datatype != XSD.string:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: variable names without '?', CRLF line ends, IRIs and literals as bare strings (no
    datatype or language), blank nodes as _:label, unbound as empty; RFC 4180 quoting where needed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else (f"_:{t}" if isinstance(t, BNode) else str(t)) for t in row])
    return out.getvalue()


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: '?'-prefixed variable names, every term in SPARQL/Turtle syntax, unbound as empty."""
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join("" if t is None else tsv_term(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def tsv_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal)
    text = str(term)
    if term.datatype in _ABBREVIATED and _ABBREVIATED[term.datatype].fullmatch(text):
        return text
    quoted = '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'
    if term.language:
        return f"{quoted}@{term.language}"
    if term.datatype and term.datatype != XSD.string:
        return f"{quoted}^^<{term.datatype}>"
    return quoted


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def to_table(result: QueryResult) -> str:
    """Aligned columns with prefixed names, for reading at a terminal."""
    header = list(result.variables)
    cells = [["" if t is None else short(t) for t in row] for row in result.rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"


def short(term: Node) -> str:
    """A term as a person reads it: prefixed name where one fits, literal text without quotes."""
    if isinstance(term, URIRef):
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
            if str(term).startswith(str(namespace)) and len(str(term)) > len(str(namespace)):
                return f"{prefix}:{str(term)[len(str(namespace)) :]}"
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return " ".join(str(term).split())


def _graph(result: QueryResult, fmt: str) -> str:
    graph = result.graph
    assert graph is not None
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    data = graph.serialize(format=GRAPH_FORMATS.get(fmt, "turtle"))
    return data if isinstance(data, str) else data.decode("utf-8")
