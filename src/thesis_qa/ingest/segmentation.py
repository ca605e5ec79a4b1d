"""Turn a `Document` into retrievable `Passage`s that know their section, paragraph and page.

Pipeline: sentence units (`sentences.split_units`) -> units inside a block the loader marked
(footnote, table, contents, bibliography) keep its kind -> the table of contents is found and
cut into entries -> captions of figures and tables ("Рисунок 3 – …", "Кесте 8", "Table 1")
become `caption` passages, never headings, whatever the format hinted -> headings are
recognised (numbered "1.1.", UPPERCASE chapter titles opening a line, short title lines
opening a paragraph, or the hints a .docx/.md/.pdf gives; an item of a numbered list that
runs on past 9 stays an item) -> paragraphs under a bibliography heading become
`bibliography` entries -> paragraphs that repeat earlier text are dropped (the bundled file
holds its text twice) -> long paragraphs are cut into passages of a few sentences. Every span
is an exact slice of `Document.text`, and no passage is longer than `DEFAULT_MAX_CHARS`
unless one sentence is (sentences are bounded by `sentences.MAX_UNIT_CHARS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from thesis_qa.document import Block, Document, Passage, PassageKind
from thesis_qa.ingest.limits import check_passage_count
from thesis_qa.text.sentences import Unit, split_sentences, split_units

# 2: printed page labels, footnote/table/bibliography kinds, project-assigned .jsonl ids,
# bounded sentences; the bundled thesis segments exactly as in 1.
# 3: every heading is also a passage of kind "heading" (structure questions land on it).
# 4: a Markdown heading's passage reads without its "#" marks.
# 5: captions are their own kind; a numbered list (bibliography) going past 9 stays a list;
# "4 × 1 ГБ = 4 ГБ RAM" is no capitals title.
# 6: contents with spaced dot leaders (". . . 12"); roman chapter labels ("II." over two lines);
# "1."-"3." inside a roman or earlier chapter are subtitles; maths letters title nothing; a
# bare roman numeral on its own line is a chapter; a line opening with a bullet is no title.
# 7: captions numbered first ("2.1.1 сурет —", "1.2.1 график -") and a table's continuation
# ("1.3.2 кестенің жалғасы", "Продолжение таблицы 4"); "3.3.4 суретте … көрсетілген." is text;
# "1 Title" is a chapter when "1.1 …" follows; a numbered line inside a bibliography is an
# entry; "А қосымша" is a top-level appendix, "А.1 …" a section of it, "А қосымшасының
# жалғасы" no heading; a code listing is one paragraph; "Пайдаланған әдебиеттер" is a bibliography.
SEGMENTER_VERSION = "8"
DEFAULT_MAX_CHARS = 600
MAX_PRESPLIT_CHARS = 4000  # a .jsonl passage is kept whole up to this length, else cut

_MARKDOWN_HEADING = re.compile(r"#{1,6}[ \t]+")
_SECTION_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2})*\.?|[IVXLCІ]{1,6}\.")  # "1981." closing a reference is a year
# A chapter's own number opening its title: "2 Обзор", "3. Методы", "II. ДЕРЕКТЕР" (Cyrillic І too).
_CHAPTER_LABEL = re.compile(r"(?:(?P<arabic>\d{1,2})|(?P<roman>[IVXLCІ]{1,6}))\.?(?:\s|$)")
_NUMBERED_TITLE = re.compile(r"(\d+(?:\.\d+)+)\.?\s+\S")
# A page range as ToCs print it; "8 - 191.2." is pages 8-19 glued to section number 1.2.
_PAGE_REF = re.compile(r"(?<![\d.])\d{1,3}\s*[-–—]\s*\d{1,3}?(?=\d\.\d|\D|$)|(?:\.\s?){4,}\s*\d{1,3}(?!\d)")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
CONTENTS_TITLE = re.compile(r"(мазмұны|содержание|оглавление|contents|table of contents)\W*", re.IGNORECASE)
BIBLIOGRAPHY_TITLE = re.compile(
    r"(пайдалан(ыл)?ған|қолдан(ыл)?ған)\s+(әдебиет|дерек)|әдебиеттер\s+тізімі|список\s+(использованн|литератур|источник)"
    r"|^(\d+\.?\s*)?(литература|библиография|bibliography|references|works cited)\W*$",
    re.IGNORECASE,
)
# A caption opens with its label: "Рис.2.", "Рисунок 3 –", "Сурет 1 –", "Кесте 8", "Таблица
# А.2", "Figure 1:", "1-кесте –", "2.1.1 сурет —", "1.2.1 график -"; after the number comes
# nothing, a separator, or a capital. A table's continuation is one too ("1.3.2 кестенің
# жалғасы", "Продолжение таблицы 4").
_FIGURE_WORD = r"(?:сурет|кесте|таблица|рисунок|график|диаграмма|схема)"
_CAPTION = re.compile(
    r"(?:(?:рис(?:унок)?\.?|сурет|кесте|таблица|табл\.|figure|fig\.|table|схема|диаграмма)\s*(?:№\s*)?"
    r"(?:[^\W\d_]\.?)?\d+(?:[.\-–]\d+)*"
    rf"|\d+(?:\.\d+)*\s*[-–]?\s*(?:кестенің\s+(?:жалғасы|соңы)(?=\W|$)|{_FIGURE_WORD}(?![^\W\d_]))"
    r"|(?:продолжение|окончание)\s+табл(?:ицы|\.)\s*(?:№\s*)?\d+(?:\.\d+)*)\s*",
    re.IGNORECASE,
)
# A numbered line naming a figure or table in its sentence, in lowercase ("3.3.4 суретте – …
# көрсетілген.") is text, not a section: its number is the figure's ("2.3 Кестелермен жұмыс"
# is a section).
_NAMES_FIGURE = re.compile(r"\d+(?:\.\d+)*\.?\s*[-–]?\s*(?:сурет|кесте|таблиц|рисун|график|диаграмм|схем)")
_MAX_CAPTION_WORDS = 60
_APPENDIX = re.compile(r"қосымша|приложение|appendix", re.IGNORECASE)
# An appendix's own heading, "А қосымша", "ҚОСЫМША Б", "Приложение 2", "Appendix C": a part of
# the document's top level, whatever its type made of it.
_APPENDIX_HEADING = re.compile(
    r"(?:[^\W\d_]|\d{1,2})\s+қосымша(?:сы)?(?!\w)|(?:қосымша|приложение|appendix)\s+(?:[^\W\d_]|\d{1,2})(?!\w)",
    re.I,
)
# A section of an appendix, numbered after its letter: "А.1 Жалпы сипаттама", "Б.2.3 …".
_APPENDIX_SECTION = re.compile(r"[^\W\d_]\.(\d{1,2}(?:\.\d{1,2})*)\.?\s")
# A page's reminder that an appendix goes on ("А қосымшасының жалғасы", "Продолжение
# приложения Б") opens no section.
_APPENDIX_GOES_ON = re.compile(r"қосымшасының\s+жалғасы|продолжение\s+приложения", re.I)
_SECTION_LABEL = re.compile(r"(?:[IVXLC]+|\d+(?:\.\d+)*)[.)]?\s|(?:ҚОСЫМША|ПРИЛОЖЕНИЕ|APPENDIX)\b", re.I)
# A chapter's label on its own line: "II", "ІV.", "I." (Cyrillic І too); a lone "X" is a variable.
_ROMAN_NUMERAL = re.compile(r"[IVXLCІ]{2,6}\.?|[IVXLCІ]\.")
_LIST_NUMBER = re.compile(r"(\d{1,3})[.)](?:\s|$)")
_FORMULA = re.compile(r"[=×]")  # "4 × 1 ГБ = 4 ГБ RAM", "T43 = {∅, {0}}" are no titles
_RUN_IN = re.compile(r"[^\d:][^:]{2,}:\s+\S")  # "Title: text goes on"
_MAX_CODE_LINE = 200
_CODE_MARK = re.compile(
    r"[{}<>;=\[\]]|\w\(.*\)|^\s*(?:def|class|import|from|return|if|elif|else|for|while|public|private|static"
    r"|void|var|let|const|function|using|#include)\b"
)
_LIST_GAP = 5  # paragraphs an item of a numbered list may run to before the next item (bullets not counted)
_BULLET_ITEM = re.compile(r"[-–—•●▪►◦*]\s")
_MAX_TITLE_WORDS = 15
_MAX_TITLE_CHARS = 200
_MAX_SUBTITLE_WORDS = 5
_TOC_GAP = 5


@dataclass(frozen=True)
class _Heading:
    unit: Unit
    level: int  # 0: a subtitle one level below the last numbered or chapter heading
    title: str


@dataclass(frozen=True)
class _TocEntry:
    start: int
    end: int


@dataclass(frozen=True)
class _InBlock:
    """A unit inside a block the loader marked (footnote, table, contents, bibliography)."""

    unit: Unit
    block: Block


@dataclass(frozen=True)
class _Caption:
    """A figure's or table's caption: its label and title, one passage even over two lines."""

    units: tuple[Unit, ...]


_Item = _Heading | _TocEntry | _InBlock | _Caption | Unit


def segment(doc: Document, max_chars: int = DEFAULT_MAX_CHARS, max_passages: int | None = None) -> list[Passage]:
    """Passages of `doc` in reading order; `LoadError` (load_too_many_passages) past
    `max_passages`."""
    if doc.presplit:
        passages = _presplit_passages(doc, max_chars)
    else:
        units = _in_blocks(_apply_heading_hints(split_units(doc.text, doc.tab_starts_paragraph), doc), doc.blocks)
        items = _classify_headings(doc.text, _mark_captions(doc.text, _cut_tables_of_contents(doc.text, units)))
        passages = _Assembler(doc, max_chars).run(items)
    if max_passages is not None:
        check_passage_count(doc.name, len(passages), max_passages)
    return passages


def _presplit_passages(doc: Document, max_chars: int) -> list[Passage]:
    """Each given passage as it is, cut into balanced groups only past `MAX_PRESPLIT_CHARS`."""
    passages: list[Passage] = []
    for number, given in enumerate(doc.presplit, start=1):
        spans = split_sentences(doc.text, given.start, given.end) or [(given.start, given.end)]
        if given.end - given.start <= MAX_PRESPLIT_CHARS:
            groups = [[(given.start, given.end)]]
        else:
            units = [Unit(a, b, i == 0, True) for i, (a, b) in enumerate(spans)]
            groups = [[(u.start, u.end) for u in g] for g in _balanced_groups(units, max_chars, doc.page_index_at)]
        for group in groups:
            start, end = group[0][0], group[-1][1]
            inside = [(a, b) for a, b in spans if start <= a and b <= end] or [(start, end)]
            passages.append(
                Passage(
                    id=f"{doc.name}#{len(passages)}",
                    doc=doc.name,
                    order=len(passages),
                    paragraph=number,
                    start=start,
                    end=end,
                    text=doc.text[start:end],
                    section=given.title,
                    sentences=_relative(inside, start),
                    source_id=given.id or None,
                )
            )
    return passages


def _relative(spans: list[tuple[int, int]], origin: int) -> tuple[tuple[int, int], ...]:
    return tuple((a - origin, b - origin) for a, b in spans)


# --- headings ---------------------------------------------------------------------------


def _apply_heading_hints(units: list[Unit], doc: Document) -> list[Unit | _Heading]:
    """Units that overlap a heading the format marks become that heading."""
    out: list[Unit | _Heading] = []
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
        if not (out and isinstance(out[-1], _Heading) and out[-1].unit == span):
            out.append(_Heading(span, hint.level, _title(doc.text[hint.start : hint.end])))
    return out


def _in_blocks(items: list[Unit | _Heading], blocks: tuple[Block, ...]) -> list[Unit | _Heading | _InBlock]:
    """Units starting inside a marked block are wrapped with it (blocks never overlap)."""
    ordered = sorted(blocks, key=lambda b: b.start)
    out: list[Unit | _Heading | _InBlock] = []
    current = 0
    for item in items:
        while current < len(ordered) and ordered[current].end <= _start(item):
            current += 1
        block = ordered[current] if current < len(ordered) else None
        inside = isinstance(item, Unit) and block is not None and block.start <= item.start
        out.append(_InBlock(item, block) if inside else item)  # type: ignore[arg-type]
    return out


def _start(item: _Item) -> int:
    if isinstance(item, _Caption):
        return item.units[0].start
    return item.unit.start if isinstance(item, _Heading | _InBlock) else item.start


def _classify_headings(text: str, items: list[_Item]) -> list[_Item]:
    out: list[_Item] = []
    listed = _ListRun()
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        number = _list_number(text, item)
        if _is_numbered_title(text, item, nxt) and not listed.continued_by(number):
            label = _span(text, item).rstrip(".")  # type: ignore[arg-type]
            span = Unit(item.start, nxt.end, True, True)  # type: ignore[union-attr]
            out.append(_Heading(span, label.count(".") + 1, f"{label}. {_title(_span(text, nxt))}"))  # type: ignore[arg-type]
            listed.saw(number if "." not in label else None)
            i += 2
            continue
        found = _heading_or_unit(text, item, nxt)
        if out and _continues_title(text, out[-1], found):
            span = Unit(out.pop().unit.start, found.unit.end, True, True)  # type: ignore[union-attr]
            found = _Heading(span, 1, _title(_span(text, span)))
        out.append(found)
        opens = isinstance(item, Unit) and item.para_start and not _BULLET_ITEM.match(text, item.start)
        listed.saw(number, isinstance(found, _Heading), opens)
        i += 1
    return _confirm_chapters(text, out)


def _confirm_chapters(text: str, items: list[_Item]) -> list[_Item]:
    """A title line numbered "N" alone ("1 Сөйлеуді танудың теориялық негіздері") is chapter N
    when the next heading is its first section, "N.1 …": a file that styles no heading still
    numbers its chapters so, while "1 Title" alone could be a list's first item."""
    out = list(items)
    for i, item in enumerate(out):
        chapter = _chapter_line(text, item)
        after = next((x for x in out[i + 1 : i + 4] if isinstance(x, _Heading) or _chapter_line(text, x)), None)
        if chapter and isinstance(after, _Heading) and re.match(rf"{chapter}\.1(?!\d)", after.title):
            out[i] = _Heading(cast(Unit, item), 1, _title(_span(text, cast(Unit, item))))
    return out


def _chapter_line(text: str, item: _Item) -> str | None:
    """N of a whole paragraph "N Title" shaped like a title (short, no closing punctuation)."""
    if not (isinstance(item, Unit) and item.para_start and item.line_end):
        return None
    raw = _span(text, item).strip()
    match = re.match(r"(\d{1,2})\s+(?=[^\W\d_])", raw)
    if match is None or len(raw.split()) > _MAX_TITLE_WORDS or raw[-1] in ".?!:;,":
        return None
    return match.group(1)


@dataclass
class _ListRun:
    """The numbered list being read: the number of its last item and how many paragraphs
    ago it opened, so that "10." after "9." is its next item, not chapter 10."""

    number: int | None = None
    paragraphs_since: int = 0

    def continued_by(self, number: int | None) -> bool:
        return number is not None and self.number == number - 1 and self.paragraphs_since <= _LIST_GAP

    def saw(self, number: int | None, heading: bool = False, new_paragraph: bool = True) -> None:
        if number is not None:
            self.number, self.paragraphs_since = number, 0
        elif heading:
            self.number = None
        elif new_paragraph:
            self.paragraphs_since += 1


def _continues_title(text: str, previous: _Item, item: _Item) -> bool:
    """A title in capitals set over two lines ("I. ТАҚЫРЫПТЫҢ … МЕТОДОЛОГИЯЛЫҚ" /
    "МӘСЕЛЕЛЕРІ") is one heading: the second line follows the first with nothing between and
    opens no section of its own."""
    if not (isinstance(previous, _Heading) and isinstance(item, _Heading) and previous.level == item.level == 1):
        return False
    second = _span(text, item.unit)
    return (
        not text[previous.unit.end : item.unit.start].strip()
        and _is_uppercase_title(previous.title)
        and _is_uppercase_title(second)
        and not _SECTION_LABEL.match(second)
    )


def _list_number(text: str, item: _Item) -> int | None:
    """N of a paragraph opening "N. " or "N) ": the item of a numbered list (its next item,
    "10.", is no chapter even when the sentence splitter cut it off as "10.")."""
    if not (isinstance(item, Unit) and item.para_start):
        return None
    match = _LIST_NUMBER.match(text, item.start, item.end)
    return int(match.group(1)) if match else None


def _heading_or_unit(text: str, item: _Item, nxt: _Item | None) -> _Item:
    if not isinstance(item, Unit):
        return item
    level = _title_level(text, item, nxt)
    return item if level is None else _Heading(item, level, _title(_span(text, item)))


def _title_level(text: str, item: Unit, nxt: _Item | None) -> int | None:
    """The level of the title `item` is (0: a subtitle), or None when it is text."""
    raw = _span(text, item)
    if _ROMAN_NUMERAL.fullmatch(raw.strip()) and item.para_start and item.line_end and isinstance(nxt, Unit):
        return 1  # "II" over a chapter of a story or a monograph
    words = raw.split()
    too_long = len(words) > _MAX_TITLE_WORDS or len(raw) > _MAX_TITLE_CHARS
    if too_long or raw.rstrip()[-1] in "?!:;," or raw[0] in "-–—•●▪►◦" or _FORMULA.search(raw) or not _has_words(raw):
        return None
    opens_line = item.para_start or _opens_line(text, item.start)
    numbered = _NUMBERED_TITLE.match(raw)
    if numbered and opens_line:
        return None if _NAMES_FIGURE.match(raw) else numbered.group(1).count(".") + 1
    if _is_uppercase_title(raw) and opens_line:
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


def _is_uppercase_title(raw: str) -> bool:
    """A title in capitals: a word of four letters or more ("MAX, MIN" in a listing is none)."""
    letters = [ch for ch in raw if ch.isalpha()]
    long_word = any(len(re.sub(r"\W", "", word)) >= 4 for word in raw.split())
    return long_word and len(letters) >= 5 and sum(ch.isupper() for ch in letters) >= 0.9 * len(letters)


def _is_subtitle(text: str, raw: str, unit: Unit, nxt: _Item | None) -> bool:
    """A short title line opening a paragraph, e.g. "Зерттеудің өзектілігі"."""
    return (
        unit.para_start
        and unit.line_end
        and isinstance(nxt, Unit)
        and len(raw.split()) <= _MAX_SUBTITLE_WORDS
        and raw[0].isupper()
        and raw[-1].isalpha()
        and not any(ch.isdigit() or ch in ',«»"()' for ch in raw)
        and _reads_as_text(_span(text, nxt))
    )


def _reads_as_text(raw: str) -> bool:
    """A sentence, a word in lower case or code: what follows a subtitle. The labels of a
    drawing ("Attendances", "Id", "Payments * Id StudentId") or a formula's lines ("𝑉 ∈ T")
    are short lines like subtitles, followed by more of the same."""
    lower_word = any(len(word) >= 2 and word.isalpha() and word.islower() for word in re.findall(r"\w+", raw))
    return lower_word or raw.rstrip().endswith((".", "!", "?")) or _is_code(raw)


def _is_numbered_title(text: str, item: _Item, nxt: _Item | None) -> bool:
    """A unit holding only "1.1." followed by a short title unit (the tab between them
    made two units of one heading)."""
    return (
        isinstance(item, Unit)
        and isinstance(nxt, Unit)
        and _SECTION_NUMBER.fullmatch(_span(text, item)) is not None
        and "." in _span(text, item)  # "1.1.", "2."; a bare "17" is a page number
        and (_span(text, item)[0].isdigit() or _opens_line(text, item.start))  # "Николай II." goes on
        and _word_count(text, nxt) <= _MAX_TITLE_WORDS
        and not _FORMULA.search(_span(text, nxt))
        and _span(text, nxt)[0] not in "-–—.,;:"  # "1981. – № 2. – С. 61–73" goes on a reference
    )


def _title(raw: str) -> str:
    return " ".join(raw.split()).rstrip(".:;").rstrip()


# --- captions ---------------------------------------------------------------------------


def _mark_captions(text: str, items: list[_Item]) -> list[_Item]:
    """A paragraph opening with a caption label becomes a `_Caption`, even when the format
    hinted it as a heading; a bare label ("Рис. 10.") takes the short title line after it."""
    out: list[_Item] = []
    i = 0
    while i < len(items):
        first = _caption_unit(items[i])
        if first is None or not _opens_caption(text, first):
            out.append(items[i])
            i += 1
            continue
        units, i = _paragraph_of(items, i)
        if _bare_label(text, units) and i < len(items) and _is_title_line(text, items[i]):
            more, i = _paragraph_of(items, i)
            units += more
        if sum(_word_count(text, u) for u in units) > _MAX_CAPTION_WORDS:
            out.extend(units)  # a long paragraph that merely starts with "Рисунок 3 –" stays text
            continue
        out.append(_Caption(tuple(units)))
    return out


def _caption_unit(item: _Item) -> Unit | None:
    if isinstance(item, _Heading):
        return item.unit
    return item if isinstance(item, Unit) and item.para_start else None


def _opens_caption(text: str, unit: Unit) -> bool:
    head = text[unit.start : unit.start + 300].split("\n\n", 1)[0]
    label = _CAPTION.match(head)
    if label is None:
        return False
    rest = head[label.end() :]
    return not rest or rest[0] in '.:-–—«"“' or rest[0].isupper()


def _paragraph_of(items: list[_Item], i: int) -> tuple[list[Unit], int]:
    """The units of the paragraph opening at `items[i]` (a caption's first), and the index after it."""
    first = _caption_unit(items[i])
    units = [first] if first else []
    i += 1
    while i < len(items):
        item = items[i]
        if not isinstance(item, Unit) or item.para_start:
            break
        units.append(item)
        i += 1
    return units, i


def _bare_label(text: str, units: list[Unit]) -> bool:
    raw = text[units[0].start : units[-1].end]
    label = _CAPTION.match(raw)
    return label is not None and not raw[label.end() :].strip(" .:-–—")


def _is_title_line(text: str, item: _Item) -> bool:
    """A short line that can be a caption's title: no sentence, no block, no heading number."""
    unit = _caption_unit(item)
    if unit is None or _opens_caption(text, unit):
        return False
    raw = _span(text, unit)
    if _NUMBERED_TITLE.match(raw):  # "5.2 Сравнение …" after a bare "Рис. 5: ." opens a section
        return False
    return len(raw.split()) <= _MAX_TITLE_WORDS and not raw.rstrip().endswith((".", "!", "?", ":", ";"))


# --- table of contents ------------------------------------------------------------------


def _cut_tables_of_contents(text: str, items: list[Unit | _Heading | _InBlock]) -> list[_Item]:
    """Replace every ToC run of units by its entries; body text after the last page
    reference (e.g. "45 - 47   КІРІСПЕ") goes back to the body as a new paragraph."""
    out: list[_Item] = []
    i = 0
    while i < len(items):
        run = _toc_run(text, items, i)
        if run is None:
            out.append(items[i])
            i += 1
            continue
        first, last = run
        del out[len(out) - (i - first) :]
        # a run holds ToC-like units and the headings between them, and ends on a page reference
        head, tail = _split_after_page_ref(text, cast(Unit, items[last]))
        out.extend(_toc_entries(text, [*cast(list[Unit | _Heading], items[first:last]), head]))
        if tail:
            out.append(tail)
        i = last + 1
    return out


def _toc_run(text: str, items: list[Unit | _Heading | _InBlock], i: int) -> tuple[int, int] | None:
    """(first, last) unit index of a ToC whose first page-referencing unit is `i`."""
    if not _page_ref_unit(text, items[i]):
        return None
    refs = [i]
    j = i + 1
    while j < len(items) and j - refs[-1] <= _TOC_GAP and _toc_like(text, items[j]):
        if _page_ref_unit(text, items[j]):
            refs.append(j)
        j += 1
    if len(refs) < 2:
        return None
    first = i
    while first > 0 and i - first < _TOC_GAP:
        previous = items[first - 1]
        if not _toc_like(text, previous) or CONTENTS_TITLE.fullmatch(_span(text, cast(Unit, previous)).strip()):
            break
        first -= 1
    return first, refs[-1]


def _toc_like(text: str, item: Unit | _Heading | _InBlock) -> bool:
    if not isinstance(item, Unit):
        return False
    raw = _span(text, item)
    if _YEAR.search(raw) or len(raw.split()) > _MAX_TITLE_WORDS:
        return False
    return not raw.endswith((".", "!", "?", "…")) or bool(re.search(r"\d\.$", raw))


def _page_ref_unit(text: str, item: Unit | _Heading | _InBlock) -> bool:
    """A ToC line carries its page reference at one edge, never inside a sentence."""
    if not isinstance(item, Unit) or not _toc_like(text, item):
        return False
    raw = _span(text, item)
    return any(m.start() == 0 or m.end() == len(raw) for m in _PAGE_REF.finditer(raw))


def _split_after_page_ref(text: str, unit: Unit) -> tuple[Unit, Unit | None]:
    """The ToC part of its last unit, and the body text glued after the page reference."""
    *_, last_ref = _PAGE_REF.finditer(text, unit.start, unit.end)
    rest = text[last_ref.end() : unit.end]
    if not rest.strip():
        return unit, None
    tail_start = last_ref.end() + len(rest) - len(rest.lstrip())
    return Unit(unit.start, last_ref.end(), unit.para_start, True), Unit(tail_start, unit.end, True, unit.line_end)


def _toc_entries(text: str, items: list[Unit | _Heading]) -> list[_TocEntry]:
    """One entry per title: an optional number before it, its page range after it."""
    entries: list[_TocEntry] = []
    pending_number: int | None = None
    for item in items:
        for kind, a, b in _toc_pieces(text, item):
            if kind == "page":
                if entries:
                    entries[-1] = _TocEntry(entries[-1].start, b)
            elif kind == "number":
                pending_number = a if pending_number is None else pending_number
            else:
                entries.append(_TocEntry(a if pending_number is None else pending_number, b))
                pending_number = None
    return entries


def _toc_pieces(text: str, item: Unit | _Heading) -> list[tuple[str, int, int]]:
    """Split a ToC unit into ("page" | "number" | "title", start, end) pieces."""
    pieces: list[tuple[str, int, int]] = []
    pos = item.unit.start if isinstance(item, _Heading) else item.start
    end = item.unit.end if isinstance(item, _Heading) else item.end
    for m in _PAGE_REF.finditer(text, pos, end):
        pieces += _number_and_title(text, pos, m.start())
        pieces.append(("page", m.start(), m.end()))
        pos = m.end()
    pieces += _number_and_title(text, pos, end)
    return pieces


def _number_and_title(text: str, a: int, b: int) -> list[tuple[str, int, int]]:
    raw = text[a:b]
    stripped = raw.strip()
    if not stripped:
        return []
    a += len(raw) - len(raw.lstrip())
    b = a + len(stripped)
    number = re.match(r"\d+(?:\.\d+)*\.", stripped)
    if number and number.end() == len(stripped):
        return [("number", a, b)]
    if number:
        return [("number", a, a + number.end()), ("title", a, b)]
    return [("title", a, b)]


# --- assembly ---------------------------------------------------------------------------


def _span(text: str, unit: Unit) -> str:
    return text[unit.start : unit.end]


def _word_count(text: str, unit: Unit) -> int:
    return len(_span(text, unit).split())


def _dedupe_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


class _Assembler:
    """Walks classified items in order, tracking the section path and paragraph numbers."""

    def __init__(self, doc: Document, max_chars: int) -> None:
        self.doc, self.max_chars = doc, max_chars
        self.path: list[tuple[int, str]] = []
        self.base_level = 0
        self.bibliography_level: int | None = None  # inside a bibliography heading of this level
        self.paragraph: list[Unit] = []
        self.block: list[_InBlock] = []
        self.paragraph_no = 0
        self.seen: set[str] = set()
        self.passages: list[Passage] = []

    def run(self, items: list[_Item]) -> list[Passage]:
        chapter_after = _chapters_numbered_after(items)
        for index, item in enumerate(items):
            if isinstance(item, _InBlock):
                if not (self.block and self.block[-1].block == item.block):
                    self._close()
                self.block.append(item)
                continue
            goes_on = isinstance(item, Unit) and self._listing_goes_on(item)
            if (isinstance(item, _Heading | _TocEntry | _Caption) or item.para_start or self.block) and not goes_on:
                self._close()
            if isinstance(item, _Heading) and self._opens_nothing(item):
                self.paragraph.append(item.unit)
            elif isinstance(item, _Heading):
                self._enter(item, chapter_after[index])
                self._emit_heading(item)
            elif isinstance(item, _Caption):
                self._emit([(u.start, u.end) for u in item.units], "caption", paragraph=0)
            elif isinstance(item, _TocEntry):
                self._emit_toc(item.start, item.end)
            else:
                self.paragraph.append(item)
        self._close()
        return self.passages

    def _enter(self, heading: _Heading, chapter_after: str | None = None) -> None:
        """Enter `heading`'s section; `chapter_after` is the chapter the next numbered heading
        belongs to ("2" for "2.2 …")."""
        inside = self._inside_chapter(heading, chapter_after)
        own = 0 if self._runs_in(heading) or self._enumerated(heading) or inside else heading.level
        appendix_section = _APPENDIX_SECTION.match(heading.title)
        if _APPENDIX_HEADING.match(heading.title):
            own = 1
        elif appendix_section:
            own = appendix_section.group(1).count(".") + 2
        level = own or self.base_level + 1
        if own:
            self.base_level = own
        self.path = [(lvl, title) for lvl, title in self.path if lvl < level] + [(level, heading.title)]
        if BIBLIOGRAPHY_TITLE.search(heading.title):
            self.bibliography_level = level
        elif self.bibliography_level is not None and level <= self.bibliography_level:
            self.bibliography_level = None

    def _inside_chapter(self, heading: _Heading, chapter_after: str | None) -> bool:
        """An unnumbered title set like a chapter ("Microsoft Visual Studio 2022", in large
        type between 2.1 and 2.2) is a subtitle when the next numbered heading goes on with
        the chapter it stands in (a chapter of its own would be followed by its own numbers),
        or when it stands in an appendix ("Б қосымшасы" then "Техникалық тапсырма"). Titles
        in capitals, appendices and bibliographies keep their rank."""
        chapter = next((title for level, title in self.path if level == 1), "")
        goes_on = chapter_after is not None and re.match(rf"{chapter_after}\.?\s", chapter) is not None
        return (
            heading.level == 1
            and (goes_on or _APPENDIX_HEADING.match(chapter) is not None)  # an appendix's own title
            and not re.match(r"[\dIVXLCІ]", heading.title)
            and not _is_uppercase_title(heading.title)
            and not _APPENDIX_HEADING.match(heading.title)
            and not BIBLIOGRAPHY_TITLE.search(heading.title)
        )

    def _listing_goes_on(self, unit: Unit) -> bool:
        """A line of code after a line of code is the same listing: its lines are read as
        one paragraph, cut into passages of a few lines, not a passage a line ("</div>")."""
        return (
            unit.para_start
            and not self.block
            and self.bibliography_level is None  # "[1] Flutter: www.flutter.dev" is an entry
            and bool(self.paragraph)
            and _is_code(_span(self.doc.text, self.paragraph[-1]))
            and _is_code(_span(self.doc.text, unit))
        )

    def _opens_nothing(self, heading: _Heading) -> bool:
        """A "heading" that is text: a numbered line inside a bibliography ("27 NVIDIA.", an
        entry its author broke over two paragraphs; a bibliography holds no numbered sections,
        while an appendix after it is a heading still), or a page's reminder that an appendix
        goes on ("А қосымшасының жалғасы")."""
        numbered_entry = (
            self.bibliography_level is not None
            and re.match(r"\d", heading.title) is not None
            and not _APPENDIX.search(heading.title)
        )
        return numbered_entry or _APPENDIX_GOES_ON.search(heading.title) is not None

    def _runs_in(self, heading: _Heading) -> bool:
        """A bold lead-in ("Армян тіліндегі деректер: ХІІІ–ХV ғасырлар …") a format set like a
        heading is a subtitle of the numbered section it stands in, whatever level it got."""
        numbered = any(_NUMBERED_TITLE.match(title) and lvl >= heading.level for lvl, title in self.path)
        return numbered and _RUN_IN.match(heading.title) is not None and not _is_uppercase_title(heading.title)

    def _enumerated(self, heading: _Heading) -> bool:
        """Headings numbered "1. …", "2. …" inside a chapter numbered in roman, or numbered
        no further than it ("1." inside chapter 2), are subtitles of the section they stand
        in: chapter numbers only go up, in one style."""
        number = re.match(r"(\d{1,2})\.?\s", heading.title)
        chapter = next((m for _, title in self.path if (m := _CHAPTER_LABEL.match(title))), None)
        if number is None or chapter is None:
            return False
        return chapter["roman"] is not None or int(number.group(1)) <= int(chapter["arabic"])

    @property
    def section(self) -> str:
        return " › ".join(title for _, title in self.path)

    def _close(self) -> None:
        self._close_paragraph()
        self._close_block()

    def _emit_heading(self, heading: _Heading) -> None:
        """A heading is a passage of its own: structure questions ("which section treats …?",
        "what is chapter 1 called?") are answered by the heading itself."""
        key = "heading:" + _dedupe_key(_span(self.doc.text, heading.unit))  # a contents entry may say the same
        if key in self.seen:
            return
        self.seen.add(key)
        marks = _MARKDOWN_HEADING.match(self.doc.text, heading.unit.start, heading.unit.end)
        start = marks.end() if marks else heading.unit.start  # "## Мақсаты" reads "Мақсаты"
        self._emit([(start, heading.unit.end)], "heading", paragraph=0)

    def _emit_toc(self, start: int, end: int) -> None:
        key = _dedupe_key(self.doc.text[start:end])
        if key in self.seen:
            return
        self.seen.add(key)
        self._emit([(start, end)], "toc", paragraph=0)

    def _close_paragraph(self) -> None:
        units, self.paragraph = self.paragraph, []
        if not units:
            return
        keys = [_dedupe_key(_span(self.doc.text, u)) for u in units]
        if all(k in self.seen for k in keys):
            return  # a repeat of text already served
        self.seen.update(keys)
        if self.bibliography_level is not None:
            self._emit_groups(units, "bibliography", paragraph=0)
            return
        self.paragraph_no += 1
        self._emit_groups(units, "body", self.paragraph_no)

    def _close_block(self) -> None:
        """A marked block: contents entries one a paragraph; footnotes and bibliography
        entries by paragraph; a table's rows grouped like sentences."""
        items, self.block = self.block, []
        if not items:
            return
        block = items[0].block
        paragraphs: list[list[Unit]] = []
        for item in items:
            if not paragraphs or (item.unit.para_start and block.kind != "table"):
                paragraphs.append([])
            paragraphs[-1].append(item.unit)
        for units in paragraphs:
            if block.kind == "toc":
                self._emit_toc(units[0].start, units[-1].end)
            else:
                self._emit_groups(units, block.kind, paragraph=0, page_index=block.page_index)

    def _emit_groups(self, units: list[Unit], kind: PassageKind, paragraph: int, page_index: int | None = None) -> None:
        page_at = self.doc.page_index_at if page_index is None else (lambda _offset: page_index)
        for group in _balanced_groups(units, self.max_chars, page_at):
            self._emit([(u.start, u.end) for u in group], kind, paragraph, page_index)

    def _emit(
        self, spans: list[tuple[int, int]], kind: PassageKind, paragraph: int, page_index: int | None = None
    ) -> None:
        start, end = spans[0][0], spans[-1][1]
        order = len(self.passages)
        page_index = page_index or self.doc.page_index_at(start)
        self.passages.append(
            Passage(
                id=f"{self.doc.name}#{order}",
                doc=self.doc.name,
                order=order,
                paragraph=paragraph,
                start=start,
                end=end,
                text=self.doc.text[start:end],
                section=self.section if kind != "toc" else "",
                page=self.doc.page_label(page_index),
                sentences=_relative(spans, start),
                kind=kind,
                page_index=page_index,
            )
        )


def _chapters_numbered_after(items: list[_Item]) -> list[str | None]:
    """For each item, the chapter of the next heading numbered "N.M…" after it ("2" for
    "2.2 …"), None when none follows."""
    out: list[str | None] = []
    following: str | None = None
    for item in reversed(items):
        out.append(following)
        if isinstance(item, _Heading) and (numbered := re.match(r"(\d{1,2})\.\d", item.title)):
            following = numbered.group(1)
    return out[::-1]


def _is_code(line: str) -> bool:
    """A short line in Latin letters (or none) with a mark of code: brackets, "=", ";", a
    call, a keyword opening it ("def", "import", "return", "</div>", "{% block %}"); not an
    item of a list ("3. Write<u8 и u16> для Tx")."""
    letters = [ch for ch in line if ch.isalpha()]
    latin = sum(ch.isascii() for ch in letters)
    listed = _LIST_NUMBER.match(line) or _BULLET_ITEM.match(line)
    return len(line) <= _MAX_CODE_LINE and latin >= 0.7 * len(letters) and not listed and bool(_CODE_MARK.search(line))


def _balanced_groups(units: list[Unit], max_chars: int, page_at: Callable[[int], int | None]) -> list[list[Unit]]:
    """Consecutive sentence groups of roughly equal length, each at most `max_chars`
    unless a single sentence is longer, and never across a page break (so a passage
    cites one page)."""
    total = units[-1].end - units[0].start
    parts = max(1, -(-total // max_chars))
    target = total / parts
    groups: list[list[Unit]] = [[]]
    for unit in units:
        current = groups[-1]
        length = unit.end - current[0].start if current else 0
        new_page = current and page_at(unit.start) != page_at(current[0].start)
        if current and (new_page or length > max_chars or unit.start - current[0].start >= target):
            groups.append([])
        groups[-1].append(unit)
    return groups
