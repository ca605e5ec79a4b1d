"""The question in a pasted text: a student often pastes a whole paragraph and asks about it
in its last sentence. What is asked is then that sentence, not the paragraph's first
thousand characters."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A question ends in a question mark (Latin, Arabic, full-width), maybe closed by a quote or a
# bracket; it starts after the end of the sentence before it.
_QUESTION_END = re.compile(r"[?？؟][\"»”’)\]]*")
_SENTENCE_END = re.compile(r"[.!?…？؟][\"»”’)\]]*\s+|\n\s*")


@dataclass(frozen=True)
class Part:
    """Where the question stands in the pasted text: `text[start:end]`. `found` when it is the
    text's last question, `cut` when the text was cut between words to fit."""

    start: int
    end: int
    found: bool = False
    cut: bool = False


def question_part(text: str, limit: int) -> Part:
    """The part of `text` to ask: all of it when it fits in `limit` characters (outer spaces
    aside); else its last sentence ending in a question mark, when that fits; else its first
    `limit` characters, cut between words."""
    start, end = _strip(text, 0, len(text))
    if end - start <= limit:
        return Part(start, end)
    question = _last_question(text, start, end)
    if question and question[1] - question[0] <= limit:
        return Part(*question, found=True)
    return Part(start, _word_boundary(text, start, start + limit), cut=True)


def _last_question(text: str, start: int, end: int) -> tuple[int, int] | None:
    ends = list(_QUESTION_END.finditer(text, start, end))
    if not ends:
        return None
    stop = ends[-1].end()
    opening = start
    for boundary in _SENTENCE_END.finditer(text, start, ends[-1].start()):
        opening = boundary.end()
    return _strip(text, opening, stop)


def _word_boundary(text: str, start: int, limit_end: int) -> int:
    """The end of the last whole word before `limit_end` (`limit_end` itself inside one
    endless word)."""
    if limit_end >= len(text) or text[limit_end].isspace():
        return _strip(text, start, limit_end)[1]
    space = re.search(r"\s\S*$", text[start:limit_end])
    return _strip(text, start, start + space.start())[1] if space and space.start() else limit_end


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
