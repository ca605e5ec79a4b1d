"""Indexing a long document so that it answers while it is indexed.

The document is cut at page boundaries (a source without pages: at paragraph breaks, every
`CHARS_PER_STEP` characters counted as a step) into growing prefixes: the first `FIRST_PAGES`
pages, then twice as many each time, and last the whole document. Each prefix is written as a
new version of the same index (`build_index`, the previous version passed as `previous`), so a
question asked meanwhile is answered from the pages indexed so far, and each version embeds
only the text the one before did not hold (vectors are lent by text digest). The last version
is `build_index` of the whole document: the same passages as a build in one go, and the
vectors of the texts the prefixes already embedded.

Doubling keeps the overhead small: the pages re-read (segmented, keyed, written) over all the
versions add up to less than twice the document, and none is embedded twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from thesis_qa.document import ESTIMATED_PAGE, Document
from thesis_qa.embedding.embedder import Embedder
from thesis_qa.index.layout import Index
from thesis_qa.service.indexing import build_index
from thesis_qa.storage import IndexLocation

FIRST_PAGES = 15  # the first version: what a student can ask about within a minute
CHARS_PER_STEP = 2_000  # a "page" of a source without pages (what one printed page holds)
LAST_SHARE = 0.75  # no further cut once a prefix would hold this share of the document


@dataclass(frozen=True)
class Reach:
    """How far a version of the index reaches into its document: `pages` of `of` when the
    source has pages (0 of 0 when it has none), and the share of its text in any case;
    `estimated` when those pages are estimates (`ESTIMATED_PAGE`), to be said so."""

    pages: int
    of: int
    share: float
    estimated: bool = False


Published = Callable[[Reach], None]


def cuts(doc: Document) -> list[int]:
    """Offsets where the prefixes end, the last one the document's end; a single cut for a
    document too short to be worth indexing in steps."""
    boundaries = _boundaries(doc)
    out: list[int] = []
    steps = FIRST_PAGES
    while steps < len(boundaries) and boundaries[steps] < LAST_SHARE * len(doc.text):
        if boundaries[steps] > (out[-1] if out else 0):
            out.append(boundaries[steps])
        steps *= 2
    return [*out, len(doc.text)]


def prefix(doc: Document, end: int) -> Document:
    """`doc` up to offset `end`: its text, pages, headings, blocks and given passages there."""
    if end >= len(doc.text):
        return doc
    pages = sum(1 for start in doc.page_starts if start < end)
    return replace(
        doc,
        text=doc.text[:end],
        page_starts=doc.page_starts[:pages],
        page_labels=doc.page_labels[:pages],
        headings=tuple(h for h in doc.headings if h.end <= end),
        blocks=tuple(replace(b, end=min(b.end, end)) for b in doc.blocks if b.start < end),
        presplit=tuple(p for p in doc.presplit if p.end <= end),
    )


def reach(doc: Document, end: int) -> Reach:
    """How far a prefix ending at `end` reaches: the pages it holds whole."""
    total, text = len(doc.page_starts), doc.text
    estimated = doc.page_labels[:1] != () and doc.page_labels[0].startswith(ESTIMATED_PAGE)
    if end >= len(text):
        return Reach(total, total, 1.0, estimated)
    holding = doc.page_index_at(end) or 0  # the page the cut falls in: whole if only blanks follow
    following = doc.page_starts[holding] if 0 < holding < total else len(text)
    pages = holding if holding and not text[end:following].strip() else max(0, holding - 1)
    return Reach(pages, total, end / max(1, len(text)), estimated)


def index_progressively(
    location: IndexLocation,
    doc: Document,
    embedder: Embedder,
    *,
    progress: Callable[[int, int], None] | None = None,
    published: Published = lambda reach: None,
    total_texts: int = 0,
) -> Index:
    """Index `doc` at `location` version by version (`cuts`), calling `published` after each
    version is live. `progress(done, total)` counts texts embedded against `total_texts` (the
    whole document's), so it runs from 0 to the end once over all the versions."""

    def overall(done: int, total: int) -> None:
        if progress:
            progress(done, max(total, total_texts))

    index: Index | None = None
    for end in cuts(doc):
        index = build_index(location, [prefix(doc, end)], embedder, overall, previous=index)
        published(reach(doc, end))
    assert index is not None
    return index


def _boundaries(doc: Document) -> list[int]:
    """Where each page (or step of a source without pages) starts, moved back to the last
    paragraph break of the page before, so that a paragraph running on is not cut (a page
    without one is cut where it ends; a step without one, at its last line break); index 0
    is the document's start."""
    text, paged = doc.text, bool(doc.page_starts)
    out, previous = [], 0
    for start in doc.page_starts or range(0, len(text), CHARS_PER_STEP):
        back = text.rfind("\n\n", previous, start)
        if back <= previous:
            back = start if paged else max(previous, text.rfind("\n", previous, start))
        out.append(back)
        previous = start
    return out
