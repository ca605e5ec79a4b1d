"""Numbered lists and code listings: an item of a numbered list that runs on past 9 ("10."
after "9.") is its next item, not chapter 10; a line of code is no title, and the lines of a
listing read as one paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from thesis_qa.ingest.structure.items import Item
from thesis_qa.text.sentences import Unit

_LIST_NUMBER = re.compile(r"(\d{1,3})[.)](?:\s|$)")
_MAX_CODE_LINE = 200
_CODE_MARK = re.compile(
    r"[{}<>;=\[\]]|\w\(.*\)|^\s*(?:def|class|import|from|return|if|elif|else|for|while|public|private|static"
    r"|void|var|let|const|function|using|#include)\b"
)
_LIST_GAP = 5  # paragraphs an item of a numbered list may run to before the next item (bullets not counted)
BULLET_ITEM = re.compile(r"[-–—•●▪►◦*]\s")


@dataclass
class ListRun:
    """The numbered list being read: the number of its last item and how many paragraphs
    ago it opened, so that "10." after "9." is its next item, not chapter 10."""

    number: int | None = None
    paragraphs_since: int = 0

    def continued_by(self, number: int | None) -> bool:
        return number is not None and self.number == number - 1 and self.paragraphs_since <= _LIST_GAP

    def saw(self, number: int | None, heading: bool = False, new_paragraph: bool = True) -> None:
        if number is not None:
            self.number, self.paragraphs_since = number, 0
        elif heading:
            self.number = None
        elif new_paragraph:
            self.paragraphs_since += 1


def list_number(text: str, item: Item) -> int | None:
    """N of a paragraph opening "N. " or "N) ": the item of a numbered list (its next item,
    "10.", is no chapter even when the sentence splitter cut it off as "10.")."""
    if not (isinstance(item, Unit) and item.para_start):
        return None
    match = _LIST_NUMBER.match(text, item.start, item.end)
    return int(match.group(1)) if match else None


def is_code(line: str) -> bool:
    """A short line in Latin letters (or none) with a mark of code: brackets, "=", ";", a
    call, a keyword opening it ("def", "import", "return", "</div>", "{% block %}"); not an
    item of a list ("3. Write<u8 и u16> для Tx")."""
    letters = [ch for ch in line if ch.isalpha()]
    latin = sum(ch.isascii() for ch in letters)
    listed = _LIST_NUMBER.match(line) or BULLET_ITEM.match(line)
    return len(line) <= _MAX_CODE_LINE and latin >= 0.7 * len(letters) and not listed and bool(_CODE_MARK.search(line))
