"""Names people see and trust: account names, document names, library titles.

Three tricks make two different names look alike, or text read differently from what it says:
invisible letters (U+3164 HANGUL FILLER, zero-width joiners…), bidi controls (U+202E turns
"exe.txt" around), and letters of another script drawn like ours (a Cyrillic "а" in a Latin
word). Here:

- `neutral(text)` puts a plain space in place of every bidi control and invisible character,
  one for one, so offsets into the text (highlights) still point where they did;
- `clean_name(name)` is a name in NFKC with those characters removed;
- `mixed_script(name)` is the first word mixing letters of two scripts ("pаvel" with a
  Cyrillic "а"), "" when there is none: a word in one script is always fine ("Есеп_report");
- `skeleton(name)` is what a name looks like: case folded, look-alike letters mapped to one
  of them. Two names with the same skeleton are twins, and only one of them may exist.
"""

from __future__ import annotations

import re
import unicodedata

# Bidi embeddings, overrides and isolates, and the marks.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and spaces drawn as nothing (their Unicode category is not "format", so they are named).
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")
# Letters of Cyrillic and Greek that are drawn like Latin ones (after case folding), and digits
# drawn like letters: a subset of Unicode's confusables (UTS #39) for the scripts names use here.
_LOOK_ALIKES = str.maketrans(
    {
        **dict.fromkeys("аα", "a"), "в": "b", "β": "b", **dict.fromkeys("сϲ", "c"), "ԁ": "d",
        **dict.fromkeys("еεё", "e"), "һ": "h", "н": "h", **dict.fromkeys("іιї", "i"), "ј": "j",
        **dict.fromkeys("кκ", "k"), "ӏ": "l", "1": "l", "м": "m", "η": "n", **dict.fromkeys("оο0", "o"),
        **dict.fromkeys("рρ", "p"), "ѕ": "s", **dict.fromkeys("тτ", "t"), "υ": "u", "ν": "v",
        **dict.fromkeys("хχ", "x"), **dict.fromkeys("уүұ", "y"), "ԝ": "w", "ɡ": "g",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")


def invisible(ch: str) -> bool:
    """Whether `ch` is drawn as nothing or changes the direction of what follows."""
    return ch in BIDI or ch in BLANK_LETTERS or unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp")


def neutral(text: str) -> str:
    """`text` with a space in place of each bidi control and invisible character (newlines
    and tabs kept): the same length, so character offsets into it stay valid."""
    if text.isascii():
        return text
    return "".join(" " if ch not in "\n\t" and invisible(ch) else ch for ch in text)


def clean_name(name: str) -> str:
    """The name in NFKC, without invisible characters, spaces at its ends trimmed."""
    name = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in name if not invisible(ch)).strip()


def script(ch: str) -> str:
    """The script of a letter, from its Unicode name ("LATIN", "CYRILLIC", "GREEK"…)."""
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]


def mixed_script(name: str) -> str:
    """The first word of `name` whose letters come from more than one script ("" if none)."""
    for word in _WORD.findall(name):
        if len({script(ch) for ch in word}) > 1:
            return word
    return ""


def skeleton(name: str) -> str:
    """What `name` looks like: NFKC, invisible characters gone, case folded, and each
    look-alike letter mapped to the Latin one it imitates."""
    return clean_name(name).casefold().translate(_LOOK_ALIKES)


def twin(name: str, others: list[str] | set[str] | frozenset[str]) -> str:
    """Another name that looks like `name` without being it ("" when there is none)."""
    shape = skeleton(name)
    return next((other for other in sorted(others) if other != name and skeleton(other) == shape), "")
