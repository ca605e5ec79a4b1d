"""Words hyphenated at a line end: joined back ("много-" + "аспектный"), unless the hyphen is
part of the word ("Сондай-ақ", "іс-шара", "социал-демократия", "1990-жылдары", "С-подобным").

A PDF does not say which hyphen is which: PDFium reports a typed "-" and a soft hyphen the
typesetter printed at a line end alike. The document itself is the dictionary: a form seen
elsewhere in it, written whole or with its hyphen, decides; then the shapes around the
hyphen (typesetters never leave one letter, an abbreviation in capitals or a Latin word
before a Cyrillic one at a line end, and a doubled word keeps its hyphen: "бір-бірімен");
then particles and prefixes that always take a hyphen; then whether both halves are words
of their own. Nothing decides for a hyphen otherwise: line-end hyphens in justified theses
are mostly the typesetter's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Kazakh particles and Russian ones written after a hyphen; Russian prefixes written before one.
# ("-дағы", "-тағы" are no particles: they are the suffix a line end cuts off "тарихтағы").
_PARTICLES = frozenset("ақ ау ме ма бе ба пе па дәл то либо нибудь таки ка де".split())
_PREFIXES = frozenset("кое во из по социал вице экс северо юго бизнес интернет онлайн штаб".split())
_PUNCTUATION = "«»\"'“”„()[]{}.,;:!?…—–"


class Dehyphenator:
    """Decides line-end hyphens with the vocabulary of whole words (not cut at a line end)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.counts = Counter(_clean(w) for w in words)

    def keeps_hyphen(self, left: str, right: str) -> bool:
        """Whether `left` + "-" + `right` (the last word of a line ending in a hyphen and the
        first of the next) is a hyphenated word rather than one word cut by the line end."""
        shape = _compound_shape(left.strip(_PUNCTUATION).split("-")[-1], right.strip(_PUNCTUATION))
        left, right = _clean(left), _clean(right)
        if not left or not right or not left[-1].isalpha():
            return True  # "1990-жылдары", "XX-", a lone dash
        joined, hyphenated = self.counts[left + right], self.counts[f"{left}-{right}"]
        if hyphenated or joined:
            return hyphenated >= joined
        if shape or right in _PARTICLES or left.split("-")[-1] in _PREFIXES:
            return True  # "С-подобным", "IT-компании", "Сондай-ақ", "социал-демократия"
        return len(right) >= 3 and self.counts[right] > 0 and self.counts[left.split("-")[-1]] > 0


def _compound_shape(left: str, right: str) -> bool:
    """A left half no typesetter would leave at a line end: one letter, capitals before
    lowercase ("IT-компании", "ГОСТ-ом"), Latin before Cyrillic; a doubled word ("бір-бірімен",
    "жыл-жылы"); or two capitalised names, whose second half no word cut in two would open
    with a capital ("Санкт-Петербург", "Модель-Көрініс-Контроллер")."""
    latin_before_cyrillic = left.isascii() and any("\u0400" <= ch <= "\u04ff" for ch in right)
    capitals = left.isupper() and len(left) <= 5 and not right.isupper()
    doubled = len(left) >= 3 and right.lower().startswith(left.lower())
    names = _capitalised(left) and _capitalised(right)  # "Санкт-Петербург", not "secondQueue-" "Index"
    return len(left) <= 1 or capitals or latin_before_cyrillic or doubled or names


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _clean(word: str) -> str:
    return word.strip(_PUNCTUATION).lower()
