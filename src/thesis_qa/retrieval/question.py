"""Reading a question, in one place: `read` turns its text (and the conversation) into a
`Question` holding all a search needs to know of it: cleaned and bounded text, language,
keys, what kind of question it is, the earlier question it continues (`followup`), its words
as written, and its Latin words read across scripts by the collection's `Lexicon`.
Candidates are gathered from that and never go back to the text.

A question is untrusted input of any size: it is cut to `MAX_SCAN_CHARS` before anything
scans it, then cleaned and cut to `MAX_QUESTION_CHARS`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from thesis_qa.errors import ThesisQAError
from thesis_qa.limits import MAX_HISTORY, MAX_QUESTION_CHARS, MAX_SCAN_CHARS
from thesis_qa.retrieval.followup import Form, context_of, form_of
from thesis_qa.text.fold import as_cyrillic
from thesis_qa.text.keys import terms
from thesis_qa.text.language import CAPITAL_LETTERS, Language, detect_language
from thesis_qa.text.numbers import asked_unit
from thesis_qa.text.stem import stem
from thesis_qa.text.translit import is_latin_word

_WORD = re.compile(r"\w+")


# Words that ask about the document's structure (its chapters, sections, contents, pages):
# only such questions are answered by table-of-contents entries. Not compared by key: six
# letters join "заключается" (consists) with "заключение" (conclusion), "содержится" with
# "содержание", "introduce" with "introduction", "қорытылады" (is smelted) with "қорытынды"
# (conclusion). Russian and English words are compared by whole stem; a Kazakh word by its
# beginning (it is its stem and then suffixes: "бөлімінде", "қорытындысында"), since the
# Kazakh stemmer leaves one word different stems ("бөлім", "бөлімде" -> "бөл", "бөлім").
KAZAKH_STRUCTURE_WORDS = tuple("тарау бөлім параграф мазмұн құрылым кіріспе қорытынды бет әдебиеттер".split())
_STRUCTURE_WORDS: tuple[tuple[Language, str], ...] = (
    ("ru", "глава главы раздел подраздел параграф параграфа содержание структура введение заключение страница"),
    ("en", "chapter section subsection paragraph contents structure introduction conclusion page bibliography"),
)
STRUCTURE_STEMS: dict[Language, frozenset[str]] = {
    language: frozenset(stem(word, language) for word in words.split()) for language, words in _STRUCTURE_WORDS
}
# A section a question names by number: "1.2", "3.4.1", "2-тарау", "главе 2", "chapter 2". A
# figure's or a table's number names the section it stands in ("3.14-суретте", "таблице 1.1",
# "рис. 2.3.1": 3, 1, 2.3): figures are numbered within their chapter or section.
_STRUCTURE = r"(?:тарау\w*|бөлім\w*|бөлік\w*|глав\w*|раздел\w*|подраздел\w*|параграф\w*|пункт\w*|chapter|section)"
_FIGURE = r"(?:сурет\w*|кесте\w*|рис(?:\.|\w*)|таблиц\w*|figure\w*|fig\.|tables?)"
_NUMBER = r"[1-9]\d?(?:\.\d{1,2})+"
# A chapter by its ordinal: "бірінші тарау", "во второй главе", "the third chapter".
_ORDINALS = (
    ("1", r"бірінші|перв\w*|first"),
    ("2", r"екінші|втор\w*|second"),
    ("3", r"үшінші|трет\w*|third"),
    ("4", r"төртінші|четв[её]рт\w*|fourth"),
    ("5", r"бесінші|пят\w*|fifth"),
)
_ORDINAL = "|".join(rf"(?P<o{number}>{words})" for number, words in _ORDINALS)
_NAMED_SECTION = re.compile(
    rf"(?<![\d.,])(?P<figure>{_NUMBER})\s*[-–]?\s*{_FIGURE}|{_FIGURE}\s*(?P<figure2>{_NUMBER})(?!\d|[.,]\d)"
    rf"|(?<![\d.,])(?P<number>{_NUMBER})(?!\d|[.,]\d)"
    rf"|(?<![\d.,])(?P<chapter>[1-9]\d?)\s*[-–]?\s*{_STRUCTURE}"
    rf"|\b(?:{_ORDINAL})\s+{_STRUCTURE}"
    rf"|{_STRUCTURE}\s+(?P<section>[1-9]\d?(?:\.\d{{1,2}})*)(?!\d|[.,]\d)",
    re.IGNORECASE,
)
# A part a question names by its role, in any of the three languages ("қорытындыда", "согласно
# заключению", "в аннотации", "according to the abstract"), and an appendix by its letter
# ("Приложение В", "Б қосымшасында", "Appendix A"; "приложение" and "қосымша" alone also mean
# an application). A section title names its part with the same words ("ҚОРЫТЫНДЫ", "9.
# Заключение", "ҚОСЫМША А").
_PARTS = (
    ("introduction", r"кіріспе\w*|введени\w*|introduction"),
    ("conclusion", r"қорытынды\w*|заключени\w*|conclusions?"),
    ("abstract", r"аңдатпа\w*|аннотаци\w*|реферат\w*|түйіндеме\w*|abstract"),
)
_NAMED_PART = re.compile("|".join(rf"\b(?P<{role}>{words})\b" for role, words in _PARTS), re.IGNORECASE)
_LABEL = f"(?-i:[{CAPITAL_LETTERS}])"  # an appendix's letter is a capital ("приложение в браузере" is not one)
_NAMED_APPENDIX = re.compile(
    rf"(?:приложени\w*|appendix|қосымша\w*)\s+(?P<after>{_LABEL})\b(?!\.\w)|\b(?P<before>{_LABEL})\s+қосымша\w*",
    re.IGNORECASE,
)
_TITLE_NUMBER = re.compile(r"^[\s§]*(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVXLCІ]{1,6}\.)?\s*")


def named_sections(text: str) -> tuple[str, ...]:
    """The sections a question names: by number ("1.2 бөлімде", "в разделе 3.4", "in chapter
    2", "2-тарауда", "3.14-суретте": "1.2", "3.4", "2", "3"), by role ("қорытындыда":
    "conclusion"), an appendix by its letter ("Приложение В": "appendix в"). A part is named
    as where to look only when the question asks nothing of the structure itself: in "Кіріспе
    қандай тараушалардан тұрады?" its headings answer, not the text it holds."""
    named = []
    for match in _NAMED_SECTION.finditer(text):
        figure = match["figure"] or match["figure2"]
        named.append(figure.rsplit(".", 1)[0] if figure else _numbered(match))
    return tuple(dict.fromkeys(named if _asks_structure(text) else [*named, *_parts(text)]))


def part_named(title: str) -> str | None:
    """The part a section title names by its role or appendix letter ("9. Заключение":
    "conclusion", "А қосымшасы": "appendix а"), as `named_sections` gives it; None for others
    ("Анализ заключений")."""
    text = _TITLE_NUMBER.sub("", title, count=1)
    found = _parts(text) if _NAMED_PART.match(text) or _NAMED_APPENDIX.match(text) else []
    return found[0] if found else None


def _parts(text: str) -> list[str]:
    roles = [role for match in _NAMED_PART.finditer(text) for role, found in match.groupdict().items() if found]
    letters = [as_cyrillic(m["after"] or m["before"]).lower() for m in _NAMED_APPENDIX.finditer(text)]
    return [*roles, *(f"appendix {letter}" for letter in letters)]


def _numbered(match: re.Match[str]) -> str:
    """The section a match of `_NAMED_SECTION` names by its number or ordinal ("" for a figure's)."""
    return match["number"] or match["chapter"] or match["section"] or _ordinal(match)


def _ordinal(match: re.Match[str]) -> str:
    return next((number for number, _ in _ORDINALS if match[f"o{number}"]), "")


# "According to": a section named with it only says where to look ("3.3 бөлімге сәйкес …",
# "Согласно разделу 3.2, …", "According to section 2, …").
_ACCORDING = re.compile(r"\b(?:сәйкес|согласно|according\s+to)\b", re.IGNORECASE)
_WHERE_TO_LOOK = re.compile(
    rf"(?<![\d.,])(?:{_STRUCTURE}\s+)?(?:{_NUMBER}|[1-9]\d?)(?!\d|[.,]\d)(?:\s*[-–]?\s*{_STRUCTURE})?", re.IGNORECASE
)


def _asks_structure(text: str) -> bool:
    """Whether a question asks about the document's structure: a structure word (of any of
    the three languages, as a question may name a Kazakh section in Russian) other than a
    part's name ("қорытындыда" only says where to look) or a section named "according to"
    (`_ACCORDING`), or a section number ("1.2"; not a figure's: "1.2-сурет" asks about the
    figure)."""
    if _ACCORDING.search(text):
        text = _WHERE_TO_LOOK.sub(" ", text)
    numbered = any(map(_numbered, _NAMED_SECTION.finditer(text)))
    words = (word for word in _WORD.findall(text) if not _NAMED_PART.fullmatch(word))
    return numbered or any(map(_is_structure_word, words))


def _is_structure_word(word: str) -> bool:
    word = word.lower().replace("ё", "е")
    return word.startswith(KAZAKH_STRUCTURE_WORDS) or any(
        stem(word, language) in stems for language, stems in STRUCTURE_STEMS.items()
    )


# A question after what a term means or how the work defines it ("X дегеніміз не?", "X қалай
# анықталған?", "X деп нені атайды?", "Что понимается под X?", "Как в работе определяется X?",
# "What does X mean?"), or what an abbreviation stands for. Not "анықталды" alone (was found),
# "определяет" (determines), "қандай мағынада" (in which sense), "meant to" or a "trimmed mean".
ASKS_MEANING = re.compile(
    r"дегеніміз|деген\s+не\b|нені\s+білдір|мағынасы|деп\s+(?:нені|не)\s+атай|қалай\s+анықтал|анықтамас"
    r"|что\s+(?:такое|означа|значит|понима)|определя(?:ется|ются)|определени"
    r"|\bwhat\s+(?:does|do|is|are)\b.*\bmean\b|\bmeaning\b|\bdefin"
    # what an abbreviation stands for: "SQL қысқартуы қалай ашылады?", "Как расшифровывается ВКР?"
    r"|қалай\s+ашыл|толық\s+атауы|аббревиатур|расшифров|\bstands?\s+for\b|\babbreviat"
)
# An abbreviation a question names ("SQL", "ДҚБЖ"; two letters match too much by chance), and
# what expands it: words whose initials spell it ("Structured Query Language", "Деректер қорын
# басқару жүйесі", "Minimal Viable Product").
_ABBREVIATION = re.compile(rf"(?<!\w)[{CAPITAL_LETTERS}]{{3,6}}(?!\w)")


@functools.lru_cache(maxsize=256)  # questions are untrusted: the patterns kept are bounded
def expansion(abbreviation: str) -> re.Pattern[str]:
    """What spells `abbreviation` out: a word opening with each of its letters, in order."""
    words = r"[\s-]+".join(rf"{re.escape(letter)}\w*" for letter in abbreviation)
    return re.compile(rf"(?<!\w){words}", re.IGNORECASE)


# Questions whose answer is a number (a count, an amount, a share, an age, a duration), a
# year, a date or a century, and questions whose answer is a person, in Kazakh, Russian and
# English (matched on lowercase words; a match anywhere in the question counts). Inflected
# words are listed by their forms, not by a bare prefix: "жыл" is not "жылқы" (horse) or
# "жылу" (warmth), "век" not "вектор", "қанша" not "қаншалықты" (to what degree).
NUMBER_QUESTION = re.compile(
    r"\b(?:қанша(?!лық)\w*|неше\w*|неші\w*|қашан|жыл(?:[ыдғ]\w*)?|ғасыр\w*"
    r"|қай\s+(?:кез(?:де|і)|уақыт\w*|күн\w*)|(?:сан|мөлшер|пайыз|көлем)\w*\s+қандай"
    r"|скольк\w*|когда|год\w*|век(?:а|е|у|ом|ов|ах|ам)?|лет|как\s+долго|по\s+сч[её]ту"
    r"|как\w*\s+(?:количеств|числ|процент|возраст|дат)\w*"
    r"|year\w*|when|centur\w*|how\s+(?:many|much|long|old)"
    r"|(?:what|which)\s+(?:number|date|age|percent\w*|share|proportion))\b"
    # a measure asked for: "Какой объём …", "Какова максимальная тактовая частота …",
    # "жиілігі қандай", "What is the accuracy …" (not a grade or a share of credit: "баға",
    # "үлес", "оценка" also name a judgement)
    r"|\b(?:как(?:ой|ая|ое|ую|ого|им)|каков\w*)\s+(?:\w+\s+){0,2}"
    r"(?:точност|объ[её]м|размер|частот|балл|стоимост|цен[аыуе]|скорост|дол[яиюе]\b|сумм|температур"
    r"|выручк|прибыл|доход|бюджет|зарплат)\w*"
    r"|\b(?:дәлдіг|өлшем|жиілі|құн[ыд]|жылдамдығ|сомас|температурас|табыс|жалақ)\w*\s+(?:\w+\s+)?(?:қандай|қанша)"
    r"|\b(?:what|which)\s+(?:(?:is|was|were|are)\s+)?(?:the\s+)?(?:\w+\s+)?"
    r"(?:size|price|cost|accuracy|frequency|speed|temperature|amount|budget|revenue|salary)\b"
)
# A question that names a kind of passage is answered by one of that kind: "1.1-кестеде",
# "в сравнительной таблице", "in the table"; "әдебиеттер тізімінде", "дереккөз", "статьи [10]",
# "в списке литературы"; "в сноске", "сілтемеде". Elsewhere tables, references and footnotes
# answer only by their content.
NAMED_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("table", re.compile(r"\b(?:кесте\w*|таблиц\w*|tables?)\b")),
    (
        "bibliography",
        re.compile(r"\b(?:әдебиет\w*|дереккөз\w*|литератур\w*|библиограф\w*|bibliograph\w*|references?)\b|\[\d{1,3}\]"),
    ),
    ("footnote", re.compile(r"\b(?:сілтеме\w*|снос(?:ка|ке|ки|ку|кой|ках|ок)|footnotes?)\b")),
)
# A person is asked by a question word, or by a question word before a scholar ("қай ғалым",
# "какой автор", "which author").
PERSON_QUESTION = re.compile(
    r"\b(?:кім\w*|кто|кого|кому|ком|кем|чей|чья|чьё|чье|чьи|чьих|чьим\w*|who|whom|whose"
    r"|(?:қай|қандай|как\w*|which|what)\s+(?:автор|ғалым|зерттеуші|ойшыл|саясаттанушы"
    r"|учён|учен|исследовател|философ|политолог|мыслител|author|scholar|scientist|researcher"
    r"|philosopher|thinker)\w*)\b"
)


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
    when its `form` lets it lean on the conversation (`context` holds the earlier question it
    may continue; the searcher takes it only on evidence: `followup.takes_context`). `written`
    pairs each of its own content keys, as the text gives it, with the word as written
    (lowercase); `spelled` maps positions in `written` of Latin words the collection lacks to
    the column of the key they meet across scripts."""

    text: str
    language: Language
    keys: tuple[str, ...]
    words: int  # all words, question words included: "Хантингтон" is a lookup, "Кім?" is not
    structural: bool  # asks about chapters, sections, contents: the ToC may answer it
    asks_number: bool = False  # a year, a century, a count
    asks_unit: str = ""  # the unit it asks a quantity in (`numbers.asked_unit`): "hours", "money"…
    asks_person: bool = False  # who, whose
    asks_meaning: bool = False  # what a term means, how the work defines it
    abbreviations: tuple[str, ...] = ()  # a meaning question's abbreviations ("SQL"): what it asks to expand
    named_kinds: tuple[str, ...] = ()  # the kinds of passage it names (`NAMED_KINDS`)
    sections: tuple[str, ...] = ()  # the sections it names (`named_sections`)
    form: Form = Form.ALONE  # what its form says of leaning on the conversation
    context: str = ""
    context_keys: tuple[str, ...] = ()
    written: tuple[tuple[str, str], ...] = ()
    spelled: tuple[tuple[int, int], ...] = ()

    @property
    def is_lookup(self) -> bool:
        """One or two words: a name, a year, a term to find."""
        return self.words <= 2

    def alone(self) -> Question:
        """This question without its conversation."""
        return replace(self, context="", context_keys=())


class Lexicon(Protocol):
    """What reading a question needs of the collection it is asked of."""

    def key_at(self, column: int) -> str:
        """The key in `column` of the collection's postings."""
        ...

    def spelled_as(self, key: str, word: str) -> int | None:
        """The column of the key a Latin `word` (whose own `key` the collection lacks) meets
        across scripts, or None."""
        ...


def read(question: str, history: Sequence[object] = (), lexicon: Lexicon | None = None) -> Question:
    """The whole reading of a question: `history` holds the conversation's earlier questions,
    oldest first; `lexicon`, the collection's, reads Latin words across scripts."""
    asked = read_question(question)
    context = context_of(asked.text, previous_questions(history))
    if context:
        own = set(asked.keys)
        added = (t.key for t in terms(context, detect_language(context)) if t.key not in own)
        asked = replace(asked, context=context, context_keys=tuple(dict.fromkeys(added)))
    return asked if lexicon is None else _across_scripts(asked, lexicon)


def read_question(question: str) -> Question:
    """Clean and analyse one question (no conversation, no collection)."""
    text = clean_question(question)
    language = detect_language(text)
    found = terms(text, language)
    written: dict[str, str] = {}
    for term in found:
        written.setdefault(term.key, text[term.start : term.end].lower())
    lower = text.lower()
    asks_number = bool(NUMBER_QUESTION.search(lower))
    sections = named_sections(text)
    asks_meaning = bool(ASKS_MEANING.search(lower))
    return Question(
        text,
        language,
        tuple(written),
        len(_WORD.findall(text)),
        _asks_structure(text),
        asks_number=asks_number,
        asks_unit=asked_unit(lower, asks_number),
        asks_person=bool(PERSON_QUESTION.search(lower)),
        asks_meaning=asks_meaning,
        abbreviations=tuple(dict.fromkeys(_ABBREVIATION.findall(text))) if asks_meaning else (),
        named_kinds=tuple(kind for kind, names in NAMED_KINDS if names.search(lower)),
        sections=sections,
        form=form_of(text),
        written=tuple(written.items()),
    )


def _across_scripts(asked: Question, lexicon: Lexicon) -> Question:
    """`asked` with each Latin word the collection lacks (its own, and those of the
    conversation it continues) replaced by the key it meets across scripts (`translit`)."""
    spelled: dict[int, int] = {}
    renamed: dict[str, str] = {}
    for position, (key, word) in enumerate(asked.written):
        column = lexicon.spelled_as(key, word) if is_latin_word(word) else None
        if column is not None:
            spelled[position], renamed[key] = column, lexicon.key_at(column)
    for term in terms(asked.context) if asked.context_keys else ():
        word = asked.context[term.start : term.end].lower()
        if term.key in asked.context_keys and term.key not in renamed and is_latin_word(word):
            column = lexicon.spelled_as(term.key, word)
            if column is not None:
                renamed[term.key] = lexicon.key_at(column)
    if not renamed:
        return asked
    own = tuple(dict.fromkeys(renamed.get(key, key) for key in asked.keys))
    context = tuple(dict.fromkeys(renamed.get(key, key) for key in asked.context_keys))
    return replace(
        asked,
        keys=own,
        context_keys=tuple(key for key in context if key not in own),
        spelled=tuple(spelled.items()),
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
