"""Named queries: one SPARQL file per question in graph/sparql/queries/, described by its header comments.

    # description: what the query answers
    # param: NAME  what the parameter means

A parameter is a variable the caller binds (``--param NAME=VALUE``); each store binds the value as an RDF term
(never as text pasted into the query). A named query projects its parameters (SPARQL's substitution, which
Oxigraph implements, binds only projected variables), so every answer row also says what it was asked about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from ..files import read_text
from ..problems import raise_if_errors
from ..stores import Term


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    text: str
    params: dict[str, str] = field(default_factory=dict)  # name: meaning
    path: str = ""


def query_dir() -> Path:
    return Path(str(resources.files("graph").joinpath("sparql", "queries")))


def named_queries() -> list[NamedQuery]:
    return [read_query(path) for path in sorted(query_dir().glob("*.rq"))]


def read_query(path: Path) -> NamedQuery:
    problems: list = []
    text = read_text(path, problems)
    raise_if_errors(problems)
    description, params = "", {}
    for line in text.splitlines():
        if not line.startswith("#"):
            continue
        key, _, value = line.lstrip("# ").partition(":")
        if key == "description":
            description = value.strip()
        elif key == "param":
            name, _, meaning = value.strip().partition(" ")
            params[name] = meaning.strip()
    return NamedQuery(Path(path).stem, description, text, params, str(path))


_QUERY_FORM = re.compile(r"\b(?:SELECT|CONSTRUCT|DESCRIBE|ASK)\b", re.IGNORECASE)  # DESCRIBE <x> has no braces


def resolve(spec: str) -> NamedQuery:
    """A named query, a .rq file, or SPARQL text — in that order."""
    for query in named_queries():
        if query.name == spec:
            return query
    path = Path(spec)
    if spec.endswith((".rq", ".sparql")) or _is_file(path):
        if not _is_file(path):
            raise FileNotFoundError(f"{spec}: no such query file")
        return read_query(path)
    if "{" in spec or (_QUERY_FORM.search(spec) is not None and any(c.isspace() for c in spec)):
        return NamedQuery("<query>", "", spec, path="<query>")
    names = ", ".join(q.name for q in named_queries())
    raise LookupError(f"{spec!r} is neither a named query ({names}), a .rq file nor SPARQL text")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # SPARQL text longer than a file name may be
        return False


def parse_params(query: NamedQuery, pairs: list[str]) -> dict[str, Term]:
    """``name=value`` pairs as RDF terms: ``<…>`` is an IRI, anything else a plain literal."""
    bound: dict[str, Term] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not name.isidentifier():
            raise ValueError(f"--param {pair!r}: write it as name=value")
        if query.params and name not in query.params:
            raise ValueError(f"query {query.name} has no parameter {name!r} (it takes: {', '.join(query.params)})")
        is_iri = value.startswith("<") and value.endswith(">") and len(value) > 2
        bound[name] = iri_term(value[1:-1], pair) if is_iri else ox.Literal(value)
    missing = [p for p in query.params if p not in bound]
    if missing:
        needs = "; ".join(f"--param {p}=…  ({query.params[p]})" for p in missing)
        raise ValueError(f"query {query.name} needs {needs}")
    return bound


def iri_term(iri: str, what: str) -> ox.NamedNode:
    """An absolute IRI as SPARQL's IRIREF allows it; ValueError saying what is wrong otherwise."""
    scheme, colon, _ = iri.partition(":")
    valid_scheme = colon and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)
    if not valid_scheme or any(c in '<>"{}|^`\\' or ord(c) <= 0x20 for c in iri):
        raise ValueError(
            f"{what!r}: <{iri}> is not a valid absolute IRI (it needs a scheme such as https:, and spaces and "
            '<>"{}|^`\\ must be percent-encoded, e.g. %20 for a space)'
        )
    try:
        return ox.NamedNode(iri)
    except ValueError as err:
        raise ValueError(f"{what!r}: <{iri}> is not a valid IRI: {err}") from None
