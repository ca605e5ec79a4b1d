"""A long document indexed in growing parts (thesis_qa.service.progressive): each part answers
as soon as it is written, and the last is the index a build in one go makes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from thesis_qa.document import ESTIMATED_PAGE, Block, Document, HeadingHint
from thesis_qa.index.vectors import all_vectors
from thesis_qa.retrieval.search import Searcher
from thesis_qa.service.indexing import build_index
from thesis_qa.service.progressive import CHARS_PER_STEP, FIRST_PAGES, Reach, cuts, index_progressively, prefix, reach
from thesis_qa.storage.files import FilesLocation

TOPICS = ["Абай", "Шоқан", "Ыбырай", "Мұхтар", "Сәкен", "Ахмет", "Міржақып", "Мағжан", "Жамбыл", "Бейімбет"]


def paged(pages: int) -> Document:
    """A document of `pages` pages, two paragraphs each, page n naming its own topic and year;
    a heading on the first page and a footnote block on the last."""
    text, starts = "", []
    for n in range(1, pages + 1):
        starts.append(len(text))
        topic = TOPICS[n % len(TOPICS)]
        text += (
            f"{n}-бет. {topic} туралы {1800 + n} жылғы деректер осы бетте келтірілген.\n\n"
            f"Бұл {n}-беттің екінші абзацы: зерттеушілер {topic} еңбектерін қайта қарады.\n\n"
        )
    heading = text.index("\n")
    footnote = Block(starts[-1], len(text), "footnote")
    return Document("long.docx", text, page_starts=starts, headings=(HeadingHint(0, heading, 1),), blocks=(footnote,))


def test_a_long_document_is_cut_after_its_first_pages_then_in_doubling_steps():
    doc = paged(130)
    ends = cuts(doc)

    assert [reach(doc, end).pages for end in ends] == [FIRST_PAGES, 2 * FIRST_PAGES, 4 * FIRST_PAGES, 130]
    assert ends[-1] == len(doc.text)
    assert all(doc.text[end : end + 2] == "\n\n" for end in ends[:-1])  # between paragraphs
    assert cuts(paged(FIRST_PAGES)) == [len(paged(FIRST_PAGES).text)]  # short: one build


def test_a_prefix_keeps_its_pages_headings_and_blocks_and_says_how_far_it_reaches():
    doc = paged(40)
    part = prefix(doc, cuts(doc)[0])

    assert part.page_starts == doc.page_starts[:FIRST_PAGES] and part.headings == doc.headings
    assert part.blocks == ()  # the footnote is on the last page
    assert part.text.rsplit("\n\n", 1)[-1].startswith(f"Бұл {FIRST_PAGES}-беттің екінші абзацы")  # the page whole
    assert reach(doc, len(part.text)) == Reach(FIRST_PAGES, 40, len(part.text) / len(doc.text))
    assert prefix(doc, len(doc.text)) is doc


def test_pages_estimated_from_a_contents_list_are_reached_as_estimates():
    doc = paged(40)
    estimated = replace(doc, page_labels=tuple(f"{ESTIMATED_PAGE}{n}" for n in range(1, 41)))
    end = cuts(estimated)[0]

    assert reach(estimated, end) == Reach(FIRST_PAGES, 40, end / len(doc.text), estimated=True)
    assert not reach(doc, end).estimated


def test_a_text_without_pages_is_cut_at_paragraphs_and_reached_by_share():
    doc = Document("draft.txt", "\n\n".join(f"Абзац {i}: саяси жүйе өзгерді." * 4 for i in range(2000)))
    ends = cuts(doc)

    assert len(ends) > 2 and all(doc.text[end : end + 2] == "\n\n" for end in ends[:-1])
    first = reach(doc, ends[0])
    assert first.of == 0 and first.share == pytest.approx(FIRST_PAGES * CHARS_PER_STEP / len(doc.text), rel=0.02)


def test_each_version_answers_from_the_pages_indexed_so_far_and_the_last_is_a_one_shot_build(tmp_path, embedder):
    """With the real model: while the later pages are still unindexed, a question about the
    first pages is answered from the live version; the final version holds exactly the
    passages and vectors a build in one go gives."""
    doc = paged(40)
    location = FilesLocation(tmp_path / "progressive")
    answered: list[tuple[Reach, list[int]]] = []

    def published(reached: Reach) -> None:
        searcher = Searcher(location.open(), embedder)
        pages = [hit.passage.page_index for hit in searcher.search("Абай туралы 1810 жылғы деректер", 3)]
        answered.append((reached, [p for p in pages if p is not None]))

    final = index_progressively(location, doc, embedder, published=published)
    whole = build_index(tmp_path / "one-shot", [doc], embedder)

    assert [r.pages for r, _ in answered] == [FIRST_PAGES, 2 * FIRST_PAGES, 40]
    assert answered[0][1][0] == 10  # page 10 names Абай and 1810, and the first version holds it
    assert all(max(pages) <= reached.pages for reached, pages in answered)
    assert [p.text for p in final.passages] == [p.text for p in whole.passages]
    for mine, theirs in (
        (final.passage_vectors, whole.passage_vectors),
        (final.sentence_vectors, whole.sentence_vectors),
    ):
        assert np.allclose(all_vectors(mine), all_vectors(theirs), atol=1e-5)
