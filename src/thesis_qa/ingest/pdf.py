"""PDF through PDFium (pypdfium2): lines with their position and font, then the layout a
reader sees. Running headers and footers (lines repeated across pages at the same place) and
page numbers are removed, the printed page number kept as the page's label; words hyphenated
at a line end are joined; paragraphs come from indents, spacing and short last lines; headings
from font size and weight plus numbering; footnotes (small type at the foot of a page) become
their own blocks pinned to their page; contents pages become `toc` blocks; ruled tables
become `table` blocks rebuilt cell by cell, a row a line. Words come from where the glyphs
stand, not from PDFium's spaces (`pdf_glyphs`); a text layer that is not text (mojibake, no
Unicode map) is refused.

Why PDFium: measured in `bench/pdf_libraries.py` it reads a LibreOffice-exported thesis
many times faster than pypdf or pdfplumber and gives each character's font size and position
(pypdf's visitor gives runs, pdfplumber is pdfminer in pure Python); its licence (Apache-2.0 /
BSD) suits this MIT project, where PyMuPDF's AGPL does not.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from thesis_qa.document import Block, BlockKind, Document, HeadingHint
from thesis_qa.errors import LoadError
from thesis_qa.ingest.hyphens import Dehyphenator
from thesis_qa.ingest.pdf_glyphs import Glyph, gaps, page_glyphs, unreadable_share, visual_lines
from thesis_qa.ingest.structure import BIBLIOGRAPHY_TITLE
from thesis_qa.text.sentences import BULLETS

# Bumped whenever this reader would give another Document of the same file (the index rereads it).
# 2: spaced dot leaders, bold by a line's first and last letters, subtitles. 3: a list item's
# lines wrapped under its text go on the item wherever the page's margin is; Word's
# Symbol-font bullets read as "•". 4: text set larger than the body for more than a title's
# length is body text (kk-khan's foreword had become five headings of whole paragraphs).
# 5: a dash bullet drawn as U+0336 reads "–"; a hyphen at a line end stays between two names
# ("Санкт-Петербург"), in table cells too; a bibliography set flush is cut at each entry.
# 6: the pages that hold an image and no text (a scan's) are named (`Document.image_pages`).
# 7: bold marks no title where the body is set in bold too; contents lines led by dashes.
# 8: an unnumbered bold line of a numbered thesis whose chapters are set in body type is a subtitle.
READER_VERSION = "8"
MAX_PAGES = 5_000
# Longer than this, lines set larger than the body are body text in a larger type (a foreword,
# an epigraph), not a heading: the longest titles of the real theses run to ~200 characters.
# Such text going on from a page before opens with a lowercase letter, which no title does.
MAX_HEADING_CHARS = 300
_LOCK = threading.Lock()  # PDFium is not thread-safe
_UNREADABLE = 0.3  # share of a text layer's letters that are not text (`unreadable_share`) refused
# A page without text whose largest image covers this share of it is a scan's page (the
# signed title pages of the real theses: 0.66-0.69); a small logo or drawing is not.
_IMAGE_PAGE = 0.4
_MARGIN_BAND = 0.12  # top and bottom share of a page where running headers and footers live
_PAGE_NUMBER = re.compile(r"[-–—\s]*(\d{1,4}|[ivxlcdm]{1,8}|[IVXLCDM]{1,8})[-–—\s]*")
# A contents line: a title, a leader (dots, LaTeX's spaced ". . .", dashes "-----", spaces or a
# tab) and a page number (years are no page).
_TOC_LINE = re.compile(r"^(?P<title>.*?\S)\s*(?:(?:[.…·_-]\s?){3,}|\s{3,}|\t)\s*(?P<page>\d{1,3}|[ivxlc]{1,6})$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+\S")
_ROMAN_CHAPTER = re.compile(r"^[IVXLІ]{1,6}(?:\.\s|\.?$)")  # "II. ДЕРЕКТЕР", a bare "IV" (Cyrillic І too)
_CHAPTER_WORD = re.compile(r"^(?:\d{1,2}\s*(?:тарау|глава|chapter)|(?:тарау|глава|chapter)\s*\d{1,2})\b", re.I)
# Titles that open the front and back matter: a chapter's rank whatever their type size.
_MATTER_TITLE = re.compile(
    r"^(?:введение|заключение|содержание|оглавление|аннотация|реферат|список\s.*(?:литератур|источник|сокращени)\w*"
    r"|литература|приложени[ея](?:\s.{1,3})?|кіріспе|қорытынды|мазмұны?|аңдатпа|түйіндеме|қосымша(?:\s.{1,3})?"
    r"|пайдаланыл\w+\s.*|introduction|conclusions?|contents|abstract|references|bibliography|appendix(?:\s.{1,3})?)$",
    re.IGNORECASE,
)
# LaTeX's bold fonts say so only in their names: CMBX12, SFBX1200 (cm-super), LABX1200 (T2A).
_LATEX_BOLD = re.compile(r"^(?:[a-z]{6}\+)?[a-z]{2,4}(?:bx|sx)\d")
_LIST_START = re.compile(rf"^(?:\d{{1,3}}[.)]|[{BULLETS}–-])\s")
_MAX_TITLE_LINE = 80  # a paragraph this short may be a title set in body type
_ENTRY_NUMBER = re.compile(r"(\d{1,3})\s+(?=[^\W\d_]|[«\"“])")  # "12 Author", not "12.5" or "2020 жылы"
# Word draws its bullets in the Symbol and Wingdings fonts, whose glyphs PDFium names by
# private-use codes: read as the bullets they show.
_SYMBOL_BULLETS = str.maketrans(
    {"\uf0b7": "•", "\uf0a7": "▪", "\uf06e": "▪", "\uf0a8": "◦", "\uf0d8": "►", "\uf0e0": "►"}
)
# A combining mark opening a line has no letter to mark: a font that maps its dash bullet to
# U+0336 (combining long stroke) shows "–" there.
_DASH_BULLET = "\u0336"
_SEPARATORS = ("", " ", "\t")  # between two glyphs, weakest first
_SENTENCE_END = (".", "!", "?", "…", ":", ";", "»", '"')


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    y: float  # baseline, from the bottom of the page
    size: float
    bold: bool
    page: int  # 0-based
    note_mark: str = ""  # the superscript number opening the line (a footnote's own number)
    hyphen: bool = False  # ended with a hyphen at the line end
    kind: str = "body"  # body, heading, footnote, toc, table, margin
    xs: tuple[float, ...] = ()  # where each character of `text` starts
    refs: tuple[str, ...] = ()  # footnote numbers cited inside the line (superscripts dropped)
    soft: bool = False  # the hyphen at its end is a soft hyphen (U+00AD): the word goes on


@dataclass
class _Page:
    lines: list[_Line]
    width: float
    height: float
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)  # ruled table cells
    label: str = ""
    unmapped: int = 0  # characters PDFium found no Unicode for
    image_share: float = 0.0  # of the page, its largest image covers (read when it has few lines)


def read_pdf(path: Path, name: str) -> Document:
    pages = _read_pages(path, name)
    if not any(line.text.strip() for page in pages for line in page.lines):
        raise LoadError(
            f"{name}: no text found; OCR is not supported (is it a scan?)", code="load_no_text_layer", name=name
        )
    _check_text_layer(pages, name)
    return _Layout(name, path, pages).document()


def _check_text_layer(pages: list[_Page], name: str) -> None:
    """Refuse a text layer that is not what the pages show: mojibake (Cyrillic stored in a
    one-byte font read as Latin-1) or glyphs without a Unicode map. A few such letters (a
    formula's symbols) pass; English theses and accented Latin names have far fewer."""
    share, reason = unreadable_share([ln.text for page in pages for ln in page.lines], sum(p.unmapped for p in pages))
    if share > _UNREADABLE:
        what = "mojibake (letters in a wrong encoding)" if reason == "mojibake" else "glyphs without a Unicode map"
        raise LoadError(
            f"{name}: the PDF's text layer is {what} ({share:.0%} of its letters); "
            "export the PDF again from the original with fonts embedded, or upload the .docx",
            code="load_unreadable_text_layer",
            name=name,
            reason=reason,
        )


# --- reading: PDFium characters to lines ------------------------------------------------


def _read_pages(path: Path, name: str) -> list[_Page]:
    import pypdfium2 as pdfium

    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise LoadError(f"{name}: the PDF is password-protected", code="load_encrypted", name=name) from exc
            raise LoadError(f"{name}: damaged PDF ({exc})", code="load_broken", name=name) from exc
        try:
            count = len(pdf)
            if count > MAX_PAGES:
                raise LoadError(
                    f"{name}: {count:,} pages, over the {MAX_PAGES:,} page limit",
                    code="load_too_many_pages",
                    name=name,
                    limit=MAX_PAGES,
                )
            return [_read_page(pdf, index) for index in range(count)]
        except pdfium.PdfiumError as exc:
            raise LoadError(f"{name}: damaged PDF ({exc})", code="load_broken", name=name) from exc
        finally:
            pdf.close()


def _read_page(pdf: Any, index: int) -> _Page:
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            read = page_glyphs(textpage)
            lines = [ln for glyphs in visual_lines(read.glyphs) if (ln := _line(textpage, glyphs, index))]
        finally:
            textpage.close()
        label = pdf.get_page_label(index) or ""
        image_share = _image_share(page, width * height) if len(lines) <= 3 else 0.0
        return _Page(lines, width, height, _table_rules(page), label, read.unmapped, image_share)
    finally:
        page.close()


def _image_share(page: Any, area: float) -> float:
    """The share of the page its largest image covers."""
    from pypdfium2 import raw

    largest = 0.0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        largest = max(largest, (right - left) * (top - bottom))
    return largest / area if area > 0 else 0.0


def _line(textpage: Any, glyphs: list[Glyph], page: int) -> _Line | None:
    """One visual line: words from the gaps between glyphs (`pdf_glyphs.gaps`); superscript
    digits (footnote references) dropped from inside it and kept as a mark when they open
    it; a hyphen PDFium marks at its end kept as a flag, marks inside it dropped."""
    from pypdfium2 import raw

    last = glyphs[-1]
    drawn = glyphs[:-1] if last.hyphen else glyphs
    if not drawn:
        return None
    size = median(g.size for g in drawn)
    base = Counter(round(g.y, 1) for g in drawn if g.size >= size * 0.85).most_common(1)
    baseline = base[0][0] if base else drawn[0].y
    kept: list[str] = []
    positions: list[float] = []
    shown: list[Glyph] = []
    refs, note_mark, pending = [""], "", ""
    for glyph, sep in zip(drawn, [*gaps(drawn), ""], strict=True):
        if _note_reference(glyph, size, baseline):
            if kept:
                refs[-1] += glyph.ch
            else:
                note_mark += glyph.ch
        elif not glyph.hyphen:
            if refs[-1]:
                refs.append("")
            if pending and kept:
                kept.append(pending)
                positions.append(glyph.left)
            kept.append(glyph.ch)
            positions.append(glyph.left)
            shown.append(glyph)
            pending = ""
        pending = max(pending, sep, key=_SEPARATORS.index)
    if not shown:
        return None
    return _Line(
        _bullet_read("".join(kept)),
        positions[0],
        max(g.right for g in glyphs),
        baseline,
        size,
        _is_bold(textpage, shown[0].index, raw) and _is_bold(textpage, shown[-1].index, raw),
        page,
        note_mark,
        last.hyphen or last.ch == "-",
        xs=tuple(positions),
        refs=tuple(r for r in refs if r),
        soft=last.ch == "\u00ad",
    )


def _note_reference(glyph: Glyph, size: float, baseline: float) -> bool:
    """A superscript digit, asterisk or dagger: a footnote's number."""
    raised = glyph.size < size * 0.8 and glyph.y > baseline + glyph.size * 0.2
    return raised and (glyph.ch.isdigit() or glyph.ch in "*†")


def _is_bold(textpage: Any, index: int, raw: Any) -> bool:
    import ctypes

    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    raw.FPDFText_GetFontInfo(textpage, index, buffer, 128, flags)
    fontname = buffer.value.decode("latin-1", errors="replace").lower()
    named = any(w in fontname for w in ("bold", "black", "heavy")) or _LATEX_BOLD.match(fontname) is not None
    return raw.FPDFText_GetFontWeight(textpage, index) >= 600 or named


def _table_rules(page: Any) -> list[tuple[float, float, float, float]]:
    """Bounds (left, bottom, right, top) of the thin lines and frames a ruled table draws."""
    from pypdfium2 import raw

    rules = []
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        if min(right - left, top - bottom) <= 2.5 and max(right - left, top - bottom) >= 8:
            rules.append((left, bottom, right, top))
    return rules


# --- layout: lines to a document ----------------------------------------------------------


class _Layout:
    def __init__(self, name: str, path: Path, pages: list[_Page]) -> None:
        self.name, self.path, self.pages = name, path, pages
        body: Counter[float] = Counter()
        for page in pages:
            for line in page.lines:
                body[round(line.size * 2) / 2] += len(line.text)
        self.body_size = body.most_common(1)[0][0] if body else 10.0
        # Bold marks a title only where the text is not all set in bold.
        in_body = [ln for page in pages for ln in page.lines if abs(ln.size - self.body_size) < 0.5]
        self.bold_body = sum(len(ln.text) for ln in in_body if ln.bold) > 0.5 * sum(len(ln.text) for ln in in_body)

    def document(self) -> Document:
        labels = self._mark_margins()
        for page in self.pages:
            self._mark_tables(page)
            self._mark_footnotes(page)
            self._mark_toc(page)
            self._mark_headings(page)
        levels = self._heading_levels()
        return _Writer(self, labels, levels).document()

    def _mark_margins(self) -> list[str]:
        """Lines in the top or bottom band repeated on several pages at the same height
        (digits ignored), and lone page numbers at a page's top or bottom edge; returns each
        page's printed label."""
        keys: Counter[tuple[str, int]] = Counter()
        for page in self.pages:
            for line in self._band(page):
                keys[self._margin_key(line)] += 1
        repeated = max(3, int(0.2 * len(self.pages)))
        labels = []
        for page in self.pages:
            printed = ""
            body = [ln for ln in page.lines if ln.kind == "body"]
            edges = [body[0], body[-1]] if body else []
            for line in self._band(page):
                number = _PAGE_NUMBER.fullmatch(line.text.strip())
                if number and line in edges:
                    line.kind = "margin"
                    printed = printed or number.group(1)
                elif keys[self._margin_key(line)] >= repeated:
                    line.kind = "margin"
            labels.append(page.label or printed)
        return labels

    def _band(self, page: _Page) -> list[_Line]:
        top, bottom = page.height * (1 - _MARGIN_BAND), page.height * _MARGIN_BAND
        return [ln for ln in page.lines if ln.y >= top or ln.y <= bottom]

    @staticmethod
    def _margin_key(line: _Line) -> tuple[str, int]:
        return re.sub(r"\d+", "#", " ".join(line.text.split()).lower()), round(line.y / 4)

    def _mark_tables(self, page: _Page) -> None:
        """Lines inside the frame of a ruled table (two or more horizontal and vertical rules
        that touch): the text between two tables on one page is no table."""
        frames = [frame for frame in _frames(page.rules) if frame.ruled]
        for line in page.lines:
            if line.kind == "body" and any(frame.holds(line) for frame in frames):
                line.kind = "table"

    def _mark_footnotes(self, page: _Page) -> None:
        """The run of small-type lines at the foot of the page, the first opening with a
        note number."""
        body = [ln for ln in page.lines if ln.kind in ("body", "table")]
        run: list[_Line] = []
        for line in reversed(body):
            if line.size > self.body_size * 0.9 or line.kind == "table":
                break
            run.append(line)
        run.reverse()
        while run and not (run[0].note_mark or re.match(r"\d{1,3}\s", run[0].text)):
            run.pop(0)
        if run and len(run) < len(body):
            for line in run:
                line.kind = "footnote"

    def _mark_toc(self, page: _Page) -> None:
        """Three or more contents lines ("Title ..... 12") make the page's contents."""
        body = [ln for ln in page.lines if ln.kind == "body"]
        entries = [ln for ln in body if _TOC_LINE.match(ln.text.strip())]
        if len(entries) >= 3 and len(entries) >= 0.4 * len(body):
            first, last = body.index(entries[0]), body.index(entries[-1])
            for line in body[first : last + 1]:
                line.kind = "toc"

    def _mark_headings(self, page: _Page) -> None:
        for line in page.lines:
            if line.kind != "body" or len(line.text.split()) > 20 or line.text.rstrip().endswith((",", ";")):
                continue
            larger = line.size >= self.body_size * 1.08
            if larger or (line.bold and not self.bold_body and line.size >= self.body_size * 0.95):
                line.kind = "heading"

    def _heading_levels(self) -> dict[float, int]:
        """Font size -> level, learned from numbered headings ("1" -> 1, "1.1" -> 2); sizes
        no numbered heading used rank by size below the largest known."""
        seen: dict[float, Counter[int]] = {}
        for line in self._lines("heading"):
            level = _numbered_level(line.text)
            if level:
                seen.setdefault(round(line.size * 2) / 2, Counter())[level] += 1
        return {size: counter.most_common(1)[0][0] for size, counter in seen.items()}

    def _lines(self, kind: str) -> Iterator[_Line]:
        return (ln for page in self.pages for ln in page.lines if ln.kind == kind)


@dataclass
class _Frame:
    """The bounds of rules that touch one another, and how many of them run each way."""

    left: float
    bottom: float
    right: float
    top: float
    horizontal: int
    vertical: int

    @property
    def ruled(self) -> bool:
        return self.horizontal >= 2 and self.vertical >= 2

    def touches(self, other: _Frame) -> bool:
        return (
            self.left - 2 <= other.right and other.left - 2 <= self.right
            and self.bottom - 2 <= other.top and other.bottom - 2 <= self.top
        )  # fmt: skip

    def holds(self, line: _Line) -> bool:
        return self.left - 2 <= line.x0 and line.x1 <= self.right + 2 and self.bottom - 2 <= line.y <= self.top + 2


def _frames(rules: list[tuple[float, float, float, float]]) -> list[_Frame]:
    """The page's ruled tables: each group of touching rules as one frame."""
    frames: list[_Frame] = []
    for left, bottom, right, top in rules:
        flat = top - bottom <= 2.5
        frame = _Frame(left, bottom, right, top, int(flat), int(not flat))
        for other in [f for f in frames if f.touches(frame)]:
            frames.remove(other)
            frame = _Frame(
                min(frame.left, other.left), min(frame.bottom, other.bottom), max(frame.right, other.right),
                max(frame.top, other.top), frame.horizontal + other.horizontal, frame.vertical + other.vertical,
            )  # fmt: skip
        frames.append(frame)
    return frames


def _hang(line: _Line) -> float | None:
    """Where the text of a list item opening with `line` starts after its mark ("• ", "1) "),
    or None when it opens none: the item's wrapped lines are indented to there, and go on
    its paragraph however far that is from the page's left edge."""
    mark = _LIST_START.match(line.text)
    return line.xs[mark.end()] if mark and mark.end() < len(line.xs) else None


def _numbered_level(text: str) -> int:
    """1 for "1 TITLE", "1 ТАРАУ", "ГЛАВА 2", "II. TITLE", "IV"; 2 for "1.1 Title"; 0 when unnumbered."""
    if _CHAPTER_WORD.match(text.strip()) or _ROMAN_CHAPTER.match(text.strip()):
        return 1
    match = _NUMBERED.match(text.strip())
    return match.group(1).count(".") + 1 if match else 0


class _Writer:
    """Emits the document text in reading order: paragraphs joined by blank lines, pages by
    a space inside a paragraph that runs on; records headings, blocks and page starts."""

    def __init__(self, layout: _Layout, labels: list[str], levels: dict[float, int]) -> None:
        self.layout, self.labels, self.levels = layout, labels, levels
        self.in_bibliography = False  # under a bibliography's heading (its entries may be set flush)
        self.parts: list[str] = []
        self.pos = 0
        self.headings: list[HeadingHint] = []
        self.blocks: list[Block] = []
        self.paragraph: list[_Line] = []
        self.pending_notes: dict[str, tuple[str, int]] = {}  # number -> (text, 1-based page)
        # Whole words only: a line's first and last words may be halves of a hyphenated one.
        self.hyphens = Dehyphenator(w for page in layout.pages for ln in page.lines for w in ln.text.split()[1:-1])
        self.page_start: dict[int, int] = {}

    def document(self) -> Document:
        for index, page in enumerate(self.layout.pages):
            lines = [ln for ln in page.lines if ln.kind != "margin"]
            body_x = Counter(round(ln.x0) for ln in lines if ln.kind == "body").most_common(1)
            self.left = body_x[0][0] if body_x else 0
            self.right = max((ln.x1 for ln in lines if ln.kind == "body"), default=page.width)
            self._page(index, lines)
            self._flush_notes_if_closed()
        self._close_paragraph()
        self._flush_notes()
        return Document(
            name=self.layout.name,
            text="".join(self.parts),
            path=str(self.layout.path),
            tab_starts_paragraph=False,
            page_starts=self._page_starts(),
            headings=tuple(self.headings),
            blocks=tuple(self.blocks),
            page_labels=tuple(self.labels),
            image_pages=self._image_pages(),
        )

    def _image_pages(self) -> tuple[int, ...]:
        """Pages (1-based) with no text but a running header or page number, and an image
        over most of them: a scan's pages, what they show not read."""
        return tuple(
            index + 1
            for index, page in enumerate(self.layout.pages)
            if page.image_share >= _IMAGE_PAGE and all(ln.kind == "margin" for ln in page.lines)
        )

    def _page(self, index: int, lines: list[_Line]) -> None:
        notes = [ln for ln in lines if ln.kind == "footnote"]
        self.pending_notes.update({number: (text, index + 1) for number, text in self._notes(notes)})
        groups: list[list[_Line]] = []
        for line in lines:
            if groups and groups[-1][0].kind == line.kind:
                groups[-1].append(line)
            else:
                groups.append([line])
        for group in groups:
            kind = group[0].kind
            if kind == "body":
                self._body(group)
            elif kind != "footnote":
                self._close_paragraph()
                self._flush_notes_if_closed(before=index + 1)
                if kind == "heading":
                    self._heading(group)
                elif kind == "toc":
                    self._block(list(self._toc_entries(group)), "toc", index + 1)
                elif kind == "table":
                    rows = _table_rows(group, self.layout.pages[index].rules, self.hyphens)
                    self._block(list(rows), "table", index + 1)

    # body paragraphs -------------------------------------------------------------------

    def _body(self, lines: list[_Line]) -> None:
        for line in lines:
            if self.paragraph and self._starts_paragraph(self.paragraph[-1], line):
                self._close_paragraph()
                self._flush_notes_if_closed(before=line.page + 1)
            self.paragraph.append(line)

    def _starts_paragraph(self, previous: _Line, line: _Line) -> bool:
        size = max(line.size, 1.0)
        hang = _hang(self.paragraph[0])  # a list item's wrapped lines align with its text
        indented = line.x0 > self.left + size * 0.8 and not (hang is not None and abs(line.x0 - hang) < size * 0.3)
        short = previous.x1 < self.right - size * 3 and previous.text.rstrip().endswith(_SENTENCE_END)
        if previous.page != line.page:
            return indented or short
        gap = previous.y - line.y
        spaced = gap > size * 2.2 or gap < 0
        listed = bool(_LIST_START.match(line.text.strip())) and (short or previous.text.rstrip().endswith("."))
        entry = self.in_bibliography and _next_entry(self.paragraph[0], line)
        return indented or spaced or short or listed or entry

    def _page_starts(self) -> tuple[int, ...]:
        """Where each page's text starts; a page without text starts where the next does."""
        starts, following = [], self.pos
        for index in reversed(range(len(self.layout.pages))):
            following = min(following, self.page_start.get(index, following))
            starts.append(following)
        return tuple(reversed(starts))

    def _close_paragraph(self) -> None:
        lines, self.paragraph = self.paragraph, []
        if not lines:
            return
        text, offsets = self._join(lines)
        start = self._emit(text)
        if len(text) <= _MAX_TITLE_LINE and BIBLIOGRAPHY_TITLE.search(text):
            self.in_bibliography = True  # its title set in body type ("ПАЙДАЛАНҒАН ӘДЕБИЕТТЕР …")
        for line, offset in zip(lines, offsets, strict=True):
            self.page_start.setdefault(line.page, start + offset)
        for number in (ref for line in lines for ref in line.refs):
            if number in self.pending_notes:  # a footnote follows the paragraph citing it
                text, page = self.pending_notes.pop(number)
                self._block([text], "footnote", page)

    def _join(self, lines: list[_Line]) -> tuple[str, list[int]]:
        """Lines of one paragraph as one line of text, hyphenated words joined; and where
        each line starts in it."""
        text, offsets = "", []
        for line, nxt in zip(lines, [*lines[1:], None], strict=True):
            offsets.append(len(text))
            piece = " ".join(line.text.split())
            if nxt is not None and line.hyphen and not piece.endswith(" -") and nxt.text.lstrip()[:1].isalpha():
                head = piece.rstrip("-")
                left = head.split()[-1] if head.split() else ""
                keep = not line.soft and self.hyphens.keeps_hyphen(left, nxt.text.split()[0])
                text += head + ("-" if keep else "")
            else:
                text += piece + (" " if nxt is not None else "")
        return text, offsets

    def _heading(self, lines: list[_Line]) -> None:
        """Consecutive heading lines of one size are one heading."""
        groups: list[list[_Line]] = []
        for line in lines:
            same = groups and abs(groups[-1][-1].size - line.size) < 0.6 and not _numbered_level(line.text)
            same = same and groups[-1][-1].y - line.y < line.size * 2.2
            groups.append([line]) if not same else groups[-1].append(line)
        for group in groups:
            text = " ".join(" ".join(ln.text.split()) for ln in group)
            if len(text) > MAX_HEADING_CHARS or text[:1].islower():  # larger body text (a foreword) going on
                self._body(group)
                self._close_paragraph()
                continue
            start = self._emit(text, group[0].page)
            self.headings.append(HeadingHint(start, start + len(text), self._level(group[0], text)))
            self.in_bibliography = BIBLIOGRAPHY_TITLE.search(text) is not None

    def _level(self, line: _Line, text: str) -> int:
        """A numbered heading's level is its number's; the front and back matter
        ("Введение", "ҚОРЫТЫНДЫ", "Список литературы") and titles in capitals or in a
        chapter's type (larger than the text) are chapters; any other unnumbered heading of a
        numbered document (a bold line, a larger one) is a subtitle (0) of the section it
        stands in."""
        numbered = _numbered_level(text)
        if numbered:
            return numbered
        chapters = [s for s, level in self.levels.items() if level == 1]
        title = text.strip(" .:")
        if _MATTER_TITLE.match(title) or title.isupper():
            return 1
        if not chapters:  # a numbered document whose chapters are set in body type: a bold lead-in is a subtitle
            return 0 if self.levels and line.size < self.layout.body_size * 1.08 else 1
        in_chapter_type = line.size >= max(chapters) - 0.5 and line.size >= self.layout.body_size * 1.08
        return 1 if in_chapter_type else 0

    # footnotes, contents, tables --------------------------------------------------------

    def _notes(self, lines: list[_Line]) -> list[tuple[str, str]]:
        """(number, text) of each footnote in the page's foot lines."""
        notes: list[list[_Line]] = []
        for line in lines:
            opens = line.note_mark or (re.match(r"\d{1,3}\s", line.text) and not notes)
            notes.append([line]) if opens or not notes else notes[-1].append(line)
        out = []
        for group in notes:
            text = self._join(group)[0]
            printed = re.match(r"(\d{1,3})\s+", text) if not group[0].note_mark else None
            number = group[0].note_mark or (printed.group(1) if printed else "")
            out.append((number, text[printed.end() :] if printed else text))
        return out

    def _toc_entries(self, lines: list[_Line]) -> Iterator[str]:
        pending = ""
        for line in lines:
            text = " ".join(line.text.split())
            if _TOC_LINE.match(line.text.strip()):
                yield f"{pending} {text}".strip()
                pending = ""
            else:
                pending = f"{pending} {text}".strip()
        if pending:
            yield pending

    def _flush_notes_if_closed(self, before: int | None = None) -> None:
        if not self.paragraph:
            self._flush_notes(before)

    def _flush_notes(self, before: int | None = None) -> None:
        """Footnotes not placed after their citing paragraph, of pages before `before`
        (1-based; all when None): the current page's wait for the page's end."""
        for number, (text, page) in list(self.pending_notes.items()):
            if before is None or page < before:
                del self.pending_notes[number]
                self._block([text], "footnote", page)

    def _block(self, paragraphs: list[str], kind: BlockKind, page: int) -> None:
        """A block of `kind` on 1-based `page`; footnotes are pinned to it, the others start it."""
        paragraphs = [p for p in paragraphs if p.strip()]
        if not paragraphs:
            return
        start = self._emit("\n\n".join(paragraphs), None if kind == "footnote" else page - 1)
        self.blocks.append(Block(start, self.pos, kind, page if kind == "footnote" else None))

    def _emit(self, text: str, page: int | None = None) -> int:
        """Append a paragraph; `page` (0-based) starts there if nothing of it came before."""
        if self.parts:
            self.parts.append("\n\n")
            self.pos += 2
        start = self.pos
        if page is not None:
            self.page_start.setdefault(page, start)
        self.parts.append(text)
        self.pos += len(text)
        return start


def _table_rows(
    lines: list[_Line], rules: list[tuple[float, float, float, float]], hyphens: Dehyphenator
) -> Iterator[str]:
    """A ruled table rebuilt cell by cell: each line cut at the vertical rules (`_pieces`),
    each piece put in the cell between the rules around it, a cell's pieces joined top to
    bottom; a row is its cells left to right, " | " between. Without inner horizontal rules
    a row is a line of text; without inner vertical ones wide gaps part the cells."""
    columns = _rule_positions(r[0] for r in rules if r[2] - r[0] <= 2.5)
    tops = _rule_positions(r[1] for r in rules if r[3] - r[1] <= 2.5)
    cells: dict[tuple[int, int], list[tuple[_Line, str]]] = {}
    for line in sorted(lines, key=lambda ln: (-ln.y, ln.x0)):
        row = sum(1 for y in tops if y > line.y) if len(tops) > 2 else round(line.y)
        for column, piece in _pieces(line, columns):
            cells.setdefault((-row if len(tops) <= 2 else row, column), []).append((line, piece))
    for row in sorted({row for row, _ in cells}):
        texts = (_cell_text(cells[key], hyphens) for key in sorted(key for key in cells if key[0] == row))
        yield " | ".join(text for text in texts if text)


def _rule_positions(values: Iterator[float]) -> list[float]:
    """Distinct rule positions (those within 2 pt of each other are one)."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > 2:
            out.append(value)
    return out


def _pieces(line: _Line, columns: list[float]) -> Iterator[tuple[int, str]]:
    """A line's text cut where it crosses a vertical rule (`columns`), only ever between words
    (a word belongs to the column it starts in); with only the outer frame drawn, cut at the
    line's wide gaps (tabs) instead."""
    inner = len(columns) > 2
    column, current = 0, ""
    for ch, x in zip(line.text, line.xs or (line.x0,) * len(line.text), strict=False):
        if ch.isspace():
            if ch == "\t" and not inner and current.strip():
                yield column, current
                column, current = column + 1, ""
            else:
                current += " "
            continue
        if inner and (not current or current[-1] == " "):
            here = sum(1 for c in columns if c <= x + 1)
            if here != column and current.strip():
                yield column, current
                current = ""
            column = here
        current += ch
    if current.strip():
        yield column, current


def _cell_text(pieces: list[tuple[_Line, str]], hyphens: Dehyphenator) -> str:
    """The lines of one cell as one text; a hyphen PDFium marks at a line end joins the word,
    or stays when the word is a hyphenated one (`Dehyphenator`)."""
    text = ""
    for index, (line, piece) in enumerate(pieces):
        following = pieces[index + 1] if index + 1 < len(pieces) else None
        last_of_line = following is None or following[0] is not line
        words, nxt = piece.split(), following[1].split() if following else []
        if line.hyphen and last_of_line and words and nxt:
            keep = not line.soft and hyphens.keeps_hyphen(words[-1].rstrip("-"), nxt[0])
            text += " ".join(words).rstrip("-") + ("-" if keep else "")
        else:
            text += " ".join(words) + ("" if line.hyphen and last_of_line else " ")
    return text.strip()


def _next_entry(first: _Line, line: _Line) -> bool:
    """`line` opens the entry after the one `first` opens, in a bibliography numbered without
    dots and set flush ("12 Author. Title…" then "13 …"): a line of an entry never opens with
    the next entry's number."""
    opened = _ENTRY_NUMBER.match(first.text.strip())
    following = _ENTRY_NUMBER.match(line.text.strip())
    if opened is None or following is None:
        return False
    return int(following.group(1)) == int(opened.group(1)) + 1


def _bullet_read(text: str) -> str:
    """A line's text with the bullets its fonts draw by other codes read as bullets."""
    text = text.translate(_SYMBOL_BULLETS)
    return "–" + text[1:] if text.startswith(_DASH_BULLET) else text
