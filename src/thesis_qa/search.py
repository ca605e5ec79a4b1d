"""Answer a question from an index: rank passages (dense + lexical), then mark the answer.

Candidates are the union of the best passages by vector, by sentence vector and by BM25;
`fusion` ranks them; `highlight` picks the answering sentences of each hit and `lexical`
finds where the question's words stand in it."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np

from thesis_qa.ann import nearest
from thesis_qa.document import Passage
from thesis_qa.embed import Embedder
from thesis_qa.errors import ThesisQAError
from thesis_qa.fusion import dense_weight, fuse
from thesis_qa.highlight import Span, answering_sentences
from thesis_qa.language import Language, detect_language, dominant_language
from thesis_qa.lexical import BM25, coverage, matching_spans, terms
from thesis_qa.store import Index

MAX_QUESTION_CHARS = 1000
MAX_K = 50
CANDIDATES = 100  # per channel; the fused ranking is taken over their union
Mode = Literal["hybrid", "dense", "lexical"]


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


@dataclass(frozen=True)
class Query:
    """A cleaned question with everything both channels need."""

    text: str
    vector: np.ndarray
    language: Language
    keys: tuple[str, ...]
    words: int  # all words, question words included: "Хантингтон" is a lookup, "Кім?" is not


class Searcher:
    """Hybrid retrieval over one loaded index: dense (passage and sentence vectors) and BM25
    over stems, fused per `fusion`; `mode` keeps one channel for ablations."""

    def __init__(self, index: Index, embedder: Embedder, mode: Mode = "hybrid") -> None:
        self.index = index
        self.embedder = embedder
        self.mode = mode
        passages = index.passages
        self._position = {p.id: i for i, p in enumerate(passages)}
        languages = {name: dominant_language(doc.text) for name, doc in index.documents.items()}
        self._language = [languages[p.doc] for p in passages]
        self._is_toc = np.array([p.kind == "toc" for p in passages], dtype=bool)
        self._rows = _document_rows(passages)
        self.lexical = BM25(
            [
                [t.key for t in terms(f"{p.section}\n{p.text}", lang)]
                for p, lang in zip(passages, self._language, strict=True)
            ]
        )

    def search(
        self,
        question: str,
        k: int = 5,
        doc: str | None = None,
        history: Sequence[str] = (),
        timings: dict[str, float] | None = None,
    ) -> list[Hit]:
        """The `k` best passages for `question`, optionally within one document; `history`
        holds the conversation's earlier questions, oldest first.

        `timings`, when given, receives the seconds spent in each stage (for `bench/`)."""
        clock = _Stopwatch(timings)
        text = clean_question(question)
        language = detect_language(text)
        with clock("lexical"):
            keys = tuple(dict.fromkeys(t.key for t in terms(text, language)))
        with clock("embed"):
            query = Query(text, self.embedder.embed_queries([text])[0], language, keys, len(re.findall(r"\w+", text)))
        rows = self._rows.get(doc, range(0)) if doc else range(len(self.index.passages))
        ranked = self._rank(query, rows, clock)[: max(1, min(k, MAX_K))]
        with clock("highlight"):
            return [self._hit(i, score, query) for i, score in ranked]

    def _rank(self, query: Query, rows: range, clock: _Stopwatch) -> list[tuple[int, float]]:
        if not len(rows):
            return []
        with clock("lexical"):
            lexical_all = self.lexical.scores(query.keys)[rows.start : rows.stop]
            best = np.argsort(-lexical_all)[:CANDIDATES]
            lexical_best = rows.start + best[lexical_all[best] > 0]
        with clock("vector"):
            candidates = np.union1d(self._dense_candidates(query.vector, rows), lexical_best)
            dense = self._dense_scores(candidates, query.vector)
        with clock("fusion"):
            fused = self._fuse(query, candidates, dense, lexical_all[candidates - rows.start])
            order = np.argsort(-fused, kind="stable")
        return [(int(candidates[j]), float(fused[j])) for j in order]

    def _fuse(self, query: Query, candidates: np.ndarray, dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        if self.mode == "dense":
            return dense
        if self.mode == "lexical":
            return lexical
        weight = {lang: dense_weight(query.language, lang, query.words) for lang in ("kk", "ru", "en")}
        weights = np.array([weight[self._language[i]] for i in candidates], dtype=np.float32)
        return fuse(dense, lexical, weights, self._is_toc[candidates])

    def _dense_candidates(self, vector: np.ndarray, rows: range) -> np.ndarray:
        """Passages among the best by their own vector or by one of their sentences."""
        passages = nearest(self.index.passage_vectors, vector, CANDIDATES, rows)
        offsets = self.index.sentence_offsets
        sentence_rows = range(int(offsets[rows.start]), int(offsets[rows.stop]))
        sentences = nearest(self.index.sentence_vectors, vector, CANDIDATES, sentence_rows)
        owners = np.searchsorted(offsets, sentences, side="right") - 1
        return np.union1d(passages, owners)

    def _dense_scores(self, candidates: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Half the passage's cosine, half its best sentence's (every passage has one)."""
        passage = self.index.passage_vectors.reconstruct_batch(candidates) @ vector
        offsets = self.index.sentence_offsets
        starts, stops = offsets[candidates], offsets[candidates + 1]
        rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)])
        sentence = self.index.sentence_vectors.reconstruct_batch(rows) @ vector
        best_sentence = np.maximum.reduceat(sentence, np.cumsum(stops - starts) - (stops - starts))
        return 0.5 * passage + 0.5 * best_sentence

    def _sentence_scores(self, i: int, vector: np.ndarray) -> np.ndarray:
        rows = np.arange(*self.index.sentence_range(i))  # every passage has at least one sentence
        return self.index.sentence_vectors.reconstruct_batch(rows) @ vector

    def _hit(self, i: int, score: float, query: Query) -> Hit:
        passage = self.index.passages[i]
        found = terms(passage.text, self._language[i])  # once, for both the sentence choice and the marks
        dense = self._sentence_scores(i, query.vector)
        shares = coverage(passage.sentences, found, query.keys)
        highlights = answering_sentences(passage.sentences, passage.sentence_texts(), dense, shares)
        return Hit(passage, score, highlights, tuple(matching_spans(found, query.keys)))

    def neighbours(self, passage_id: str, before: int = 1, after: int = 1) -> tuple[list[Passage], list[Passage]]:
        """Passages just before and after `passage_id` in the same document."""
        i = self._position[passage_id]
        doc = self.index.passages[i].doc
        prev = [p for p in self.index.passages[max(0, i - before) : i] if p.doc == doc]
        nxt = [p for p in self.index.passages[i + 1 : i + 1 + after] if p.doc == doc]
        return prev, nxt


class _Stopwatch:
    """Adds the wall time of each `with clock("stage"):` block to a dict, if one is given."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.timings is not None:
                self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - start


def _document_rows(passages: list[Passage]) -> dict[str, range]:
    """Each document's passages are stored contiguously; its row range."""
    rows: dict[str, range] = {}
    for i, p in enumerate(passages):
        first = rows[p.doc].start if p.doc in rows else i
        rows[p.doc] = range(first, i + 1)
    return rows
