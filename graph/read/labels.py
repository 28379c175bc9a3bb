"""Labels that look alike but are different text: invisible characters, compatibility forms, mixed scripts.

A label names an entity or an agent: two labels that look the same to a curator must be the same label, or the
graph silently holds two entities where the table seems to hold one. This is Unicode's own advice for
identifiers (UTS #39) in a small form: NFKC for compatibility characters (full-width letters, ligatures), a
script-mix check for words that mix Latin with Cyrillic or Greek look-alikes, and invisible characters refused.
"""

from __future__ import annotations

import unicodedata

# Letters of Cyrillic and Greek that look like a Latin letter (Unicode confusables.txt, the common ones).
LOOK_ALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "ë", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ї": "ï",
    "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "к": "k", "м": "m", "н": "h",
    "т": "t", "п": "n", "г": "r",
    "А": "A", "В": "B", "Е": "E", "Ё": "Ë", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "І": "I", "Ї": "Ï", "Ј": "J", "Ѕ": "S", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Һ": "H", "Ӏ": "I",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
    "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip
CONFUSABLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})
# Characters that take no visible space but are not format characters (category Cf is checked as a whole).
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u034f\u2800\u180e")


def script(ch: str) -> str:
    """The script a letter belongs to, from its Unicode name (LATIN, CYRILLIC, GREEK, …); '' for a non-letter."""
    if not unicodedata.category(ch).startswith("L"):
        return ""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def describe(ch: str) -> str:
    """'р' (U+0440 CYRILLIC SMALL LETTER ER); an invisible character by its code and name only."""
    name = f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}"
    return name if _hidden(ch) else f"'{ch}' ({name})"


def visible(text: str) -> str:
    """The text with every invisible character written as an escape (\\u200b), so a message shows it."""
    return "".join(f"\\u{ord(ch):04x}" if _hidden(ch) else ch for ch in text)


def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Cc") or ch in _INVISIBLE


def invisible(text: str) -> list[tuple[int, str]]:
    """(position, character) of every invisible character: zero-width spaces and joiners, soft hyphens, word
    joiners, BOMs, tags and the other format characters, fillers."""
    return [(i, ch) for i, ch in enumerate(text) if unicodedata.category(ch) == "Cf" or ch in _INVISIBLE]


def skeleton(text: str) -> str:
    """The text with compatibility forms folded (NFKC) and look-alike letters replaced by their Latin twin,
    case-folded: two labels with the same skeleton look the same."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(LOOK_ALIKES.get(ch, ch) for ch in folded).casefold()


def label_problems(label: str) -> list[tuple[str, str]]:
    """(severity, message) for each way ``label`` can be mistaken for another label."""
    found: list[tuple[str, str]] = []
    hidden = invisible(label)
    if hidden:
        where = ", ".join(f"{describe(ch)} at character {i + 1}" for i, ch in hidden[:3])
        more = f" and {len(hidden) - 3} more" if len(hidden) > 3 else ""
        found.append(("error", f"'{visible(label)}' holds an invisible character: {where}{more}; remove it"))
    folded = unicodedata.normalize("NFKC", label)
    if folded != label and not hidden:
        changed = next(ch for ch in label if unicodedata.normalize("NFKC", ch) != ch)
        found.append(
            (
                "warning",
                f"'{label}' holds compatibility characters such as {describe(changed)}; it is read as '{folded}' "
                "(write it that way)",
            )
        )
    for word in _words(folded):
        scripts = {script(ch) for ch in word} - {""}
        if len(scripts & CONFUSABLE_SCRIPTS) < 2:
            continue
        counts = {s: sum(1 for ch in word if script(ch) == s) for s in scripts}
        main = max(sorted(counts), key=lambda s: counts[s])
        strays = list(dict.fromkeys(ch for ch in word if script(ch) not in (main, "")))
        alike = ", ".join(
            f"{describe(ch)} looks like {main.title()} '{LOOK_ALIKES[ch]}'" if ch in LOOK_ALIKES else describe(ch)
            for ch in strays[:3]
        )
        names = " and ".join(sorted(s.title() for s in scripts))
        found.append(("warning", f"'{label}': the word '{word}' mixes {names} letters: {alike}"))
        break
    return found


def _words(text: str) -> list[str]:
    words, current = [], []
    for ch in text:
        if ch.isalnum() or unicodedata.category(ch) in ("Mn", "Mc"):
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words
