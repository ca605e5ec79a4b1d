"""Reduce Kazakh, Russian and English words to stems that match across inflections.

No Kazakh stemmer is packaged for Python, so `stem_kazakh` is a light suffix
stripper written for this project: it peels case, possessive, plural and common derivational
and verbal endings off the end of a word, in that order, while a stem of at least
`_MIN_STEM` letters with a vowel remains ("Хантингтонның" -> "хантингтон",
"институттардың" -> "институт", "модернизациялаудың" -> "модернизация").

An ending is only taken where Kazakh could have put it: after the sounds its variant follows
(the genitive is -ның after a vowel or м н ң, -дың after л р й у з ж, -тың after a voiceless
consonant) and in harmony with the stem's last vowel. So a name ending in letters that look
like an ending stays whole: "Астана" keeps its "-на" (a dative -на only follows a possessive
-ы/-і) and meets "Астанада" at "астана"; "Алматы" and "Алматыда" meet at "алмат".
Russian goes to the Snowball stemmer (PyStemmer), English to Snowball's English.

Which stemmer a word gets: Kazakh when the word holds a Kazakh-only letter, otherwise the
language of the text around it (a Kazakh passage, a Russian question).
"""

from __future__ import annotations

import functools

import Stemmer

from thesis_qa.text.language import KAZAKH_LETTERS, Language

_VOWELS = frozenset("аәеёиоөуұүыіэюяaeiouy")
_BACK_VOWELS = frozenset("аоұыя")
_FRONT_VOWELS = frozenset("әөүіе")
_MIN_STEM = 3
_INVARIANT = frozenset("мен менен бен бенен пен пенен".split())  # the instrumental ignores harmony

# What an ending may follow: the last letter of the stem before it.
VOWEL = frozenset("аәеёиоөуұүыіэюя")
SONORANT = frozenset("лрйу")  # л р й у (у after a vowel is a glide)
VOICED = frozenset("зжғ")
NASAL = frozenset("мнң")
VOICELESS = frozenset("кқпстфхцчшщбвгд")  # б в г д close loanwords and take voiceless variants
CONSONANT = SONORANT | VOICED | NASAL | VOICELESS
POSSESSIVE_3 = frozenset("ыі")  # -на, -нда, -нан follow the third person's -ы/-і
ANY = VOWEL | CONSONANT

_CASE = (
    ("ның нің", VOWEL | NASAL),  # genitive
    ("дың дің", SONORANT | VOICED),
    ("тың тің", VOICELESS),
    ("ға ге", VOWEL | SONORANT | VOICED | NASAL),  # dative
    ("қа ке", VOICELESS),
    ("на не", POSSESSIVE_3),
    ("ны ні", VOWEL),  # accusative
    ("ды ді", SONORANT | VOICED | NASAL),
    ("ты ті", VOICELESS),
    ("да де", VOWEL | SONORANT | VOICED | NASAL),  # locative
    ("та те", VOICELESS),
    ("нда нде", POSSESSIVE_3),
    ("дан ден", VOWEL | SONORANT | VOICED),  # ablative
    ("тан тен", VOICELESS),
    ("нан нен", NASAL | POSSESSIVE_3),
    ("мен менен", VOWEL | SONORANT | NASAL),  # instrumental
    ("бен бенен", VOICED | NASAL),
    ("пен пенен", VOICELESS),
    ("дағы дегі", VOWEL | SONORANT | VOICED | NASAL),  # locative + -ғы: "Қазақстандағы"
    ("тағы тегі", VOICELESS),
    ("ша ше", ANY),  # equative
    ("дай дей", VOWEL | SONORANT | VOICED | NASAL),  # similative
    ("тай тей", VOICELESS),
)
_POSSESSIVE = (
    ("ы і ым ім ың ің ымыз іміз ыңыз іңіз", CONSONANT),
    ("сы сі мыз міз ңыз ңіз", VOWEL),
)
_PLURAL = (
    ("лар лер", VOWEL | SONORANT - {"л"}),
    ("дар дер", VOICED | NASAL | {"л"}),
    ("тар тер", VOICELESS),
)
_DERIVATIONAL = (
    ("лық лік лы лі лау леу", VOWEL | SONORANT - {"л"}),  # abstract nouns, "having", verbs from nouns
    ("дық дік дау деу", VOICED | NASAL | {"л"}),
    ("тық тік тау теу", VOICELESS),
    ("шы ші шылық шілік сыз сіз ландыру лендіру", ANY),  # agents, "without", "-ise"
    ("ғы гі", VOWEL | SONORANT | VOICED | NASAL),  # "кешегі", "жазғы"
    ("қы кі", VOICELESS),
    ("ған ген", VOWEL | SONORANT | VOICED | NASAL),  # participles
    ("қан кен", VOICELESS),
    ("атын етін йтын йтін ушы уші уы уі у", ANY),  # participles, verbal nouns
    ("ады еді ып іп", CONSONANT),  # present tense, converb
    ("йды йді", VOWEL),
)


def _slot(rules: tuple[tuple[str, frozenset[str]], ...]) -> tuple[tuple[str, frozenset[str]], ...]:
    """(ending, letters it may follow), longest endings first."""
    pairs = [(ending, after) for endings, after in rules for ending in endings.split()]
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


# Slots in the order they are met from the end of a word: root + derivation + plural +
# possessive + case. Each slot gives up at most one ending, longest first.
SLOTS = tuple(_slot(rules) for rules in (_CASE, _POSSESSIVE, _PLURAL, _DERIVATIONAL))


def _harmonises(stem: str, ending: str) -> bool:
    """The ending's vowel agrees with the stem's last vowel (back with back, front with front);
    и, у, ю, э, consonant-only endings and the instrumental agree with anything."""
    if ending in _INVARIANT:
        return True
    last = next((ch for ch in reversed(stem) if ch in _VOWELS), "")
    ending_vowels = set(ending) & (_BACK_VOWELS | _FRONT_VOWELS)
    if not ending_vowels or last not in _BACK_VOWELS | _FRONT_VOWELS:
        return True
    return (last in _BACK_VOWELS) == bool(ending_vowels & _BACK_VOWELS)


def _fits(stem: str, ending: str, after: frozenset[str]) -> bool:
    return len(stem) >= _MIN_STEM and stem[-1] in after and not _VOWELS.isdisjoint(stem) and _harmonises(stem, ending)


def stem_kazakh(word: str) -> str:
    """Strip Kazakh endings from a lowercase word: case, then possessive, then plural, then
    one derivational or verbal ending, each only where Kazakh sound rules allow it, keeping a
    stem of 3+ letters with a vowel."""
    for slot in SLOTS:
        for ending, after in slot:
            if word.endswith(ending) and _fits(word[: -len(ending)], ending, after):
                word = word[: -len(ending)]
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
