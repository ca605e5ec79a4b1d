"""Words hyphenated at a line end: joined back ("много-" + "аспектный"), unless the hyphen is
part of the word ("Сондай-ақ", "іс-шара", "социал-демократия", "1990-жылдары").

The document itself is the dictionary: a form seen elsewhere in it, written whole or with its
hyphen, decides; then particles and prefixes that always take a hyphen; then whether both
halves are words of their own. Nothing decides for a hyphen otherwise: line-end hyphens in
justified theses are mostly the typesetter's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Kazakh particles and Russian ones written after a hyphen; Russian prefixes written before one.
_PARTICLES = frozenset("ақ ау ме ма бе ба пе па дағы дәл тағы то либо нибудь таки ка де".split())
_PREFIXES = frozenset("кое во из по социал вице экс северо юго бизнес интернет онлайн штаб".split())
_PUNCTUATION = "«»\"'“”„()[]{}.,;:!?…—–"


class Dehyphenator:
    """Decides line-end hyphens with the vocabulary of whole words (not cut at a line end)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.counts = Counter(_clean(w) for w in words)

    def keeps_hyphen(self, left: str, right: str) -> bool:
        """Whether `left` + "-" + `right` (the last word of a line ending in a hyphen and the
        first of the next) is a hyphenated word rather than one word cut by the line end."""
        left, right = _clean(left), _clean(right)
        if not left or not right or not left[-1].isalpha():
            return True  # "1990-жылдары", "XX-", a lone dash
        joined, hyphenated = self.counts[left + right], self.counts[f"{left}-{right}"]
        if hyphenated or joined:
            return hyphenated >= joined
        if right in _PARTICLES or left.split("-")[-1] in _PREFIXES:
            return True
        return len(right) >= 3 and self.counts[right] > 0 and self.counts[left.split("-")[-1]] > 0


def _clean(word: str) -> str:
    return word.strip(_PUNCTUATION).lower()
