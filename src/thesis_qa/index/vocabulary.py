"""A bridge between languages for the lexical channel: every key of the collection's lexical
index has a vector (e5, of its most frequent written form), and each word of a question finds
the keys nearest to it.

Stems only meet within a language: a Russian question's "учёные" never matches the Kazakh
"ғалымдар", nor "общества" "қоғам". The multilingual model knows these are the same words
(cosine 0.92 for both; "perемены" -> "өзгеріс" 0.93, "government" -> "үкімет" 0.94), and
a typo ("Рейснер" in a question, "Рейспер" in the thesis: 0.95). So each question word has
a vector of its own (embedded alone, or its key's here when the collection holds the key:
`Searcher._vectors`), and a passage holding one of its nearest keys counts as holding the word,
weighted by how near it is (`features`: soft coverage). Measured on the thesis dev
questions, cross-validated R@1 for Russian questions 0.50 -> 0.72 (README, "Quality").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from thesis_qa.document import Passage
from thesis_qa.embedding.embedder import QueryEncoder
from thesis_qa.index.postings import Postings
from thesis_qa.text.keys import passage_keys, terms
from thesis_qa.text.language import Language

NEIGHBOURS = 3  # nearest keys kept for each question word


FormCounts = dict[str, Counter[str]]  # key -> its written forms and how often each occurs


@dataclass(frozen=True)
class Vocabulary:
    """Every lexical key of a collection in the lexical index's key order, with its most
    frequent written form and that form's L2-normalised vector (embedded as a question word).

    Made when an index is written and stored with it (`store`), so opening an index embeds
    nothing. `counts` holds each key's written forms with their counts, in order of first
    occurrence: what an addition needs to pick the forms a rebuild would (empty in
    vocabularies stored before it was kept, and in the database store's)."""

    keys: tuple[str, ...]
    forms: tuple[str, ...]
    vectors: np.ndarray
    counts: tuple[tuple[tuple[str, int], ...], ...] = ()

    def nearest(self, words: np.ndarray, limit: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
        """For each word vector, the columns of its `limit` nearest keys and their cosines
        (words x limit each, nearest first)."""
        if not len(words) or not len(self.vectors):
            shape = (len(words), 0)
            return np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.float32)
        similarity = words @ self.vectors.T
        limit = min(limit, similarity.shape[1])
        part = np.argpartition(-similarity, limit - 1, axis=1)[:, :limit]
        sims = np.take_along_axis(similarity, part, axis=1)
        order = np.argsort(-sims, axis=1)
        return np.take_along_axis(part, order, axis=1), np.take_along_axis(sims, order, axis=1).astype(np.float32)


def form_counts(passages: Sequence[Passage], languages: Sequence[Language]) -> FormCounts:
    """Every key of the passages' section titles and texts with its written forms (lowercase)
    and their counts, forms in order of first occurrence."""
    forms: FormCounts = defaultdict(Counter)
    for passage, language in zip(passages, languages, strict=True):
        text = f"{passage.section}\n{passage.text}"
        for term in terms(text, language):
            forms[term.key][text[term.start : term.end].lower()] += 1
    return forms


def extended_counts(vocabulary: Vocabulary, more: FormCounts) -> FormCounts:
    """The form counts of `vocabulary`'s collection with those of more passages after it: as
    `form_counts` of all of them would count (so the same forms win, ties included)."""
    merged: FormCounts = {
        key: Counter(dict(forms)) for key, forms in zip(vocabulary.keys, vocabulary.counts, strict=True)
    }
    for key, forms in more.items():
        merged.setdefault(key, Counter()).update(forms)
    return merged


def build_vocabulary(counts: FormCounts, embedder: QueryEncoder, previous: Vocabulary | None = None) -> Vocabulary:
    """The vocabulary of a collection's form `counts`, sorted by key, each key's most frequent
    form (the first seen among equals) embedded as a question word by `embedder`'s query
    engine; forms `previous` holds keep their vectors (the caller lends it only when it was
    made by the same model and engine)."""
    keys = sorted(counts)
    forms = [counts[key].most_common(1)[0][0] for key in keys]
    known = dict(zip(previous.forms, previous.vectors, strict=True)) if previous else {}
    new = [form for form in dict.fromkeys(forms) if form not in known]
    known.update(zip(new, np.asarray(embedder.embed_words(new), dtype=np.float32), strict=True))
    vectors = np.zeros((len(forms), embedder.dimension), dtype=np.float32)
    for row, form in enumerate(forms):
        vectors[row] = known[form]
    frequencies = tuple(tuple(counts[key].items()) for key in keys)
    return Vocabulary(tuple(keys), tuple(forms), vectors, frequencies)


def lexical_index(
    passages: Sequence[Passage],
    languages: Sequence[Language],
    embedder: QueryEncoder,
    previous: Vocabulary | None = None,
    before: Vocabulary | None = None,
) -> tuple[Postings, Vocabulary]:
    """The BM25 postings of `passages` (each with its language, rows numbered from 0) and the
    vocabulary of the collection they make, appended to the one `before` describes when
    given (`build_vocabulary` for `previous`)."""
    keys = [passage_keys(p.section, p.text, language) for p, language in zip(passages, languages, strict=True)]
    counts = form_counts(passages, languages)
    if before is not None:
        counts = extended_counts(before, counts)
    return Postings.build(keys), build_vocabulary(counts, embedder, previous)
