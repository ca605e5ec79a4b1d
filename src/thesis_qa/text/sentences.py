"""Split text into sentence units without losing a character of offset.

Theses exported to plain text are messy: a tab starts a paragraph, even in
mid-line; most lines are one sentence whose final period was lost; "●" and "─" open list items
inside a line; initials ("Н.Ә.Назарбаев", "А.К" broken across a line) and abbreviations
("т.б.", "ж.ж.") are full of periods that end nothing. Wrapped text (PDF) is the opposite case:
a newline is usually just a space. `split_units` handles both and returns spans into the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

BULLETS = "●•▪►◦─"  # "─" (box drawing) opens list items; "–" joins words
# A list item's mark: a bullet or a dash (a minus sign too), "1)" or "1.", "а)" (a space after it).
LIST_ITEM = re.compile(r"^\s*(?:[-–—−•●▪◦*]|\d{1,2}[).]|[а-яәғқңөұүһіa-z][)])\s")
MAX_UNIT_CHARS = 1000  # a "sentence" longer than this (no break in sight) is cut between words
_OPENING = "«“„(\"'"
_BULLET = re.compile(f"[{BULLETS}]")
_DOT_LEADER = re.compile(r"\.{4,}\s*\d{1,4}\s*")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_TERMINAL = re.compile(r"[.!?…]+[\"»”’)\]]*(?:\[\d[\d,;\s–-]*\])?")
_WORD_BEFORE = re.compile(r"(\w+)$")
_INITIALS_AT_END = re.compile(r"(?:^|[\s,(])((?:[^\W\d_]\.)+[^\W\d_]?)$")
# Words whose trailing period is not a sentence end (Kazakh, Russian, English).
_ABBREVIATIONS = frozenset(
    {"жж", "тсс", "мыс", "бет", "бб", "ед", "стр", "см", "др", "гг", "тт", "им", "проф", "акад", "обл", "млн", "млрд"}
    | {"тыс", "руб", "etc", "vs", "eg", "ie", "mr", "mrs", "dr", "prof", "no", "vol", "pp", "fig"}
    | {"англ", "лат", "нем", "франц", "рис", "табл", "напр", "изд", "гл"}  # "(англ. Circular …)", "Рис. 5"
)


@dataclass(frozen=True)
class Unit:
    """A sentence-sized span. `para_start`: a paragraph break precedes it. `line_end`: it
    ended at a line break, tab or paragraph break rather than at punctuation."""

    start: int
    end: int
    para_start: bool
    line_end: bool


def split_units(text: str, tab_starts_paragraph: bool = True) -> list[Unit]:
    """All sentence units of `text` in order, whitespace trimmed, never empty, none longer
    than `MAX_UNIT_CHARS`."""
    lines_are_sentences = _lines_are_sentences(text)
    units: list[Unit] = []
    for start, end in _paragraph_chunks(text, tab_starts_paragraph):
        first = True
        for line_start, line_end in _logical_lines(text, start, end, lines_are_sentences):
            pieces = split_sentences(text, line_start, line_end)
            for i, (a, b) in enumerate(pieces):
                units.append(Unit(a, b, para_start=first, line_end=i == len(pieces) - 1))
                first = False
    return units


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside one logical line: at terminal punctuation and before bullets,
    and between words where a sentence would pass `MAX_UNIT_CHARS`."""
    return [piece for span in _sentences(text, start, end) for piece in bounded(text, *span)]


def bounded(text: str, start: int, end: int, limit: int = MAX_UNIT_CHARS) -> list[tuple[int, int]]:
    """`text[start:end]` cut into spans of at most `limit` characters, at the last whitespace
    before the limit (anywhere, when a word is longer than the limit)."""
    spans = []
    while end - start > limit:
        cut = max(text.rfind(" ", start + 1, start + limit + 1), text.rfind("\n", start + 1, start + limit + 1))
        cut = cut if cut > start else start + limit
        spans.append(_trim(text, start, cut) or (start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        spans.append((start, end))
    return spans


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start]
    for match in _TERMINAL.finditer(text, start, end):
        if _ends_sentence(text, start, match.start(), match.end(), end):
            cuts.append(match.end())
    cuts += [m.start() for m in _BULLET.finditer(text, start + 1, end)]
    cuts.append(end)
    bounds = sorted(set(cuts))
    spans: list[tuple[int, int]] = []
    for a, b in pairwise(bounds):
        span = _trim(text, a, b)
        if span and _has_word(text, *span):
            spans.append(span)
        elif span and spans:  # stray punctuation such as "...." joins the sentence before
            spans[-1] = (spans[-1][0], span[1])
    return spans


def _ends_sentence(text: str, line_start: int, punct_start: int, punct_end: int, end: int) -> bool:
    nxt = punct_end
    while nxt < end and text[nxt].isspace():
        nxt += 1
    if nxt >= end:
        return True
    follower = text[nxt]
    if not (follower.isupper() or follower.isdigit() or follower in _OPENING or follower in BULLETS):
        return False
    if _DOT_LEADER.fullmatch(text, punct_start, end):
        return False  # a contents line: "КІРІСПЕ .......... 3"
    word_match = _WORD_BEFORE.search(text, max(line_start, punct_start - 64), punct_start)
    word = word_match.group(1) if word_match else ""
    if _period_of_abbreviation(text[punct_start:punct_end], word, follower):
        return False
    if nxt == punct_end:  # no space: "екен.─ Модернизация", "НЕГІЗДЕРІ.1.1.", "әмбебап....Модернизация"
        return len(word) >= 2 and not _dotted_name(text[punct_start:punct_end], word, follower)
    return True


def _dotted_name(punct: str, word: str, follower: str) -> bool:
    """One period between Latin letters is inside a name ("ASP.NET", "System.IO")."""
    return punct == "." and word.isascii() and word.isalpha() and follower.isascii() and follower.isalpha()


def _period_of_abbreviation(punct: str, word: str, follower: str) -> bool:
    """An initial ("Н.Ә."), a one-letter or listed abbreviation ("т.б.", "мыс."), or the
    dots of a number ("1.1.", "3.5")."""
    if punct != ".":
        return False
    return len(word) == 1 or word.lower() in _ABBREVIATIONS or (word.isdigit() and follower.isdigit())


def _paragraph_chunks(text: str, tab_starts_paragraph: bool) -> list[tuple[int, int]]:
    pattern = re.compile(r"\t|" + _PARAGRAPH_BREAK.pattern) if tab_starts_paragraph else _PARAGRAPH_BREAK
    chunks, pos = [], 0
    for match in pattern.finditer(text):
        chunks.append((pos, match.start()))
        pos = match.end()
    chunks.append((pos, len(text)))
    return [c for c in chunks if text[c[0] : c[1]].strip()]


def _logical_lines(text: str, start: int, end: int, lines_are_sentences: bool) -> list[tuple[int, int]]:
    """Lines of a chunk, joining a line break that does not end a sentence. Linear in the
    chunk: each physical line is looked at once, the «» depth carried along."""
    lines, line_start, physical_start, depth = [], start, start, 0
    nl = text.find("\n", start, end)
    while nl >= 0:
        nxt_end = text.find("\n", nl + 1, end)
        nxt_end = end if nxt_end < 0 else nxt_end
        depth = _balance_at_end(text[physical_start:nl], depth)
        if _newline_ends_sentence(text[physical_start:nl], text[nl + 1 : nxt_end], depth, lines_are_sentences):
            lines.append((line_start, nl))
            line_start, depth = nl + 1, 0
        physical_start = nl + 1
        nl = text.find("\n", nl + 1, end)
    lines.append((line_start, end))
    return [line for line in lines if text[line[0] : line[1]].strip()]


def _newline_ends_sentence(line: str, following: str, depth: int, lines_are_sentences: bool) -> bool:
    """Whether the break after physical `line` ends a sentence; `depth`: «» still open on the
    logical line so far."""
    nxt = following.lstrip()
    if not nxt or not line.strip():
        return True
    if nxt[0].islower() or (depth > 0 and _dips_below_zero(following)):
        return False  # lowercase goes on; a «title» opened before and closed on the next line
    initials = _INITIALS_AT_END.search(line.rstrip())
    if initials and initials.group(1).replace(".", "").isupper():
        return False  # "… А.К\nТілегулова": a name broken across the line
    if lines_are_sentences or nxt[0] in BULLETS:
        return True
    return line.rstrip()[-1] in '.!?…:;»"'


def _balance_at_end(line: str, depth: int = 0) -> int:
    for ch in line:
        depth += ch == "«"
        depth -= ch == "»" and depth > 0
    return depth


def _dips_below_zero(line: str) -> bool:
    depth = 0
    for ch in line:
        depth += (ch == "«") - (ch == "»")
        if depth < 0:
            return True
    return False


def _lines_are_sentences(text: str) -> bool:
    """True for the thesis convention (one sentence a line), False for wrapped text,
    where many lines continue with a lowercase word."""
    starts = [m.group(1) for m in re.finditer(r"\n[ \t]*([^\W\d_])", text)]
    if len(starts) < 5:
        return True
    return sum(ch.islower() for ch in starts) / len(starts) < 0.25


def _trim(text: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if a < b else None


def _has_word(text: str, a: int, b: int) -> bool:
    return any(ch.isalnum() for ch in text[a:b])
