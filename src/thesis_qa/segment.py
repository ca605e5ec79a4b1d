"""Turn a `Document` into retrievable `Passage`s that know their section, paragraph and page.

Pipeline: sentence units (`sentences.split_units`) -> the table of contents is found and cut
into entries -> headings are recognised (numbered "1.1.", UPPERCASE chapter titles, short
title lines opening a paragraph, or the hints a .docx/.md gives) -> paragraphs that repeat
earlier text are dropped (the bundled file holds its text twice) -> long paragraphs are cut
into passages of a few sentences. Every span is an exact slice of `Document.text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from thesis_qa.document import Document, Passage, PassageKind
from thesis_qa.sentences import Unit, split_sentences, split_units

SEGMENTER_VERSION = "1"
DEFAULT_MAX_CHARS = 600

_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)*\.?")
_NUMBERED_TITLE = re.compile(r"(\d+(?:\.\d+)+)\.?\s+\S")
# A page range as ToCs print it; "8 - 191.2." is pages 8-19 glued to section number 1.2.
_PAGE_REF = re.compile(r"(?<![\d.])\d{1,3}\s*[-–—]\s*\d{1,3}?(?=\d\.\d|\D|$)|\.{4,}\s*\d{1,3}(?!\d)")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_TOC_TITLE = re.compile(r"(мазмұны|содержание|оглавление|contents|table of contents)\W*", re.IGNORECASE)
_MAX_TITLE_WORDS = 15
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


_Item = _Heading | _TocEntry | Unit


def segment(doc: Document, max_chars: int = DEFAULT_MAX_CHARS) -> list[Passage]:
    """Passages of `doc` in reading order."""
    if doc.presplit:
        return _presplit_passages(doc)
    units = _apply_heading_hints(split_units(doc.text, doc.tab_starts_paragraph), doc)
    items = _classify_headings(doc.text, _cut_tables_of_contents(doc.text, units))
    return _Assembler(doc, max_chars).run(items)


def _presplit_passages(doc: Document) -> list[Passage]:
    return [
        Passage(
            id=p.id,
            doc=doc.name,
            order=order,
            paragraph=order + 1,
            start=p.start,
            end=p.end,
            text=doc.text[p.start : p.end],
            section=p.title,
            sentences=_relative(split_sentences(doc.text, p.start, p.end) or [(p.start, p.end)], p.start),
        )
        for order, p in enumerate(doc.presplit)
    ]


def _relative(spans: list[tuple[int, int]], origin: int) -> tuple[tuple[int, int], ...]:
    return tuple((a - origin, b - origin) for a, b in spans)


# --- headings ---------------------------------------------------------------------------


def _apply_heading_hints(units: list[Unit], doc: Document) -> list[Unit | _Heading]:
    """Units that overlap a heading the format marks become that heading."""
    out: list[Unit | _Heading] = []
    hints = sorted(doc.headings, key=lambda h: h.start)
    for unit in units:
        hint = next((h for h in hints if h.start < unit.end and unit.start < h.end), None)
        if hint is None:
            out.append(unit)
            continue
        span = Unit(min(unit.start, hint.start), max(unit.end, hint.end), True, True)
        if not (out and isinstance(out[-1], _Heading) and out[-1].unit == span):
            out.append(_Heading(span, hint.level, _title(doc.text[hint.start : hint.end])))
    return out


def _classify_headings(text: str, items: list[_Item]) -> list[_Item]:
    out: list[_Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if _is_numbered_title(text, item, nxt):
            number = _span(text, item).rstrip(".")
            span = Unit(item.start, nxt.end, True, True)  # type: ignore[union-attr]
            out.append(_Heading(span, number.count(".") + 1, f"{number}. {_title(_span(text, nxt))}"))  # type: ignore[arg-type]
            i += 2
            continue
        out.append(_heading_or_unit(text, item, nxt))
        i += 1
    return out


def _heading_or_unit(text: str, item: _Item, nxt: _Item | None) -> _Item:
    if not isinstance(item, Unit):
        return item
    raw = _span(text, item)
    words = raw.split()
    if len(words) > _MAX_TITLE_WORDS or raw.rstrip()[-1] in "?!:;,":
        return item
    numbered = _NUMBERED_TITLE.match(raw)
    if numbered:
        return _Heading(item, numbered.group(1).count(".") + 1, _title(raw))
    if _is_uppercase_title(raw):
        return _Heading(item, 1, _title(raw))
    if _is_subtitle(raw, item, nxt):
        return _Heading(item, 0, _title(raw))
    return item


def _is_uppercase_title(raw: str) -> bool:
    letters = [ch for ch in raw if ch.isalpha()]
    return len(letters) >= 5 and sum(ch.isupper() for ch in letters) >= 0.9 * len(letters)


def _is_subtitle(raw: str, unit: Unit, nxt: _Item | None) -> bool:
    """A short title line opening a paragraph, e.g. "Зерттеудің өзектілігі"."""
    return (
        unit.para_start
        and unit.line_end
        and isinstance(nxt, Unit)
        and len(raw.split()) <= _MAX_SUBTITLE_WORDS
        and raw[0].isupper()
        and raw[-1].isalpha()
        and not any(ch.isdigit() or ch in ',«»"()' for ch in raw)
    )


def _is_numbered_title(text: str, item: _Item, nxt: _Item | None) -> bool:
    """A unit holding only "1.1." followed by a short title unit (the tab between them
    made two units of one heading)."""
    return (
        isinstance(item, Unit)
        and isinstance(nxt, Unit)
        and _SECTION_NUMBER.fullmatch(_span(text, item)) is not None
        and _word_count(text, nxt) <= _MAX_TITLE_WORDS
    )


def _title(raw: str) -> str:
    return " ".join(raw.split()).rstrip(".:;")


# --- table of contents ------------------------------------------------------------------


def _cut_tables_of_contents(text: str, items: list[Unit | _Heading]) -> list[_Item]:
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
        head, tail = _split_after_page_ref(text, items[last])
        out.extend(_toc_entries(text, [*items[first:last], head]))
        if tail:
            out.append(tail)
        i = last + 1
    return out


def _toc_run(text: str, items: list[Unit | _Heading], i: int) -> tuple[int, int] | None:
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
    while first > 0 and i - first < _TOC_GAP and _toc_like(text, items[first - 1]):
        if _TOC_TITLE.fullmatch(_span(text, items[first - 1]).strip()):
            break
        first -= 1
    return first, refs[-1]


def _toc_like(text: str, item: Unit | _Heading) -> bool:
    if isinstance(item, _Heading):
        return False
    raw = _span(text, item)
    if _YEAR.search(raw) or len(raw.split()) > _MAX_TITLE_WORDS:
        return False
    return not raw.endswith((".", "!", "?", "…")) or bool(re.search(r"\d\.$", raw))


def _page_ref_unit(text: str, item: Unit | _Heading) -> bool:
    """A ToC line carries its page reference at one edge, never inside a sentence."""
    if not _toc_like(text, item):
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
        self.paragraph: list[Unit] = []
        self.paragraph_no = 0
        self.seen: set[str] = set()
        self.passages: list[Passage] = []

    def run(self, items: list[_Item]) -> list[Passage]:
        for item in items:
            if isinstance(item, _Heading):
                self._close_paragraph()
                self._enter(item)
            elif isinstance(item, _TocEntry):
                self._close_paragraph()
                self._emit_toc(item)
            else:
                if item.para_start:
                    self._close_paragraph()
                self.paragraph.append(item)
        self._close_paragraph()
        return self.passages

    def _enter(self, heading: _Heading) -> None:
        level = heading.level or self.base_level + 1
        if heading.level:
            self.base_level = heading.level
        self.path = [(lvl, title) for lvl, title in self.path if lvl < level] + [(level, heading.title)]

    @property
    def section(self) -> str:
        return " › ".join(title for _, title in self.path)

    def _emit_toc(self, entry: _TocEntry) -> None:
        key = _dedupe_key(self.doc.text[entry.start : entry.end])
        if key in self.seen:
            return
        self.seen.add(key)
        self._emit(entry.start, entry.end, [(entry.start, entry.end)], "toc", paragraph=0)

    def _close_paragraph(self) -> None:
        units, self.paragraph = self.paragraph, []
        if not units:
            return
        keys = [_dedupe_key(_span(self.doc.text, u)) for u in units]
        if all(k in self.seen for k in keys):
            return  # a repeat of text already served
        self.seen.update(keys)
        self.paragraph_no += 1
        for group in _balanced_groups(units, self.max_chars, self.doc.page_at):
            spans = [(u.start, u.end) for u in group]
            self._emit(group[0].start, group[-1].end, spans, "body", self.paragraph_no)

    def _emit(self, start: int, end: int, spans: list[tuple[int, int]], kind: PassageKind, paragraph: int) -> None:
        order = len(self.passages)
        self.passages.append(
            Passage(
                id=f"{self.doc.name}#{order}",
                doc=self.doc.name,
                order=order,
                paragraph=paragraph,
                start=start,
                end=end,
                text=self.doc.text[start:end],
                section=self.section if kind == "body" else "",
                page=self.doc.page_at(start),
                sentences=_relative(spans, start),
                kind=kind,
            )
        )


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
