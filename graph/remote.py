"""Any SPARQL 1.1 store over HTTP: queries (SPARQL 1.1 Protocol) and loading a build (Graph Store Protocol,
or SPARQL Update where a store has no Graph Store endpoint).

Answers are parsed from the standard JSON or XML result formats (and Turtle/N-Triples/RDF-XML for graphs) back
into rdflib terms, so an endpoint answers exactly like the local stores.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import Graph
from rdflib.query import Result
from rdflib.term import Node

from .store import QueryResult, bind_values, in_query_order, normal_term
from .syntax import query_type

SELECT_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
GRAPH_ACCEPT = "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8"
GRAPH_PARSERS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


class EndpointError(Exception):
    """The endpoint answered with an error; the message carries its status and the start of its answer."""

    def __init__(self, url: str, status: int, body: str):
        self.status = status
        super().__init__(f"{url} answered HTTP {status}: {body.strip()[:500]}")


@dataclass
class Http:
    """urllib with optional Basic or Digest authentication (whichever the server asks for)."""

    auth: tuple[str, str] | None = None
    timeout: float | None = None

    def request(
        self, url: str, data: bytes | None = None, headers: Mapping[str, str] | None = None, method: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        handlers: list[urllib.request.BaseHandler] = []
        if self.auth:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, url, *self.auth)
            handlers += [
                urllib.request.HTTPDigestAuthHandler(passwords),
                urllib.request.HTTPBasicAuthHandler(passwords),
            ]
        opener = urllib.request.build_opener(*handlers)
        request = urllib.request.Request(url, data=data, headers=dict(headers or {}), method=method)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as err:
            body = err.read().decode("utf-8", errors="replace")
            if err.code in (401, 403) and not body.strip():
                body = "authentication failed or not allowed (check --user and the password)"
            raise EndpointError(url, err.code, body) from None


class EndpointStore:
    """A SPARQL 1.1 query endpoint; ``default_graph`` is sent as ``default-graph-uri`` when given."""

    def __init__(
        self,
        url: str,
        default_graph: str | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
    ):
        self.url = url
        self.default_graph = default_graph
        self.http = Http(auth, timeout)

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        text = bind_values(sparql, bindings or {})
        kind = query_type(text)
        form = [("query", text)]
        if self.default_graph:
            form.append(("default-graph-uri", self.default_graph))
        accept = GRAPH_ACCEPT if kind in ("CONSTRUCT", "DESCRIBE") else SELECT_ACCEPT
        _, headers, body = self.http.request(
            self.url,
            urllib.parse.urlencode(form).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        )
        mime = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind in ("CONSTRUCT", "DESCRIBE"):
            return QueryResult(kind, graph=parse_graph(body, mime))
        return in_query_order(sparql, parse_results(body, mime))


def parse_results(body: bytes, mime: str) -> QueryResult:
    """A SPARQL JSON or XML results document as a QueryResult of normalised rdflib terms."""
    fmt = "xml" if "xml" in mime else "json"
    result = Result.parse(io.BytesIO(body), format=fmt)
    if result.type == "ASK":
        return QueryResult("ASK", boolean=bool(result.askAnswer))
    variables = [str(v) for v in result.vars or []]
    rows = [tuple(normal_term(row.get(v)) for v in variables) for row in result]
    return QueryResult("SELECT", variables, rows)


def parse_graph(body: bytes, mime: str) -> Graph:
    graph = Graph()
    graph.parse(data=body, format=GRAPH_PARSERS.get(mime, "turtle"))
    clean = Graph()
    for s, p, o in graph:
        clean.add((s, p, normal_term(o)))
    return clean
