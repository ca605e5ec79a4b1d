"""Answer a question from an index: gather candidates, rank them, mark the answer.

Candidates are the union of the best passages by vector, by sentence vector and by BM25
(over the question's keys, and the keys of the earlier question a follow-up leans on).
A Latin word of the question that the collection lacks is read across scripts (`translit`):
the Cyrillic key it meets stands for it ("Huntington" is searched as "Хантингтон").
`features` turns their evidence into numbers, `ranking` scores them with the fitted models;
`highlight` picks the answering sentences of each hit and `lexical` finds where the
question's words stand in it.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

import numpy as np
from threadpoolctl import ThreadpoolController

from thesis_qa.document import Passage
from thesis_qa.embedding.embedder import QueryEncoder
from thesis_qa.index.layout import Index
from thesis_qa.index.passage_table import HAS_NUMBER, HAS_PERSON, KINDS, LANGUAGES, Passages
from thesis_qa.index.postings import BM25, top_rows
from thesis_qa.index.vectors import nearest, similarities
from thesis_qa.index.vocabulary import lexical_index
from thesis_qa.limits import CONCURRENT_QUESTIONS, MAX_K
from thesis_qa.retrieval.features import (
    Previous,
    Shape,
    Signals,
    WordMatches,
    in_sections,
    list_intro,
    question_features,
)
from thesis_qa.retrieval.followup import takes_context
from thesis_qa.retrieval.highlight import Span, mark_answer
from thesis_qa.retrieval.question import Question, QuestionError, clean_question, expansion, read
from thesis_qa.retrieval.ranking import Models, answer_probabilities, load_models
from thesis_qa.text.keys import Term, matching_spans, terms
from thesis_qa.text.numbers import holds_unit
from thesis_qa.text.translit import Bridge

__all__ = ["Candidates", "Hit", "QuestionError", "Searcher", "clean_question"]

CANDIDATES = 100  # per channel; the ranking is taken over their union
_T = TypeVar("_T")
_K = TypeVar("_K")
ROWS_KEPT = 20_000  # rows whose decoded text and words a searcher keeps (its index never changes)
# Named-section sets whose rows a searcher keeps (one bool per passage each: a question may name
# any number, so they are bounded like rows).
NAMED_KEPT = 64
CONTEXT_WEIGHT = 0.5  # a follow-up's vector: its own plus this much of the question it continues
Mode = Literal["hybrid", "dense", "lexical"]
NAVIGATION_KINDS = ("toc", "heading")
# Questions embedded while their BM25 scores are computed; as many at once as the app serves.
_EMBEDDING = ThreadPoolExecutor(max_workers=CONCURRENT_QUESTIONS, thread_name_prefix="embed-question")
# A question's passage vectors, searched while its sentence vectors are.
_PASSAGE_SEARCH = ThreadPoolExecutor(max_workers=CONCURRENT_QUESTIONS, thread_name_prefix="passage-search")


@dataclass(frozen=True)
class Hit:
    """One ranked passage with the spans that answer (`highlights`) inside its text.

    `score` (hybrid mode) is the probability that the passage holds the answer: comparable
    across questions and collections; `answerable`, the probability that the collection it
    comes from answers the question at all."""

    passage: Passage
    score: float
    highlights: tuple[Span, ...]
    terms: tuple[Span, ...] = ()
    answerable: float = 0.0

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
            "page_index": p.page_index,
            "source_id": p.source_id,
            "score": round(float(self.score), 4),
            "highlights": [list(span) for span in self.highlights],
            "terms": [list(span) for span in self.terms],
        }


@dataclass(frozen=True)
class Candidates:
    """A question, its vector, and the passages (index rows) worth ranking with their evidence."""

    question: Question
    vector: np.ndarray
    rows: np.ndarray
    signals: Signals
    bm25: np.ndarray  # of every row in the index, for the question's own keys


class Searcher:
    """Retrieval over one loaded index: dense (passage and sentence vectors) and BM25 over
    stems, ranked by the fitted `models`; `mode` keeps one channel for ablations."""

    def __init__(
        self, index: Index, embedder: QueryEncoder, mode: Mode = "hybrid", models: Models | None = None
    ) -> None:
        _numpy_blas_on_one_thread()
        self.index = index
        self.embedder = embedder
        self.mode = mode
        self._models = models
        passages = index.passages  # columns for every row; a passage is built only when read
        self._is_navigation = passages.is_kind(NAVIGATION_KINDS)
        self._is_reference = passages.is_kind(("bibliography",))
        postings, vocabulary = index.lexical, index.vocabulary
        if postings is None or vocabulary is None:
            # An index written before they were stored with it (and opened without a rebuild).
            languages = [passages.language(i) for i in range(len(passages))]
            postings, vocabulary = lexical_index(list(passages), languages, embedder)
        self.vocabulary = vocabulary
        self.lexical = BM25.over(postings)
        self._section_keys: dict[tuple[int, int], frozenset[str]] = {}  # by section id and language
        self._named: dict[tuple[str, ...], np.ndarray] = {}  # rows in the sections a question names
        self._document_starts = np.array(sorted(r.start for r in passages.document_rows.values()), dtype=np.int64)
        self._running_text = _running_text(passages)
        self._idf = self.lexical.idf()
        self._unseen_idf = float(np.log(1 + (len(passages) + 0.5) / 0.5))  # a key no passage holds
        self._bridge: Bridge | None = None
        # What a row's text gives, made once per row (`_text`, `_terms`, `_shape`): every
        # question meets the same candidates' texts again, and reading them took a question
        # longer than embedding it.
        self._texts: dict[int, str] = {}
        self._row_terms: dict[int, list[Term]] = {}
        self._shaped = np.zeros(len(passages), dtype=bool)
        self._shapes: dict[str, np.ndarray] = {}
        self._shaping = threading.Lock()

    @property
    def bridge(self) -> Bridge:
        """The vocabulary's Cyrillic forms romanised for Latin words (made on first use)."""
        if self._bridge is None:
            self._bridge = Bridge(self.vocabulary.forms)
        return self._bridge

    @property
    def models(self) -> Models:
        """The fitted models (the shipped ones unless others were given)."""
        if self._models is None:
            self._models = load_models()
        return self._models

    @models.setter
    def models(self, models: Models) -> None:
        self._models = models

    def search(
        self,
        question: str,
        k: int = 5,
        doc: str | None = None,
        history: Sequence[object] = (),
        timings: dict[str, float] | None = None,
    ) -> list[Hit]:
        """The `k` best passages for `question`, optionally within one document; `history`
        holds the conversation's earlier questions, oldest first (used when the question's
        form shows it continues one of them: `followup`).

        `timings`, when given, receives the seconds spent in each stage (for `bench/`)."""
        clock = _Stopwatch(timings)
        return self.rank(self.candidates(question, doc, history, clock), k, clock)

    def rank(self, candidates: Candidates, k: int, clock: _Stopwatch | None = None) -> list[Hit]:
        """The `k` best of `candidates` as hits, their answers marked."""
        clock = clock or _Stopwatch(None)
        with clock("rank"):
            if self.mode == "hybrid":
                answerable, scores = self.hybrid_scores(candidates)
            else:
                answerable, scores = 0.0, self._channel_scores(candidates.signals)
            order = np.argsort(-scores, kind="stable")[: max(1, min(k, MAX_K))]
        with clock("highlight"):
            return [self._hit(int(candidates.rows[j]), float(scores[j]), answerable, candidates) for j in order]

    def candidates(
        self, question: str, doc: str | None = None, history: Sequence[object] = (), clock: _Stopwatch | None = None
    ) -> Candidates:
        """The cleaned question and every passage worth ranking for it, with their evidence.

        A question whose form lets it lean on `history` is searched alone and in its context,
        and the context is taken only on evidence (`followup.takes_context`)."""
        clock = clock or _Stopwatch(None)
        with clock("lexical"):
            asked = read(question, history, self)
        alone = self._gather(asked.alone(), doc, None, clock)
        if not asked.context:
            return alone
        # The earlier question, searched alone: its vector leans the follow-up's, and where it
        # found its answer is carried over (`Previous`).
        earlier = self.candidates(asked.context, doc, (), clock)
        contextual = self._gather(asked, doc, earlier, clock)
        return contextual if takes_context(asked.form, self.support(alone), self.support(contextual)) else alone

    def _gather(self, asked: Question, doc: str | None, earlier: Candidates | None, clock: _Stopwatch) -> Candidates:
        """The passages worth ranking for `asked` (in the context of `earlier`, the question
        it continues, when given) with their evidence."""
        # The model embeds (outside the GIL) while BM25 scores the collection.
        embedding = _EMBEDDING.submit(self._vectors, asked, earlier.vector if earlier else None)
        rows = self.index.passages.document_rows.get(doc, range(0)) if doc else range(len(self.index.passages))
        with clock("lexical"):
            bm25 = self.lexical.scores(asked.keys)
            lexical_best = self._lexical_candidates(asked, bm25, rows)
        with clock("embed"):
            vector, word_vectors = embedding.result()
        with clock("vector"):
            found = np.union1d(self._dense_candidates(vector, rows), lexical_best).astype(np.int64)
            found = np.union1d(found, self._named_section_candidates(asked, vector, rows)).astype(np.int64)
            if not asked.structural:  # contents entries and headings answer structure questions only
                found = found[~self._is_navigation[found]]
        with clock("signals"):
            signals = self._signals(asked, found, vector, bm25, word_vectors)
        if earlier is not None:
            previous = Previous(earlier.question, earlier.signals, _positions(earlier.rows, found))
            signals = replace(signals, previous=previous)
        return Candidates(asked, vector, found, signals, bm25)

    def _channel_scores(self, s: Signals) -> np.ndarray:
        """One channel alone, for ablations: dense (half the passage's cosine, half its best
        sentence's) or lexical (BM25)."""
        return 0.5 * s.dense_passage + 0.5 * s.dense_sentence if self.mode == "dense" else s.bm25

    def hybrid_scores(self, candidates: Candidates) -> tuple[float, np.ndarray]:
        """P(the documents answer the question), and per candidate that times the ranker's
        probability: the hits' scores."""
        probabilities = self.probabilities(candidates)
        answerable = self.answerable(candidates, probabilities)
        return answerable, answerable * probabilities

    def support(self, candidates: Candidates) -> float:
        """The best score among `candidates` (0 when there is none)."""
        _, scores = self.hybrid_scores(candidates)
        return float(scores.max()) if len(scores) else 0.0

    def probabilities(self, candidates: Candidates) -> np.ndarray:
        """The ranker's P(passage holds the answer | the documents answer the question)."""
        return answer_probabilities(self.models.ranker, candidates.question, candidates.signals)

    def answerable(self, candidates: Candidates, probabilities: np.ndarray) -> float:
        """P(the documents answer the question), from question-level evidence."""
        if not len(probabilities):
            return 0.0
        row = question_features(candidates.question, candidates.signals, probabilities)
        return self.models.answerable(row)

    def _vectors(self, asked: Question, context: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """The question's vector (a follow-up's leans towards its earlier question's vector,
        `context`) and one vector per word of the question as written (`asked.written`).

        A word whose key the collection holds takes that key's vector from the vocabulary (its
        most frequent form, embedded as a question word when the index was written): embedding
        each word costs the model about as much as the whole question again, and a word the
        collection holds meets its own key first either way. Only the others are embedded, in
        one call with the question."""
        postings = self.lexical.postings
        columns = [postings.column(key) for key, _ in asked.written]
        unknown = [word for (_, word), column in zip(asked.written, columns, strict=True) if column is None]
        embedded = iter(self.embedder.embed_queries([asked.text, *unknown]))
        question = next(embedded)
        word_vectors = np.zeros((len(asked.written), len(question)), dtype=np.float32)
        for row, column in enumerate(columns):
            word_vectors[row] = next(embedded) if column is None else self.vocabulary.vectors[column]
        if context is not None:
            blend = question + CONTEXT_WEIGHT * context
            question = blend / max(float(np.linalg.norm(blend)), 1e-12)
        return question, word_vectors

    def key_at(self, column: int) -> str:
        """The key in `column` of the postings (`question.Lexicon`)."""
        return str(self.lexical.postings.keys[column])

    def spelled_as(self, key: str, word: str) -> int | None:
        """The column of the key a Latin word meets across scripts, when the collection lacks
        its own key (`question.Lexicon`)."""
        if self.lexical.postings.column(key) is not None:
            return None
        match = self.bridge.match(word)
        return None if match is None else match[0]

    def _lexical_candidates(self, asked: Question, bm25: np.ndarray, rows: range) -> np.ndarray:
        scores = bm25
        if asked.context_keys:
            scores = scores + CONTEXT_WEIGHT * self.lexical.scores(asked.context_keys)
        return rows.start + top_rows(scores[rows.start : rows.stop], CANDIDATES)

    def _dense_candidates(self, vector: np.ndarray, rows: range) -> np.ndarray:
        """Passages among the best by their own vector or by one of their sentences."""
        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        # The two searches overlap: in a database each is a query of its own (at 1M passages
        # about half of what a question's search costs there), and FAISS lets go of the GIL.
        passages = _PASSAGE_SEARCH.submit(nearest, self.index.passage_vectors, vector, CANDIDATES, rows)
        offsets = self.index.sentence_offsets
        sentence_rows = range(int(offsets[rows.start]), int(offsets[rows.stop]))
        sentences = nearest(self.index.sentence_vectors, vector, CANDIDATES, sentence_rows)
        owners = np.searchsorted(offsets, sentences, side="right") - 1
        return np.union1d(passages.result(), owners)

    def _signals(
        self,
        asked: Question,
        rows: np.ndarray,
        vector: np.ndarray,
        bm25: np.ndarray,
        word_vectors: np.ndarray,
    ) -> Signals:
        dense_passage, dense_sentence = self._dense_scores(rows, vector)
        presence, weights, missing = self._key_presence(asked.keys, rows)
        intros = self._list_intros(rows)
        intro_presence, _, _ = self._key_presence(asked.keys, intros)
        context_presence, context_weights, _ = self._key_presence(asked.context_keys, rows)
        shape = self._shape(asked, rows)
        own = set(asked.keys)
        passages = self.index.passages
        return Signals(
            dense_passage=dense_passage,
            dense_sentence=dense_sentence,
            bm25=bm25[rows],
            key_coverage=_weighted_share(presence, weights),
            section_coverage=np.array(
                [len(own & keys) / len(own) if own else 0.0 for keys in self._section_keys_of(rows)], dtype=np.float32
            ),
            context_coverage=_weighted_share(context_presence, context_weights),
            cross_language=passages.languages[rows] != LANGUAGES.index(asked.language),
            navigation=self._is_navigation[rows],
            reference=self._is_reference[rows],
            has_number=passages.has(HAS_NUMBER, rows) | shape.count_in_words,
            has_person=passages.has(HAS_PERSON, rows),
            length=passages.lengths[rows],
            missing_keys=missing,
            words=self._word_matches(rows, word_vectors, dict(asked.spelled)),
            shape=shape,
            dense_list=np.maximum(dense_passage, similarities(self.index.passage_vectors, intros, vector)),
            list_coverage=_weighted_share(np.maximum(presence, intro_presence), weights),
            running_text=self._running_text[rows],
            named_kind=np.isin(passages.kinds[rows], [KINDS.index(kind) for kind in asked.named_kinds]),
            unit_held=self._unit_held(asked, rows),
            expands=self._expands(asked, rows),
        )

    def _unit_held(self, asked: Question, rows: np.ndarray) -> np.ndarray | None:
        """Per row, whether it gives a number in the unit the question asks one in (None: it names none)."""
        if not asked.asks_unit:
            return None
        return np.array([holds_unit(self._text(int(r)), asked.asks_unit) for r in rows], dtype=bool)

    def _expands(self, asked: Question, rows: np.ndarray) -> np.ndarray | None:
        """Per row, whether it spells out an abbreviation the question asks about (None: it asks none)."""
        if not asked.abbreviations:
            return None
        patterns = [expansion(a) for a in asked.abbreviations]
        return np.array([any(p.search(self._text(int(r))) for p in patterns) for r in rows], dtype=bool)

    def _list_intros(self, rows: np.ndarray) -> np.ndarray:
        """For each row, the introduction of the list it is an item of (itself when none)."""
        starts = self._document_starts[np.searchsorted(self._document_starts, rows, side="right") - 1]
        return np.array(
            [list_intro(int(r), self._text, int(s)) for r, s in zip(rows, starts, strict=True)],
            dtype=np.int64,
        )

    def _named_rows(self, asked: Question) -> np.ndarray:
        """Whether each row stands in a section the question names (`Question.sections`: "1.2
        бөлімде", "қорытындыда")."""
        sections = asked.sections
        rows = self._named.get(sections)
        if rows is None:
            passages = self.index.passages
            named = np.array([bool(sections) and in_sections(t, sections) for t in passages.sections], dtype=bool)
            rows = named[passages.section_ids] if len(named) else np.zeros(0, dtype=bool)
            _kept(self._named, sections, rows, NAMED_KEPT)
        return rows

    def _named_section_candidates(self, asked: Question, vector: np.ndarray, rows: range) -> np.ndarray:
        """The passages nearest the question inside the sections it names (their content is
        what it asks about, whatever else the collection holds nearer)."""
        inside = np.flatnonzero(self._named_rows(asked)[rows.start : rows.stop]) + rows.start
        if not len(inside):
            return inside
        scores = similarities(self.index.passage_vectors, inside, vector)
        return inside[np.argsort(-scores, kind="stable")[:CANDIDATES]]

    def _shape(self, asked: Question, rows: np.ndarray) -> Shape:
        """The candidates' `Shape`: what their texts look like is made once per row and kept
        in a column per field; only standing in a section the question names is the question's."""
        named = self._named_rows(asked)[rows]
        with self._shaping:
            todo = rows[~self._shaped[rows]]
            if len(todo):
                self._shape_rows(todo)
        if not self._shapes:  # no row was ever shaped: nothing to read the fields from
            return Shape.of([], [], named)
        return Shape(**{**{name: column[rows] for name, column in self._shapes.items()}, "in_named_section": named})

    def _shape_rows(self, rows: np.ndarray) -> None:
        """Make the `Shape` of `rows` and keep each field in its column."""
        first = np.isin(rows, self._document_starts)
        before = ["" if at_start else self._text(int(i) - 1) for i, at_start in zip(rows, first, strict=True)]
        made = Shape.of([self._text(int(i)) for i in rows], before, np.zeros(len(rows), dtype=bool))
        for name, values in vars(made).items():
            column = self._shapes.setdefault(name, np.zeros(len(self._shaped), dtype=values.dtype))
            column[rows] = values
        self._shaped[rows] = True

    def _text(self, row: int) -> str:
        """A row's text, decoded once (up to ROWS_KEPT rows are kept)."""
        text = self._texts.get(row)
        if text is None:
            text = _kept(self._texts, row, self.index.passages[row].text)
        return text

    def _terms(self, row: int, text: str) -> list[Term]:
        """The words of a row's `text` with their keys, found once (up to ROWS_KEPT rows)."""
        found = self._row_terms.get(row)
        if found is None:
            found = _kept(self._row_terms, row, terms(text, self.index.passages.language(row)))
        return found

    def _section_keys_of(self, rows: np.ndarray) -> list[frozenset[str]]:
        """The keys of each row's section title in its language (computed once per title and language)."""
        passages = self.index.passages
        out = []
        languages = passages.languages[rows].tolist()
        for section, language in zip(passages.section_ids[rows].tolist(), languages, strict=True):
            if (section, language) not in self._section_keys:
                title = passages.sections[section]
                self._section_keys[section, language] = frozenset(t.key for t in terms(title, LANGUAGES[language]))
            out.append(self._section_keys[section, language])
        return out

    def _word_matches(self, rows: np.ndarray, word_vectors: np.ndarray, spelled: dict[int, int]) -> WordMatches:
        """Each question word's nearest keys, and which candidates hold them; a word read
        across scripts (`spelled`: its position, its key's column) holds its key as if it
        were the word itself (cosine 1)."""
        columns, cosines = self.vocabulary.nearest(word_vectors)
        for w, column in spelled.items():
            others = [(c, s) for c, s in zip(columns[w], cosines[w], strict=True) if c != column]
            columns[w] = [column, *(c for c, _ in others)][: columns.shape[1]]
            cosines[w] = [1.0, *(s for _, s in others)][: cosines.shape[1]]
        scores = np.zeros((len(rows), *columns.shape), dtype=np.float32)
        for (w, n), column in np.ndenumerate(columns):
            scores[:, w, n] = self.lexical.key_scores(int(column), rows)
        return WordMatches(scores, cosines, self._idf[columns], self._unseen_idf)

    def rows_holding(self, keys: Sequence[str]) -> np.ndarray:
        """Index rows of the passages that hold every one of `keys` (in any inflection: keys
        are stems), ascending; for an exact lookup."""
        postings = self.lexical.postings
        held: np.ndarray | None = None
        for key in dict.fromkeys(keys):
            column = postings.column(key)
            if column is None:
                return np.zeros(0, dtype=np.int64)
            rows = postings.holders(column).astype(np.int64)
            held = rows if held is None else np.intersect1d(held, rows)
        return np.zeros(0, dtype=np.int64) if held is None else np.sort(held)

    def _key_presence(self, keys: Sequence[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Which of `keys` each row holds (rows x keys), each key's idf (a key the collection
        lacks gets the highest), and the idf-weighted share of keys the collection lacks."""
        postings = self.lexical.postings
        presence = np.zeros((len(rows), len(keys)), dtype=np.float32)
        weights = np.full(len(keys), self._unseen_idf, dtype=np.float32)
        lacking = []
        for j, key in enumerate(keys):
            column = postings.column(key)
            if column is None:
                lacking.append(j)
                continue
            weights[j] = self._idf[column]
            presence[:, j] = postings.holds(column, rows)
        missing = float(weights[lacking].sum() / weights.sum()) if len(keys) else 0.0
        return presence, weights, missing

    def _dense_scores(self, rows: np.ndarray, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each passage's cosine and its best sentence's (every passage has one)."""
        if not len(rows):
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        passage = _PASSAGE_SEARCH.submit(similarities, self.index.passage_vectors, rows, vector)
        offsets = self.index.sentence_offsets
        starts, stops = offsets[rows], offsets[rows + 1]
        sentence_rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)])
        sentence = similarities(self.index.sentence_vectors, sentence_rows, vector)
        best_sentence = np.maximum.reduceat(sentence, np.cumsum(stops - starts) - (stops - starts))
        return passage.result().astype(np.float32), best_sentence.astype(np.float32)

    def _sentence_scores(self, i: int, vector: np.ndarray) -> np.ndarray:
        rows = np.arange(*self.index.sentence_range(i))  # every passage has at least one sentence
        return similarities(self.index.sentence_vectors, rows, vector)

    def _hit(self, i: int, score: float, answerable: float, candidates: Candidates) -> Hit:
        passage = self.index.passages[i]
        question = candidates.question
        found = self._terms(i, passage.text)  # once, for both the answer and the words
        dense = self._sentence_scores(i, candidates.vector)
        highlights = mark_answer(question, passage.text, passage.sentences, found, dense)
        return Hit(passage, score, highlights, tuple(matching_spans(found, question.keys)), answerable)

    def neighbours(self, passage_id: str, before: int = 1, after: int = 1) -> tuple[list[Passage], list[Passage]]:
        """Passages just before and after `passage_id` in the same document."""
        i = self.index.passages.positions[passage_id]
        doc = self.index.passages[i].doc
        prev = [p for p in self.index.passages[max(0, i - before) : i] if p.doc == doc]
        nxt = [p for p in self.index.passages[i + 1 : i + 1 + after] if p.doc == doc]
        return prev, nxt


@functools.cache
def _numpy_blas_on_one_thread() -> None:
    """numpy's BLAS on one thread in a process that answers questions, as FAISS's searches are
    (`vectors._one_thread`): a question's products are small (its words against the vocabulary:
    5 x 384 x 600) and a server answers several at once; on two busy cores waking a second BLAS
    thread made them wait (signals 26.8 -> 2.2 ms median over 127 fresh questions at load 30,
    bench/query_latency.py). The same kernel on one thread: the same sums, the same answers.
    Only numpy's library: torch's and FAISS's keep their threads."""
    for library in ThreadpoolController().lib_controllers:
        if library.user_api == "blas" and "numpy" in library.filepath:
            library.set_num_threads(1)


def _kept(kept: dict[_K, _T], key: _K, value: _T, limit: int | None = None) -> _T:
    """`value` kept as `key`'s, the others forgotten once `limit` (`ROWS_KEPT`) are kept."""
    if len(kept) >= (ROWS_KEPT if limit is None else limit):
        kept.clear()
    kept[key] = value
    return value


def _positions(sorted_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Where each of `rows` stands in `sorted_rows` (-1: absent)."""
    if not len(sorted_rows):
        return np.full(len(rows), -1)
    at = np.minimum(np.searchsorted(sorted_rows, rows), len(sorted_rows) - 1)
    return np.where(sorted_rows[at] == rows, at, -1)


def _weighted_share(presence: np.ndarray, weights: np.ndarray) -> np.ndarray:
    total = float(weights.sum())
    if not presence.shape[1] or total <= 0:
        return np.zeros(presence.shape[0], dtype=np.float32)
    return (presence @ weights / total).astype(np.float32)


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


def _running_text(passages: Passages) -> np.ndarray:
    """Per row, whether its document was read as one running text (a thesis, an upload), not
    given as a collection of ready, independent passages (a .jsonl pool)."""
    running = np.ones(len(passages), dtype=bool)
    for table in passages.tables:
        for document in table.documents:
            if document.get("presplit"):
                running[passages.document_rows[str(document["name"])]] = False
    return running
