"""The index of names and works: every person a thesis cites and every work it names, each
with all the forms it is written in and the passages and pages where it stands.

How a capitalised word is told to be a person (and not a sentence start, a place or an
organisation) — a person needs one piece of *strong evidence* somewhere in the collection:

- initials before the surname: "С.Хантингтонның", "Л. Пай", "А.К\\nТілегулова" (a line
  break may eat the last dot);
- initials after it: "Кожухов И. Б.", "Kahn, C.E." (bibliography style);
- a bibliography entry opening with a Latin first and last name: "Henry Andersson, A …";
- a person word next to it: "ғалымы Бутенко", "Кулик атап өткендей", "по мнению Иванова",
  "под ред. Райкова".

Weak evidence only joins a person already found: any other capitalised word whose surname key
(`surname_key`) is a found person's ("Хантингтонның" mid-sentence, "Хантингтону" in a
Russian text, "Huntington" through the transliteration of `text.translit`). A capitalised
word alone never makes a person, so "Қазақстан", "Батыс" or "Google" never do.

What is refused even with initials: a "surname" also written in lower case in the collection
("А. Исходный", "Сурет И.1" — an ordinary word capitalised, a list letter or a figure
number), an organisation or label word ("U.S. Department", "Приложение А."), and the blank
for a name on a title page ("А.Т.Ә.").

Forms of one person meet under one entry by their surname key (case endings of Kazakh and
Russian taken off) when their initials agree (one's are a beginning of the other's, or one
has none: "С.Хантингтон" and "Хантингтонның"); two people sharing a surname keep apart by
their initials ("Н.Ә.Назарбаев", "Д.Н.Назарбаева"), and a one-letter slip of a surname with the
same initials is the same person ("Н.Ә.Назарбев"). A Latin spelling joins a Cyrillic one when
`translit.similarity` of their spellings is above zero and their initials read alike.

Works are titles in «…», "…" or “…” given a year ("«Саяси адам» (1960)"), standing in a
bibliography entry, or named by a work word ("еңбегі «…»", "в книге «…»").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from thesis_qa.document import Passage
from thesis_qa.text.stem import SLOTS
from thesis_qa.text.translit import cyrillic_code, latin_codes, similarity

Kind = Literal["person", "work"]

_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІÀ-ÖØ-Þ"
_LOWER = "a-zа-яёәғқңөұүһіß-öø-ÿ"
_SURNAME = rf"(?:Mc|Mac|O')?[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}]?[{_LOWER}]+)?"
_INITIAL = rf"[{_UPPER}]\.(?!\d)"
# Initials before a surname: "С.", "Н.Ә.", "W. S.", and the last dot lost at a line end ("А.К\n").
_INITIALS_BEFORE = rf"(?:{_INITIAL}[ \t]?){{1,3}}(?:[{_UPPER}](?=[ \t]*\n))?\s*"
_BEFORE = re.compile(rf"(?<![\w.])(?P<initials>{_INITIALS_BEFORE})(?P<surname>{_SURNAME})")
_AFTER = re.compile(
    rf"(?<![\w.-])(?P<surname>{_SURNAME}),?[ \t](?P<initials>(?:{_INITIAL}[ \t]?){{1,3}})(?![{_LOWER}])"
)
_BIBLIOGRAPHY_FULL_NAME = re.compile(r"^\s*(?:\[\d+\]|\d+\.?)?\s*(?P<first>[A-Z][a-z]+)\s+(?P<surname>[A-Z][a-z]{2,}),")
_CAPITALISED = re.compile(rf"(?<![\w.-]){_SURNAME}")
_ANY_WORD = re.compile(r"\w+")

# Words that say the capitalised word next to them is a person (Kazakh, Russian, English).
_PERSON_BEFORE = (
    r"ғалым|ғалымы|социолог|социологы|зерттеуші|зерттеушісі|профессор|профессоры|академик|философ"
    r"|саясаттанушы|саясаттанушысы|экономист|автор|авторы|учёный|ученый|исследователь|по мнению"
    r"|согласно|под ред\.|пер\.(?:\s*с\s*\w+\.)?|according to|scholar|professor"
).replace(" ", r"\s+")
_PERSON_AFTER = (
    r"атап өткендей|пікірі бойынша|пікірінше|айтуынша|пайымдауынша|жазғандай|деп жазды|отмечает"
    r"|пишет|считает|утверждает|подчёркивает|подчеркивает|argues|notes|writes"
).replace(" ", r"\s+")
# Initials may be dotted or not here ("под ред. ДА Райкова").
_CONTEXT_BEFORE = re.compile(
    rf"(?<!\w)(?:{_PERSON_BEFORE})\s+(?:{_INITIALS_BEFORE}|[{_UPPER}]{{2}}\s+)?(?P<surname>{_SURNAME})"
)
_CONTEXT_AFTER = re.compile(rf"(?<![\w.-])(?P<surname>{_SURNAME})\s+(?:{_PERSON_AFTER})(?!\w)")

# Capitalised words that are never a surname however they are written: organisations and the
# labels of figures, tables, appendices and title pages.
NOT_SURNAMES = frozenset(
    """
    department university institute academy ministry press journal society association
    company corporation foundation center centre international union
    университет институт академия министерство кафедра факультет журнал издательство
    приложение рисунок рис таблица студент руководитель консультант консультанты рецензент
    қосымша сурет кесте университеті институты студент жетекші
    figure table appendix student supervisor
    """.split()
)
# Words naming the thesis's own people on its title page (author, supervisor, reviewer): a
# name right after one is not a citation.
ROLE_WORDS = frozenset(
    """
    студент студентка выполнил выполнила руководитель рецензент консультант орындаған орындағандар
    жетекші жетекшісі алушы алушылар author supervisor reviewer
    """.split()
)
PLACEHOLDER_INITIALS = frozenset({"атә", "фио"})  # "А.Т.Ә." ("аты-тегі-әкесінің аты"), "Ф.И.О."
_RUSSIAN_ENDINGS = tuple(
    sorted("ыми ими ого его ому ему ой ей ом ем ым им ую ий ый ая ы и а я у ю е".split(), key=len, reverse=True)
)
_MIN_KEY = 3
_MIN_LATIN = 4  # a shorter Latin word is too easily someone else's spelling (as in `translit`)
_ROLE_REACH = 4  # words before a name a role word may stand at
_MIN_SLIP = 6  # surnames this long may differ in a letter (a typo) and be one person
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_YEAR_AFTER = re.compile(rf"^\s*(?:\(\s*(?P<a>{_YEAR})\s*(?:ж\.|г\.)?\s*\)|[,–—-]\s*(?P<b>{_YEAR})\b)")
_ANY_YEAR = re.compile(rf"(?<!\d)({_YEAR})(?!\d)")
_WORK_WORDS = re.compile(
    r"(?:еңбегі|еңбегінде|кітабы|кітабында|монографиясы|мақаласы|работе|работа|работу|книге|книга|книгу"
    r"|монографии|монография|статье|статья|труде|труд|лекции|book|paper|article)\s*$",
    re.IGNORECASE,
)
_QUOTES = {"«": "»", "“": "”", "„": "“", '"': '"'}
MAX_TITLE_CHARS = 400  # a quote left open is not read past this
_MIN_TITLE_WORDS = 2  # a quoted single word with a year is rarely a title ("«Батыс» (1990)")


@dataclass(frozen=True)
class Place:
    """A passage an entry stands in."""

    id: str
    page: str | None

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "page": self.page}


@dataclass(frozen=True)
class IndexEntry:
    """One person or work of the index: its `name` as listed, every `form` it is written in,
    how many times it stands (`count`) and the passages (with pages) it stands in."""

    name: str
    kind: Kind
    forms: tuple[str, ...]
    count: int
    places: tuple[Place, ...]
    year: str | None = None
    key: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "forms": list(self.forms),
            "kind": self.kind,
            "year": self.year,
            "count": self.count,
            "passages": [place.to_json() for place in self.places],
        }

    @property
    def pages(self) -> list[str]:
        return list(dict.fromkeys(place.page for place in self.places if place.page))


@dataclass
class _Person:
    """Mentions gathered under one person while the index is built."""

    key: str
    initials: str
    forms: Counter[str] = field(default_factory=Counter)
    surnames: Counter[str] = field(default_factory=Counter)
    written_initials: set[str] = field(default_factory=set)
    places: list[Place] = field(default_factory=list)
    spans: set[tuple[str, int]] = field(default_factory=set)

    def add(self, form: str, surname: str, place: Place, at: int) -> None:
        if (place.id, at) in self.spans:
            return
        self.spans.add((place.id, at))
        self.forms[form] += 1
        self.surnames[surname] += 1
        self.places.append(place)

    def absorb(self, other: _Person) -> None:
        self.forms.update(other.forms)
        self.surnames.update(other.surnames)
        self.places += other.places
        self.spans |= other.spans
        self.written_initials |= other.written_initials
        if len(other.initials) > len(self.initials):
            self.initials = other.initials


@dataclass(frozen=True)
class _Mention:
    surname: str
    initials: str
    form: str
    at: int


def surname_key(surname: str) -> str:
    """The surname without its case ending, the same for every inflection: Kazakh case endings
    (`without_case`) ("Хантингтонның" -> "хантингтон"), then one Russian ending
    ("Хантингтону", "Хантингтона" -> "хантингтон"; "Бжезинского" -> "бжезинск")."""
    word = surname.lower().replace("ё", "е")
    if not word.isascii():
        word = without_case(word)
        for ending in _RUSSIAN_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) > _MIN_KEY:
                return word[: -len(ending)]
    return word


def without_case(word: str) -> str:
    """A lowercase Kazakh word without its case ending ("хантингтонның" -> "хантингтон",
    "растоудың" -> "растоу"): only the case slot of the stemmer (`stem.SLOTS`), since a
    surname has no possessive or derivational endings to take off."""
    for ending, after in SLOTS[0]:
        rest = word[: -len(ending)]
        if word.endswith(ending) and len(rest) >= _MIN_KEY and rest[-1] in after:
            return rest
    return word


def _romanised(letters: str) -> str:
    return "".join(cyrillic_code(ch) or ch for ch in letters.lower())


def _initials_agree(a: str, b: str) -> bool:
    a, b = _romanised(a), _romanised(b)
    return not a or not b or a.startswith(b) or b.startswith(a)


def names(passages: Sequence[Passage]) -> list[IndexEntry]:
    """The persons and works cited in `passages` (one document or several), A–Я."""
    texts = [p for p in passages if p.kind != "toc"]
    ordinary = _ordinary_words(texts)
    people = _people(texts, ordinary)
    return sort_entries([*(_person_entry(person) for person in people), *_works(texts)])


def sort_entries(entries: Iterable[IndexEntry]) -> list[IndexEntry]:
    """Entries A–Я by name (Latin letters after Cyrillic ones, as a Russian index has them)."""
    return sorted(entries, key=lambda e: (e.kind, _alphabet_key(e.name)))


def _alphabet_key(name: str) -> tuple[int, str]:
    letters = name.lstrip('«“"„ ').lower()
    return (0 if letters[:1] and not letters[:1].isascii() else 1, letters)


def _ordinary_words(passages: Sequence[Passage]) -> frozenset[str]:
    """Words written in lower case somewhere: a capitalised one of them is an ordinary word."""
    return frozenset(w for p in passages for w in _ANY_WORD.findall(p.text) if w.islower())


def _people(passages: Sequence[Passage], ordinary: frozenset[str]) -> list[_Person]:
    """Persons with strong evidence, then every other capitalised word joined to them."""
    found: dict[tuple[str, str], _Person] = {}
    for passage in passages:
        place = Place(passage.id, passage.page)
        mentions: dict[int, _Mention] = {}
        for mention in _strong_mentions(passage, ordinary):  # one a surname, the most initials kept
            if len(mention.initials) >= len(mentions.get(mention.at, mention).initials):
                mentions[mention.at] = mention
        for mention in mentions.values():
            key = surname_key(mention.surname)
            if len(key) < (_MIN_KEY if not mention.initials or not key.isascii() else 2):  # "Yi S.", "Ba J."
                continue
            person = found.setdefault((key, mention.initials.lower()), _Person(key, mention.initials))
            person.written_initials.add(mention.initials)
            person.add(mention.form, mention.surname, place, mention.at)
    people = _group(list(found.values()))
    _join_weak_mentions(passages, people)
    return people


def _strong_mentions(passage: Passage, ordinary: frozenset[str]) -> Iterator[_Mention]:
    """Mentions with evidence of a person of their own (see the module's docstring), less
    those after a role word of the title page ("Студент Филиппов С.А.").

    One run of initials belongs to one surname: glued to the next word ("Р.Дарендорф,
    Ф.Фукуяма"), else to the word before it ("Кожухов И. Б., Михалёв А. В."), else to the
    next word across a space ("А. Демидов")."""
    text = passage.text
    mentions = [*_initialled(passage, ordinary), *_in_person_context(text, ordinary)]
    for mention in mentions:
        if mention.initials.lower() not in PLACEHOLDER_INITIALS and not _after_role_word(text, mention.at):
            yield mention


def _in_person_context(text: str, ordinary: frozenset[str]) -> Iterator[_Mention]:
    for pattern in (_CONTEXT_BEFORE, _CONTEXT_AFTER):
        for match in pattern.finditer(text):
            if _may_be_surname(match.group("surname"), ordinary):
                yield _mention(match.group("surname"), "", match.group("surname"), match.start("surname"))


def _initialled(passage: Passage, ordinary: frozenset[str]) -> Iterator[_Mention]:
    text = passage.text
    glued: list[re.Match[str]] = []
    spaced: list[re.Match[str]] = []
    for match in _BEFORE.finditer(text):
        (spaced if match.group("initials")[-1:].isspace() else glued).append(match)
    claimed = [match.span("initials") for match in glued]
    for match in glued:
        yield _mention(match.group("surname"), match.group("initials"), match.group(), match.start("surname"))
    # In a bibliography a surname before initials is one even where the word is also written
    # in lower case ("Kruskal W. H." and R's "kruskal.test").
    unchecked = frozenset() if passage.kind == "bibliography" else ordinary
    for match in _AFTER.finditer(text):
        if not _overlaps(match.span("initials"), claimed) and _may_be_surname(match.group("surname"), unchecked):
            claimed.append(match.span("initials"))
            initials = match.group("initials").strip()
            yield _mention(match.group("surname"), initials, f"{match.group('surname')} {initials}", match.start())
    for match in spaced:
        if _spaced_initials_name(match, text, passage.kind, ordinary) and not _overlaps(
            match.span("initials"), claimed
        ):
            yield _mention(match.group("surname"), match.group("initials"), match.group(), match.start("surname"))
    full = _BIBLIOGRAPHY_FULL_NAME.match(text) if passage.kind == "bibliography" else None
    if full and _may_be_surname(full.group("surname"), ordinary):
        form = f"{full.group('first')} {full.group('surname')}"
        yield _mention(full.group("surname"), full.group("first")[0], form, full.start("surname"))


def _spaced_initials_name(match: re.Match[str], text: str, kind: str, ordinary: frozenset[str]) -> bool:
    """ "А. Демидов" — unless the letter ends a label ("Приложение В. Ссылка"), or it is a
    lone Latin letter in a bibliography, where names come surname first ("DT for R. Using")."""
    surname = match.group("surname")
    before = text[: match.start()].split()[-1:]
    if before and before[0].strip(".,:").lower() in NOT_SURNAMES:
        return False
    if kind == "bibliography" and surname.isascii() and len(match.group("initials").strip()) <= 2:
        return False
    return _may_be_surname(surname, ordinary)


def _after_role_word(text: str, at: int) -> bool:
    """A role word among the few words before ("Руководитель ВКР, д.ф.-м.н., профессор …")."""
    return any(word.strip(".,:;").lower() in ROLE_WORDS for word in text[:at].split()[-_ROLE_REACH:])


def _mention(surname: str, initials: str, form: str, at: int) -> _Mention:
    letters = "".join(ch for ch in initials if ch.isalpha())
    return _Mention(surname, letters, " ".join(form.split()), at)


def _overlaps(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(a < span[1] and span[0] < b for a, b in spans)


def _may_be_surname(word: str, ordinary: frozenset[str]) -> bool:
    """Not an organisation or label word, nor a word written in lower case in the collection
    (initials glued to a word need no such check: "Л.Пай" is a person even where "пай" is
    also a word)."""
    lower = word.lower()
    return lower not in NOT_SURNAMES and without_case(lower) not in NOT_SURNAMES and lower not in ordinary


def _group(candidates: list[_Person]) -> list[_Person]:
    """Persons with agreeing initials and one surname key (or a one-letter slip of it with
    the same initials, or a Latin spelling of it) made one."""
    people: list[_Person] = []
    for candidate in sorted(candidates, key=lambda c: (-len(c.initials), -sum(c.forms.values()))):
        same = next((p for p in people if _same_person(p, candidate)), None)
        if same is None:
            people.append(candidate)
        else:
            same.absorb(candidate)
    return people


def _same_person(a: _Person, b: _Person) -> bool:
    if not _initials_agree(a.initials, b.initials):
        return False
    if a.key == b.key:
        return True
    if a.key.isascii() != b.key.isascii():
        return _translit_near(a.key, b.key)
    slip = min(len(a.key), len(b.key)) >= _MIN_SLIP and similarity(a.key, b.key) > 0
    return slip and bool(a.initials) and a.initials == b.initials


def _translit_near(a: str, b: str) -> bool:
    """A Latin and a Cyrillic surname spelt near alike (`translit`)."""
    latin, cyrillic = (a, b) if a.isascii() else (b, a)
    code = cyrillic_code(cyrillic)
    return bool(code) and any(r[:1] == code[:1] and similarity(r, code) > 0 for r in latin_codes(latin))


def _join_weak_mentions(passages: Sequence[Passage], people: list[_Person]) -> None:
    """Every other capitalised word whose surname key is a found person's counts for them
    (the person with the most mentions, when two share a surname)."""
    by_key: dict[str, _Person] = {}
    for person in sorted(people, key=lambda p: sum(p.forms.values())):
        by_key[person.key] = person
    cyrillic_people = [p for p in people if not p.key.isascii()]
    for passage in passages:
        place = Place(passage.id, passage.page)
        for match in _CAPITALISED.finditer(passage.text):
            word = match.group()
            key = surname_key(word)
            found = by_key.get(key)
            if found is None and word.isascii() and len(key) >= _MIN_LATIN:
                found = next((p for p in cyrillic_people if _translit_near(key, p.key)), None)
            if found is not None and not _after_role_word(passage.text, match.start()):
                found.add(word, word, place, match.start())


def _person_entry(person: _Person) -> IndexEntry:
    """Surname in its most written form without a case ending, then the initials:
    "Хантингтон С."."""
    bases = Counter[str]()
    for surname, times in person.surnames.items():
        bases[surname if surname.isascii() else surname[: len(without_case(surname.lower()))]] += times
    surname = max(bases, key=lambda s: (bases[s], not s.isascii(), len(s)))
    script = sorted(person.written_initials, key=lambda i: (i.isascii() == surname.isascii(), len(i)))
    name = " ".join([surname, *(f"{letter}." for letter in (script[-1] if script else "").upper())])
    places = tuple(dict.fromkeys(person.places))
    forms = tuple(form for form, _ in person.forms.most_common())
    return IndexEntry(name, "person", forms, sum(person.forms.values()), places, key=f"person:{person.key}")


def _works(passages: Sequence[Passage]) -> list[IndexEntry]:
    """Quoted titles with a year, in a bibliography entry, or after a work word."""
    found: dict[str, tuple[list[str], list[Place], list[str | None]]] = defaultdict(lambda: ([], [], []))
    for passage in passages:
        for title, year in _titles(passage):
            forms, places, years = found[" ".join(title.lower().split())]
            forms.append(title)
            places.append(Place(passage.id, passage.page))
            years.append(year)
    entries = []
    for key, (forms, places, years) in found.items():
        title = Counter(forms).most_common(1)[0][0]
        year = next((y for y in years if y), None)
        unique = tuple(dict.fromkeys(places))
        entries.append(IndexEntry(title, "work", tuple(dict.fromkeys(forms)), len(forms), unique, year, f"work:{key}"))
    return entries


def _titles(passage: Passage) -> Iterator[tuple[str, str | None]]:
    text = passage.text
    for start, end in quoted_spans(text):
        title = " ".join(text[start + 1 : end - 1].split()).strip(" .,:;")
        after = _YEAR_AFTER.match(text[end : end + 16])
        year = (after.group("a") or after.group("b")) if after else None
        if passage.kind == "bibliography":
            year = year or next(iter(_ANY_YEAR.findall(text[end:])), None)
            yield title, year
        elif len(title.split()) >= _MIN_TITLE_WORDS and (year or _WORK_WORDS.search(text[max(0, start - 30) : start])):
            yield title, year


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """The outermost quoted spans of `text` (quotes included): «…» nest ("«А «б» в»" is one
    title), straight and curly double quotes do not."""
    spans = []
    at = 0
    while at < len(text):
        opening = text[at]
        closing = _QUOTES.get(opening)
        if closing is None:
            at += 1
            continue
        end = _closing(text, at, opening, closing)
        if end is None:
            at += 1
            continue
        spans.append((at, end))
        at = end
    return spans


def _closing(text: str, start: int, opening: str, closing: str) -> int | None:
    """Where the quote opened at `start` closes (just after it), or None within `MAX_TITLE_CHARS`."""
    depth = 0
    for at in range(start, min(len(text), start + MAX_TITLE_CHARS)):
        ch = text[at]
        if ch == closing and at > start:
            depth -= 1
            if depth == 0:
                return at + 1
        elif ch == opening:
            depth += 1
    return None


def merge(indexes: Iterable[Sequence[IndexEntry]]) -> list[IndexEntry]:
    """The entries of several indexes (the library and an owner's uploads) as one: a person
    or work standing in two of them is one entry (people joined as `names` joins them)."""
    merged: dict[str, IndexEntry] = {}
    for entries in indexes:
        for entry in entries:
            key = _merge_key(entry, merged)
            known = merged.get(key)
            merged[key] = entry if known is None else _combined(known, entry)
    return sort_entries(merged.values())


def _merge_key(entry: IndexEntry, merged: dict[str, IndexEntry]) -> str:
    """The key an entry meets an already merged one under: the same key, or a person spelt
    in the other script with agreeing initials."""
    if entry.key in merged or entry.kind != "person":
        return entry.key
    mine = entry.key.removeprefix("person:")
    for key, other in merged.items():
        theirs = key.removeprefix("person:")
        crosses = other.kind == "person" and mine.isascii() != theirs.isascii() and _translit_near(mine, theirs)
        if crosses and _initials_agree(_name_initials(entry.name), _name_initials(other.name)):
            return key
    return entry.key


def _name_initials(name: str) -> str:
    return "".join(ch for ch in name.split(" ", 1)[1] if ch.isalpha()) if " " in name else ""


def _combined(a: IndexEntry, b: IndexEntry) -> IndexEntry:
    keep = a if not a.name.isascii() or b.name.isascii() else b
    return replace(
        keep,
        forms=tuple(dict.fromkeys(a.forms + b.forms)),
        count=a.count + b.count,
        places=tuple(dict.fromkeys(a.places + b.places)),
        year=a.year or b.year,
    )
