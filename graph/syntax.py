"""Checking SPARQL text before it runs: syntax errors located by line and column, the query form, and the
features a public endpoint must refuse (updates, SERVICE)."""

from __future__ import annotations

from functools import lru_cache

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from .problems import InvalidInput, Problem

FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


class UpdateRefused(ValueError):
    """SPARQL Update text where only a query is allowed."""


def check_query(text: str, name: str = "<query>") -> ParseResults:
    """Parse a query; a syntax error raises InvalidInput naming the line and column, an update UpdateRefused."""
    try:
        return _parse(text)
    except ParseBaseException as err:
        if _is_update(text):
            raise UpdateRefused("SPARQL Update is not accepted here; only queries are") from None
        message = f"SPARQL syntax error: {err.msg}, found {_found(err)}"
        raise InvalidInput([Problem(name, err.lineno, f"col {err.col}", message)]) from None


def query_type(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    return FORMS[check_query(text)[1].name]


def uses_service(text: str) -> bool:
    """Whether the query names a SERVICE anywhere (federation would make the server fetch arbitrary URLs)."""
    return _contains(check_query(text), "ServiceGraphPattern")


@lru_cache(maxsize=256)
def _parse(text: str) -> ParseResults:
    return parseQuery(text)


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except ParseBaseException:
        return False
    return True


def _found(err: ParseBaseException) -> str:
    rest = err.pstr[err.loc : err.loc + 20].split("\n")[0]
    return repr(rest) if rest else "the end of the query"


def _contains(node: object, name: str) -> bool:
    if isinstance(node, CompValue):
        if node.name == name:
            return True
        return any(_contains(value, name) for value in node.values())
    if isinstance(node, ParseResults | list | tuple):
        return any(_contains(item, name) for item in node)
    return False
