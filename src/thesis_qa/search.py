"""Answer a question from an index: rank passages, then mark the answering sentences."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from thesis_qa.document import Passage
from thesis_qa.embed import Embedder
from thesis_qa.errors import ThesisQAError
from thesis_qa.highlight import Span, answering_sentences
from thesis_qa.store import Index

MAX_QUESTION_CHARS = 1000
MAX_K = 50


class QuestionError(ThesisQAError):
    """The question holds nothing to search for."""

    code = "question_empty"


@dataclass(frozen=True)
class Hit:
    """One ranked passage with the spans that answer (`highlights`) inside its text."""

    passage: Passage
    score: float
    highlights: tuple[Span, ...]
    terms: tuple[Span, ...] = ()

    def to_json(self) -> dict[str, object]:
        p = self.passage
        return {
            "id": p.id,
            "doc": p.doc,
            "text": p.text,
            "section": p.section,
            "page": p.page,
            "paragraph": p.paragraph,
            "order": p.order,
            "kind": p.kind,
            "score": round(float(self.score), 4),
            "highlights": [list(span) for span in self.highlights],
            "terms": [list(span) for span in self.terms],
        }


def clean_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """Drop control and format characters, collapse whitespace, bound the length.

    Raises `QuestionError` when no letter or digit is left."""
    kept = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = " ".join(kept.split())[:max_chars]
    if not re.search(r"\w", text):
        raise QuestionError("the question is empty", code="question_empty")
    return text


class Searcher:
    """Dense retrieval over one loaded index."""

    def __init__(self, index: Index, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self._position = {p.id: i for i, p in enumerate(index.passages)}

    def search(self, question: str, k: int = 5, doc: str | None = None) -> list[Hit]:
        """The `k` best passages for `question`, optionally within one document."""
        query = self.embedder.embed_queries([clean_question(question)])[0]
        k = max(1, min(k, MAX_K))
        ranked = self._rank(query, k, doc)
        return [self._hit(i, score, query) for i, score in ranked]

    def _rank(self, query: np.ndarray, k: int, doc: str | None) -> list[tuple[int, float]]:
        total = self.index.passage_vectors.ntotal
        if total == 0:
            return []
        wanted = total if doc else min(k, total)
        scores, ids = self.index.passage_vectors.search(query[None, :], wanted)
        ranked = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        if doc:
            ranked = [(i, s) for i, s in ranked if self.index.passages[i].doc == doc]
        return ranked[:k]

    def _hit(self, i: int, score: float, query: np.ndarray) -> Hit:
        passage = self.index.passages[i]
        rows = list(self.index.sentence_rows(i))
        vectors = self.index.sentence_vectors.reconstruct_batch(np.array(rows, dtype=np.int64))
        return Hit(passage, score, answering_sentences(passage.sentences, vectors @ query))

    def neighbours(self, passage_id: str, before: int = 1, after: int = 1) -> tuple[list[Passage], list[Passage]]:
        """Passages just before and after `passage_id` in the same document."""
        i = self._position[passage_id]
        doc = self.index.passages[i].doc
        prev = [p for p in self.index.passages[max(0, i - before) : i] if p.doc == doc]
        nxt = [p for p in self.index.passages[i + 1 : i + 1 + after] if p.doc == doc]
        return prev, nxt
