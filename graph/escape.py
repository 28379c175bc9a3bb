"""Text that came from input, made safe for the medium it is written to.

Every report, table and message passes user text through one of these: a claim id, label, quote or note is
data, and must never act as markup, a spreadsheet formula or a terminal control sequence.
"""

from __future__ import annotations

import re

# C0 and C1 control characters other than tab and newline, DEL, and the Unicode bidirectional overrides
# that can make a line read differently from what it holds.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Line breaks left after ``terminal``: the newline, and the separators U+2028 and U+2029.
_LINE_BREAKS = str.maketrans({"\n": "\\n", "\u2028": "\\u2028", "\u2029": "\\u2029"})
# Characters XML 1.0 forbids outright (tab, newline and carriage return are allowed).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Escaped with a backslash: punctuation both CommonMark and Python-Markdown treat as escapable markup.
_MARKDOWN_BACKSLASH = re.compile(r"([\\`*_\[\]{}#!])")
# Written as character references: Python-Markdown does not honour a backslash before these.
_MARKDOWN_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", "~": "&#126;"}
_MARKDOWN_TABLE = str.maketrans(_MARKDOWN_ENTITIES)
# Text that markdown() returns unchanged: words of no markup or control character, single spaces between them.
_INERT_WORD = r"[^\\`*_\[\]{}#!&<>|~\s\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+"
_MARKDOWN_INERT = re.compile(rf"{_INERT_WORD}(?: {_INERT_WORD})*")
# OWASP CSV injection: a cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def control_free(text: str) -> bool:
    """Whether ``text`` holds no control character (tab and newline allowed)."""
    return _CONTROL.search(text) is None


def terminal(text: str) -> str:
    """Control characters shown as visible escapes (\\x1b, \\u202e), so text cannot move the cursor or recolour."""
    return _CONTROL.sub(lambda m: _escaped(m.group(0)), text)


def one_line(text: str) -> str:
    """``terminal`` text on one line: a line break in a value is shown escaped, so it cannot start a line of its own
    (a forged "ok: …" line under an error). Besides the newline, Unicode's line and paragraph separators, at which
    editors, log viewers and Python's splitlines break lines too."""
    return terminal(text).translate(_LINE_BREAKS)


def _escaped(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def markdown(text: str) -> str:
    """Plain text as inert Markdown: every markup character escaped, one line, no raw HTML, no autolinks."""
    if _MARKDOWN_INERT.fullmatch(text):  # nothing to escape or collapse (most labels, ids and messages)
        return text
    text = _MARKDOWN_BACKSLASH.sub(r"\\\1", " ".join(terminal(text).split()))
    return text.translate(_MARKDOWN_TABLE)


def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character is neutralised with a quote (OWASP).

    A value that already starts with quotes before a formula character gets one more, so ``csv_value`` can
    undo the escape exactly: ``csv_value(csv_cell(t)) == t`` for every text.
    """
    return "'" + text if text.lstrip("'").startswith(_FORMULA_START) else text


def csv_value(cell: str) -> str:
    """The value a ``csv_cell`` cell stands for: one leading quote before quotes and a formula character is
    dropped (as a spreadsheet reads ``'=1+1`` as the text ``=1+1``); any other cell is its own value."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_START) else cell


def xml_text(text: str) -> str:
    """Characters XML 1.0 cannot hold replaced by U+FFFD, so a document with user text always parses."""
    return _XML_ILLEGAL.sub("\ufffd", text)
