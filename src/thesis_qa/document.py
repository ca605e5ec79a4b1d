"""The two records everything else passes around: a loaded `Document` and its `Passage`s."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

PassageKind = Literal["body", "toc"]


@dataclass(frozen=True)
class HeadingHint:
    """A heading the file format marks explicitly (a .docx style, a Markdown `#`)."""

    start: int
    end: int
    level: int


@dataclass(frozen=True)
class PresplitPassage:
    """A passage given ready-made (a .jsonl line): kept as given, never re-segmented."""

    id: str
    start: int
    end: int
    title: str


@dataclass(frozen=True)
class Document:
    """Text of one source file plus what its format tells us about structure.

    Offsets everywhere are code-point offsets into `text`, which is the decoded file content
    (for .docx/.pdf: the extracted text, paragraphs and pages joined by blank lines).
    """

    name: str
    text: str
    path: str = ""
    tab_starts_paragraph: bool = True
    page_starts: tuple[int, ...] = ()
    headings: tuple[HeadingHint, ...] = ()
    presplit: tuple[PresplitPassage, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """1-based page holding `offset`, when the source has pages."""
        if not self.page_starts:
            return None
        return max(1, bisect_right(self.page_starts, offset))


@dataclass(frozen=True)
class Passage:
    """A retrievable unit: a few sentences of one paragraph, or one table-of-contents entry."""

    id: str
    doc: str
    order: int
    paragraph: int
    start: int
    end: int
    text: str
    section: str
    page: int | None = None
    sentences: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    kind: PassageKind = "body"

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences]
