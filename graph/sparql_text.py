"""SPARQL text, read as tokens: the query form, whether it calls a SERVICE, and its variables in order.

This never edits a query. Parsing and syntax errors are Oxigraph's (see ``check_query``); these facts are the
few the stores and the endpoint need before a query runs, read from the grammar's terminals (IRIs, strings,
comments and prefixed names are single tokens, so a ``#`` inside ``<…ns#>`` is not a comment and a word inside
a string is not a keyword).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from .problems import InvalidInput, Problem

# The grammar's terminals (SPARQL 1.1, section 19.8), as character classes and alternatives.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "0-9\u00b7\u0300-\u036f\u203f-\u2040-"
_STRINGS = (
    r"'{3}(?:[^'\\]|\\.|'(?!''))*'{3}",
    r'"{3}(?:[^"\\]|\\.|"(?!""))*"{3}',
    r"'(?:[^'\\\n\r]|\\.)*'",
    r'"(?:[^"\\\n\r]|\\.)*"',
)
_PREFIX = f"(?:[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?"
_LOCAL = rf"(?:[{_PN_CHARS_U}:0-9%\\](?:[{_PN_CHARS}.:%\\]*[{_PN_CHARS}:%\\])?)?"
_TOKEN = re.compile(
    "|".join(
        (
            r"(?P<space>\s+)",
            r"(?P<comment>#[^\n\r]*)",
            r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
            "(?P<string>" + "|".join(_STRINGS) + ")",
            f"(?P<var>[?$][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]+)",
            f"(?P<bnode>_:[{_PN_CHARS}.]*)",
            f"(?P<pname>{_PREFIX}:{_LOCAL})",
            r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
            r"(?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))",
            r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<punct>\^\^|\|\||&&|!=|<=|>=|.)",
        )
    ),
    re.DOTALL,
)
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# Oxigraph's parser (and rdflib's) recurses once per bracket: at ~5,000 nested brackets Oxigraph overflows the
# thread's stack and the whole process dies (SIGSEGV), so deeper queries are refused before any parser sees them.
MAX_NESTING = 256
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int


@lru_cache(maxsize=512)
def tokens(text: str) -> tuple[Token, ...]:
    """The query's tokens, without white space and comments."""
    found = []
    for m in _TOKEN.finditer(text):
        if m.lastgroup not in ("space", "comment"):
            found.append(Token(m.lastgroup or "punct", m.group(0), m.start()))
    return tuple(found)


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; UPDATE for SPARQL Update; '' when the text names no form."""
    for token in tokens(text):
        if token.kind == "name":
            word = token.text.upper()
            if word in QUERY_FORMS:
                return word
            if word in UPDATE_WORDS:
                return "UPDATE"
    return ""


def uses_service(text: str) -> bool:
    """Whether the query calls a SERVICE (federation: the engine would fetch another endpoint's data)."""
    return any(t.kind == "name" and t.text.upper() == "SERVICE" for t in tokens(text))


def variables_in_order(text: str) -> list[str]:
    """Every variable name, in the order it first appears."""
    return list(dict.fromkeys(t.text[1:] for t in tokens(text) if t.kind == "var"))


def selects_all(text: str) -> bool:
    """Whether the query's own (first) SELECT is ``SELECT *`` (optionally DISTINCT or REDUCED)."""
    words = tokens(text)
    for i, token in enumerate(words):
        if token.kind == "name" and token.text.upper() == "SELECT":
            return _star_at(words, i)
    return False


def _star_at(words: tuple[Token, ...], select: int) -> bool:
    """Whether the SELECT at ``select`` is ``SELECT *`` (optionally DISTINCT or REDUCED); a ``*`` elsewhere in
    its projection, as in ``(COUNT(*) AS ?n)``, does not make it one."""
    rest = [t.text.upper() for t in words[select + 1 : select + 3]]
    return bool(rest) and (rest[0] == "*" or (rest[0] in ("DISTINCT", "REDUCED") and rest[1:] == ["*"]))


def where_group(text: str) -> int:
    """The offset of the ``{`` that opens the query's WHERE group (for CONSTRUCT, the one after its template);
    ValueError when there is none."""
    words = tokens(text)
    at = next((i for i, t in enumerate(words) if t.kind == "name" and t.text.upper() in QUERY_FORMS), None)
    if at is None:
        raise ValueError("the text is not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")
    i = at + 1
    if words[at].text.upper() == "CONSTRUCT" and i < len(words) and words[i].text == "{":
        i = _group_end(words, i) + 1  # skip the template
    for token in words[i:]:
        if token.text == "{":
            return token.start
    raise ValueError("the query has no WHERE group to bind parameters in")


def subselect_groups(text: str, names: Iterable[str]) -> list[tuple[int, list[str]]]:
    """For every sub-select that projects some of ``names``: the offset of the ``{`` opening its WHERE group,
    and those names. A sub-select is evaluated on its own (SPARQL's bottom-up semantics), so a parameter bound
    outside it reaches inside only if it is bound there too."""
    words = tokens(text)
    names = list(names)
    first = next((i for i, t in enumerate(words) if t.kind == "name" and t.text.upper() in QUERY_FORMS), len(words))
    found = []
    for i in range(first + 1, len(words)):
        if words[i].kind != "name" or words[i].text.upper() != "SELECT":
            continue
        opening = next((j for j in range(i, len(words)) if words[j].text == "{"), None)
        if opening is None:  # not a query Oxigraph would run; its syntax error is reported where it runs
            break
        if _star_at(words, i):  # SELECT *: every variable its group mentions
            body = words[opening : _group_end(words, opening) + 1]
            projected = {t.text[1:] for t in body if t.kind == "var"}
        else:
            # plain projected variables; one an expression assigns (AS ?v) cannot be bound in the group below it
            depth, projected = 0, set()
            for t in words[i + 1 : opening]:
                depth += {"(": 1, ")": -1}.get(t.text, 0)
                if t.kind == "var" and depth == 0:
                    projected.add(t.text[1:])
        bound = [n for n in names if n in projected]
        if bound:
            found.append((words[opening].start, bound))
    return found


def _group_end(words: tuple[Token, ...], opening: int) -> int:
    """The index of the ``}`` closing the group whose ``{`` is at ``opening``."""
    depth = 0
    for end in range(opening, len(words)):
        depth += {"{": 1, "}": -1}.get(words[end].text, 0)
        if depth == 0:
            return end
    return len(words) - 1


@dataclass(frozen=True)
class QueryInfo:
    form: str
    service: bool


class Refused(ValueError):
    """A query the caller may not run here (an update, or a SERVICE call)."""


def check_query(text: str, name: str = "<query>", allow_service: bool = False) -> QueryInfo:
    """Check a query before it runs: SPARQL Update and (unless allowed) SERVICE are refused; a syntax error
    raises InvalidInput naming the line and column Oxigraph reports. Safe to call from many threads."""
    form = query_form(text)
    if form == "UPDATE":
        raise Refused("SPARQL Update is not accepted here; only queries are")
    service = uses_service(text)
    if service and not allow_service:
        raise Refused("SERVICE is refused: a query here never fetches another endpoint (see --allow-service)")
    depth, at = nesting(text)
    if depth > MAX_NESTING:
        line, column = position(text, at)
        message = (
            f"the query nests brackets {depth} deep; the limit is {MAX_NESTING} (a parser would overflow its stack "
            "on deeper nesting)"
        )
        raise InvalidInput([Problem(name, line, f"col {column}", message)])
    undefined = undefined_prefix(text)
    if undefined is not None:
        line, column = position(text, undefined.start)
        message = f"SPARQL syntax error: the prefix '{undefined.text.split(':')[0]}:' is not declared (add PREFIX)"
        raise InvalidInput([Problem(name, line, f"col {column}", message)])
    if not service:  # with SERVICE allowed, the syntax is checked when it runs: checking would call it
        try:
            ox.Store().query(text)
        except SyntaxError as err:
            line, column, message = located(err)
            lines = text.rstrip().splitlines() or [""]
            if line > len(lines):  # the parser gave up past the text: point at where it ends
                line, column, message = len(lines), len(lines[-1]) + 1, f"{message} (at the end of the query)"
            raise InvalidInput([Problem(name, line, f"col {column}", f"SPARQL syntax error: {message}")]) from None
    return QueryInfo(form, service)


def nesting(text: str) -> tuple[int, int]:
    """The deepest nesting of (), {} and [] in the query, and the offset where it is first reached."""
    depth = deepest = at = 0
    for token in tokens(text):
        if token.kind != "punct":
            continue
        if token.text in "({[":
            depth += 1
            if depth > deepest:
                deepest, at = depth, token.start
        elif token.text in ")}]":
            depth -= 1
    return deepest, at


def undefined_prefix(text: str) -> Token | None:
    """The first prefixed name whose prefix the query does not declare (Oxigraph's own message for this
    names the wrong thing)."""
    words = tokens(text)
    declared: set[str] = set()
    for i, token in enumerate(words):
        if token.kind == "name" and token.text.upper() == "PREFIX" and i + 1 < len(words):
            declared.add(words[i + 1].text.split(":")[0])
        elif token.kind == "pname" and token.text.split(":")[0] not in declared:
            if i > 0 and words[i - 1].kind == "name" and words[i - 1].text.upper() == "PREFIX":
                continue
            return token
    return None


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def located(err: SyntaxError) -> tuple[int, int, str]:
    """Line, column and a one-line message from Oxigraph's 'error at LINE:COL: expected one of …'."""
    text = str(err.msg)
    m = re.match(r"error at (\d+):(\d+): (.*)", text, flags=re.S)
    if not m:
        return err.lineno or 0, err.offset or 0, " ".join(text.split()) or "invalid query"
    message = " ".join(m.group(3).split())
    return int(m.group(1)), int(m.group(2)), message if len(message) <= 160 else message[:159] + "…"
