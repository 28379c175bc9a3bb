"""Any SPARQL 1.1 query endpoint over HTTP (SPARQL 1.1 Protocol), answering like the local stores.

Answers are read from the standard result formats (JSON, XML) and RDF formats by pyoxigraph's parsers, so an
endpoint's terms are the same pyoxigraph terms the local stores give.
"""

from __future__ import annotations

import base64
import io
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from ..formats import rdf_format_for_media_type
from ..sparql_text import query_form, subselect_groups, where_group
from .base import QueryResult, Term, answered_rows, bounded, in_query_order, normal_term

SELECT_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"


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
        except urllib.error.URLError as err:
            # A server that asks for authentication may answer 401 and close the connection before it has read a
            # large body: the client sees a broken pipe instead of the challenge. Then the challenge is fetched
            # with a request without a body, and the body is sent once, with its answer.
            if data is None or not isinstance(err.reason, BrokenPipeError | ConnectionResetError):
                raise
            authorization = self._authorization(url, request)
            if authorization is None:
                raise
            try:
                return Http(None, self.timeout).request(url, data, {**dict(headers or {}), **authorization}, method)
            except urllib.error.URLError as again:  # cut off again, with credentials: they were not accepted
                if not isinstance(again.reason, BrokenPipeError | ConnectionResetError):
                    raise
                message = "authentication failed or not allowed (check --user and the password)"
                raise EndpointError(url, 401, message) from None

    def _authorization(self, url: str, request: urllib.request.Request) -> dict[str, str] | None:
        """The Authorization header for ``request``, from the challenge a bodiless request gets; None when the
        server asks for none (or no credentials were given)."""
        if not self.auth:
            return None
        probe = urllib.request.Request(url, data=b"", method=request.get_method())
        try:
            with urllib.request.build_opener().open(probe, timeout=self.timeout):
                return None
        except urllib.error.HTTPError as err:
            challenge = err.headers.get("www-authenticate", "") if err.code == 401 else ""
        except urllib.error.URLError:
            return None
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() == "basic":
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode("ascii")
            return {"Authorization": f"Basic {token}"}
        if scheme.lower() == "digest":
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, url, *self.auth)
            fields = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(params)))
            answer = urllib.request.HTTPDigestAuthHandler(passwords).get_authorization(request, fields)
            return {"Authorization": f"Digest {answer}"} if answer else None
        return None


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

    select_rows = answered_rows

    def limited(self, seconds: float) -> EndpointStore:
        """The same endpoint, whose requests give up (TimeoutError) after ``seconds`` without an answer: the time
        limit a client can set on one query. The server may go on running it."""
        timeout = seconds if self.http.timeout is None else min(seconds, self.http.timeout)
        return EndpointStore(self.url, self.default_graph, self.http.auth, timeout)

    def query(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, limit: int | None = None
    ) -> QueryResult:
        kind = query_form(sparql)
        form = [("query", with_values(sparql, bindings or {}))]
        if self.default_graph:
            form.append(("default-graph-uri", self.default_graph))
        graph = kind in ("CONSTRUCT", "DESCRIBE")
        status, headers, body = self.http.request(
            self.url,
            urllib.parse.urlencode(form).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": GRAPH_ACCEPT if graph else SELECT_ACCEPT},
        )
        refuse_incomplete(self.url, status, headers)
        mime = headers.get("content-type", "").split(";")[0].strip().lower()
        if graph:
            return QueryResult(kind, triples=parse_graph(body, mime, limit))
        return in_query_order(sparql, parse_results(body, mime, limit))


def refuse_incomplete(url: str, status: int, headers: Mapping[str, str]) -> None:
    """EndpointError for an answer the server marks as cut short. Virtuoso's "anytime" queries (a ``timeout``
    parameter, which an endpoint URL may carry) stop at the time limit and answer what they have so far, often
    nothing, with HTTP 200 (206 from version 8) and an ``X-SQL-State`` header: used as it is, an audit rule would
    silently find nothing.

    Virtuoso also stops every answer at its ResultSetMaxRows (10,000 in the ini files it ships), silently but for
    an ``X-SPARQL-MaxRows`` header, sent when the answer reached that many rows: the claim view of a larger graph,
    or a rule with more rows, would be cut short without a word."""
    cap = headers.get("x-sparql-maxrows")
    if cap:
        raise EndpointError(
            url,
            status,
            f"an answer that reached the endpoint's row limit ({cap} rows, X-SPARQL-MaxRows) may be cut short, "
            "refused. Raise the limit (Virtuoso: ResultSetMaxRows in the [SPARQL] section of virtuoso.ini) above "
            "the rows this query needs, or add a LIMIT below it, and run again",
        )
    state = headers.get("x-sql-state")
    if status == 206 or state:
        reason = headers.get("x-sql-message") or f"HTTP {status} (partial content)"
        raise EndpointError(
            url,
            status,
            f"an incomplete answer, refused (SQL state {state or '-'}: {' '.join(reason.split())[:200]}). Raise the "
            "endpoint's time limit (the URL's timeout parameter, or the server's MaxQueryExecutionTime) and run again",
        )


def with_values(sparql: str, bindings: Mapping[str, Term]) -> str:
    """The query with an inline VALUES block binding the parameters, first in its WHERE group, and again first in
    the WHERE group of every sub-select that projects one of them (as Oxigraph's substitution binds it there).

    Endpoints have no standard way to pre-bind variables: a trailing VALUES clause would be the cleanest, but
    Virtuoso applies it after the query's filters and projection. The groups are found from the query's tokens
    (graph/sparql_text.py), and the terms are written in N-Triples syntax by pyoxigraph, so a value is always
    one term, never query text.
    """
    if not bindings:
        return sparql
    blocks = [(where_group(sparql), list(bindings)), *subselect_groups(sparql, bindings)]
    for at, names in sorted(blocks, reverse=True):  # from the end, so earlier offsets stay true
        variables = " ".join(f"?{name}" for name in names)
        values = " ".join(str(bindings[name]) for name in names)
        sparql = f"{sparql[: at + 1]} VALUES ({variables}) {{ ({values}) }} {sparql[at + 1 :]}"
    return sparql


def parse_results(body: bytes, mime: str, limit: int | None = None) -> QueryResult:
    """A SPARQL JSON or XML results document as a QueryResult of normalised terms."""
    fmt = ox.QueryResultsFormat.XML if "xml" in mime else ox.QueryResultsFormat.JSON
    result = ox.parse_query_results(io.BytesIO(body), format=fmt)
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(result))
    variables = [v.value for v in result.variables]
    rows = bounded((tuple(normal_term(s[i]) for i in range(len(variables))) for s in result), limit, "rows")
    return QueryResult("SELECT", variables, rows)


def parse_graph(body: bytes, mime: str, limit: int | None = None) -> list[ox.Triple]:
    fmt = rdf_format_for_media_type(mime)
    statements = ox.parse(body, format=fmt.ox if fmt else ox.RdfFormat.TURTLE)
    triples = (q.triple if isinstance(q, ox.Quad) else q for q in statements)
    return bounded((ox.Triple(t.subject, t.predicate, normal_term(t.object)) for t in triples), limit, "triples")
