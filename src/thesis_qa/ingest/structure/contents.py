"""Tables of contents: a run of title lines with page references becomes one entry a
title; body text glued after the last page reference goes back to the body.
"""

from __future__ import annotations

import re
from typing import cast

from thesis_qa.ingest.structure.items import Heading, InBlock, Item, TocEntry, span
from thesis_qa.ingest.structure.titles import MAX_TITLE_WORDS
from thesis_qa.text.sentences import Unit

# A page range as ToCs print it; "8 - 191.2." is pages 8-19 glued to section number 1.2.
_PAGE_REF = re.compile(r"(?<![\d.])\d{1,3}\s*[-–—]\s*\d{1,3}?(?=\d\.\d|\D|$)|(?:\.\s?){4,}\s*\d{1,3}(?!\d)")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
CONTENTS_TITLE = re.compile(r"(мазмұны|содержание|оглавление|contents|table of contents)\W*", re.IGNORECASE)
_TOC_GAP = 5


def cut_tables_of_contents(text: str, items: list[Unit | Heading | InBlock]) -> list[Item]:
    """Replace every ToC run of units by its entries; body text after the last page
    reference (e.g. "45 - 47   КІРІСПЕ") goes back to the body as a new paragraph."""
    out: list[Item] = []
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
        out.extend(_toc_entries(text, [*cast(list[Unit | Heading], items[first:last]), head]))
        if tail:
            out.append(tail)
        i = last + 1
    return out


def _toc_run(text: str, items: list[Unit | Heading | InBlock], i: int) -> tuple[int, int] | None:
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
        if not _toc_like(text, previous) or CONTENTS_TITLE.fullmatch(span(text, cast(Unit, previous)).strip()):
            break
        first -= 1
    return first, refs[-1]


def _toc_like(text: str, item: Unit | Heading | InBlock) -> bool:
    if not isinstance(item, Unit):
        return False
    raw = span(text, item)
    if _YEAR.search(raw) or len(raw.split()) > MAX_TITLE_WORDS:
        return False
    return not raw.endswith((".", "!", "?", "…")) or bool(re.search(r"\d\.$", raw))


def _page_ref_unit(text: str, item: Unit | Heading | InBlock) -> bool:
    """A ToC line carries its page reference at one edge, never inside a sentence."""
    if not isinstance(item, Unit) or not _toc_like(text, item):
        return False
    raw = span(text, item)
    return any(m.start() == 0 or m.end() == len(raw) for m in _PAGE_REF.finditer(raw))


def _split_after_page_ref(text: str, unit: Unit) -> tuple[Unit, Unit | None]:
    """The ToC part of its last unit, and the body text glued after the page reference."""
    *_, last_ref = _PAGE_REF.finditer(text, unit.start, unit.end)
    rest = text[last_ref.end() : unit.end]
    if not rest.strip():
        return unit, None
    tail_start = last_ref.end() + len(rest) - len(rest.lstrip())
    return Unit(unit.start, last_ref.end(), unit.para_start, True), Unit(tail_start, unit.end, True, unit.line_end)


def _toc_entries(text: str, items: list[Unit | Heading]) -> list[TocEntry]:
    """One entry per title: an optional number before it, its page range after it."""
    entries: list[TocEntry] = []
    pending_number: int | None = None
    for item in items:
        for kind, a, b in _toc_pieces(text, item):
            if kind == "page":
                if entries:
                    entries[-1] = TocEntry(entries[-1].start, b)
            elif kind == "number":
                pending_number = a if pending_number is None else pending_number
            else:
                entries.append(TocEntry(a if pending_number is None else pending_number, b))
                pending_number = None
    return entries


def _toc_pieces(text: str, item: Unit | Heading) -> list[tuple[str, int, int]]:
    """Split a ToC unit into ("page" | "number" | "title", start, end) pieces."""
    pieces: list[tuple[str, int, int]] = []
    pos = item.unit.start if isinstance(item, Heading) else item.start
    end = item.unit.end if isinstance(item, Heading) else item.end
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
