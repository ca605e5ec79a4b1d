"""PDF through PDFium (pypdfium2): lines with their position and font, then the layout a
reader sees. Running headers and footers (lines repeated across pages at the same place) and
page numbers are removed, the printed page number kept as the page's label; words hyphenated
at a line end are joined; paragraphs come from indents, spacing and short last lines; headings
from font size and weight plus numbering; footnotes (small type at the foot of a page) become
their own blocks pinned to their page; contents pages become `toc` blocks; ruled tables
become `table` blocks, a row a line.

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

MAX_PAGES = 5_000
_LOCK = threading.Lock()  # PDFium is not thread-safe
_MARGIN_BAND = 0.12  # top and bottom share of a page where running headers and footers live
_PAGE_NUMBER = re.compile(r"[-–—\s]*(\d{1,4}|[ivxlcdm]{1,8}|[IVXLCDM]{1,8})[-–—\s]*")
# A contents line: a title, a leader (dots, spaces or a tab) and a page number (years are no page).
_TOC_LINE = re.compile(r"^(?P<title>.*?\S)\s*(?:[.…·_]{3,}|\s{3,}|\t)\s*(?P<page>\d{1,3}|[ivxlc]{1,6})$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+\S")
_CHAPTER_WORD = re.compile(r"^(?:\d{1,2}\s*(?:тарау|глава|chapter)|(?:тарау|глава|chapter)\s*\d{1,2})\b", re.I)
_LIST_START = re.compile(r"^(?:\d{1,3}[.)]|[•●▪►◦–-])\s")
_SENTENCE_END = (".", "!", "?", "…", ":", ";", "»", '"')
_SOFT_HYPHENS = ("\ufffe", "\u00ad", "\u0002")  # PDFium marks a line-end hyphen with U+FFFE


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


@dataclass
class _Page:
    lines: list[_Line]
    width: float
    height: float
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)  # ruled table cells
    label: str = ""


def read_pdf(path: Path, name: str) -> Document:
    pages = _read_pages(path, name)
    if not any(line.text.strip() for page in pages for line in page.lines):
        raise LoadError(
            f"{name}: no text found; OCR is not supported (is it a scan?)", code="load_no_text_layer", name=name
        )
    return _Layout(name, path, pages).document()


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
            lines = list(_lines(textpage, index))
        finally:
            textpage.close()
        label = pdf.get_page_label(index) or ""
        return _Page(lines, width, height, _table_rules(page), label)
    finally:
        page.close()


@dataclass(frozen=True)
class _Chars:
    """A page's characters: text and, per character, origin and font size."""

    text: str
    xs: list[float]
    ys: list[float]
    sizes: list[float]


def _lines(textpage: Any, page: int) -> Iterator[_Line]:
    """Characters grouped into visual lines by geometry (PDFium's own line breaks also fall
    after superscripts); superscript digits (footnote references) dropped from inside a line
    and kept as a mark when they open it."""
    import ctypes

    from pypdfium2 import raw

    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    handle, origin, font_size = textpage.raw, raw.FPDFText_GetCharOrigin, raw.FPDFText_GetFontSize
    if len(text) != count:  # characters outside the BMP: read them one by one
        text = "".join(chr(raw.FPDFText_GetUnicode(handle, i)) for i in range(count))
    x, y = ctypes.c_double(), ctypes.c_double()
    xs, ys = [0.0] * count, [0.0] * count
    for i in range(count):
        origin(handle, i, x, y)
        xs[i], ys[i] = x.value, y.value
    chars = _Chars(text, xs, ys, [font_size(handle, i) for i in range(count)])
    sizes, line = chars.sizes, []
    for i, ch in enumerate(text):
        if ch in "\r\n":
            continue
        if line:
            j = line[-1]
            size = max(sizes[i], sizes[j], 1.0)
            if abs(ys[i] - ys[j]) > size * 0.45 or xs[i] < xs[j] - 3 * size:
                yield from _line(textpage, chars, line, page)
                line = []
        line.append(i)
        if ch in _SOFT_HYPHENS:
            yield from _line(textpage, chars, line, page)
            line = []
    if line:
        yield from _line(textpage, chars, line, page)


def _line(textpage: Any, chars: _Chars, indices: list[int], page: int) -> Iterator[_Line]:
    from pypdfium2 import raw

    text, xs, ys, sizes = chars.text, chars.xs, chars.ys, chars.sizes
    solid = [i for i in indices if not text[i].isspace()]
    if not solid:
        return
    size = median(sizes[i] for i in solid)
    base = Counter(ys[i] for i in solid if sizes[i] >= size * 0.85).most_common(1)
    baseline = base[0][0] if base else ys[solid[0]]
    kept, positions, refs, note_mark, right = [], [], [""], "", None
    for i in indices:
        ch, cx, csize = text[i], xs[i], sizes[i]
        if csize < size * 0.8 and ys[i] > baseline + csize * 0.2 and (ch.isdigit() or ch in "*†"):
            if kept:
                refs[-1] += ch
            else:
                note_mark += ch
            continue
        if refs[-1]:
            refs.append("")
        if right is not None and cx - right > size * 1.5 and not ch.isspace():
            kept.append("\t")  # a wide gap: a table cell, a contents page number
            positions.append(cx)
        kept.append(ch)
        positions.append(cx)
        if not ch.isspace():
            right = cx + csize * 0.5
    line = "".join(kept)
    hyphen = line.endswith(_SOFT_HYPHENS)
    line = line.rstrip("".join(_SOFT_HYPHENS))
    if not line.strip():
        return
    left, _, end, _ = textpage.get_charbox(indices[-1])
    yield _Line(
        line,
        xs[solid[0]],
        max(end, left),
        baseline,
        size,
        _is_bold(textpage, solid[0], raw),
        page,
        note_mark,
        hyphen,
        xs=tuple(positions[: len(line)]),
        refs=tuple(r for r in refs if r),
    )


def _is_bold(textpage: Any, index: int, raw: Any) -> bool:
    import ctypes

    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    raw.FPDFText_GetFontInfo(textpage, index, buffer, 128, flags)
    fontname = buffer.value.decode("latin-1", errors="replace").lower()
    return raw.FPDFText_GetFontWeight(textpage, index) >= 600 or any(w in fontname for w in ("bold", "black", "heavy"))


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
        body = Counter()
        for page in pages:
            for line in page.lines:
                body[round(line.size * 2) / 2] += len(line.text)
        self.body_size = body.most_common(1)[0][0] if body else 10.0

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
        """Lines inside the frame of a ruled table (two or more horizontal and vertical rules)."""
        horizontal = [r for r in page.rules if r[3] - r[1] <= 2.5]
        vertical = [r for r in page.rules if r[2] - r[0] <= 2.5]
        if len(horizontal) < 2 or len(vertical) < 2:
            return
        for line in page.lines:
            if line.kind == "body" and _inside_rules(line, horizontal, vertical):
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
            if larger or (line.bold and line.size >= self.body_size * 0.95):
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


def _inside_rules(line: _Line, horizontal: list, vertical: list) -> bool:
    left = min(r[0] for r in horizontal)
    right = max(r[2] for r in horizontal)
    bottom = min(r[1] for r in vertical)
    top = max(r[3] for r in vertical)
    return left - 2 <= line.x0 and line.x1 <= right + 2 and bottom - 2 <= line.y <= top + 2


def _numbered_level(text: str) -> int:
    """1 for "1 TITLE", "1 ТАРАУ", "ГЛАВА 2"; 2 for "1.1 Title"; 0 when unnumbered."""
    if _CHAPTER_WORD.match(text.strip()):
        return 1
    match = _NUMBERED.match(text.strip())
    return match.group(1).count(".") + 1 if match else 0


class _Writer:
    """Emits the document text in reading order: paragraphs joined by blank lines, pages by
    a space inside a paragraph that runs on; records headings, blocks and page starts."""

    def __init__(self, layout: _Layout, labels: list[str], levels: dict[float, int]) -> None:
        self.layout, self.labels, self.levels = layout, labels, levels
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
                    columns = sorted({round(r[0]) for r in self.layout.pages[index].rules if r[2] - r[0] <= 2.5})
                    self._block(list(_table_rows(group, columns)), "table", index + 1)

    # body paragraphs -------------------------------------------------------------------

    def _body(self, lines: list[_Line]) -> None:
        for line in lines:
            if self.paragraph and self._starts_paragraph(self.paragraph[-1], line):
                self._close_paragraph()
                self._flush_notes_if_closed(before=line.page + 1)
            self.paragraph.append(line)

    def _starts_paragraph(self, previous: _Line, line: _Line) -> bool:
        size = max(line.size, 1.0)
        indented = line.x0 > self.left + size * 0.8
        short = previous.x1 < self.right - size * 3 and previous.text.rstrip().endswith(_SENTENCE_END)
        if previous.page != line.page:
            return indented or short
        gap = previous.y - line.y
        spaced = gap > size * 2.2 or gap < 0
        listed = bool(_LIST_START.match(line.text.strip())) and (short or previous.text.rstrip().endswith("."))
        return indented or spaced or short or listed

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
            if nxt is not None and (line.hyphen or piece.endswith("-")) and nxt.text.lstrip()[:1].islower():
                head = piece.rstrip("-")
                left = head.split()[-1] if head.split() else ""
                text += head + ("-" if self.hyphens.keeps_hyphen(left, nxt.text.split()[0]) else "")
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
            start = self._emit(text, group[0].page)
            self.headings.append(HeadingHint(start, start + len(text), self._level(group[0], text)))

    def _level(self, line: _Line, text: str) -> int:
        numbered = _numbered_level(text)
        if numbered:
            return numbered
        size = round(line.size * 2) / 2
        if size in self.levels:
            return self.levels[size]
        known = [s for s, level in self.levels.items() if level == 1]
        if not known or size > max(known) or text.isupper():
            return 1
        return 1 + sum(1 for s in {*self.levels, size} if s > size)

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


def _table_rows(lines: list[_Line], columns: list[int]) -> Iterator[str]:
    """Table lines grouped into rows by baseline, cells split at the vertical rules
    (`columns`, their x) and at wide gaps, left to right."""
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda ln: (-round(ln.y), ln.x0)):
        if rows and abs(rows[-1][0].y - line.y) <= line.size * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    for row in rows:
        cells = (cell for ln in sorted(row, key=lambda ln: ln.x0) for cell in _cells(ln, columns))
        yield " | ".join(" ".join(cell.split()) for cell in cells if cell.strip())


def _cells(line: _Line, columns: list[int]) -> list[str]:
    cells, current, column = [], "", None
    for ch, x in zip(line.text, line.xs or [line.x0] * len(line.text), strict=False):
        here = sum(1 for c in columns if c <= x)
        if (column is not None and here != column) or ch == "\t":
            cells.append(current)
            current = ""
        column = here
        current += "" if ch == "\t" else ch
    return [*cells, current]
