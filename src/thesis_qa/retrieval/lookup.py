"""Exact lookup: every passage where a word, a name, a year or all words of a phrase stand,
and nothing else; the true count, however many there are.

A word is matched by its key (`lexical.key_of`: the stem cut to a few letters), so any
inflection counts ("Хантингтон" finds "Хантингтонның", "Қазақстан" finds "Қазақстандағы");
a number matches as written ("1966" finds "1966" and "1966ж.", never "1967" or "19661").
A Latin word a collection lacks is read across scripts as a question's is (`question.read`
with the collection as its `Lexicon`): "Huntington" finds "Хантингтон" in every inflection.
Candidates come from the index's word columns (`Searcher.rows_holding`) under the key of each
language, since a passage's words are keyed by the stemmer of its own language; each is then
confirmed on the passage's own text, so a word standing only in a section title does not count.

Passages are listed body first (with tables and footnotes), then headings, contents entries
and bibliography entries; within each, in document order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from thesis_qa.document import Passage
from thesis_qa.errors import ThesisQAError
from thesis_qa.retrieval.question import clean_question, read
from thesis_qa.retrieval.search import Hit, Searcher
from thesis_qa.text.keys import Term, key_of, terms
from thesis_qa.text.language import Language, dominant_language

LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")
KIND_ORDER = {"body": 0, "table": 0, "footnote": 0, "heading": 1, "toc": 2, "bibliography": 3}
MAX_WORDS = 12  # words of a phrase (each must stand in the passage)


class NothingToLookUp(ThesisQAError):
    """The query holds only function words or single letters ("және", "и", "a")."""

    code = "lookup_common"


@dataclass(frozen=True)
class Word:
    """One word of a lookup, lowercase as written; a number must match exactly. `across`:
    the key a Latin word meets across scripts in the collection searched (it lacks the word's
    own key), which then stands for the word in every language."""

    text: str
    across: str = ""

    @property
    def is_number(self) -> bool:
        return self.text.isdigit()

    def key(self, language: Language) -> str:
        return self.across or key_of(self.text, language)

    def stands_as(self, term: Term, written: str, language: Language) -> bool:
        """Whether a word of a passage (its `term`, `written` as in the text) is this word."""
        return _opens_with_number(written, self.text) if self.is_number else term.key == self.key(language)

    def index_keys(self, keys: np.ndarray) -> list[str]:
        """A number's keys in an index (`keys`, sorted): itself (cut as keys are) and longer
        written words it opens ("1966ж"), which the index keeps as keys of their own."""
        cut = self.key("kk")
        opening = keys[np.searchsorted(keys, cut) : np.searchsorted(keys, cut + "\uffff")]
        return [str(key) for key in opening if key == cut or _opens_with_number(str(key), self.text)]


@dataclass(frozen=True)
class Lookup:
    """The passages holding every word of `query`: `count` of them in all, the first of them
    in `hits` (score 1: the word certainly stands there; `terms` are where it stands)."""

    query: str
    words: tuple[str, ...]
    count: int
    hits: list[Hit]

    def to_json(self) -> dict[str, object]:
        return {"query": self.query, "count": self.count, "results": [hit.to_json() for hit in self.hits]}


def words_of(text: str) -> list[Word]:
    """The words a lookup of (cleaned) `text` looks for: its content words, each once
    (function words and single letters left out); raises `NothingToLookUp` when none is left."""
    written = (text[t.start : t.end].lower().replace("ё", "е") for t in terms(text))
    words = list(dict.fromkeys(written))
    if not words:
        raise NothingToLookUp(f"nothing to look up in {text!r}", query=text)
    return [Word(w) for w in words[:MAX_WORDS]]


def look_up(searchers: Sequence[Searcher], query: str, limit: int, doc: str | None = None) -> Lookup:
    """Every passage of `searchers` (or of document `doc` alone) holding every word of `query`,
    counted; the first `limit` of them as hits. Raises `QuestionError` for an empty query and
    `NothingToLookUp` for one of function words only."""
    text = clean_question(query)
    words = words_of(text)
    found = sorted(_holding(searchers, words, doc), key=lambda item: item[0])
    hits = [Hit(passage, 1.0, (), spans) for _, passage, spans in found[: max(0, limit)]]
    return Lookup(text, tuple(w.text for w in words), len(found), hits)


def _holding(
    searchers: Sequence[Searcher], words: Sequence[Word], doc: str | None
) -> Iterator[tuple[tuple[int, int, int], Passage, tuple[tuple[int, int], ...]]]:
    """(sort key, passage, where the words stand) for each passage holding every word."""
    for shelf, searcher in enumerate(searchers):
        passages = searcher.index.passages
        spelled = across_scripts(searcher, words)
        for row in _candidate_rows(searcher, spelled):
            passage = passages[int(row)]
            if doc and passage.doc != doc:
                continue
            spans = standing(passage.text, spelled)
            if spans is not None:
                yield (KIND_ORDER.get(passage.kind, 0), shelf, int(row)), passage, spans


def across_scripts(searcher: Searcher, words: Sequence[Word]) -> list[Word]:
    """`words` as `searcher`'s collection reads them: each Latin word it lacks with the key it
    meets across scripts (`Word.across`), read as a question's words are."""
    asked = read(" ".join(w.text for w in words), lexicon=searcher)
    met = {asked.written[position][1].replace("ё", "е"): searcher.key_at(column) for position, column in asked.spelled}
    return [replace(w, across=met.get(w.text, "")) for w in words]


def _candidate_rows(searcher: Searcher, words: Sequence[Word]) -> np.ndarray:
    """Rows whose words (section title included) hold every word's key in some language."""
    found = [searcher.rows_holding(keys) for keys in _key_sets(searcher, words)]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def _key_sets(searcher: Searcher, words: Sequence[Word]) -> list[list[str]]:
    """The key sets to ask the index for: the words keyed in each language, with each way of
    picking one index key per number."""
    numbers = _product([w.index_keys(searcher.lexical.postings.keys) for w in words if w.is_number])
    sets: list[tuple[str, ...]] = []
    for language in LANGUAGES:
        keys = [w.key(language) for w in words if not w.is_number]
        sets += [(*keys, *pick) for pick in numbers]
    return [list(keys) for keys in dict.fromkeys(sets) if keys]


def _product(options: list[list[str]]) -> list[list[str]]:
    """Every way to pick one key per number (a few: "1966", "1966ж")."""
    picks: list[list[str]] = [[]]
    for keys in options:
        picks = [[*pick, key] for pick in picks for key in keys]
    return picks


def _opens_with_number(written: str, number: str) -> bool:
    """ "1966" opens "1966" and "1966ж", not "19661"."""
    return written.startswith(number) and not written[len(number) : len(number) + 1].isdigit()


def standing(text: str, words: Sequence[Word]) -> tuple[tuple[int, int], ...] | None:
    """Where the words stand in `text` (any inflection; numbers exactly), or None when one
    of them does not."""
    language = dominant_language(text)
    spans: list[tuple[int, int]] = []
    seen = set()
    for term in terms(text, language):
        written = text[term.start : term.end].lower()
        matched = [w.text for w in words if w.stands_as(term, written, language)]
        if matched:
            spans.append((term.start, term.end))
            seen.update(matched)
    return tuple(spans) if len(seen) == len(words) else None
