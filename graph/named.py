"""Named queries: one SPARQL file per question in graph/queries/, described by its header comments.

    # description: what the query answers
    # param: NAME  what the parameter means

A parameter is a variable the caller binds (``--param NAME=VALUE``); the value becomes an RDF term bound in a
VALUES block, never text pasted into the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.term import Node

QUERY_DIR = Path(__file__).parent / "queries"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    text: str
    params: dict[str, str] = field(default_factory=dict)  # name: meaning
    path: str = ""


def named_queries() -> list[NamedQuery]:
    return [read_query(path) for path in sorted(QUERY_DIR.glob("*.rq"))]


def read_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
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
    return NamedQuery(path.stem, description, text, params, str(path))


def resolve(spec: str) -> NamedQuery:
    """A named query, a .rq file, or SPARQL text — in that order."""
    for query in named_queries():
        if query.name == spec:
            return query
    path = Path(spec)
    if spec.endswith((".rq", ".sparql")) or ("{" not in spec and path.exists()):
        if not path.exists():
            raise FileNotFoundError(f"{spec}: no such query file")
        return read_query(path)
    if "{" in spec:
        return NamedQuery("<query>", "", spec, path="<query>")
    names = ", ".join(q.name for q in named_queries())
    raise LookupError(f"{spec!r} is neither a named query ({names}), a .rq file nor SPARQL text")


def parse_params(query: NamedQuery, pairs: list[str]) -> dict[str, Node]:
    """``name=value`` pairs as RDF terms: ``<…>`` is an IRI, anything else a plain literal."""
    bound: dict[str, Node] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not name.isidentifier():
            raise ValueError(f"--param {pair!r}: write it as name=value")
        if query.params and name not in query.params:
            raise ValueError(f"query {query.name} has no parameter {name!r} (it takes: {', '.join(query.params)})")
        is_iri = value.startswith("<") and value.endswith(">") and len(value) > 2
        if is_iri and not _valid_iri(value[1:-1]):
            raise ValueError(
                f"--param {pair!r}: {value} is not a valid absolute IRI (it needs a scheme such as https:, "
                'and spaces and <>"{}|^`\\ must be percent-encoded, e.g. %20 for a space)'
            )
        bound[name] = URIRef(value[1:-1]) if is_iri else Literal(value)
    missing = [p for p in query.params if p not in bound]
    if missing:
        needs = "; ".join(f"--param {p}=…  ({query.params[p]})" for p in missing)
        raise ValueError(f"query {query.name} needs {needs}")
    return bound


def _valid_iri(iri: str) -> bool:
    """An absolute IRI as SPARQL's IRIREF allows it: a scheme, and none of the characters it excludes."""
    scheme, colon, _ = iri.partition(":")
    if not colon or not scheme[:1].isalpha() or not all(c.isalnum() or c in "+-." for c in scheme):
        return False
    return not any(c in '<>"{}|^`\\' or ord(c) <= 0x20 for c in iri)
