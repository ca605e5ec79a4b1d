"""Which language a piece of text is in: Kazakh, Russian or English, by its letters.

Kazakh Cyrillic has nine letters Russian lacks (ә ғ қ ң ө ұ ү һ і); one of them in a word is a
strong sign. Cyrillic without them reads as Russian, Latin as English.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["kk", "ru", "en"]
KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
# The capital and the small letters of the three languages, as the inside of a regex class.
CAPITAL_LETTERS, SMALL_LETTERS = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ", "a-zа-яёәғқңөұүһі"


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


def dominant_language(text: str) -> Language:
    """The language of most words of a longer text: Kazakh when at least one Cyrillic word
    in twenty has a Kazakh letter (a Russian text quoting a Kazakh name stays Russian)."""
    kazakh = cyrillic = latin = 0
    for word in text.split():
        if any("\u0400" <= ch <= "\u04ff" for ch in word):
            cyrillic += 1
            kazakh += not KAZAKH_LETTERS.isdisjoint(word)
        elif any(ch.isascii() and ch.isalpha() for ch in word):
            latin += 1
    if cyrillic >= latin and cyrillic:
        return "kk" if kazakh * 20 >= cyrillic else "ru"
    return "en" if latin else "kk"
