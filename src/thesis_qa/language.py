"""Which language a piece of text is in: Kazakh, Russian or English, by its letters.

Kazakh Cyrillic has nine letters Russian lacks (ә ғ қ ң ө ұ ү һ і); one of them in a word is a
strong sign. Cyrillic without them reads as Russian, Latin as English.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["kk", "ru", "en"]
KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def detect_language(text: str, default: Language = "kk") -> Language:
    """The language of `text`; `default` when it has no letters at all."""
    cyrillic = latin = 0
    for ch in text:
        if ch in KAZAKH_LETTERS:
            return "kk"
        if "\u0400" <= ch <= "\u04ff":
            cyrillic += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    if cyrillic or latin:
        return "ru" if cyrillic >= latin else "en"
    return default
