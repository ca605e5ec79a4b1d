"""What the ranker and the answer judge look at: a few signals per candidate passage and per
question, turned into feature vectors.

Signals are gathered by `search.Searcher` from both channels: the passage's own cosine and
its best sentence's, BM25, how much of the question's keys (idf-weighted) the passage holds,
whether its section title names them, its kind and language. Features make those comparable
across questions: gaps to the best candidate, shares of the best BM25, interactions with the
language pair (across languages only names and loan words match lexically), with lookups
(one or two words must land where they stand), and with structure questions (only those are
answered by contents entries).

The weights are learned (`ranking`), so every feature here is a plain number with a stable
name; changing a feature means refitting (`eval/fit.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from thesis_qa.retrieval.question import Question, part_named
from thesis_qa.text.numbers import COUNT_WORD
from thesis_qa.text.sentences import LIST_ITEM

SIGNAL_FEATURES = (
    "dense_passage_gap",
    "dense_sentence_gap",
    "bm25_share",
    "key_coverage",
    "soft_coverage",
    "loose_coverage",
    "section_coverage",
    "context_coverage",
    "cross_language",
    "cross_key_coverage",
    "cross_soft_coverage",
    "cross_loose_coverage",
    "cross_dense_sentence_gap",
    "lookup_key_coverage",
    "number_answer",
    "person_answer",
    "navigation",
    "reference",
    "log_length",
    "previous_answer",
    "in_named_section",
    "list_intro",
    "list_item",
    "after_list_intro",
    "code_like",
    "dense_list_gap",
    "list_coverage",
    "named_kind",
    "definition_answer",
    "soft_bm25_share",
    "cross_soft_bm25_share",
)
# A passage of a running text (a thesis or an upload, read from its file) is scored with each
# feature's weight plus an adjustment of its own (the "text:" columns); a passage given ready
# in a collection of independent ones (a .jsonl pool, as the external dev sets are) with the
# first alone. Both are fitted together, the adjustments shrunk towards 0 like every weight.
PASSAGE_FEATURES = SIGNAL_FEATURES + tuple(f"text:{name}" for name in SIGNAL_FEATURES)
# A question word is held through a key that is (cosine, among its n nearest): near enough to
# be the same word (Russian-Kazakh pairs meet at 0.90-0.95), or loosely its best match
# (English-Kazakh pairs meet lower, 0.87-0.90, among more noise).
SOFT = (0.92, 3)
LOOSE = (0.87, 1)
# Below this, the earlier question's probability for a passage hardly counts (0.1, 0.01 and
# 0.001 gave the same cross-validated follow-up figures).
CARRIED_SCALE = 0.01
QUESTION_FEATURES = (
    "best_dense_sentence",
    "best_dense_passage",
    "top_probability",
    "top_key_coverage",
    "top_soft_coverage",
    "missing_keys",
    "soft_missing",
    "cross_language",
    "cross_missing_keys",
    "cross_soft_missing",
    "cross_best_dense_sentence",
    "held_lookup",
    "structural",
    "number_unmet",
    "sentence_margin",
    "top_list_coverage",
    "top_all_keys",
    "top_context_coverage",
    "unit_unmet",
)


@dataclass(frozen=True)
class WordMatches:
    """How each question word meets the collection through its nearest keys (`vocabulary`):
    `scores[c, w, l]` is the BM25 score in candidate c of word w's l-th nearest key (0 when c
    lacks it); `cosines` and `idf` describe the nearest keys themselves (words x l)."""

    scores: np.ndarray
    cosines: np.ndarray
    idf: np.ndarray
    unseen_idf: float  # the weight of a word no key is near enough to

    @property
    def matches(self) -> np.ndarray:
        """Like `scores`: the key's cosine where the candidate holds it."""
        return np.where(self.scores > 0, self.cosines[None, :, :], 0.0)

    def bm25(self, threshold: float, limit: int) -> np.ndarray:
        """Per candidate, BM25 over the question's words read as their nearest keys: for each
        word the best score of its `limit` nearest keys (cosine >= `threshold`) in the
        candidate, summed. Across languages a question's own keys are seldom in the text (BM25
        finds nothing), but its words' translations are among their nearest keys."""
        if not self.cosines.size:
            return np.zeros(self.scores.shape[0], dtype=np.float32)
        near = self._near(threshold, limit)
        return np.where(near[None, :, :], self.scores, 0.0).max(axis=2).sum(axis=1).astype(np.float32)

    def coverage(self, threshold: float, limit: int) -> tuple[np.ndarray, float]:
        """Per candidate, the idf-weighted share of question words it holds one of the
        `limit` nearest keys of (cosine >= `threshold`); and the weighted share of words with
        no such key at all."""
        candidates = self.scores.shape[0]
        if not self.cosines.size:
            return np.zeros(candidates, dtype=np.float32), 0.0
        near = self._near(threshold, limit)
        weight = np.where(near.any(axis=1), np.where(near, self.idf, 0.0).max(axis=1), self.unseen_idf)
        held = np.where(near[None, :, :], self.matches, 0.0).max(axis=2) if candidates else np.zeros((0, len(weight)))
        total = float(weight.sum())
        missing = float(weight[~near.any(axis=1)].sum() / total)
        return (held @ weight / total).astype(np.float32), missing

    def _near(self, threshold: float, limit: int) -> np.ndarray:
        """Per word, which of its nearest keys count: cosine >= `threshold`, among the first `limit`."""
        near = self.cosines >= threshold
        near[:, limit:] = False
        return near


@dataclass(frozen=True)
class Previous:
    """The earlier question a follow-up continues, searched alone: its question and its
    candidates' signals (ranked by the same ranker, they tell which passages answered it), and
    for each candidate of the follow-up the position of the same passage among those (-1:
    not one of them). A follow-up's answer is usually where its earlier question's was."""

    question: Question
    signals: Signals
    same: np.ndarray

    def carried(self, probabilities: np.ndarray) -> np.ndarray:
        """Per follow-up candidate, how likely the earlier question's ranking found its answer
        there, as log(1 + p / CARRIED_SCALE): on the ranker's log scale, 0 where it was not
        a candidate."""
        padded = np.r_[probabilities, 0.0]  # position -1 reads the 0
        return np.log1p(padded[self.same] / CARRIED_SCALE).astype(np.float32)


# A text that defines a term ("X дегеніміз …", "X … ретінде анықтауға болады", "X деп … атаймыз",
# "X — это …", "X – результаты …" (a term of a few words opening it, then a dash, or a
# glossary's bar: "Visual Studio | бұл …"), "… означает …", "X называется …", "X refers to …").
DEFINES = re.compile(
    r"^\s*[^\W\d][\w#+-]*(?:\s+[^\W\d][\w#+-]*){0,2}(?:\s+[–—]|\s*\|)\s"
    r"|дегеніміз|деп\s+(?:атала|атай|түсін|анықта)|ретінде\s+анықта|білдіреді|\s[–—-]\s*(?:бұл|это)\s"
    r"|означа(?:ет|ют)|понима(?:ется|ют)|определя(?:ет|ют)ся\s+как|представля(?:ет|ют)\s+собой"
    r"|называ(?:ется|ют)|\bis\s+defined\b|\bmeans\b|\brefers?\s+to\b",
    re.IGNORECASE,
)
_CODE_CHARACTERS = frozenset("{}();=<>[]#_\\|&")


def in_sections(title: str, named: Sequence[str]) -> bool:
    """Whether a section path ("2 ТАРАУ › 2.1. Әдістер", "§2.1 …", "ҚОРЫТЫНДЫ") has a part
    numbered as one of the `named` sections (`question.named_sections`) or inside one (2.1.3
    is inside 2.1; 2.11 is not), or a part of the role or appendix letter named ("conclusion")."""
    parts = [part.strip().lstrip("§ ") for part in title.split(" › ")]
    return any(
        part.startswith(name) and not part[len(name) : len(name) + 1].isdigit()
        for part in parts
        for name in named
        if name[0].isdigit()
    ) or any(part_named(part) in named for part in parts)


@dataclass(frozen=True)
class Shape:
    """What a candidate's text looks like, per candidate: in the section the question names,
    a sentence that introduces a list (ends in a colon), a list item, right after such an
    introduction, the share of code characters (braces, semicolons, operators) scaled
    so a code line reads about 1, whether it writes a count in words ("екі тараудан") and
    whether it defines a term (`DEFINES`)."""

    in_named_section: np.ndarray
    list_intro: np.ndarray
    list_item: np.ndarray
    after_list_intro: np.ndarray
    code_like: np.ndarray
    count_in_words: np.ndarray
    defines: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str], before: Sequence[str], named: np.ndarray) -> Shape:
        """From the candidates' texts, the texts just before them in their documents ("" at
        a document's start) and whether they stand in a named section."""
        return cls(
            in_named_section=np.asarray(named, dtype=bool),
            list_intro=np.array([_introduces(t) for t in texts], dtype=bool),
            list_item=np.array([bool(LIST_ITEM.match(t)) for t in texts], dtype=bool),
            after_list_intro=np.array([_introduces(b) for b in before], dtype=bool),
            code_like=np.array([min(1.0, 8 * _code_share(t)) for t in texts], dtype=np.float32),
            count_in_words=np.array([bool(COUNT_WORD.search(t)) for t in texts], dtype=bool),
            defines=np.array([bool(DEFINES.search(t)) for t in texts], dtype=bool),
        )


def _code_share(text: str) -> float:
    return sum(ch in _CODE_CHARACTERS for ch in text) / max(len(text), 1)


# A list item's introduction ("…выделяются следующие:") is looked for at most this many
# passages back, over the list's earlier items.
LIST_REACH = 12


def list_intro(row: int, text_of: Callable[[int], str], start: int) -> int:
    """The row of the introduction of the list `row` is an item of, walking back over the
    list's items no further than its document's first row `start`; `row` itself when it is no
    list item or its list has no introduction."""
    if not LIST_ITEM.match(text_of(row)):
        return row
    j = row - 1
    while j >= start and row - j <= LIST_REACH and LIST_ITEM.match(text_of(j)) and not _introduces(text_of(j)):
        j -= 1
    return j if j >= start and row - j <= LIST_REACH and _introduces(text_of(j)) else row


def _introduces(text: str) -> bool:
    return text.rstrip().endswith(":")


@dataclass(frozen=True)
class Signals:
    """Raw evidence for each candidate passage (arrays aligned per candidate) and for the
    question (`missing_keys`: the idf-weighted share of its keys found nowhere in the
    collection; `words`: how its words meet the collection across languages)."""

    dense_passage: np.ndarray
    dense_sentence: np.ndarray
    bm25: np.ndarray
    key_coverage: np.ndarray
    section_coverage: np.ndarray
    context_coverage: np.ndarray
    cross_language: np.ndarray
    navigation: np.ndarray  # contents entries and headings: they answer structure questions
    reference: np.ndarray
    has_number: np.ndarray  # a year, a century in Roman numerals, a count in digits or words
    has_person: np.ndarray  # initials and a name: "Г.Алмонд", "С.Хантингтон"
    length: np.ndarray
    missing_keys: float
    words: WordMatches
    shape: Shape
    previous: Previous | None = None  # a follow-up's earlier question
    # For a list item, its cosine or its list introduction's (`list_intro`), whichever is
    # higher, and the idf-weighted share of the question's keys the two hold together; None
    # (candidates cached before these were gathered): the passage alone.
    dense_list: np.ndarray | None = None
    list_coverage: np.ndarray | None = None
    running_text: np.ndarray | None = None  # per candidate: in a running text (None: all are)
    named_kind: np.ndarray | None = None  # per candidate: of a kind the question names (a table…)
    unit_held: np.ndarray | None = None  # per candidate: a number in the asked unit (None: none asked)
    expands: np.ndarray | None = None  # per candidate: spells out an abbreviation asked about (None: none)

    def __len__(self) -> int:
        return len(self.dense_passage)


def passage_features(question: Question, s: Signals, carried: np.ndarray | None = None) -> np.ndarray:
    """One row per candidate, columns in `PASSAGE_FEATURES` order; `carried`: for a follow-up,
    what the earlier question's ranking gave each candidate (`Previous.carried`)."""
    if not len(s):
        return np.zeros((0, len(PASSAGE_FEATURES)), dtype=np.float32)
    soft, _ = s.words.coverage(*SOFT)
    loose, _ = s.words.coverage(*LOOSE)
    bm25_share = _share(s.bm25)
    cross = s.cross_language.astype(np.float32)
    sentence_gap = _gap(s.dense_sentence)
    soft_bm25 = _share(s.words.bm25(*SOFT))
    columns = {
        "dense_passage_gap": _gap(s.dense_passage),
        "dense_sentence_gap": sentence_gap,
        "bm25_share": bm25_share,
        "key_coverage": s.key_coverage,
        "soft_coverage": soft,
        "loose_coverage": loose,
        "section_coverage": s.section_coverage,
        "context_coverage": s.context_coverage,
        "cross_language": cross,
        "cross_key_coverage": cross * s.key_coverage,
        "cross_soft_coverage": cross * soft,
        "cross_loose_coverage": cross * loose,
        "cross_dense_sentence_gap": cross * sentence_gap,
        "lookup_key_coverage": s.key_coverage * float(question.is_lookup),
        "number_answer": s.has_number * float(question.asks_number),
        "person_answer": s.has_person * float(question.asks_person),
        "navigation": s.navigation,  # only structure questions have navigation candidates
        "reference": s.reference.astype(np.float32),
        "log_length": np.log1p(s.length.astype(np.float32)) / 7.0,
        "previous_answer": carried if carried is not None else np.zeros(len(s)),
        # Inside the section the question names ("1.2 бөлімде", "в разделе 3.4", "согласно
        # заключению", "на рисунке 3.1": chapter 3): its content, not its heading, answers.
        "in_named_section": s.shape.in_named_section & ~s.navigation,
        "list_intro": s.shape.list_intro,
        "list_item": s.shape.list_item,
        "after_list_intro": s.shape.after_list_intro,
        "code_like": s.shape.code_like,
        # An item answers with what its list's introduction says ("Среди сегментов сбыта
        # выделяются следующие:" + "• военные предприятия…").
        "dense_list_gap": _gap(s.dense_passage if s.dense_list is None else s.dense_list),
        "list_coverage": s.key_coverage if s.list_coverage is None else s.list_coverage,
        # "…1.1-кестеде", "в сноске", "статьи [10]": a table, a footnote, a reference answers.
        "named_kind": np.zeros(len(s)) if s.named_kind is None else s.named_kind,
        # "X дегеніміз …" for a term; for an abbreviation ("SQL қысқартуы қалай ашылады?") what
        # spells it out ("Structured Query Language").
        "definition_answer": (s.shape.defines if s.expands is None else s.expands) * float(question.asks_meaning),
        # BM25 over the question's words read as their nearest keys: across languages, their
        # translations (`WordMatches.bm25`).
        "soft_bm25_share": soft_bm25,
        "cross_soft_bm25_share": cross * soft_bm25,
    }
    signals = np.column_stack([np.asarray(columns[name], dtype=np.float32) for name in SIGNAL_FEATURES])
    running = np.ones(len(s), dtype=np.float32) if s.running_text is None else s.running_text.astype(np.float32)
    return np.hstack([signals, signals * running[:, None]])


def _share(scores: np.ndarray) -> np.ndarray:
    """Each score as a share of the best candidate's (0 when none scores)."""
    best = float(scores.max())
    return scores / best if best > 0 else np.zeros_like(scores)


def _gap(scores: np.ndarray) -> np.ndarray:
    """How far below the best candidate, in units of the candidates' spread: cosines of one
    question's candidates differ by hundredths, so raw gaps would need huge weights."""
    return (scores - scores.max()) / max(float(scores.std()), 1e-3)


def question_features(question: Question, s: Signals, probabilities: np.ndarray) -> np.ndarray:
    """One row for the question, columns in `QUESTION_FEATURES` order; `probabilities` are the
    ranker's over the candidates (the top one is the best hit)."""
    if not len(s):
        return np.zeros(len(QUESTION_FEATURES), dtype=np.float32)
    top = int(np.argmax(probabilities))
    soft, soft_missing = s.words.coverage(*SOFT)
    cross = float(s.cross_language[top])
    best_sentence = float(s.dense_sentence.max())
    values = {
        "best_dense_sentence": best_sentence,
        "best_dense_passage": float(s.dense_passage.max()),
        "top_probability": float(probabilities[top]),
        "top_key_coverage": float(s.key_coverage[top]),
        "top_soft_coverage": float(soft[top]),
        "missing_keys": s.missing_keys,
        "soft_missing": soft_missing,
        "cross_language": cross,
        "cross_missing_keys": cross * s.missing_keys,
        "cross_soft_missing": cross * soft_missing,
        "cross_best_dense_sentence": cross * best_sentence,
        # A lookup is answered where its words stand: one whose words the documents do not
        # hold, even softly ("asdf qwerty"), gets no credit for being a lookup.
        "held_lookup": float(question.is_lookup) * (1.0 - soft_missing),
        "structural": float(question.structural),
        # The best hit holds no number for "when", "how many", "which century".
        "number_unmet": float(question.asks_number and not s.has_number[top]),
        # How far the best sentence stands above the candidates' typical one: on a 500-page
        # book some sentence is always close, but rarely far above the rest unless it answers.
        "sentence_margin": best_sentence - float(np.median(s.dense_sentence)),
        # The best hit read with its list's introduction; and whether it holds every key of the
        # question as written ("Кто такой Бутенко?" over a passage naming Бутенко).
        "top_list_coverage": float((s.key_coverage if s.list_coverage is None else s.list_coverage)[top]),
        "top_all_keys": float(s.key_coverage[top] >= 1.0 - 1e-6 and s.missing_keys < 1.0),
        # A follow-up's own words may be few or absent ("Ал олар нені орната алмады?"): the
        # share of its conversation's keys the best hit holds is its evidence.
        "top_context_coverage": float(s.context_coverage[top]),
        # "Неше сағат?", "Сколько стоит?": the best hit gives no number in that unit.
        "unit_unmet": float(s.unit_held is not None and not s.unit_held[top]),
    }
    return np.array([values[name] for name in QUESTION_FEATURES], dtype=np.float32)
