"""A PDF page's text as PDFium holds it, read glyph by glyph, and its lines rebuilt from where
the glyphs stand.

PDFium's own text (`get_text_range`) cannot be trusted for words: it inserts a space wherever
two glyphs stand further apart than its guess, so a line set with tracked letter spacing
comes out "Ә б і л х а й ы р" and an InDesign file, whose glyphs are drawn at font size 1
scaled by the text matrix, is letter-spaced throughout. Here the spaces PDFium reports (its
generated ones and the file's own) are dropped and words are rebuilt from the gaps between
neighbouring glyphs' advance boxes, measured against the line's font size and its usual gap
between letters.

Characters outside the BMP come from PDFium as two UTF-16 halves, each its own "character";
they are joined back into one. The hyphen PDFium flags at a line end (reported as U+0002 or
U+FFFE) is kept as a flag on the line, never as text.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import Any

_WORD_GAP = 0.1  # a word break: a gap this share of the font size wider than the line's letter gap
_CELL_GAP = 1.5  # a gap this many font sizes wide parts table cells or a contents title from its page
_TRACKING_CAP = 0.3  # the widest letter spacing (share of the font size) taken as letter spacing
_HYPHEN_CODES = frozenset((0x02, 0xAD, 0xFFFE))  # how PDFium reports a line-end hyphen
_UNMAPPED = 0xFFFD
_MAP_SAMPLE = 7  # every 7th character is asked whether it has a Unicode map (the share is what counts)


@dataclass(frozen=True)
class Glyph:
    """One character as drawn: its advance box left and right, baseline, font size in points
    (font size times the text matrix's scale) and PDFium's index of it (for its font)."""

    ch: str
    left: float
    right: float
    y: float
    size: float
    index: int
    hyphen: bool = False  # a hyphen PDFium marks as a line end's (`ch` as the file gives it)


@dataclass(frozen=True)
class PageGlyphs:
    glyphs: list[Glyph]
    unmapped: int  # characters PDFium found no Unicode for


def page_glyphs(textpage: Any) -> PageGlyphs:
    """The page's drawn characters in PDFium's reading order, astral ones whole. Whitespace
    is dropped (PDFium's generated spaces and line breaks with it): `gaps` finds words."""
    from pypdfium2 import raw

    handle, count = textpage.raw, textpage.count_chars()
    loose_box, origin = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetCharOrigin
    font_size, text_matrix = raw.FPDFText_GetFontSize, raw.FPDFText_GetMatrix
    box, matrix, x, y = raw.FS_RECTF(), raw.FS_MATRIX(), ctypes.c_double(), ctypes.c_double()
    units = (ctypes.c_ushort * (count + 1))()  # one UTF-16 unit a character index, read at once
    raw.FPDFText_GetText(handle, 0, count, units)
    glyphs: list[Glyph] = []
    unmapped, i = 0, 0
    while i < count:
        code, first = units[i], i
        i += 1
        if 0xD800 <= code < 0xDC00 and i < count and 0xDC00 <= units[i] < 0xE000:
            code, i = 0x10000 + ((code - 0xD800) << 10) + (units[i] - 0xDC00), i + 1
        elif 0xD800 <= code < 0xE000:
            code = _UNMAPPED  # half of a pair without its other half
        ch = chr(code)
        hyphen = code in _HYPHEN_CODES or (ch == "-" and raw.FPDFText_IsHyphen(handle, first) == 1)
        if ch.isspace() or (code < 0x20 and not hyphen):
            continue
        if first % _MAP_SAMPLE == 0 and raw.FPDFText_HasUnicodeMapError(handle, first) == 1:
            unmapped += _MAP_SAMPLE
        loose_box(handle, first, box)
        origin(handle, first, x, y)
        text_matrix(handle, first, matrix)
        size = font_size(handle, first) * ((matrix.c**2 + matrix.d**2) ** 0.5 or 1.0)
        glyphs.append(Glyph(ch, box.left, box.right, y.value, size, first, hyphen))
    return PageGlyphs(glyphs, unmapped)


def visual_lines(glyphs: list[Glyph]) -> Iterator[list[Glyph]]:
    """Glyphs grouped into visual lines: a new line where the baseline moves by half a line
    or the text jumps back left of where the line began (PDFium's own line breaks also fall
    after superscripts). A glyph drawn out of order inside its line (LibreOffice writes a
    fallback font's letters, 𝔏, after the rest of the line) is put back in its place."""
    line: list[Glyph] = []
    for glyph in glyphs:
        if line:
            size = max(glyph.size, line[-1].size, 1.0)
            if abs(glyph.y - line[-1].y) > size * 0.45 or glyph.left < line[0].left - 3 * size:
                yield _in_order(line)
                line = []
        line.append(glyph)
    if line:
        yield _in_order(line)


def _in_order(line: list[Glyph]) -> list[Glyph]:
    """The line left to right when some glyph of it stands well left of the one before."""
    backwards = any(b.left < a.left - b.size for a, b in pairwise(line))
    return sorted(line, key=lambda g: g.left) if backwards else line


def gaps(line: list[Glyph]) -> list[str]:
    """What stands between each glyph of a line and the next: "" (same word), " " (a word
    break) or a tab (a gap wide enough to part table cells). A break is a gap wider than
    the line's usual gap between letters (its median gap, which letter spacing widens)
    by a tenth of the font size; PDFium's hyphen marks inside a line join their halves. Only
    gaps between two letters or digits count for the usual gap: a contents line's spaced
    leader (". . . . 12") would make every gap look usual."""
    if len(line) < 2:
        return []
    size = median(g.size for g in line) or 1.0
    widths = [b.left - a.right for a, b in pairwise(line)]
    between_letters = [w for (a, b), w in zip(pairwise(line), widths, strict=True) if a.ch.isalnum() and b.ch.isalnum()]
    usual = between_letters if len(between_letters) >= 3 else widths
    letter = min(max(median(usual), 0.0), size * _TRACKING_CAP) if len(widths) >= 3 else 0.0
    out = []
    for a, width in zip(line, widths, strict=False):
        if a.hyphen:
            out.append("")
        elif width - letter > size * _CELL_GAP:
            out.append("\t")
        else:
            out.append(" " if width - letter > size * _WORD_GAP else "")
    return out


def unreadable_share(texts: list[str], unmapped: int) -> tuple[float, str]:
    """How much of a PDF's text is not text a reader sees, and why: cp1251/KOI8 bytes read
    as Latin-1 ("Ìîñêîâñêèé": Latin-1 letters where Cyrillic should be) or glyphs without a
    Unicode map (control codes, U+FFFD, private-use codes). 0.0 for a sound text layer."""
    letters = [ch for text in texts for ch in text if not ch.isspace()]
    if len(letters) < 40:
        return 0.0, ""
    latin1 = sum(1 for ch in letters if "\u00c0" <= ch <= "\u00ff")
    broken = min(len(letters), max(unmapped, sum(1 for ch in letters if _not_text(ch))))
    if latin1 >= broken:
        return latin1 / len(letters), "mojibake"
    return broken / len(letters), "no_unicode_map"


def _not_text(ch: str) -> bool:
    """What PDFium gives for a glyph it cannot name: U+FFFD, a control or private-use code."""
    return ch == "\ufffd" or ch < " " or "\ue000" <= ch <= "\uf8ff"
