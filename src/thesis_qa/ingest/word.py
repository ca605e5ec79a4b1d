"""Word .docx read straight from its XML (never through a library that loads every part):
the body in document order, tables as rows, footnotes and endnotes after the paragraph that
cites them, text boxes, Word's automatic numbering as the reader sees it ("1.1 Title"), the
contents field as `toc` blocks; headers and footers are not in the body and stay out.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thesis_qa.document import Block, BlockKind, Document, HeadingHint
from thesis_qa.errors import LoadError
from thesis_qa.ingest.limits import open_zip, parse_xml, read_zip_part

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HEADING_STYLE = re.compile(r"^(?:heading|заголовок|тақырып)\s*(\d)$", re.IGNORECASE)
_TOC_STYLE = re.compile(r"^(?:toc|оглавление|мазмұны)\s*\d$", re.IGNORECASE)
_SKIPPED = {W + "del", W + "moveFrom", W + "delText", W + "rPr", W + "pPr", _MC + "Fallback"}
_RUN_TEXT = {W + "t": "", W + "tab": " ", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-"}
Element = Any  # lxml elements


@dataclass(frozen=True)
class _Block:
    text: str
    kind: BlockKind | None = None  # None: body
    level: int = 0  # a heading's level


@dataclass(frozen=True)
class _Style:
    name: str = ""
    based_on: str = ""
    num: tuple[str, int] | None = None
    outline: int | None = None


@dataclass
class _Numbering:
    """Word's list numbering: formats per abstract list and level, counters as they run."""

    levels: dict[str, dict[int, tuple[int, str, str, str]]] = field(default_factory=dict)
    nums: dict[str, str] = field(default_factory=dict)  # numId -> abstractNumId
    counters: dict[str, list[int | None]] = field(default_factory=dict)

    def render(self, num_id: str, ilvl: int) -> str:
        abstract = self.nums.get(num_id)
        levels = self.levels.get(abstract or "")
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract or "", [None] * 10)
        start, _, _, _ = levels[ilvl]
        counters[ilvl] = start if counters[ilvl] is None else counters[ilvl] + 1  # type: ignore[operator]
        for deeper in range(ilvl + 1, len(counters)):
            counters[deeper] = None
        _, fmt, pattern, suffix = levels[ilvl]
        if fmt == "none":
            return ""
        if fmt == "bullet":
            return "•" + suffix
        label = re.sub(r"%(\d)", lambda m: self._value(levels, counters, int(m.group(1)) - 1), pattern)
        return (label + suffix) if label.strip() else ""

    @staticmethod
    def _value(levels: dict[int, tuple[int, str, str, str]], counters: list[int | None], ilvl: int) -> str:
        start, fmt, _, _ = levels.get(ilvl, (1, "decimal", "", ""))
        value = counters[ilvl] if ilvl < len(counters) and counters[ilvl] is not None else start
        return _format_number(int(value), fmt)  # type: ignore[arg-type]


def read_docx(path: Path, name: str) -> Document:
    with open_zip(path, name, "Word .docx") as archive:
        main = _main_part(archive, name)
        parts = _related_parts(archive, main, name)
        root = _parse(archive, main, name)
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
    return _document(name, path, blocks)


def _document(name: str, path: Path, blocks: list[_Block]) -> Document:
    parts, hints, marked, pos = [], [], [], 0
    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        if block.level:
            hints.append(HeadingHint(pos, pos + len(text), block.level))
        if block.kind:
            marked.append(Block(pos, pos + len(text), block.kind))
        parts.append(text)
        pos += len(text) + 2
    return Document(
        name=name,
        text="\n\n".join(parts),
        path=str(path),
        tab_starts_paragraph=False,
        headings=tuple(hints),
        blocks=tuple(marked),
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
        )
    return styles


def _numbering(root: Element | None) -> _Numbering:
    numbering = _Numbering()
    for abstract in root.iter(W + "abstractNum") if root is not None else ():
        levels = {}
        for lvl in abstract.iter(W + "lvl"):
            suffix = {"space": " ", "nothing": ""}.get(_val(lvl.find(W + "suff")) or "tab", " ")
            fmt = "decimal" if lvl.find(W + "isLgl") is not None else _val(lvl.find(W + "numFmt")) or "decimal"
            start = _int(_val(lvl.find(W + "start")))
            levels[_int(lvl.get(W + "ilvl")) or 0] = (
                1 if start is None else start,
                fmt,
                _val(lvl.find(W + "lvlText")) or "",
                suffix,
            )
        numbering.levels[abstract.get(W + "abstractNumId", "")] = levels
    for num in root.iter(W + "num") if root is not None else ():
        numbering.nums[num.get(W + "numId", "")] = _val(num.find(W + "abstractNumId")) or ""
    return numbering


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
            yield (child.text or "").replace("\u00ad", "")
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
        for child in container:
            if child.tag == W + "p":
                yield from self._paragraph(child, toc)
            elif child.tag == W + "tbl":
                yield from self._table(child)
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
        pieces, notes, boxes = [], [], []
        self._inline(paragraph, pieces, notes, boxes)
        in_toc = in_toc or self._in_toc_field()
        text = "".join(pieces)
        number = self._number(ppr, style) if text.strip() else ""
        level = self._heading_level(ppr, style)
        if in_toc or _TOC_STYLE.match(style.name):
            yield _Block(number + text, "toc")
        else:
            yield _Block(number + text, None, level)
        for box in boxes:
            yield from self.blocks(box)
        yield from (_Block(note, "footnote") for note in notes)

    def _table(self, table: Element) -> Iterator[_Block]:
        rows, notes = [], []
        for row in table.findall(W + "tr"):
            cells = []
            for cell in row.findall(W + "tc"):
                pieces: list[str] = []
                for p in cell.iter(W + "p"):
                    self._inline(p, pieces, notes, [])
                    pieces.append(" ")
                text = " ".join("".join(pieces).split())
                if text:
                    cells.append(text)
            if cells:
                rows.append(" | ".join(cells))
        if rows:
            yield _Block("\n\n".join(dict.fromkeys(rows)), "table")
        yield from (_Block(note, "footnote") for note in notes)

    def _inline(self, element: Element, pieces: list[str], notes: list[str], boxes: list[Element]) -> None:
        """Text of runs under `element` into `pieces`; cited notes and text boxes aside."""
        for child in element:
            tag = child.tag
            if self._field_event(child) or not isinstance(tag, str) or tag in _SKIPPED:
                continue
            if tag in _RUN_TEXT:
                if not (self.fields and self.fields[-1][1] == "instr"):  # a field's instruction is not shown
                    pieces.append((child.text or "").replace("\u00ad", "") if tag == W + "t" else _RUN_TEXT[tag])
            elif tag in (W + "footnoteReference", W + "endnoteReference"):
                note = self.notes.get((tag[len(W) : -len("Reference")], child.get(W + "id", "")))
                notes.extend([note] if note else [])
            elif tag == W + "txbxContent":
                boxes.append(child)
            elif tag != W + "p":
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
        return self.numbering.render(*num)

    @staticmethod
    def _heading_level(ppr: Element | None, style: _Style) -> int:
        match = _HEADING_STYLE.match(style.name.strip())
        if match:
            return int(match.group(1))
        if style.name.strip().lower() == "title":
            return 1
        outline = _int(_val(ppr.find(W + "outlineLvl"))) if ppr is not None else None
        outline = style.outline if outline is None else outline
        return outline + 1 if outline is not None and outline < 9 else 0


def _num_pr(ppr: Element | None) -> tuple[str, int] | None:
    num_pr = ppr.find(W + "numPr") if ppr is not None else None
    if num_pr is None:
        return None
    num_id = _val(num_pr.find(W + "numId"))
    return (num_id, _int(_val(num_pr.find(W + "ilvl"))) or 0) if num_id is not None else None


def _val(element: Element | None) -> str | None:
    return None if element is None else element.get(W + "val")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"))
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
        return letter.upper() if fmt.endswith("Upper") else letter
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)
