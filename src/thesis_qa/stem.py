"""Reduce Kazakh, Russian and English words to stems that match across inflections.

No Kazakh stemmer can be installed here (context.md §4), so `stem_kazakh` is a light suffix
stripper written for this project: it peels case, possessive, plural and common derivational
and verbal endings off the end of a word, in that order, while a stem of at least
`_MIN_STEM` letters with a vowel remains ("Хантингтонның" -> "хантингтон",
"институттардың" -> "институт", "модернизациялаудың" -> "модернизация"). Russian goes to the
Snowball stemmer (PyStemmer), English to Snowball's English.

Which stemmer a word gets: Kazakh when the word holds a Kazakh-only letter, otherwise the
language of the text around it (a Kazakh passage, a Russian question).
"""

from __future__ import annotations

import functools

import Stemmer

from thesis_qa.language import KAZAKH_LETTERS, Language

_VOWELS = frozenset("аәеёиоөуұүыіэюяaeiouy")
_MIN_STEM = 3

# Endings by the slot they fill, each with its vowel-harmony and consonant variants.
_CASE = (
    "ның нің дың дің тың тің "  # genitive
    "ға ге қа ке на не "  # dative
    "ны ні ды ді ты ті "  # accusative
    "да де та те нда нде "  # locative
    "дан ден тан тен нан нен "  # ablative
    "мен бен пен менен бенен пенен "  # instrumental
    "ша ше дай дей тай тей"  # equative, similative
)
_POSSESSIVE = "ым ім ың ің ымыз іміз ыңыз іңіз мыз міз ңыз ңіз сы сі ы і"
_PLURAL = "лар лер дар дер тар тер"
_DERIVATIONAL = (
    "лық лік дық дік тық тік "  # abstract nouns, adjectives
    "шы ші шылық шілік "  # agents
    "лы лі сыз сіз "  # having, without
    "дағы дегі тағы тегі ғы гі қы кі "  # "Қазақстандағы"
    "лау леу дау деу тау теу "  # nouns made verbs: "модернизациялау"
    "ландыру лендіру"  # "демократияландыру"
)
_VERBAL = (
    "ған ген қан кен атын етін йтын йтін ушы уші "  # participles
    "ады еді йды йді ды ді ты ті "  # present and past
    "уы уі у ып іп"  # verbal nouns, converbs
)
# Slots in the order they are met from the end of a word: root + derivation + plural +
# possessive + case. Each slot gives up at most one ending, longest first.
SLOTS: tuple[tuple[str, ...], ...] = tuple(
    tuple(sorted(set(endings.split()), key=len, reverse=True))
    for endings in (_CASE, _POSSESSIVE, _PLURAL, f"{_DERIVATIONAL} {_VERBAL}")
)


def stem_kazakh(word: str) -> str:
    """Strip Kazakh endings from a lowercase word: case, then possessive, then plural, then
    one derivational or verbal ending, keeping a stem of 3+ letters with a vowel."""
    for endings in SLOTS:
        for ending in endings:
            rest = word[: -len(ending)]
            if word.endswith(ending) and len(rest) >= _MIN_STEM and _VOWELS.intersection(rest):
                word = rest
                break
    return word


@functools.cache
def _snowball(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language)


def stem(word: str, language: Language) -> str:
    """The stem of lowercase `word` in a text of `language`."""
    if KAZAKH_LETTERS.intersection(word):
        return stem_kazakh(word)
    if not word.isalpha():
        return word
    if word.isascii():
        return _snowball("english").stemWord(word)
    if language == "ru":
        return _snowball("russian").stemWord(word)
    return stem_kazakh(word)
