"""Word .docx read straight from its XML (never through a library that loads every part):
the body in document order, tables as rows, footnotes and endnotes after the paragraph that
cites them, text boxes, equations as linear text ("N = a/b", "x_i^2", "∑_(i=1)^n x_i"), Word's
automatic numbering as the reader sees it ("2.1.1 Title"), the contents field as `toc`
blocks; headers and footers are not in the body and stay out.

Pages: Word writes where it last broke pages (`w:lastRenderedPageBreak`); with the explicit
breaks (page breaks, "page break before", section breaks) they give each passage the page
Word printed it on, numbered as the sections number them (`w:pgNumType`). A file with no
rendered break (LibreOffice and other editors never write them) gets pages only when its
own contents list pins at least two headings to pages: they are estimated from it (each
anchored heading stands on the page the list prints, the pages between are spread over the
text by its length) and their labels say so ("≈12", `ESTIMATED_PAGE`); without such a list
it gets none, since counting lines ourselves would cite pages the reader cannot find.
`eval/docx_pages.py` measures how close the estimates come.
"""

from __future__ import annotations

import itertools
import math
import posixpath
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thesis_qa.document import ESTIMATED_PAGE, Block, BlockKind, Document, HeadingHint
from thesis_qa.errors import LoadError
from thesis_qa.ingest.limits import open_zip, parse_xml, read_zip_part
from thesis_qa.ingest.structure import CONTENTS_TITLE

# Bumped whenever this reader would give another Document of the same file (the index rereads it).
# 2: pages of a file no Word paginated estimated from its contents list; 3: a contents list laid
# out as a table is read as contents. 4: outline levels set on most paragraphs mark no headings.
# 5: a list item before any of its parent level's counts the parent as shown ("1.3." then "2.").
READER_VERSION = "5"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HEADING_STYLE = re.compile(r"^(?:heading|заголовок|тақырып)\s*(\d)$", re.IGNORECASE)
_TOC_STYLE = re.compile(r"^(?:toc|оглавление|мазмұны)\s*\d$", re.IGNORECASE)
_CONTENTS_ROW = re.compile(r"[^\t]*[^\W\d_][^\t]*\t\d{1,3}")  # "1.1 Title<TAB>10"
_SKIPPED = {W + "del", W + "moveFrom", W + "delText", W + "rPr", W + "pPr", _MC + "Fallback"}
Element = Any  # lxml elements
# Where a page starts, marked inside block text while walking and taken out in `_document`:
# a break Word rendered, and one the author asked for (page break, "page break before").
_RENDERED_BREAK, _HARD_BREAK = "\ue000", "\ue001"
_RUN_TEXT = {W + "t": "", W + "tab": " ", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-"}
_RUN_TEXT[W + "lastRenderedPageBreak"] = _RENDERED_BREAK
_MAX_UNRENDERED_PAGES = 5  # pages put back before one heading; more means the contents list is stale
_MAX_TITLE = 300  # a contents line or heading is shorter
# Past this share of a file's paragraphs, outline levels (set by a template on body text too)
# mark no headings; heading styles still do.
_MAX_OUTLINED = 0.5
_CONTENTS_LINE = re.compile(r"(.*?\D)\s*(\d{1,4})", re.DOTALL)
_DOT_LEADER_LINE = re.compile(r"(.*?[^\W\d_].*?)\s*[.…·]{4,}\s*(\d{1,4})", re.DOTALL)
_BREAKS = _RENDERED_BREAK + _HARD_BREAK
_WPG = "{http://schemas.microsoft.com/office/word/2010/wordprocessingGroup}"
_WPC = "{http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas}"
_PIC = "{http://schemas.openxmlformats.org/drawingml/2006/picture}"
_V = "{urn:schemas-microsoft-com:vml}"
# A drawing holding one of these is a figure: the words in its shapes are labels of a
# picture ("MAX", "Поток 1"), not text of the thesis.
_FIGURE_PARTS = (_WPG + "wgp", _WPC + "wpc", _PIC + "pic", _V + "group", _V + "imagedata")


@dataclass(frozen=True)
class _Section:
    """How a Word section starts and numbers its pages (from its `w:sectPr`)."""

    new_page: bool = True
    first_number: int | None = None  # w:pgNumType w:start; None: continue from the last page
    fmt: str = "decimal"


@dataclass(frozen=True)
class _Block:
    text: str
    kind: BlockKind | None = None  # None: body
    level: int = 0  # a heading's level
    section: _Section | None = None  # set on the marker that ends a section (text is "")
    outlined: bool = False  # the level is only a paragraph's outline level, not a heading style


@dataclass(frozen=True)
class _Style:
    name: str = ""
    based_on: str = ""
    num: tuple[str, int] | None = None
    outline: int | None = None
    break_before: bool | None = None


@dataclass(frozen=True)
class _Level:
    """One level of a Word list (`w:lvl`)."""

    start: int = 1
    fmt: str = "decimal"
    pattern: str = ""  # w:lvlText, e.g. "%1.%2."
    suffix: str = " "
    restart: int | None = None  # w:lvlRestart: restart after this 1-based level, 0 never; None: any higher
    legal: bool = False  # w:isLgl: every number of its text in arabic digits ("1.1", not "I.1")


@dataclass
class _Numbering:
    """Word's list numbering: levels per abstract list, the lists (`w:num`) that use them with
    their start overrides, and the counters as they run through the document. Lists sharing
    an abstract list share its counters (Word's "continue numbering"); a list with
    `w:startOverride` restarts them where it is first used ("restart numbering")."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)
    nums: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)  # numId -> abstract, overrides
    counters: dict[str, list[int | None]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)  # lists whose overrides were applied

    def render(self, num_id: str, ilvl: int) -> str:
        abstract, overrides = self.nums.get(num_id, ("", {}))
        levels = self.levels.get(abstract)
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, [None] * 10)
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl in overrides:
                counters[lvl] = None
        level = levels[ilvl]
        current = counters[ilvl]
        counters[ilvl] = overrides.get(ilvl, level.start) if current is None else current + 1
        # An item before any of its parent level's: the parent counts as showing its start, so
        # the parent's next item is the one after ("1.3." then "2.", as Word numbers them).
        for shallower in range(ilvl):
            if counters[shallower] is None and shallower in levels:
                counters[shallower] = overrides.get(shallower, levels[shallower].start)
        for deeper in range(ilvl + 1, len(counters)):
            restart = levels.get(deeper, _Level()).restart
            if restart is None or (restart and ilvl < restart):
                counters[deeper] = None
        if level.fmt == "none":
            return ""
        if level.fmt == "bullet":
            return "•" + level.suffix
        label = re.sub(
            r"%(\d)", lambda m: self._value(levels, counters, overrides, int(m.group(1)) - 1, level), level.pattern
        )
        return (label + level.suffix) if label.strip() else ""

    @staticmethod
    def _value(
        levels: dict[int, _Level], counters: list[int | None], overrides: dict[int, int], ilvl: int, shown: _Level
    ) -> str:
        level = levels.get(ilvl, _Level())
        value = counters[ilvl] if ilvl < len(counters) else None
        value = overrides.get(ilvl, level.start) if value is None else value
        return _format_number(value, "decimal" if shown.legal else level.fmt)


def read_docx(path: Path, name: str) -> Document:
    return _document(name, path, _layout(_blocks(path, name)))


def _blocks(path: Path, name: str) -> list[_Block]:
    """The body's blocks in reading order, the last section's setup at the end."""
    with open_zip(path, name, "Word .docx") as archive:
        main = _main_part(archive, name)
        parts = _related_parts(archive, main, name)
        root = _parse(archive, main, name)
        if root is None:
            raise LoadError(f"{name}: not a Word .docx file (no document part)", code="load_broken", name=name)
        styles = _styles(_parse(archive, parts.get("styles"), name))
        numbering = _numbering(_parse(archive, parts.get("numbering"), name))
        notes = {
            **_notes(_parse(archive, parts.get("footnotes"), name), "footnote"),
            **_notes(_parse(archive, parts.get("endnotes"), name), "endnote"),
        }
    body = root.find(W + "body")
    if body is None:
        raise LoadError(f"{name}: not a Word .docx file (no document body)", code="load_broken", name=name)
    blocks = list(_Walker(styles, numbering, notes).blocks(body))
    last = body.find(W + "sectPr")
    blocks.append(_Block("", section=_section(last)))
    return blocks


@dataclass(frozen=True)
class _Layout:
    """The blocks laid out as one text: its paragraphs, what they are, and where pages break."""

    parts: list[tuple[int, str]]  # (offset, text) of each paragraph
    hints: list[HeadingHint]
    marked: list[Block]
    breaks: list[int]  # offsets where a page starts
    sections: list[tuple[int, _Section]]  # where each section ends, and its setup
    rendered: bool  # Word rendered page breaks into the file

    @property
    def text(self) -> str:
        return "\n\n".join(part for _, part in self.parts)

    def anchors(self) -> list[tuple[int, int]]:
        """(heading offset, printed page) of the headings the contents list gives pages."""
        return _contents_anchors(self.parts, {b.start for b in self.marked if b.kind == "toc"})


def _layout(blocks: list[_Block]) -> _Layout:
    parts, hints, marked, pos = [], [], [], 0
    outlined: list[bool] = []
    breaks: list[int] = []
    sections: list[tuple[int, _Section]] = []
    pending, rendered = False, False
    for block in blocks:
        if block.section is not None:
            sections.append((pos, block.section))
            continue
        text, marks = _take_breaks(block.text)
        rendered = rendered or _RENDERED_BREAK in block.text
        if not text:
            pending = pending or bool(marks)
            continue
        if pending:
            breaks.append(pos)
        pending = bool(marks) and marks[-1] >= len(text)  # a break after the last word opens the next block
        breaks.extend(pos + mark for mark in marks if mark < len(text))
        if block.level:
            hints.append(HeadingHint(pos, pos + len(text), block.level))
            outlined.append(block.outlined)
        if block.kind:
            marked.append(Block(pos, pos + len(text), block.kind))
        parts.append((pos, text))
        pos += len(text) + 2
    if sum(outlined) > _MAX_OUTLINED * len(parts):  # a template set an outline level on every paragraph
        hints = [hint for hint, by_outline in zip(hints, outlined, strict=True) if not by_outline]
    return _Layout(parts, hints, marked, breaks, sections, rendered)


def _page_tops(layout: _Layout) -> set[int]:
    """Where a page surely starts in a file no Word paginated: explicit breaks, new sections."""
    ends = [end for end, _ in layout.sections]
    new_pages = {start for start, (_, setup) in zip([0, *ends], layout.sections, strict=False) if setup.new_page}
    return {0, *layout.breaks, *new_pages}


def _document(name: str, path: Path, layout: _Layout) -> Document:
    text, anchors = layout.text, layout.anchors()
    if layout.rendered:
        starts, labels = _pages(text, layout.breaks, layout.sections, anchors)
    else:
        starts, labels = _estimated_pages(text, anchors, _page_tops(layout))
    return Document(
        name=name,
        text=text,
        path=str(path),
        tab_starts_paragraph=False,
        page_starts=starts,
        headings=tuple(layout.hints),
        page_labels=labels,
        blocks=tuple(layout.marked),
    )


def _take_breaks(raw: str) -> tuple[str, list[int]]:
    """`raw` stripped and without page-break marks, and where those marks stood in it."""
    text, marks = "", []
    for piece in re.split(f"([{_BREAKS}])", raw):
        if piece and piece in _BREAKS:
            marks.append(len(text))
        else:
            text += piece
    lead = len(text) - len(text.lstrip())
    stripped = text.strip()
    return stripped, [min(max(0, m - lead), len(stripped)) for m in marks]


def _pages(
    text: str, breaks: list[int], sections: list[tuple[int, _Section]], anchors: list[tuple[int, int]]
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Page starts and printed labels. A section that starts a new page breaks there too;
    two breaks with no text between them are one page (Word marks a page it rendered after
    an explicit break as well).

    `anchors` are headings with the page their contents entry prints. Word renders no break
    inside some fields (a contents list of three pages shows none): the pages missing before
    an anchor are put back."""
    sections = sections or [(len(text), _Section())]
    section_starts = [0] + [end for end, _ in sections[:-1]]
    setups = [setup for _, setup in sections]
    new_pages = (s for s, (_, setup) in zip(section_starts, sections, strict=True) if s and setup.new_page)
    starts = [0]
    for offset in sorted({*breaks, *new_pages}):
        if offset < len(text) and text[starts[-1] : offset].strip():
            starts.append(offset)
    previous = 0
    for offset, printed in anchors:
        numbers = _page_numbers(starts, section_starts, setups)
        number, fmt = numbers[bisect_right(starts, offset) - 1]
        if fmt == "decimal" and 0 < printed - number <= _MAX_UNRENDERED_PAGES:
            starts = _add_pages(text, starts, previous, offset, printed - number)
        previous = offset
    numbers = _page_numbers(starts, section_starts, setups)
    return tuple(starts), tuple(_format_number(n, fmt) for n, fmt in numbers)


def _page_numbers(starts: list[int], section_starts: list[int], setups: list[_Section]) -> list[tuple[int, str]]:
    """Each page's number and number format, as its section numbers them."""
    numbers, number = [], 0
    for index, start in enumerate(starts):
        k = bisect_right(section_starts, start) - 1
        first_of_section = index == 0 or starts[index - 1] < section_starts[k]
        setup = setups[k]
        number = setup.first_number if first_of_section and setup.first_number is not None else number + 1
        numbers.append((number, setup.fmt))
    return numbers


def _add_pages(text: str, starts: list[int], low: int, high: int, missing: int) -> list[int]:
    """`missing` page starts between `low` and `high`, spread over the longest stretch there
    without a break (where Word rendered none), each at a paragraph start."""
    edges = [low, *(s for s in starts if low < s < high), high]
    a, b = max(itertools.pairwise(edges), key=lambda span: span[1] - span[0])
    added = set()
    for j in range(1, missing + 1):
        cut = text.find("\n\n", a + (b - a) * j // (missing + 1))
        if cut >= 0 and cut + 2 < b:
            added.add(cut + 2)
    return sorted({*starts, *added})


_HEADING_DOWN_THE_PAGE = 0.5  # where a heading not opening a page stands on it, on average


def _estimated_pages(
    text: str, anchors: list[tuple[int, int]], tops: set[int]
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Pages of a file no Word paginated, estimated from its contents list, labelled "≈N";
    none unless the list pins two headings to two different pages.

    The anchors kept are the longest run whose pages never go down (a stale or mistyped
    entry drops out), the first heading of each page standing on it. A heading at one of
    `tops` (a page break, a new section) opens its page; any other is taken to stand half
    way down it, its page opening half a page of text earlier. Between two anchors the pages
    in between are spread over the text by its length (`_add_pages`); before the first and
    after the last, pages run on at the document's own length of a page (from its first and
    last anchor), down to page 1 at most."""
    points = _page_openings(anchors)
    if len(points) < 2:
        return (), ()
    per_page = (points[-1][0] - points[0][0]) / (points[-1][1] - points[0][1])
    down = round(per_page * _HEADING_DOWN_THE_PAGE)
    points = [
        (offset if offset in tops else _paragraph_start(text, max(offset - down, previous + 1)), page)
        for (previous, _), (offset, page) in zip([(-1, 0), *points], points, strict=False)
    ]
    (first, first_page), (last, last_page) = points[0], points[-1]
    starts = [offset for offset, _ in points]
    for (low, low_page), (high, high_page) in itertools.pairwise(points):
        starts = _add_pages(text, starts, low, high, high_page - low_page - 1)
    before = range(1, min(first_page - 1, math.ceil(first / per_page) - 1) + 1)
    after = range(1, int((len(text) - last) / per_page) + 1)
    ends = [first - round(k * per_page) for k in before] + [last + round(k * per_page) for k in after]
    starts = sorted({0, *starts, *(_paragraph_start(text, at) for at in ends)} - {-1})

    def number(offset: int) -> int:
        """The page `offset` falls on when the pages run evenly between the anchors."""
        if offset < first or offset >= last:
            base, base_page = (first, first_page) if offset < first else (last, last_page)
            return max(1, base_page + math.floor((offset - base) / per_page))
        k = bisect_right(points, (offset, math.inf)) - 1
        (low, low_page), (high, high_page) = points[k], points[k + 1]
        return low_page + (offset - low) * (high_page - low_page) // (high - low)

    pages: dict[int, int] = {}  # page number -> where it starts, the first start given each number
    for offset in starts:
        pages.setdefault(number(offset), offset)
    kept = sorted(pages.items(), key=lambda item: item[1])
    return tuple(offset for _, offset in kept), tuple(f"{ESTIMATED_PAGE}{n}" for n, _ in kept)


def _page_openings(anchors: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(offset, page) of the first anchored heading of each page, from the longest run of
    anchors whose pages never go down (ties: the earliest)."""
    if not anchors:
        return []
    best = [1] * len(anchors)
    came_from = [-1] * len(anchors)
    for i, (_, page) in enumerate(anchors):
        for j in range(i):
            if anchors[j][1] <= page and best[j] + 1 > best[i]:
                best[i], came_from[i] = best[j] + 1, j
    i, run = max(range(len(anchors)), key=lambda k: (best[k], -k)), []
    while i >= 0:
        run.append(anchors[i])
        i = came_from[i]
    openings: dict[int, int] = {}
    for offset, page in reversed(run):
        openings.setdefault(page, offset)
    return sorted((offset, page) for page, offset in openings.items() if page >= 1)


def _paragraph_start(text: str, at: int) -> int:
    """The start of the first paragraph at or after offset `at` (-1: none)."""
    if at <= 0:
        return 0
    cut = text.find("\n\n", at - 2)
    return cut + 2 if cut >= 0 else -1


def _contents_anchors(parts: list[tuple[int, str]], contents: set[int]) -> list[tuple[int, int]]:
    """(heading offset, printed page): the contents entries (a contents field's lines, or
    typed lines with dot leaders) found again, in order, as paragraphs after them."""
    anchors: list[tuple[int, int]] = []
    entries = [(i, e) for i, (pos, part) in enumerate(parts) if (e := _contents_entry(part, pos in contents))]
    done = entries[-1][0] if entries else 0
    for _, (key, page) in entries:
        found = next((i for i in range(done + 1, len(parts)) if _letters(parts[i][1][:_MAX_TITLE]) == key), None)
        if found is not None:
            anchors.append((parts[found][0], page))
            done = found
    return anchors


def _contents_entry(text: str, in_contents: bool) -> tuple[str, int] | None:
    """A contents line's title (letters only) and the page it prints at its end."""
    match = (_CONTENTS_LINE if in_contents else _DOT_LEADER_LINE).fullmatch(text)
    if not match or len(text) > _MAX_TITLE:
        return None
    key = _letters(match.group(1))
    return (key, int(match.group(2))) if key else None


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalpha())


def _section(sect_pr: Element | None) -> _Section:
    if sect_pr is None:
        return _Section()
    numbers = sect_pr.find(W + "pgNumType")
    return _Section(
        new_page=_val(sect_pr.find(W + "type")) != "continuous",
        first_number=_int(numbers.get(W + "start")) if numbers is not None else None,
        fmt=(numbers.get(W + "fmt") if numbers is not None else None) or "decimal",
    )


# --- the package: which part is which ---------------------------------------------------


def _main_part(archive: Any, name: str) -> str:
    rels = _parse(archive, "_rels/.rels", name)
    for rel in rels.iter(_REL + "Relationship") if rels is not None else ():
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "").lstrip("/")
    return "word/document.xml"


def _related_parts(archive: Any, main: str, name: str) -> dict[str, str]:
    """Part names by relationship kind ("styles", "numbering", "footnotes", "endnotes")."""
    folder, base = posixpath.split(main)
    rels = _parse(archive, posixpath.join(folder, "_rels", base + ".rels"), name)
    found: dict[str, str] = {}
    for rel in rels.iter(_REL + "Relationship") if rels is not None else ():
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External" and target:
            found[kind] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{folder}/{target}")
    return found


def _parse(archive: Any, part: str | None, name: str) -> Element | None:
    if part is None:
        return None
    data = read_zip_part(archive, part, name)
    return None if data is None else parse_xml(data, name, part)


def _styles(root: Element | None) -> dict[str, _Style]:
    styles: dict[str, _Style] = {}
    for style in root.iter(W + "style") if root is not None else ():
        ppr = style.find(W + "pPr")
        styles[style.get(W + "styleId", "")] = _Style(
            name=_val(style.find(W + "name")) or "",
            based_on=_val(style.find(W + "basedOn")) or "",
            num=_num_pr(ppr),
            outline=_int(_val(ppr.find(W + "outlineLvl"))) if ppr is not None else None,
            break_before=_on(ppr.find(W + "pageBreakBefore")) if ppr is not None else None,
        )
    return styles


def _numbering(root: Element | None) -> _Numbering:
    """The lists of numbering.xml. An abstract list that only links to a list style
    (`w:numStyleLink`) is the list defining that style (`w:styleLink`): the same levels, the
    same counters ("1" of the chapters and "1.1" of the sections run together)."""
    numbering = _Numbering()
    defines, links = {}, {}
    for abstract in root.iter(W + "abstractNum") if root is not None else ():
        abstract_id = abstract.get(W + "abstractNumId", "")
        numbering.levels[abstract_id] = {
            _int(lvl.get(W + "ilvl")) or 0: _level(lvl) for lvl in abstract.iter(W + "lvl")
        }
        defines[_val(abstract.find(W + "styleLink"))] = abstract_id
        links[abstract_id] = _val(abstract.find(W + "numStyleLink"))
    for num in root.iter(W + "num") if root is not None else ():
        overrides = {}
        for override in num.iter(W + "lvlOverride"):
            start = _int(_val(override.find(W + "startOverride")))
            if start is not None:
                overrides[_int(override.get(W + "ilvl")) or 0] = start
        abstract_id = _val(num.find(W + "abstractNumId")) or ""
        linked = defines.get(links.get(abstract_id)) if links.get(abstract_id) else None
        numbering.nums[num.get(W + "numId", "")] = (linked or abstract_id, overrides)
    return numbering


def _level(lvl: Element) -> _Level:
    start = _int(_val(lvl.find(W + "start")))
    return _Level(
        start=1 if start is None else start,
        fmt=_val(lvl.find(W + "numFmt")) or "decimal",
        pattern=_val(lvl.find(W + "lvlText")) or "",
        suffix={"space": " ", "nothing": ""}.get(_val(lvl.find(W + "suff")) or "tab", " "),
        restart=_int(_val(lvl.find(W + "lvlRestart"))),
        legal=_on(lvl.find(W + "isLgl")),
    )


def _notes(root: Element | None, tag: str) -> dict[tuple[str, str], str]:
    notes = {}
    for note in root.iter(W + tag) if root is not None else ():
        if note.get(W + "type") in (None, "normal"):
            text = " ".join(_plain_text(p) for p in note.iter(W + "p"))
            notes[(tag, note.get(W + "id", ""))] = " ".join(text.split())
    return notes


def _plain_text(paragraph: Element) -> str:
    return "".join(_run_texts(paragraph))


def _run_texts(element: Element) -> Iterator[str]:
    for child in element:
        tag = child.tag
        if tag in _SKIPPED or tag == W + "instrText" or not isinstance(tag, str):
            continue
        if tag == W + "t":
            yield _clean(child.text)
        elif tag in (M + "oMath", M + "oMathPara"):
            yield _math(child)
        elif tag in (W + "tab", W + "br", W + "cr"):
            yield " "
        elif tag == W + "noBreakHyphen":
            yield "-"
        elif tag != W + "txbxContent":
            yield from _run_texts(child)


# --- the body, in reading order ---------------------------------------------------------


class _Walker:
    def __init__(self, styles: dict[str, _Style], numbering: _Numbering, notes: dict[tuple[str, str], str]) -> None:
        self.styles, self.numbering, self.notes = styles, numbering, notes
        self.fields: list[list[str]] = []  # open complex fields: [instruction, "instr" | "result"]

    def blocks(self, container: Element, toc: bool = False) -> Iterator[_Block]:
        titled = False  # the last paragraph with text is a contents list's title
        for child in container:
            if child.tag == W + "p":
                for block in self._paragraph(child, toc):
                    said = block.text.strip(_BREAKS + " \t\n")
                    titled = CONTENTS_TITLE.fullmatch(said) is not None if said else titled
                    yield block
            elif child.tag == W + "tbl":
                yield from self._table(child, titled)
            elif child.tag == W + "sdt":
                gallery = child.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
                inner = child.find(W + "sdtContent")
                if inner is not None:
                    yield from self.blocks(inner, toc or "contents" in (_val(gallery) or "").lower())
            elif child.tag in (W + "customXml", W + "ins", _MC + "AlternateContent", _MC + "Choice"):
                yield from self.blocks(child, toc)

    def _paragraph(self, paragraph: Element, toc: bool) -> Iterator[_Block]:
        ppr = paragraph.find(W + "pPr")
        style = self._style(_val(ppr.find(W + "pStyle")) if ppr is not None else None)
        in_toc = toc or self._in_toc_field()
        pieces: list[str] = []
        notes: list[str] = []
        boxes: list[Element] = []
        self._inline(paragraph, pieces, notes, boxes)
        in_toc = in_toc or self._in_toc_field()
        text = "".join(pieces)
        number = self._number(ppr, style) if text.strip(_BREAKS + " \t\n") else ""
        level, outlined = self._heading_level(ppr, style)
        own_break = _on(ppr.find(W + "pageBreakBefore")) if ppr is not None else None
        opening = text[: len(text) - len(text.lstrip(_BREAKS + " \t\n"))]  # a page starting with the paragraph
        before = _HARD_BREAK if (style.break_before if own_break is None else own_break) else ""
        text = before + "".join(ch for ch in opening if ch in _BREAKS) + number + text[len(opening) :]
        if in_toc or _TOC_STYLE.match(style.name):
            yield _Block(text, "toc")
        else:
            yield _Block(text, None, level, outlined=outlined)
        for box in boxes:
            yield from self.blocks(box)
        yield from (_Block(note, "footnote") for note in notes)
        sect_pr = ppr.find(W + "sectPr") if ppr is not None else None
        if sect_pr is not None:
            yield _Block("", section=_section(sect_pr))

    def _table(self, table: Element, after_contents_title: bool = False) -> Iterator[_Block]:
        """A table, a row a line ("a | b | c"); or, right under "МАЗМҰНЫ" / "Содержание" with
        a page number closing its rows, the contents list laid out as a table: its rows are
        `toc` entries ("1.1 Title\t10"), as Word's contents field gives them."""
        rows: list[str] = []
        entries: list[str] = []
        notes: list[str] = []
        for row in table.findall(W + "tr"):
            cells, breaks = [], ""
            for cell in row.findall(W + "tc"):
                pieces: list[str] = []
                for p in cell.iter(W + "p"):
                    self._inline(p, pieces, notes, [])
                    pieces.append(" ")
                text = "".join(pieces)
                breaks += "".join(ch for ch in text if ch in _BREAKS)
                text = " ".join(text.translate({ord(ch): None for ch in _BREAKS}).split())
                if text:
                    cells.append(text)
            if cells:
                rows.append(breaks[:1] + " | ".join(cells))  # a page that starts inside a row starts at the row
                entries.append(breaks[:1] + " ".join(cells[:-1]) + "\t" + cells[-1])
        if after_contents_title and _contents_rows(entries):
            yield from (_Block(entry, "toc") for entry in entries)
        elif rows:
            yield _Block("\n\n".join(dict.fromkeys(rows)), "table")
        yield from (_Block(note, "footnote") for note in notes)

    def _inline(self, element: Element, pieces: list[str], notes: list[str], boxes: list[Element]) -> None:
        """Text of runs under `element` into `pieces` (equations as linear text, page breaks
        as marks); cited notes and text boxes aside; the labels of a figure's shapes left out."""
        for child in element:
            tag = child.tag
            if self._field_event(child) or not isinstance(tag, str) or tag in _SKIPPED:
                continue
            if tag in _RUN_TEXT:
                if not (self.fields and self.fields[-1][1] == "instr"):  # a field's instruction is not shown
                    pieces.append(_run_piece(child))
            elif tag in (M + "oMath", M + "oMathPara"):
                pieces.append(_math(child))
            elif tag in (W + "footnoteReference", W + "endnoteReference"):
                note = self.notes.get((tag[len(W) : -len("Reference")], child.get(W + "id", "")))
                notes.extend([note] if note else [])
            elif tag == W + "txbxContent":
                boxes.append(child)
            elif tag != W + "p" and not _is_figure(child):
                self._inline(child, pieces, notes, boxes)

    def _field_event(self, child: Element) -> bool:
        """Track complex fields (begin, instruction, separate, end); True when `child` was one."""
        if child.tag == W + "instrText":
            if self.fields:
                self.fields[-1][0] += child.text or ""
            return True
        if child.tag == W + "fldChar":
            self._field_char(child.get(W + "fldCharType"))
            return True
        return False

    def _field_char(self, kind: str | None) -> None:
        if kind == "begin":
            self.fields.append(["", "instr"])
        elif kind == "separate" and self.fields:
            self.fields[-1][1] = "result"
        elif kind == "end" and self.fields:
            self.fields.pop()

    def _in_toc_field(self) -> bool:
        return any(instr.strip().upper().startswith("TOC") for instr, _ in self.fields)

    def _style(self, style_id: str | None) -> _Style:
        """The paragraph's style with numbering and outline level inherited along `basedOn`."""
        style = self.styles.get(style_id or "") or next(
            (s for sid, s in self.styles.items() if sid.lower() == "normal"), _Style()
        )
        num, outline, seen, current = style.num, style.outline, set(), style
        while (num is None or outline is None) and current.based_on and current.based_on not in seen:
            seen.add(current.based_on)
            current = self.styles.get(current.based_on, _Style())
            num = num if num is not None else current.num
            outline = outline if outline is not None else current.outline
        return _Style(style.name, style.based_on, num, outline)

    def _number(self, ppr: Element | None, style: _Style) -> str:
        num = _num_pr(ppr) or style.num
        if num is None or num[0] in ("", "0"):
            return ""
        level = num[1]
        if level < 0:  # the paragraph names the list only: its style gives the level
            level = style.num[1] if style.num and style.num[0] == num[0] else 0
        return self.numbering.render(num[0], max(0, level))

    @staticmethod
    def _heading_level(ppr: Element | None, style: _Style) -> tuple[int, bool]:
        """The paragraph's heading level (0: none), and whether only its outline level says so."""
        match = _HEADING_STYLE.match(style.name.strip())
        if match:
            return int(match.group(1)), False
        if style.name.strip().lower() == "title":
            return 1, False
        outline = _int(_val(ppr.find(W + "outlineLvl"))) if ppr is not None else None
        outline = style.outline if outline is None else outline
        return (outline + 1, True) if outline is not None and outline < 9 else (0, False)


def _clean(text: str | None) -> str:
    """Run text without soft hyphens and without the marks this module uses itself."""
    return (text or "").translate({0xAD: None, ord(_RENDERED_BREAK): None, ord(_HARD_BREAK): None})


def _run_piece(child: Element) -> str:
    if child.tag == W + "t":
        return _clean(child.text)
    if child.tag == W + "br" and child.get(W + "type") == "page":
        return "\n" + _HARD_BREAK
    return _RUN_TEXT[child.tag]


def _is_figure(element: Element) -> bool:
    """A drawing that is a picture or a group of shapes (its text boxes are labels); a lone
    text box is not."""
    return element.tag in (W + "drawing", W + "pict") and next(element.iter(*_FIGURE_PARTS), None) is not None


# --- equations (OMML) as linear text ------------------------------------------------------


def _math(element: Element) -> str:
    """An equation as a reader would type it: "N = a/b", "x_i^2", "√(x+1)", "∑_(i=1)^n x_i"."""
    name = element.tag[len(M) :] if element.tag.startswith(M) else ""
    rule = _MATH_RULES.get(name)
    if rule is not None:
        return rule(element)
    if element.tag == M + "t":
        return _clean(element.text)
    if element.tag == W + "lastRenderedPageBreak":
        return _RENDERED_BREAK
    if element.tag == W + "r":
        return "".join(_run_texts(element))
    if element.tag.endswith("Pr") or element.tag in _SKIPPED:  # m:fPr, m:ctrlPr, w:rPr: properties
        return ""
    return "".join(_math(child) for child in element if isinstance(child.tag, str))


def _part(element: Element, name: str) -> str:
    child = element.find(M + name)
    return "" if child is None else _math(child)


def _grouped(text: str) -> str:
    """`text` as one operand: bare when it is one letter or number, else in parentheses
    ("1/(2πσ)", "x_(i+1)")."""
    text = text.strip()
    plain = re.fullmatch(r"\d+(?:[.,]\d+)?|[^\W\d_][′']*", text) is not None or text[:1] + text[-1:] in (
        "()",
        "[]",
        "||",
    )
    return text if plain or not text else f"({text})"


def _scripts(element: Element) -> str:
    sub, sup = _part(element, "sub"), _part(element, "sup")
    return (f"_{_grouped(sub)}" if sub.strip() else "") + (f"^{_grouped(sup)}" if sup.strip() else "")


def _property(element: Element, prop: str, name: str, default: str) -> str:
    found = element.find(f"{M}{prop}/{M}{name}")
    if found is None:
        return default
    return found.get(M + "val", default)


def _delimited(element: Element) -> str:
    begin, end = _property(element, "dPr", "begChr", "("), _property(element, "dPr", "endChr", ")")
    separator = _property(element, "dPr", "sepChr", "|")
    return begin + separator.join(_math(e) for e in element.findall(M + "e")) + end


def _nary(element: Element) -> str:
    operator = _property(element, "naryPr", "chr", "∫")
    return f"{operator}{_scripts(element)} {_part(element, 'e')}"


def _radical(element: Element) -> str:
    degree = _part(element, "deg").strip()
    return ("" if not degree else f"[{degree}]") + f"√({_part(element, 'e')})"


def _function(element: Element) -> str:
    argument = _part(element, "e")
    return _part(element, "fName") + (argument if argument.startswith("(") else f" {argument}")


def _rows(element: Element) -> str:
    return "; ".join(_math(e) for e in element if isinstance(e.tag, str) and e.tag in (M + "e", M + "oMath", M + "mr"))


_MATH_RULES = {
    "f": lambda e: f"{_grouped(_part(e, 'num'))}/{_grouped(_part(e, 'den'))}",
    "sSub": lambda e: _part(e, "e") + _scripts(e),
    "sSup": lambda e: _part(e, "e") + _scripts(e),
    "sSubSup": lambda e: _part(e, "e") + _scripts(e),
    "sPre": lambda e: _scripts(e) + _part(e, "e"),
    "nary": _nary,
    "rad": _radical,
    "d": _delimited,
    "func": _function,
    "limLow": lambda e: f"{_part(e, 'e')}_{_grouped(_part(e, 'lim'))}",
    "limUpp": lambda e: f"{_part(e, 'e')}^{_grouped(_part(e, 'lim'))}",
    "acc": lambda e: _part(e, "e") + _property(e, "accPr", "chr", "\u0302"),
    "bar": lambda e: _part(e, "e") + "\u0305",
    "eqArr": _rows,
    "oMathPara": _rows,
    "m": lambda e: f"[{_rows(e)}]",
    "mr": lambda e: ", ".join(_math(c) for c in e.findall(M + "e")),
}


def _num_pr(ppr: Element | None) -> tuple[str, int] | None:
    """(numId, ilvl) of a paragraph or style; ilvl -1 when only the list is named."""
    num_pr = ppr.find(W + "numPr") if ppr is not None else None
    if num_pr is None:
        return None
    num_id = _val(num_pr.find(W + "numId"))
    ilvl = _int(_val(num_pr.find(W + "ilvl")))
    return (num_id, -1 if ilvl is None else ilvl) if num_id is not None else None


def _val(element: Element | None) -> str | None:
    return None if element is None else element.get(W + "val")


def _on(element: Element | None) -> bool:
    """A Word on/off property: present and not switched off."""
    return element is not None and _val(element) not in ("0", "false", "off")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


_ROMAN: tuple[tuple[int, str], ...] = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"))
_ROMAN += ((50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
_RUSSIAN = "абвгдежзиклмнопрстуфхцчшщэюя"


def _format_number(value: int, fmt: str) -> str:
    if fmt in ("lowerRoman", "upperRoman") and value > 0:
        roman = ""
        for amount, letters in _ROMAN:
            while value >= amount:
                roman, value = roman + letters, value - amount
        return roman.upper() if fmt == "upperRoman" else roman
    if fmt in ("lowerLetter", "upperLetter", "russianLower", "russianUpper") and value > 0:
        alphabet = _RUSSIAN if fmt.startswith("russian") else "abcdefghijklmnopqrstuvwxyz"
        letter = alphabet[(value - 1) % len(alphabet)] * ((value - 1) // len(alphabet) + 1)
        return letter.upper() if "upper" in fmt.lower() else letter
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _contents_rows(entries: list[str]) -> bool:
    """Rows of a contents list: at least three, nearly all a title and its page, the pages
    never going back."""
    pages = [int(e.rsplit("\t", 1)[1]) for e in entries if _CONTENTS_ROW.fullmatch(e.strip(_BREAKS))]
    return len(pages) >= 3 and len(pages) >= 0.8 * len(entries) and pages == sorted(pages)
