"""Matching keys: Unicode words -> stems -> keys, and where a text's words stand.

Tokens are `\\w+` runs over all of Unicode (no Cyrillic or Kazakh letter is ever dropped) and
the names of programming languages a letter and its signs make ("C++", "C#", "F#": as `\\w+`
they were a lone letter, dropped, and "Бағдарлама C++ тілінде …" lost its subject),
folded to one spelling (`fold`: «ə» typed for «ә», Latin look-alikes inside Cyrillic words,
mathematical letters, «ё») and lowercased. Each word becomes a *key*: its stem (see `stem`) cut to
`PREFIX` letters, so a Kazakh "модернизациясының" and a Russian "модернизации" meet at
"модерн", as do names across the two languages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from thesis_qa.text.fold import fold
from thesis_qa.text.language import Language, detect_language
from thesis_qa.text.stem import stem

PREFIX = 6
_WORD = re.compile(r"[^\W\d_][+#]+(?![\w+#])|\w+")

# Pronouns and demonstratives (Kazakh, Russian, English): they carry no topic of their own,
# and in a follow-up they point back at the conversation (`followup`).
PRONOUNS = frozenset(
    """
    ол оның оны оған онда одан олар олардың оларды оларға олармен бұл бұның мұның мұны бұған
    осы осының осыны осыған сол соның соны сонда мұнда осында сондай мұндай осындай олай
    он она оно они его её ее их ему ей им него нее неё ней ним них нём нем этот эта это эти
    этого этой этих этом тот та те того той тех том там тогда такой такая такие таких такое
    he she it they him her them his its their this that these those there then
    """.split()
)
# Function words and question words that carry no topic (Kazakh, Russian, English).
STOP_WORDS = PRONOUNS | frozenset(
    """
    мен және да де та те бен пен ал бірақ немесе не ме ма ба бе па пе ғой ғана біз сіз мына қандай қай
    кім қанша қашан неге неліктен қалай нешінші қайда деген дегеніміз деп болып болады табылады
    үшін туралы бойынша арқылы сияқты ретінде
    и в во на с со по из к ко о об от до за для что как какой какая какие каких какое кто где
    когда почему ли же бы не ни был была были было является ещё также или а но у при про над
    под между чем чего кого
    the a an of in on at to and or for by with from what which who whom whose when where why
    how is are was were be been does do did as
    """.split()
)


@dataclass(frozen=True)
class Term:
    """A word of a text: where it stands, and the key it matches by."""

    start: int
    end: int
    key: str


@functools.lru_cache(maxsize=200_000)
def key_of(word: str, language: Language) -> str:
    """The matching key of a lowercase word (cached: a text repeats its words)."""
    return stem(fold(word), language)[:PREFIX]


# Words naming the document itself ("диссертацияда", "в диссертации", "in the thesis"): in a
# collection of theses every passage is in one, so they say nothing of what is asked (and a
# passage that happens to name its thesis is no nearer the answer). Matched by key, any
# inflection.
DOCUMENT_WORDS = (("kk", "диссертация"), ("ru", "диссертация"), ("en", "thesis"), ("en", "dissertation"))
DOCUMENT_KEYS = frozenset(key_of(word, language) for language, word in DOCUMENT_WORDS)


def terms(text: str, language: Language | None = None) -> list[Term]:
    """The content words of `text` with their keys; stop words and the document's own name
    (`DOCUMENT_KEYS`) are left out."""
    language = language or detect_language(text)
    out = []
    for match in _WORD.finditer(text):
        word = fold(match.group()).lower()
        if word in STOP_WORDS or (len(word) == 1 and not word.isdigit()):
            continue
        key = key_of(word, language)
        if key not in DOCUMENT_KEYS:
            out.append(Term(match.start(), match.end(), key))
    return out


def passage_keys(section: str, text: str, language: Language) -> list[str]:
    """The keys BM25 indexes for a passage: those of its section title and its text."""
    return [t.key for t in terms(f"{section}\n{text}", language)]


def matching_spans(found: Sequence[Term], keys: Iterable[str]) -> list[tuple[int, int]]:
    """Where the words of a text (its `terms`) that match one of `keys` stand (any inflection)."""
    wanted = set(keys)
    return [(t.start, t.end) for t in found if t.key in wanted]


def coverage(spans: Sequence[tuple[int, int]], found: Sequence[Term], keys: Iterable[str]) -> np.ndarray:
    """For each span of a text (a sentence), the share of the distinct query `keys` among the
    text's `terms` inside it."""
    wanted = set(keys)
    shares = np.zeros(len(spans), dtype=np.float32)
    if not wanted:
        return shares
    for row, (a, b) in enumerate(spans):
        shares[row] = len(wanted & {t.key for t in found if a <= t.start < b}) / len(wanted)
    return shares
