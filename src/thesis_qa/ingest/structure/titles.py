"""What a line is: a heading and its level (numbered "1.1.", a chapter "1 Title", "II", a
title in capitals, an appendix), a subtitle (level 0) or text; and the shapes of titles the
assembly ranks sections by (chapter labels, run-in titles, appendices, bibliographies).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import cast

from thesis_qa.document import Document
from thesis_qa.ingest.structure.items import Heading, InBlock, Item, end_of, span, start_of, word_count
from thesis_qa.ingest.structure.listings import BULLET_ITEM, ListRun, is_code, list_number
from thesis_qa.text.sentences import Unit

_SECTION_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2})*\.?|[IVXLCІ]{1,6}\.")  # "1981." closing a reference is a year
NUMBERED_TITLE = re.compile(r"(?:§\s?)?(\d+(?:\.\d+)+)\.?\s+\S")  # "2.1 Title", "§2.1 Title"
# The titles that end a title page, if one of them comes early: within the first six pages or
# so, or this share of the text.
_FRONT_MATTER = re.compile(
    r"аңдатпа|аннотация|анотация|annotation|abstract|реферат|түйіндеме|кіріспе|введение|introduction"
    r"|мазмұны|содержание|оглавление|contents|table of contents",
    re.IGNORECASE,
)
_TITLE_PAGE_SHARE = 0.2
_TITLE_PAGE_CHARS = 15_000
# The text a title page holds at most: 200-950 characters on 24 real theses (a ministry, a
# university, the title, the people, tables of signatures); a page of prose holds 1,500 or more.
_TITLE_PAGE_MAX_CHARS = 1_200
CHAPTER_LINE = re.compile(r"(\d{1,2})\.?\s+(?=[^\W\d_])")  # "1 Title", "1. Title"
# A numbered line naming a figure or table in its sentence, in lowercase ("3.3.4 суретте – …
# көрсетілген.") is text, not a section: its number is the figure's ("2.3 Кестелермен жұмыс"
# is a section).
_NAMES_FIGURE = re.compile(r"\d+(?:\.\d+)*\.?\s*[-–]?\s*(?:сурет|кесте|таблиц|рисун|график|диаграмм|схем)")
_SECTION_LABEL = re.compile(r"(?:[IVXLC]+|\d+(?:\.\d+)*)[.)]?\s|(?:ҚОСЫМША|ПРИЛОЖЕНИЕ|APPENDIX)\b", re.I)
# A chapter's label on its own line: "II", "ІV.", "I." (Cyrillic І too); a lone "X" is a variable.
_ROMAN_NUMERAL = re.compile(r"[IVXLCІ]{2,6}\.?|[IVXLCІ]\.")
_FORMULA = re.compile(r"[=×]")  # "4 × 1 ГБ = 4 ГБ RAM", "T43 = {∅, {0}}" are no titles
MAX_TITLE_WORDS = 15
# A line in capitals with this many commas lists words: a referat's keywords, typed in capitals
# by ГОСТ 7.32 ("ОПЕРАЦИОННАЯ СИСТЕМА, ЗАГРУЗЧИК, BIOS, ЯДРО."); a title has one or two.
_KEYWORD_COMMAS = 3
_MAX_TITLE_CHARS = 200
_MAX_SUBTITLE_WORDS = 5

# --- the kind of section a title opens: `assembly` ranks a heading by it ---------------

# A chapter's own number opening its title: "2 Обзор", "3. Методы", "II. ДЕРЕКТЕР" (Cyrillic І too).
CHAPTER_LABEL = re.compile(r"(?:(?P<arabic>\d{1,2})|(?P<roman>[IVXLCІ]{1,6}))\.?(?:\s|$)")
RUN_IN = re.compile(r"[^\d:][^:]{2,}:\s+\S")  # "Title: text goes on"
BIBLIOGRAPHY_TITLE = re.compile(
    r"(пайдалан(ыл)?ған|қолдан(ыл)?ған)\s+(әдебиет|дерек)|әдебиеттер\s+тізімі|список\s+(использованн|литератур|источник)"
    r"|^(\d+\.?\s*)?(литература|библиография|bibliography|references|works cited)\W*$",
    re.IGNORECASE,
)
APPENDIX = re.compile(r"қосымша|приложение|appendix", re.IGNORECASE)
# An appendix's own heading, "А қосымша", "ҚОСЫМША Б", "Приложение 2", "Appendix C": a part of
# the document's top level, whatever its type made of it.
APPENDIX_HEADING = re.compile(
    r"(?:[^\W\d_]|\d{1,2})\s+қосымша(?:сы)?(?!\w)|(?:қосымша|приложение|appendix)\s+(?:[^\W\d_]|\d{1,2})(?!\w)",
    re.I,
)
# A section of an appendix, numbered after its letter: "А.1 Жалпы сипаттама", "Б.2.3 …".
APPENDIX_SECTION = re.compile(r"[^\W\d_]\.(\d{1,2}(?:\.\d{1,2})*)\.?\s")
# A page's reminder that an appendix goes on ("А қосымшасының жалғасы", "Продолжение
# приложения Б") opens no section.
APPENDIX_GOES_ON = re.compile(r"қосымша(?:сы)?ның\s+жалғасы|продолжение\s+приложения", re.I)


def apply_heading_hints(units: list[Unit], doc: Document) -> list[Unit | Heading]:
    """Units that overlap a heading the format marks become that heading."""
    out: list[Unit | Heading] = []
    hints = sorted((h for h in doc.headings if _has_words(doc.text[h.start : h.end])), key=lambda h: h.start)
    first = 0
    for unit in units:
        while first < len(hints) and hints[first].end <= unit.start:
            first += 1
        hint = hints[first] if first < len(hints) and hints[first].start < unit.end else None
        if hint is None:
            out.append(unit)
            continue
        span = Unit(min(unit.start, hint.start), max(unit.end, hint.end), True, True)
        if not (out and isinstance(out[-1], Heading) and out[-1].unit == span):
            out.append(Heading(span, hint.level, _title(doc.text[hint.start : hint.end])))
    return out


def classify_headings(text: str, items: list[Item], page_at: Callable[[int], int | None]) -> list[Item]:
    """`items` with their headings recognised; `page_at` gives the physical page of an offset
    (None when the source has no pages)."""
    out: list[Item] = []
    listed = ListRun()
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        number = list_number(text, item)
        if _is_numbered_title(text, item, nxt) and not listed.continued_by(number):
            label = span(text, item).rstrip(".")  # type: ignore[arg-type]
            joined = Unit(item.start, nxt.end, True, True)  # type: ignore[union-attr]
            out.append(Heading(joined, label.count(".") + 1, f"{label}. {_title(span(text, nxt))}"))  # type: ignore[arg-type]
            listed.saw(number if "." not in label else None)
            i += 2
            continue
        found = _heading_or_unit(text, item, nxt)
        if out and _continues_title(text, out[-1], found):
            joined = Unit(out.pop().unit.start, found.unit.end, True, True)  # type: ignore[union-attr]
            found = Heading(joined, 1, _title(span(text, joined)))
        out.append(found)
        opens = isinstance(item, Unit) and item.para_start and not BULLET_ITEM.match(text, item.start)
        listed.saw(number, isinstance(found, Heading), opens)
        i += 1
    return _title_page_as_text(text, _confirm_chapters(text, out), page_at)


def _title_page_as_text(text: str, items: list[Item], page_at: Callable[[int], int | None]) -> list[Item]:
    """The lines of a title page (the author's name, the thesis's title, the supervisor) are
    text: a format sets them large or bold, but they head no section, and as headings they
    would be found by structure questions only ("Who wrote it?" would never see the name).
    The front matter is what stands before the first abstract, contents or introduction title
    or numbered chapter, when that comes early. Its first page, the title page, is read as
    one paragraph, its titles in capitals too: "Научный руководитель:" is read with the name
    on the next line, "ТҮСІНДІРМЕ ЖАЗБА" with its author's. On its later pages titles in
    capitals ("ЗАДАНИЕ", "БЕКІТЕМІН") keep their rank, and so do they on a first page of prose
    (a foreword: `_is_title_page`). A numbered line on a title page ("2 курс, магистрант",
    "09.03.04 – Программная инженерия") ends it only when the next title is numbered too
    ("II. …", then "2.1. …": a first page that opens a chapter)."""
    first_page = page_at(0)
    cover = 0  # the items on the first page, up to an abstract, contents or introduction title
    while cover < len(items) and first_page is not None and page_at(start_of(items[cover])) == first_page:
        if isinstance(items[cover], Heading) and _FRONT_MATTER.fullmatch(items[cover].title):  # type: ignore[union-attr]
            break
        cover += 1
    title_page = _is_title_page(text, items[:cover])
    first = next(
        (
            i
            for i, item in enumerate(items)
            if isinstance(item, Heading)
            and _ends_title_page(item)
            and not (title_page and i < cover and not _numbered(_next_heading(items, i)))
        ),
        None,
    )
    early = max(_TITLE_PAGE_CHARS, _TITLE_PAGE_SHARE * len(text))
    if first is None or items[first].unit.start > early:  # type: ignore[union-attr]
        return items
    demoted: list[Item] = []
    text_started = False
    for i, item in enumerate(items[:first]):
        demoted.append(_front_matter_item(item, title_page and i < cover, text_started))
        text_started = text_started or isinstance(demoted[-1], Unit)
    return demoted + items[first:]


def _is_title_page(text: str, items: list[Item]) -> bool:
    """Whether a first page's `items` make a title page: a few lines, at most
    `_TITLE_PAGE_MAX_CHARS` of text (a foreword opening on page 1 holds more)."""
    held = sum(len(text[start_of(item) : end_of(item)].strip()) for item in items)
    return 0 < held <= _TITLE_PAGE_MAX_CHARS


def _front_matter_item(item: Item, on_title_page: bool, text_started: bool) -> Item:
    """A front matter item as text where it heads nothing; on the title page a line after its
    first one goes on the same paragraph, and so does a table's row (the signatures:
    "Руководитель | к. т. н., доцент | А. А. Пазников")."""
    if isinstance(item, Heading) and (on_title_page or not is_uppercase_title(item.title)):
        item = item.unit
    if on_title_page and isinstance(item, InBlock) and item.block.kind == "table":
        item = item.unit
    if on_title_page and text_started and isinstance(item, Unit):
        return replace(item, para_start=False)
    return item


def _ends_title_page(heading: Heading) -> bool:
    """An abstract, contents or introduction title, or a numbered one."""
    return bool(_FRONT_MATTER.fullmatch(heading.title)) or _numbered(heading)


def _numbered(heading: Heading | None) -> bool:
    """A title numbered as a chapter or a section: "1 …", "II. …", "2.1 …"."""
    return heading is not None and bool(CHAPTER_LABEL.match(heading.title) or NUMBERED_TITLE.match(heading.title))


def _next_heading(items: list[Item], i: int) -> Heading | None:
    return next((item for item in items[i + 1 :] if isinstance(item, Heading)), None)


def _confirm_chapters(text: str, items: list[Item]) -> list[Item]:
    """A title line numbered "N" alone ("1 Сөйлеуді танудың теориялық негіздері", "1. Негізгі
    бөлім") is chapter N when the next heading is its first section, "N.1 …": a file that
    styles no heading still numbers its chapters so, while "1 Title" alone could be a list's
    first item. "N. Title" must also go on from the chapter before (N - 1; 1 first): a
    document quoted inside a chapter ("4. Требования к системе", "4.1 …" in chapter 2) is
    numbered on its own."""
    out = list(items)
    last = 0  # the number of the last chapter seen
    for i, item in enumerate(out):
        if isinstance(item, Heading) and item.level == 1 and (numbered := CHAPTER_LINE.match(item.title)):
            last = int(numbered.group(1))
        chapter = _chapter_line(text, item)
        after = next((x for x in out[i + 1 : i + 4] if isinstance(x, Heading) or _chapter_line(text, x)), None)
        if not (chapter and isinstance(after, Heading) and re.match(rf"{chapter}\.1(?!\d)", after.title)):
            continue
        dotted = span(text, cast(Unit, item)).strip().startswith(f"{chapter}.")
        if not dotted or int(chapter) == last + 1:
            out[i] = Heading(cast(Unit, item), 1, _title(span(text, cast(Unit, item))))
            last = int(chapter)
    return out


def _chapter_line(text: str, item: Item) -> str | None:
    """N of a whole paragraph "N Title" or "N. Title" shaped like a title (short, no closing
    punctuation)."""
    if not (isinstance(item, Unit) and item.para_start and item.line_end):
        return None
    raw = span(text, item).strip()
    match = CHAPTER_LINE.match(raw)
    if match is None or len(raw.split()) > MAX_TITLE_WORDS or raw[-1] in ".?!:;,":
        return None
    return match.group(1)


def _continues_title(text: str, previous: Item, item: Item) -> bool:
    """A title in capitals set over two lines ("I. ТАҚЫРЫПТЫҢ … МЕТОДОЛОГИЯЛЫҚ" /
    "МӘСЕЛЕЛЕРІ") is one heading: the second line follows the first with nothing between and
    opens no section of its own."""
    if not (isinstance(previous, Heading) and isinstance(item, Heading) and previous.level == item.level == 1):
        return False
    second = span(text, item.unit)
    return (
        not text[previous.unit.end : item.unit.start].strip()
        and is_uppercase_title(previous.title)
        and is_uppercase_title(second)
        and not _SECTION_LABEL.match(second)
    )


def _heading_or_unit(text: str, item: Item, nxt: Item | None) -> Item:
    if not isinstance(item, Unit):
        return item
    level = _title_level(text, item, nxt)
    return item if level is None else Heading(item, level, _title(span(text, item)))


def _title_level(text: str, item: Unit, nxt: Item | None) -> int | None:
    """The level of the title `item` is (0: a subtitle), or None when it is text."""
    raw = span(text, item)
    if _ROMAN_NUMERAL.fullmatch(raw.strip()) and item.para_start and item.line_end and isinstance(nxt, Unit):
        return 1  # "II" over a chapter of a story or a monograph
    words = raw.split()
    too_long = len(words) > MAX_TITLE_WORDS or len(raw) > _MAX_TITLE_CHARS
    if too_long or raw.rstrip()[-1] in "?!:;," or raw[0] in "-–—•●▪►◦" or _FORMULA.search(raw) or not _has_words(raw):
        return None
    opens_line = item.para_start or _opens_line(text, item.start)
    numbered = NUMBERED_TITLE.match(raw)
    if numbered and opens_line:
        return None if _NAMES_FIGURE.match(raw) else numbered.group(1).count(".") + 1
    if is_uppercase_title(raw) and opens_line and raw.count(",") < _KEYWORD_COMMAS:
        return 1
    return 0 if _is_subtitle(text, raw, item, nxt) else None


def _has_words(raw: str) -> bool:
    """A letter and more, maths letters (U+1D400-U+1D7FF) not counted: "Ð" or "Ð𝑛" (a maths
    sign PDFium misread and its index) or "X" alone titles nothing; "C++" does."""
    plain = "".join(ch for ch in raw.strip() if not "\U0001d400" <= ch <= "\U0001d7ff")
    return len(plain) >= 2 and any(ch.isalpha() for ch in plain)


def _opens_line(text: str, start: int) -> bool:
    """Nothing but spaces between the last line break (or tab, or the start) and `start`:
    a word in capitals inside a paragraph ("… БІРІНШІ. Мемлекет …") is not a heading."""
    before = text[max(0, start - 200) : start].rstrip(" ")
    return (start < 200 and not before) or before.endswith(("\n", "\t"))


def is_uppercase_title(raw: str) -> bool:
    """A title in capitals: a word of four letters or more ("MAX, MIN" in a listing is none)."""
    letters = [ch for ch in raw if ch.isalpha()]
    long_word = any(len(re.sub(r"\W", "", word)) >= 4 for word in raw.split())
    return long_word and len(letters) >= 5 and sum(ch.isupper() for ch in letters) >= 0.9 * len(letters)


def _is_subtitle(text: str, raw: str, unit: Unit, nxt: Item | None) -> bool:
    """A short title line opening a paragraph, e.g. "Зерттеудің өзектілігі"."""
    return (
        unit.para_start
        and unit.line_end
        and isinstance(nxt, Unit)
        and len(raw.split()) <= _MAX_SUBTITLE_WORDS
        and raw[0].isupper()
        and raw[-1].isalpha()
        and not any(ch.isdigit() or ch in ',«»"()' for ch in raw)
        and _reads_as_text(span(text, nxt))
    )


def _reads_as_text(raw: str) -> bool:
    """A sentence, a word in lower case or code: what follows a subtitle. The labels of a
    drawing ("Attendances", "Id", "Payments * Id StudentId") or a formula's lines ("𝑉 ∈ T")
    are short lines like subtitles, followed by more of the same."""
    lower_word = any(len(word) >= 2 and word.isalpha() and word.islower() for word in re.findall(r"\w+", raw))
    return lower_word or raw.rstrip().endswith((".", "!", "?")) or is_code(raw)


def _is_numbered_title(text: str, item: Item, nxt: Item | None) -> bool:
    """A unit holding only "1.1." followed by a short title unit (the tab between them
    made two units of one heading)."""
    return (
        isinstance(item, Unit)
        and isinstance(nxt, Unit)
        and _SECTION_NUMBER.fullmatch(span(text, item)) is not None
        and "." in span(text, item)  # "1.1.", "2."; a bare "17" is a page number
        and (span(text, item)[0].isdigit() or _opens_line(text, item.start))  # "Николай II." goes on
        and word_count(text, nxt) <= MAX_TITLE_WORDS
        and not _FORMULA.search(span(text, nxt))
        and span(text, nxt)[0] not in "-–—.,;:"  # "1981. – № 2. – С. 61–73" goes on a reference
    )


def _title(raw: str) -> str:
    return " ".join(raw.split()).rstrip(".:;").rstrip()
