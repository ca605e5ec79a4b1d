"""The glossary: the definitions a thesis gives itself, found by the shapes definitions take.

Kazakh: "X … ретінде анықтауға болады", "X дегеніміз …", "X – бұл …", "X деп … айтамыз /
түсінеміз", "X-ны … деп түсіну керек"; Russian: "под X понимается …", "X — это …",
"X представляет собой …", "X называется …" / "… называется X" (and "называют"),
"X определяется как …", and in a Russian text the bare "X — …" when X is a short term at the
start of the sentence; English: "X is defined as …", "X refers to …".

Each definition is one sentence of a passage (`Passage.sentences`), kept with its span so it
can be marked. The term is cut from the sentence (leading "Яғни", "Т.е.", bullets, citation
brackets and parentheses taken off), must be one to `MAX_TERM_WORDS` words and not open with
a pronoun ("Оны кейде … деп атайды" names nothing); it is keyed by the project's keys
(`text.keys.terms`), so "скоростью разработки" and "Скорость разработки" are one term, and
listed in its dictionary form: a Kazakh accusative or Russian instrumental first word is
given as the document writes that word where it stands alone (its shortest written form
with the same key).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from thesis_qa.document import Passage
from thesis_qa.text.keys import PRONOUNS, terms
from thesis_qa.text.language import Language, dominant_language

MAX_TERM_WORDS = 5  # a term longer than this is a clause, not a term (chosen by eval/study.py)
_DASH = r"[–—-]"
_INSTRUMENTAL = ("ью", "ой", "ей", "ом", "ем", "ами", "ями", "ым", "им", "ыми", "ими")
_LEAD = re.compile(
    r"^(?:[•●▪►◦─*\-–—]\s*|\d+[.)]\s+|(?:яғни|ал|демек|сонымен|сондықтан|итак|таким образом|т\.\s?е\.|то есть"
    r"|и|а|также|so|thus|hence)[,]?\s+)+",
    re.IGNORECASE,
)
_NOISE = re.compile(r"\[[^\]]*\]|\([^)]*\)")
_SHAPES: dict[Language, tuple[re.Pattern[str], ...]] = {
    "kk": (
        re.compile(r"^(?P<term>.+?)\s+(?P<definition>\S.*?\s+ретінде\s+анықта(?:уға\s+болады|лады|йды|ймыз|латын)).*$"),
        re.compile(r"^(?P<term>.+?)\s+дегеніміз\s*[,:–—-]?\s*(?P<definition>\S.*)$"),
        re.compile(rf"^(?P<term>.+?)\s*{_DASH}\s*бұл\s+(?P<definition>\S.*)$"),
        re.compile(r"^(?P<term>.+?)\s+деп\s+(?P<definition>\S.*?\s+(?:айтамыз|түсінеміз|атаймыз|түсініледі))\b.*$"),
        re.compile(
            rf"^(?P<term>.+?(?:ны|ні|ды|ді|ты|ті))\s*{_DASH}?\s+(?P<definition>.+?\s+деп\s+түсіну\s+(?:керек|қажет)).*$"
        ),
    ),
    "ru": (
        re.compile(
            r"^(?:.*?\s)?под\s+(?P<term>.+?)\s+(?:понимается|понимаются|понимают|подразумевается|следует\s+понимать)"
            r"\s+(?P<definition>\S.*)$",
            re.IGNORECASE,
        ),
        re.compile(rf"^(?P<term>.+?)\s*{_DASH}\s*это\s+(?P<definition>\S.*)$"),
        re.compile(r"^(?P<term>.+?)\s+представля(?:ет|ют)\s+собой\s+(?P<definition>\S.*)$"),
        re.compile(r"^(?P<term>.+?)\s+определя(?:ет|ют)ся\s+как\s+(?P<definition>\S.*)$"),
        re.compile(
            rf"^(?P<term>\S+(?:{'|'.join(_INSTRUMENTAL)})(?:\s+\S+){{0,4}}?)\s+(?:называется|называются|называют)\s+(?P<definition>\S.*)$"
        ),
        re.compile(
            r"^(?P<definition>.+?)\s+(?:называется|называются|называют)\s+(?P<term>[^,;:.]+?)(?:[,;:.]\s.*|\.?)$"
        ),
        re.compile(r"^(?P<term>[^—–]+?)\s+[—–]\s+(?P<definition>(?!не\s|это\s)[^\d\s].*)$"),
    ),
    "en": (
        re.compile(r"^(?P<term>.+?)\s+(?:is|are)\s+defined\s+as\s+(?P<definition>\S.*)$", re.IGNORECASE),
        re.compile(r"^(?P<term>.+?)\s+refers?\s+to\s+(?P<definition>\S.*)$", re.IGNORECASE),
    ),
}
# Words that head a sentence's subject without naming a term ("Основная задача — …").
_NOT_TERMS = frozenset("задача цель идея мнение вывод итог результат пример пусть чтобы мақсаты міндеті".split())
# Shapes whose term has no end mark of its own ("Саяси модернизация қазіргі … ретінде
# анықтауға болады"): the term is the longest opening of the sentence the document repeats.
_UNMARKED = frozenset({("kk", 0)})
_MIN_REPEATS = 2
_KAZAKH_VERB = ("ады", "еді", "йды", "йді", "ған", "ген", "қан", "кен", "майды", "мейді")
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")
_ACCUSATIVE = ("ны", "ні", "ды", "ді", "ты", "ті")


@dataclass(frozen=True)
class Definition:
    """A term the text defines: its dictionary form, its key, the defining sentence (and where
    it stands in the passage: `span`), and the passage."""

    term: str
    key: str
    definition: str
    passage_id: str
    page: str | None
    span: tuple[int, int]

    def to_json(self) -> dict[str, object]:
        return {
            "term": self.term,
            "definition": self.definition,
            "passage": {"id": self.passage_id, "page": self.page},
            "span": list(self.span),
        }


def term_key(text: str, language: Language) -> str:
    """A term's key: the keys of its words in a text of `language` ("Скорость разработки"
    and "скоростью разработки" alike). One language a document, since a short text's own
    language may read differently ("саяси" alone reads as Russian)."""
    return " ".join(t.key for t in terms(text, language))


def glossary(passages: Sequence[Passage], max_words: int = MAX_TERM_WORDS, bare_dash: bool = True) -> list[Definition]:
    """The definitions `passages` give, in document order; `bare_dash` takes Russian
    "X — …" sentences too."""
    found = []
    for document in dict.fromkeys(p.doc for p in passages):
        body = [p for p in passages if p.doc == document and p.kind in ("body", "footnote", "table")]
        found += _document_glossary(body, max_words, bare_dash)
    return found


def _document_glossary(body: Sequence[Passage], max_words: int, bare_dash: bool) -> list[Definition]:
    language = dominant_language(" ".join(p.text for p in body))
    written = _written_forms(body, language)
    keyed = " " + " ".join(term_key(p.text, language) for p in body) + " "
    found = []
    for passage in body:
        for start, end in passage.sentences or ((0, len(passage.text)),):
            sentence = passage.text[start:end]
            definition = _definition(sentence, _Context(language, max_words, bare_dash, written, keyed))
            if definition is not None:
                term, key = definition
                found.append(Definition(term, key, " ".join(sentence.split()), passage.id, passage.page, (start, end)))
    return found


def sort_glossary(definitions: Iterable[Definition]) -> list[Definition]:
    """A–Я by term (Cyrillic before Latin), one term's definitions in document order."""
    return sorted(definitions, key=lambda d: (d.term[:1].isascii(), d.term.lower()))


@dataclass(frozen=True)
class _Context:
    """What reading one document's sentences needs: its language, the limits, how it writes
    its words (`written`) and all its keys in a row (`keyed`)."""

    language: Language
    max_words: int
    bare_dash: bool
    written: dict[str, str]
    keyed: str


def _definition(sentence: str, context: _Context) -> tuple[str, str] | None:
    clean = " ".join(sentence.split()).rstrip(" .;")
    language = dominant_language(clean)
    shapes = _SHAPES.get(language, ())
    for number, shape in enumerate(shapes):
        if language == "ru" and number == len(shapes) - 1 and not context.bare_dash:
            continue
        match = shape.match(clean)
        if match is None:
            continue
        raw = match.group("term")
        if (language, number) in _UNMARKED:
            raw = _repeated_opening(f"{raw} {match.group('definition')}", context)
        term = _term(raw, context.max_words, language)
        if term and len(match.group("definition").split()) >= 2:
            key = term_key(term, context.language)
            if key:
                return _dictionary_form(term, context), key
    return None


def _repeated_opening(sentence: str, context: _Context) -> str:
    """The longest opening of `sentence` (up to `max_words` words) whose keys stand in the
    documents more than `_MIN_REPEATS` times: a term is repeated, a clause is not."""
    words = _LEAD.sub("", sentence).split()
    best = words[:1]
    for size in range(2, context.max_words + 1):
        key = term_key(" ".join(words[:size]), context.language)
        if context.keyed.count(f" {key} ") > _MIN_REPEATS:
            best = words[:size]
    return " ".join(best)


def _term(raw: str, max_words: int, language: Language) -> str | None:
    """The term a definition's subject names, or None when it names none (a clause, a
    pronoun, a Kazakh finite verb: "… генерацияланады — бұл …" says "this", not "is")."""
    term = _NOISE.sub(" ", _LEAD.sub("", raw.strip())).strip(' ,:;«»"“”')
    words = term.split()
    if not 1 <= len(words) <= max_words or words[0].lower() in PRONOUNS or "[" in term or "]" in term:
        return None
    if language == "kk" and words[-1].lower().endswith(_KAZAKH_VERB):
        return None
    if words[-1].lower() in _NOT_TERMS or words[0].lower() in _NOT_TERMS or any(ch.isdigit() for ch in term):
        return None
    if not all(any(ch.isalpha() for ch in w) for w in words) or "?" in term:
        return None
    return " ".join(words)


def _written_forms(passages: Sequence[Passage], language: Language) -> dict[str, str]:
    """For each word key, the shortest way the document writes it (lower case)."""
    shortest: dict[str, str] = {}
    for passage in passages:
        text = passage.text
        for term in terms(text, language):
            word = text[term.start : term.end].lower()
            if term.key not in shortest or len(word) < len(shortest[term.key]):
                shortest[term.key] = word
    return shortest


def _dictionary_form(term: str, context: _Context) -> str:
    """A term whose first word stands in the instrumental (Russian "под скоростью …") or
    accusative (Kazakh "практиканы") given with that word as the text writes it plainest."""
    words = term.split()
    first = words[0].lower()
    if first.endswith(_INSTRUMENTAL + _ACCUSATIVE) or words[-1].lower().endswith(_ACCUSATIVE):
        index = 0 if first.endswith(_INSTRUMENTAL) else len(words) - 1
        found = terms(words[index], context.language)
        if found and found[0].key in context.written:
            plain = context.written[found[0].key]
            words[index] = plain.capitalize() if words[index][:1].isupper() else plain
    return " ".join(words)


def definitions_of(entries: Sequence[Definition], question: str) -> list[Definition]:
    """The glossary's definitions of the term a "what is X" question asks about ("X
    дегеніміз не?", "Что такое X?", "What is X?"), or [] when it asks something else."""
    asked = asked_term(question)
    if asked is None:
        return []
    keys = {term_key(asked, language) for language in LANGUAGES} - {""}
    return [entry for entry in entries if entry.key in keys]


_QUESTIONS = (
    re.compile(r"^(?P<term>.+?)\s+(?:дегеніміз|деген)\s+(?:не|нені\s+білдіреді)\s*\??$", re.IGNORECASE),
    re.compile(r"^(?P<term>.+?)\s+(?:деп\s+нені\s+айтамыз|дегеніміз)\s*\??$", re.IGNORECASE),
    re.compile(r"^что\s+(?:такое|называется|понимается\s+под)\s+(?P<term>.+?)\s*\??$", re.IGNORECASE),
    re.compile(r"^(?:what\s+is|what\s+are|define)\s+(?:an?\s+|the\s+)?(?P<term>.+?)\s*\??$", re.IGNORECASE),
)


def asked_term(question: str) -> str | None:
    """The X of "X дегеніміз не?", "Что такое X?", "What is X?"; None for other questions."""
    text = " ".join(question.split()).strip(" .!")
    for shape in _QUESTIONS:
        match = shape.match(text)
        if match:
            return match.group("term").strip(' «»"“”')
    return None
