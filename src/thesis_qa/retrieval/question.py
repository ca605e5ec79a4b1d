"""The question side of a search: a cleaned, bounded question, its language, its keys, what
kind of question it is, and the conversation it leans on.

A question is untrusted input of any size: it is cut to `MAX_SCAN_CHARS` before anything
scans it, then cleaned and cut to `MAX_QUESTION_CHARS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from thesis_qa.errors import ThesisQAError
from thesis_qa.text.keys import terms
from thesis_qa.text.language import Language, detect_language
from thesis_qa.text.stem import stem

MAX_QUESTION_CHARS = 1000
MAX_SCAN_CHARS = 4 * MAX_QUESTION_CHARS  # what cleaning may look at: whitespace and controls shrink it
MAX_HISTORY = 3  # earlier questions a follow-up may lean on
_WORD = re.compile(r"\w+")


# Words that ask about the document's structure (its chapters, sections, contents, pages):
# only such questions are answered by table-of-contents entries. Not compared by key: six
# letters join "заключается" (consists) with "заключение" (conclusion), "содержится" with
# "содержание", "introduce" with "introduction", "қорытылады" (is smelted) with "қорытынды"
# (conclusion). Russian and English words are compared by whole stem; a Kazakh word by its
# beginning (it is its stem and then suffixes: "бөлімінде", "қорытындысында"), since the
# Kazakh stemmer leaves one word different stems ("бөлім", "бөлімде" -> "бөл", "бөлім").
KAZAKH_STRUCTURE_WORDS = tuple("тарау бөлім параграф мазмұн құрылым кіріспе қорытынды бет әдебиеттер".split())
STRUCTURE_STEMS: dict[Language, frozenset[str]] = {
    language: frozenset(stem(word, language) for word in words.split())
    for language, words in (
        ("ru", "глава главы раздел подраздел параграф параграфа содержание структура введение заключение страница"),
        ("en", "chapter section subsection paragraph contents structure introduction conclusion page bibliography"),
    )
}
_SECTION_NUMBER = re.compile(r"(?<![\d.])\d\.\d(?:\.\d)*(?![\d])")


def _asks_structure(text: str) -> bool:
    """Whether a question asks about the document's structure: a structure word (of any of
    the three languages, as a question may name a Kazakh section in Russian), or a section
    number ("1.2")."""
    return bool(_SECTION_NUMBER.search(text)) or any(map(_is_structure_word, _WORD.findall(text)))


def _is_structure_word(word: str) -> bool:
    word = word.lower().replace("ё", "е")
    return word.startswith(KAZAKH_STRUCTURE_WORDS) or any(
        stem(word, language) in stems for language, stems in STRUCTURE_STEMS.items()
    )


# Questions whose answer is a number, a year or a century, and questions whose answer is a
# person (matched on lowercase words; a match anywhere in the question counts).
NUMBER_QUESTION = re.compile(
    r"\b(жыл\w*|қашан|қанша|нешінші|ғасыр\w*"
    r"|год\w*|когда|сколько|век\w*|лет"
    r"|year\w*|when|how many|how much|centur\w*)\b"
)
PERSON_QUESTION = re.compile(r"\b(кім\w*|кто|кого|кем|чей|чья|чьё|чье|чьи|who|whom|whose)\b")


class QuestionError(ThesisQAError):
    """The question holds nothing to search for."""

    code = "question_empty"


def clean_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """Drop control and format characters (bidi overrides included), collapse whitespace,
    bound the length; the input is cut before it is scanned, whatever its size.

    Raises `QuestionError` when no letter or digit is left."""
    head = question[:MAX_SCAN_CHARS]
    kept = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in head)
    text = " ".join(kept.split())[:max_chars]
    if not re.search(r"\w", text):
        raise QuestionError("the question is empty", code="question_empty")
    return text


@dataclass(frozen=True)
class Question:
    """A cleaned question with what ranking needs to know about it (no vector yet).

    `keys` are the question's own content keys; `context_keys` those its conversation adds
    when it is a follow-up (`context` holds the earlier question it leans on)."""

    text: str
    language: Language
    keys: tuple[str, ...]
    words: int  # all words, question words included: "Хантингтон" is a lookup, "Кім?" is not
    structural: bool  # asks about chapters, sections, contents: the ToC may answer it
    asks_number: bool = False  # a year, a century, a count
    asks_person: bool = False  # who, whose
    context: str = ""
    context_keys: tuple[str, ...] = ()

    @property
    def is_lookup(self) -> bool:
        """One or two words: a name, a year, a term to find."""
        return self.words <= 2


def read_question(question: str) -> Question:
    """Clean and analyse one question (no conversation)."""
    text = clean_question(question)
    language = detect_language(text)
    keys = tuple(dict.fromkeys(t.key for t in terms(text, language)))
    structural = _asks_structure(text)
    lower = text.lower()
    return Question(
        text,
        language,
        keys,
        len(_WORD.findall(text)),
        structural,
        asks_number=bool(NUMBER_QUESTION.search(lower)),
        asks_person=bool(PERSON_QUESTION.search(lower)),
    )


def previous_questions(history: Sequence[object]) -> list[str]:
    """The last few usable earlier questions, oldest first (blank or non-text ones dropped)."""
    usable = []
    for item in list(history)[-MAX_HISTORY:]:
        if isinstance(item, str):
            try:
                usable.append(clean_question(item))
            except QuestionError:
                continue
    return usable
