"""Captions of figures and tables ("Рисунок 3 – …", "Кесте 8", "Table 1"): one `caption`
passage each, even over two lines, never a heading whatever the format hinted.
"""

from __future__ import annotations

import re

from thesis_qa.ingest.structure.items import Caption, Heading, Item, span, word_count
from thesis_qa.ingest.structure.titles import CHAPTER_LINE, MAX_TITLE_WORDS, NUMBERED_TITLE
from thesis_qa.text.sentences import Unit

# A caption opens with its label: "Рис.2.", "Рисунок 3 –", "Сурет 1 –", "Кесте 8", "Таблица
# А.2", "Figure 1:", "1-кесте –", "2.1.1 сурет —", "1.2.1 график -"; after the number comes
# nothing, a separator, or a capital. A table's continuation is one too ("1.3.2 кестенің
# жалғасы", "Продолжение таблицы 4").
_FIGURE_WORD = r"(?:сурет|кесте|таблица|рисунок|график|диаграмма|схема)"
_CAPTION = re.compile(
    r"(?:(?:рис(?:унок)?\.?|сурет|кесте|таблица|табл\.|figure|fig\.|table|схема|диаграмма)\s*(?:№\s*)?"
    r"(?:[^\W\d_]\.?)?\d+(?:[.\-–]\d+)*"
    rf"|\d+(?:\.\d+)*\s*[-–−]?\s*(?:кестенің\s+(?:жалғасы|соңы)(?=\W|$)|{_FIGURE_WORD}(?![^\W\d_]))"
    r"|(?:продолжение|окончание)\s+табл(?:ицы|\.)\s*(?:№\s*)?\d+(?:\.\d+)*)\s*",
    re.IGNORECASE,
)
_MAX_CAPTION_WORDS = 60
# A number and a capitalised "Таблица" / "Кесте" naming what follows is a section about that
# table ("4.3.1 Таблица User"); a caption numbered first writes its word in lower case
# ("2.1.1 сурет —", "1.2.1-кесте").
_SECTION_ON_A_TABLE = re.compile(r"\d+(?:\.\d+)+\.?\s+[A-ZА-ЯӘІҢҒҮҰҚӨҺЁ][^\W\d_]+\s+(?!жалғасы|соңы)[^\W\d_]")


def mark_captions(text: str, items: list[Item]) -> list[Item]:
    """A paragraph opening with a caption label becomes a `Caption`, even when the format
    hinted it as a heading; a bare label ("Рис. 10.") takes the short title line after it."""
    out: list[Item] = []
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
        while _unfinished(text[units[0].start : units[-1].end]) and i < len(items) and _is_title_line(text, items[i]):
            more, i = _paragraph_of(items, i)  # a caption set over lines of its own: "… (2021" + "год)"
            units += more
        if sum(word_count(text, u) for u in units) > _MAX_CAPTION_WORDS:
            out.extend(units)  # a long paragraph that merely starts with "Рисунок 3 –" stays text
            continue
        out.append(Caption(tuple(units)))
    return out


def _caption_unit(item: Item) -> Unit | None:
    if isinstance(item, Heading):
        return item.unit
    return item if isinstance(item, Unit) and item.para_start else None


def _opens_caption(text: str, unit: Unit) -> bool:
    head = text[unit.start : unit.start + 300].split("\n\n", 1)[0]
    label = _CAPTION.match(head)
    if label is None or _SECTION_ON_A_TABLE.match(head):
        return False
    rest = head[label.end() :]
    return not rest or rest[0] in '.:-–—−«"“' or rest[0].isupper()  # "−": a minus sign set as a dash


def _paragraph_of(items: list[Item], i: int) -> tuple[list[Unit], int]:
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
    return label is not None and not raw[label.end() :].strip(" .:-–—−")


def _unfinished(caption: str) -> bool:
    """Whether a caption stops mid-way: a bracket left open ("… технологиях (2021") or a comma
    last ("… (2019–2021),", its source on the next line)."""
    return caption.count("(") > caption.count(")") or caption.rstrip().endswith(",")


def _is_title_line(text: str, item: Item) -> bool:
    """A short line that can be a caption's title: no sentence, no block, no heading number."""
    unit = _caption_unit(item)
    if unit is None or _opens_caption(text, unit):
        return False
    raw = span(text, unit)
    if NUMBERED_TITLE.match(raw) or CHAPTER_LINE.match(raw):  # "5.2 Сравнение …", "5 Реализация"
        return False  # after a bare "Рис. 5: ." or "Таблица 9" open a section
    return len(raw.split()) <= MAX_TITLE_WORDS and not raw.rstrip().endswith((".", "!", "?", ":", ";"))
