"""The writer: walks the classified items in order, tracking the section path (the rank of
each heading) and paragraph numbers, and emits the passages: headings, contents entries,
captions, marked blocks, bibliography entries and body paragraphs cut into balanced groups
of sentences, repeats dropped. A .jsonl's ready passages are kept as given.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from thesis_qa.document import Document, Passage, PassageKind
from thesis_qa.ingest.structure.items import Caption, Heading, InBlock, Item, TocEntry, span
from thesis_qa.ingest.structure.listings import is_code
from thesis_qa.ingest.structure.titles import (
    APPENDIX,
    APPENDIX_GOES_ON,
    APPENDIX_HEADING,
    APPENDIX_SECTION,
    BIBLIOGRAPHY_TITLE,
    CHAPTER_LABEL,
    NUMBERED_TITLE,
    RUN_IN,
    is_uppercase_title,
)
from thesis_qa.text.sentences import LIST_ITEM, Unit, split_sentences

MAX_PRESPLIT_CHARS = 4000  # a .jsonl passage is kept whole up to this length, else cut
_MARKDOWN_HEADING = re.compile(r"#{1,6}[ \t]+")


def presplit_passages(doc: Document, max_chars: int) -> list[Passage]:
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


def _dedupe_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


class Assembler:
    """Walks classified items in order, tracking the section path and paragraph numbers."""

    def __init__(self, doc: Document, max_chars: int) -> None:
        self.doc, self.max_chars = doc, max_chars
        self.path: list[tuple[int, str]] = []
        self.base_level = 0
        self.bibliography_level: int | None = None  # inside a bibliography heading of this level
        self.paragraph: list[Unit] = []
        self.listing = False  # the paragraph is a list's introduction with its items
        self.block: list[InBlock] = []
        self.paragraph_no = 0
        self.seen: set[str] = set()
        self.passages: list[Passage] = []

    def run(self, items: list[Item]) -> list[Passage]:
        chapter_after = _chapters_numbered_after(items)
        for index, item in enumerate(items):
            if isinstance(item, InBlock):
                if not (self.block and self.block[-1].block == item.block):
                    self._close()
                self.block.append(item)
                continue
            goes_on = isinstance(item, Unit) and (self._listing_goes_on(item) or self._list_goes_on(item))
            if (isinstance(item, Heading | TocEntry | Caption) or item.para_start or self.block) and not goes_on:
                self._close()
            if isinstance(item, Heading) and self._opens_nothing(item):
                self.paragraph.append(item.unit)
            elif isinstance(item, Heading):
                self._enter(item, chapter_after[index])
                self._emit_heading(item)
            elif isinstance(item, Caption):
                self._emit([(u.start, u.end) for u in item.units], "caption", paragraph=0)
            elif isinstance(item, TocEntry):
                self._emit_toc(item.start, item.end)
            else:
                self.paragraph.append(item)
        self._close()
        return self.passages

    def _enter(self, heading: Heading, chapter_after: str | None = None) -> None:
        """Enter `heading`'s section; `chapter_after` is the chapter the next numbered heading
        belongs to ("2" for "2.2 …")."""
        inside = self._inside_chapter(heading, chapter_after)
        own = 0 if self._runs_in(heading) or self._enumerated(heading) or inside else heading.level
        appendix_section = APPENDIX_SECTION.match(heading.title)
        if APPENDIX_HEADING.match(heading.title):
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

    def _inside_chapter(self, heading: Heading, chapter_after: str | None) -> bool:
        """An unnumbered title set like a chapter ("Microsoft Visual Studio 2022", in large
        type between 2.1 and 2.2) is a subtitle when the next numbered heading goes on with
        the chapter it stands in (a chapter of its own would be followed by its own numbers),
        or when it stands in an appendix ("Б қосымшасы" then "Техникалық тапсырма"). Titles
        in capitals, appendices and bibliographies keep their rank."""
        chapter = next((title for level, title in self.path if level == 1), "")
        goes_on = chapter_after is not None and re.match(rf"{chapter_after}\.?\s", chapter) is not None
        return (
            heading.level == 1
            and (goes_on or APPENDIX_HEADING.match(chapter) is not None)  # an appendix's own title
            and not re.match(r"[\dIVXLCІ]", heading.title)
            and not is_uppercase_title(heading.title)
            and not APPENDIX_HEADING.match(heading.title)
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
            and is_code(span(self.doc.text, self.paragraph[-1]))
            and is_code(span(self.doc.text, unit))
        )

    def _list_goes_on(self, unit: Unit) -> bool:
        """A list item after its introduction ("… выделяются следующие:"), or after the items
        that followed one, is read in one paragraph with them (cut into passages by length like
        any paragraph): what the introduction says is what the item answers. The paragraph is
        marked a list (`listing`) until it closes, so its later items need no colon before them."""
        if not unit.para_start or self.block or self.bibliography_level is not None or not self.paragraph:
            return False
        if not LIST_ITEM.match(span(self.doc.text, unit)):
            return False
        self.listing = self.listing or span(self.doc.text, self.paragraph[-1]).rstrip().endswith(":")
        return self.listing

    def _opens_nothing(self, heading: Heading) -> bool:
        """A "heading" that is text: a numbered line inside a bibliography ("27 NVIDIA.", an
        entry its author broke over two paragraphs; a bibliography holds no numbered sections,
        while an appendix after it is a heading still), or a page's reminder that an appendix
        goes on ("А қосымшасының жалғасы")."""
        numbered_entry = (
            self.bibliography_level is not None
            and re.match(r"\d", heading.title) is not None
            and not APPENDIX.search(heading.title)
        )
        return numbered_entry or APPENDIX_GOES_ON.search(heading.title) is not None

    def _runs_in(self, heading: Heading) -> bool:
        """A bold lead-in ("Армян тіліндегі деректер: ХІІІ–ХV ғасырлар …") a format set like a
        heading is a subtitle of the numbered section it stands in, whatever level it got."""
        numbered = any(NUMBERED_TITLE.match(title) and lvl >= heading.level for lvl, title in self.path)
        lead_in = RUN_IN.match(heading.title) is not None and NUMBERED_TITLE.match(heading.title) is None
        return numbered and lead_in and not is_uppercase_title(heading.title)

    def _enumerated(self, heading: Heading) -> bool:
        """Headings numbered "1. …", "2. …" inside a chapter numbered in roman, or numbered
        no further than it ("1." inside chapter 2), or with a dot inside a chapter numbered
        without one ("3. Характеристики объектов" of a specification quoted in "2 РАЗРАБОТКА
        ТЕХНИЧЕСКОГО ЗАДАНИЯ"), are subtitles of the section they stand in: chapter numbers
        only go up, in one style."""
        number = re.match(r"(\d{1,2})(\.?)\s", heading.title)
        chapter = next((m for _, title in self.path if (m := CHAPTER_LABEL.match(title))), None)
        if number is None or chapter is None:
            return False
        other_style = bool(number.group(2)) and not chapter.group(0).rstrip().endswith(".")
        return chapter["roman"] is not None or int(number.group(1)) <= int(chapter["arabic"]) or other_style

    @property
    def section(self) -> str:
        return " › ".join(title for _, title in self.path)

    def _close(self) -> None:
        self._close_paragraph()
        self._close_block()

    def _emit_heading(self, heading: Heading) -> None:
        """A heading is a passage of its own: structure questions ("which section treats …?",
        "what is chapter 1 called?") are answered by the heading itself."""
        key = "heading:" + _dedupe_key(span(self.doc.text, heading.unit))  # a contents entry may say the same
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
        units, self.paragraph, self.listing = self.paragraph, [], False
        if not units:
            return
        keys = [_dedupe_key(span(self.doc.text, u)) for u in units]
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


def _chapters_numbered_after(items: list[Item]) -> list[str | None]:
    """For each item, the chapter of the next heading numbered "N.M…" after it ("2" for
    "2.2 …"), None when none follows."""
    out: list[str | None] = []
    following: str | None = None
    for item in reversed(items):
        out.append(following)
        if isinstance(item, Heading) and (numbered := re.match(r"(\d{1,2})\.\d", item.title)):
            following = numbered.group(1)
    return out[::-1]


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
