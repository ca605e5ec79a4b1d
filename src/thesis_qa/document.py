"""The two records everything else passes around: a loaded `Document` and its `Passage`s."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

# Opens the label of a page estimated rather than printed ("≈12": a .docx no Word paginated,
# its pages estimated from its contents list); shown as it is wherever a page is shown.
ESTIMATED_PAGE = "≈"
PassageKind = Literal["body", "heading", "toc", "footnote", "bibliography", "table", "caption"]
# Kinds a loader can mark on a span of text; "body" is everything not marked.
BlockKind = Literal["toc", "footnote", "bibliography", "table"]


@dataclass(frozen=True)
class HeadingHint:
    """A heading the file format marks explicitly (a .docx style, a Markdown `#`, a PDF line
    set larger or bolder than the body)."""

    start: int
    end: int
    level: int


@dataclass(frozen=True)
class Block:
    """A span the format marks as something other than body text: a footnote, a table, the
    contents list, the bibliography. Each paragraph inside becomes a passage of that kind.
    `page_index` pins it to a physical page when its offset says otherwise (a PDF footnote
    placed after a paragraph that runs on to the next page)."""

    start: int
    end: int
    kind: BlockKind
    page_index: int | None = None


@dataclass(frozen=True)
class PresplitPassage:
    """A passage given ready-made (a .jsonl line): kept as given, never re-segmented.

    `id` is the source's own id ("" when it had none); the passage id is always assigned by
    the project and this one is kept as the passage's `source_id`."""

    id: str
    start: int
    end: int
    title: str


@dataclass(frozen=True)
class Document:
    """Text of one source file plus what its format tells us about structure.

    Offsets everywhere are code-point offsets into `text`, which is the decoded file content
    (for .docx/.pdf: the extracted text, paragraphs joined by blank lines, pages by a newline).
    `page_labels[i]` is the number printed on the physical page that starts at `page_starts[i]`
    ("iv", "37"), or an estimate of it marked as such ("≈37", `ESTIMATED_PAGE`).
    `image_pages`: the physical pages (1-based) that hold an image and no text, a scan's
    pages: what they show is not in `text`, and the reader is told so. Built from JSON too:
    lists of dicts become the records above.
    """

    name: str
    text: str
    path: str = ""
    tab_starts_paragraph: bool = True
    page_starts: tuple[int, ...] = ()
    headings: tuple[HeadingHint, ...] = ()
    presplit: tuple[PresplitPassage, ...] = ()
    page_labels: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()
    image_pages: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name, record in (("headings", HeadingHint), ("presplit", PresplitPassage), ("blocks", Block)):
            items = getattr(self, name)
            object.__setattr__(self, name, tuple(record(**i) if isinstance(i, dict) else i for i in items))
        object.__setattr__(self, "page_starts", tuple(self.page_starts))
        object.__setattr__(self, "page_labels", tuple(self.page_labels))
        object.__setattr__(self, "image_pages", tuple(self.image_pages))

    def page_index_at(self, offset: int) -> int | None:
        """1-based physical page holding `offset`, when the source has pages."""
        if not self.page_starts:
            return None
        return max(1, bisect_right(self.page_starts, offset))

    def page_label(self, index: int | None) -> str | None:
        """The number printed on physical page `index` (the physical number when the source
        printed none)."""
        if index is None:
            return None
        if index <= len(self.page_labels) and self.page_labels[index - 1]:
            return self.page_labels[index - 1]
        return str(index)


@dataclass(frozen=True)
class Passage:
    """A retrievable unit: a few sentences of one paragraph, a heading, one table-of-contents
    entry, one footnote, one bibliography entry, table rows, or the caption of a figure or
    table (its text names which: "Рисунок 3 – …", "Кесте 8").

    `page` is the printed page label ("iv", "37"; "≈37" when estimated), `page_index` the
    physical 1-based page (counted over the estimated pages when they are estimates); both
    None when the source has no pages. `source_id` is the id a .jsonl line gave."""

    id: str
    doc: str
    order: int
    paragraph: int
    start: int
    end: int
    text: str
    section: str
    page: str | None = None
    sentences: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    kind: PassageKind = "body"
    page_index: int | None = None
    source_id: str | None = None

    def __post_init__(self) -> None:
        if self.page is not None and not isinstance(self.page, str):
            object.__setattr__(self, "page", str(self.page))  # indexes written before labels

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences]


def page_ranges(pages: tuple[int, ...] | list[int]) -> str:
    """Page numbers as a reader writes them: (2, 3, 4, 7) -> "2–4, 7"."""
    runs: list[list[int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)
