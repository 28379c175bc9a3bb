"""Query answers written out: the W3C SPARQL 1.1 Query Results JSON, XML, CSV and TSV formats, RDF for graphs,
and a plain table for people at a terminal.

Values are data: CSV cells that a spreadsheet would run as a formula are neutralised (OWASP), XML never holds
a character XML forbids, and the terminal table shows control characters escaped. JSON and TSV are exact.
"""

from __future__ import annotations

import csv
import io
import json
import re
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..escape import csv_cell, terminal, xml_text
from ..formats import rdf_format
from ..stores import QueryResult, Term
from ..vocab import PREFIXES, XSD

# Turtle's abbreviated forms, usable in TSV when the lexical form matches the grammar exactly.
_ABBREVIATED = {
    XSD.integer.value: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal.value: re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD.double.value: re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    XSD.boolean.value: re.compile(r"true|false"),
}
_STRING = XSD.string.value


def render(result: QueryResult, fmt: str) -> bytes:
    """The result in ``fmt``: json, xml, csv, tsv or table for SELECT/ASK; an RDF format name for graphs."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return graph_bytes(result.triples, fmt)
    if result.type == "ASK":
        if fmt == "json":
            return (json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n").encode()
        if fmt == "xml":
            return _xml_document("<head/>", f"<boolean>{'true' if result.boolean else 'false'}</boolean>").encode()
        return ("true\n" if result.boolean else "false\n").encode()
    writer = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv, "table": to_table}[fmt]
    return writer(result).encode("utf-8")


def graph_bytes(triples: list[ox.Triple], fmt: str) -> bytes:
    """Triples in an RDF format (turtle when ``fmt`` is not one), sorted so the same answer gives the same bytes."""
    try:
        rdf = rdf_format(fmt)
    except ValueError:
        rdf = rdf_format("turtle")
    ordered = sorted(triples, key=str)
    items = [ox.Quad(t.subject, t.predicate, t.object) for t in ordered] if rdf.quads else ordered
    prefixes = {"prefixes": dict(PREFIXES)} if rdf.name in ("turtle", "trig") else {}
    return ox.serialize(items, format=rdf.ox, **prefixes)


def to_json(result: QueryResult) -> str:
    names = result.variables
    bindings = [{v: _json_term(t) for v, t in zip(names, row, strict=True) if t is not None} for row in result.rows]
    document = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _STRING:
        out["datatype"] = term.datatype.value
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


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(xml_text(term.value))}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype.value != _STRING:
        attrs = f" datatype={quoteattr(term.datatype.value)}"
    return f"<literal{attrs}>{escape(xml_text(term.value))}</literal>"


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: variable names without '?', CRLF line ends, IRIs and literals as bare strings, blank
    nodes as _:label, unbound as empty; a cell a spreadsheet would run as a formula starts with a quote."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_csv_term(t) for t in row])
    return out.getvalue()


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return str(term)
    if isinstance(term, ox.Literal) and _is_number(term):
        return term.value  # a number such as -3 is a number in a spreadsheet too, never a formula
    return csv_cell(term.value)


def _is_number(term: ox.Literal) -> bool:
    pattern = _ABBREVIATED.get(term.datatype.value) if not term.language else None
    return pattern is not None and term.datatype.value != XSD.boolean.value and bool(pattern.fullmatch(term.value))


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: '?'-prefixed variable names, every term in SPARQL/Turtle syntax, unbound as empty."""
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join("" if t is None else tsv_term(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def tsv_term(term: Term) -> str:
    pattern = _ABBREVIATED.get(term.datatype.value) if isinstance(term, ox.Literal) and not term.language else None
    if pattern is not None and pattern.fullmatch(term.value):
        return term.value
    return str(term)  # N-Triples syntax: IRIs in <>, literals quoted with escapes, datatype or language


def to_table(result: QueryResult) -> str:
    """Aligned columns with prefixed names, for reading at a terminal (control characters shown escaped)."""
    header = list(result.variables)
    cells = [["" if t is None else short(t) for t in row] for row in result.rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"


def short(term: Term) -> str:
    """A term as a person reads it: prefixed name where one fits, literal text without quotes."""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if term.value.startswith(namespace) and len(term.value) > len(namespace):
                return terminal(f"{prefix}:{term.value[len(namespace):]}")
        return terminal(f"<{term.value}>")
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return terminal(" ".join(term.value.split()))
