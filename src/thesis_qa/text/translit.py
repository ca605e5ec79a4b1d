"""Names and loan words across scripts: a Latin word of a question meets the Cyrillic keys of
a collection ("Huntington" -> "Хантингтонның", "Weber" -> "Вебердің", "modernization" ->
"модернизация").

Stems never meet across scripts, and the embedded vocabulary (`vocabulary`) knows common
words better than names: an English question naming "Huntington" found nothing lexically
in a thesis that writes "Хантингтон". So both sides are spelt in one rough alphabet and
compared letter by letter:

- a Cyrillic word is romanised letter for letter (Russian and Kazakh letters; "ж" -> "j",
  "ш" -> "w", "ч" -> "q", "ц" -> "c", "х" -> "h", "я" -> "ia"), which is unambiguous;
- a Latin word is read by English spelling the way Russian and Kazakh borrow names and terms
  ("sh" -> "w", "ph" -> "f", "th" -> "t", "-tion" -> "-ция" = "cia", "c" -> "s" before e i y,
  else "k"); where the convention has more than one reading ("h": "Хантингтон" or
  "Гантингтон"; "w": "Вебер" or "Уильямс"; "ch": "Чарльз" or "Михельс"), a few readings
  are kept (`latin_codes`);
- doubled letters count once on both sides ("Парсонс" for "Parsons", "Аппель").

A Latin word meets a Cyrillic word (its written form, or the form's Kazakh or Russian stem)
when they begin with the same letter and their spellings are near: fewer than one letter in
`LETTERS_PER_EDIT` differs (Levenshtein distance, against the longer length), so words of up
to five letters must be spelt alike, words of six to ten may differ in one letter
("huntington" / "хантингтон"), longer ones in two. Borrowing keeps a name's first letter
(its readings cover the ambiguous ones), and without that rule short words meet by chance
("schemes", read "wemes", is one letter from the Kazakh "емес"). `Bridge.match` gives, for
a Latin word, the collection's key it meets best, and `search` treats that key as the word's own.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from thesis_qa.text.stem import stem

# A match has fewer edits than its longer spelling has letters / 5. Cross-validated thesis R@1
# (eval/fit.py): 4 -> 0.83, 5 -> 0.85, 6 -> 0.84 (follow-ups 0.67, 0.73, 0.73).
LETTERS_PER_EDIT = 5
MIN_LETTERS = 4  # shorter Latin words ("war", "new") are too easily someone else's spelling
MAX_READINGS = 8  # readings of one Latin word at most (each ambiguity doubles them)

_CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n",
    "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "h", "һ": "h", "ц": "c", "ч": "q", "ш": "w", "щ": "w", "ъ": "",
    "ы": "i", "і": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip
# English spellings, longest first, with the readings Russian and Kazakh give them (the
# usual one first). Letters not listed read as themselves.
_LATIN = {
    "tion": ("cia",),
    "sion": ("sia",),
    "tch": ("q",),
    "sch": ("w",),
    "sh": ("w",),
    "ch": ("q", "h"),
    "kh": ("h",),
    "zh": ("j",),
    "ph": ("f",),
    "th": ("t",),
    "ck": ("k",),
    "qu": ("kv",),
    "ee": ("i",),
    "oo": ("u",),
    "x": ("ks",),
    "q": ("k",),
    "w": ("v", "u"),
    "j": ("dj", "i"),
    "y": ("i",),
    "h": ("h", "g"),
}
_SOFT_C = frozenset("eiy")


def _collapse(code: str) -> str:
    """Doubled letters once: "parsons" for "Parsons" and "Парсонс", "apel" for "Аппель"."""
    return "".join(letter for letter, _ in itertools.groupby(code))


def cyrillic_code(word: str) -> str:
    """A lowercase Cyrillic word romanised letter for letter ("" when it holds other letters)."""
    letters = [_CYRILLIC.get(ch) for ch in word]
    return "" if any(letter is None for letter in letters) else _collapse("".join(letters))  # type: ignore[arg-type]


def latin_codes(word: str) -> list[str]:
    """The readings of a lowercase Latin word in the same alphabet, the usual one first
    (at most `MAX_READINGS`)."""
    readings = [""]
    at = 0
    while at < len(word):
        for size in (4, 3, 2, 1):
            grapheme = word[at : at + size]
            if len(grapheme) == size and (grapheme in _LATIN or size == 1):
                break
        if grapheme == "c":
            options: tuple[str, ...] = ("s",) if word[at + 1 : at + 2] in _SOFT_C and at + 1 < len(word) else ("k",)
        else:
            options = _LATIN.get(grapheme, (grapheme,))
        readings = [r + option for r in readings for option in options][:MAX_READINGS]
        at += len(grapheme)
    return list(dict.fromkeys(_collapse(r) for r in readings))


def is_latin_word(word: str) -> bool:
    """A word worth reading across scripts: Latin letters only, `MIN_LETTERS` or more."""
    return len(word) >= MIN_LETTERS and word.isascii() and word.isalpha()


def similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / the longer length, or 0 when the spellings are not near:
    as many edits as a fifth of the longer length, or more (`LETTERS_PER_EDIT`)."""
    longest = max(len(a), len(b))
    distance = _levenshtein(a, b)
    return 1.0 - distance / longest if distance * LETTERS_PER_EDIT < longest else 0.0


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _pack(codes: Sequence[str]) -> np.ndarray:
    """Codes as a padded array of letter numbers (0 pads: it equals no letter)."""
    width = max((len(code) for code in codes), default=0)
    out = np.zeros((len(codes), width), dtype=np.int16)
    for row, code in enumerate(codes):
        out[row, : len(code)] = [ord(ch) for ch in code]
    return out


def _prefix_distances(query: str, packed: np.ndarray) -> np.ndarray:
    """Levenshtein distance from `query` to every prefix of every packed code, all rows at
    once (rows x width + 1: column j for the first j letters): one pass per letter of the
    query, the insertions of a row being a running minimum."""
    rows, width = packed.shape
    steps = np.arange(width + 1, dtype=np.int32)
    previous = np.broadcast_to(steps, (rows, width + 1)).copy()
    for i, letter in enumerate(query, start=1):
        substitute = previous[:, :-1] + (packed != ord(letter))
        best = np.minimum(previous[:, 1:] + 1, substitute)  # deletion or substitution
        # insertions: current[j] = min over k <= j of best[k] + (j - k), with current[0] = i
        current = np.minimum.accumulate(np.column_stack([np.full(rows, i), best - steps[1:]]), axis=1)
        previous = current + steps
    return previous


class Bridge:
    """The Cyrillic written forms of a collection's vocabulary, romanised once, to meet the
    Latin words of questions.

    `forms` are the vocabulary's (`vocabulary.Vocabulary`): the key at column c is written
    `forms[c]`. Each form is compared as written and as its Kazakh and Russian stems
    ("Хантингтонның" -> "хантингтон"). A stem is a beginning of its form, so the forms worth
    stemming are found first, all at once, as those with a beginning near the Latin word."""

    def __init__(self, forms: Sequence[str]) -> None:
        self._forms = tuple(forms)
        codes = [cyrillic_code(form) for form in forms]
        self._columns = np.array([c for c, code in enumerate(codes) if len(code) >= MIN_LETTERS - 1], dtype=np.int64)
        kept = [codes[c] for c in self._columns]
        self._lengths = np.array([len(code) for code in kept], dtype=np.int32)
        self._initials = np.array([ord(code[0]) for code in kept], dtype=np.int32)
        self._packed = _pack(kept)

    def match(self, word: str) -> tuple[int, float] | None:
        """The column of the key a Latin `word` meets best and how similar they are
        (`similarity`), or None when no form is near enough."""
        best: tuple[float, int] | None = None
        for reading in latin_codes(word):
            for column in self._beginning_near(reading):
                form = self._forms[column]
                for variant in dict.fromkeys((form, stem(form, "kk"), stem(form, "ru"))):
                    code = cyrillic_code(variant)
                    score = similarity(reading, code) if len(code) >= MIN_LETTERS - 1 else 0.0
                    if score > 0 and (best is None or score > best[0]):
                        best = (score, int(column))
        return None if best is None else (best[1], best[0])

    def _beginning_near(self, reading: str) -> np.ndarray:
        """Columns of the forms with the reading's first letter and a beginning near it."""
        size = len(reading)
        slack = size // (LETTERS_PER_EDIT - 1)  # a longer or shorter spelling is never near
        near = np.flatnonzero((self._initials == ord(reading[0])) & (self._lengths >= size - slack))
        if not len(near):
            return near
        width = min(size + slack, self._packed.shape[1])
        distances = _prefix_distances(reading, self._packed[near, :width])
        prefix = np.arange(width + 1)
        held = (prefix[None, :] <= self._lengths[near, None]) & (prefix >= size - slack)
        close = distances * LETTERS_PER_EDIT < np.maximum(prefix, size)[None, :]
        return self._columns[near[(held & close).any(axis=1)]]
