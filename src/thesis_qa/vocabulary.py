"""A bridge between languages for the lexical channel: every key of the collection's lexical
index has a vector (e5, of its most frequent written form), and each word of a question finds
the keys nearest to it.

Stems only meet within a language: a Russian question's "учёные" never matches the Kazakh
"ғалымдар", nor "общества" "қоғам". The multilingual model knows these are the same words
(cosine 0.92 for both; "perемены" -> "өзгеріс" 0.93, "government" -> "үкімет" 0.94), and
a typo ("Рейснер" in a question, "Рейспер" in the thesis: 0.95). So each question word is
embedded alone, and a passage holding one of its nearest keys counts as holding the word,
weighted by how near it is (`features`: soft coverage). Measured on the thesis dev
questions, cross-validated R@1 for Russian questions 0.50 -> 0.72 (README, "Quality").
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thesis_qa.document import Passage
from thesis_qa.embed import Embedder
from thesis_qa.language import Language
from thesis_qa.lexical import terms

NEIGHBOURS = 3  # nearest keys kept for each question word


@dataclass(frozen=True)
class Vocabulary:
    """One L2-normalised vector per lexical key, in the lexical index's column order."""

    vectors: np.ndarray

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


def written_forms(passages: Sequence[Passage], languages: Sequence[Language], keys: dict[str, int]) -> list[str]:
    """The most frequent written form (lowercase) of every key, in column order."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for passage, language in zip(passages, languages, strict=True):
        text = f"{passage.section}\n{passage.text}"
        for term in terms(text, language):
            forms[term.key][text[term.start : term.end].lower()] += 1
    out = [""] * len(keys)
    for key, column in keys.items():
        out[column] = forms[key].most_common(1)[0][0] if forms[key] else key
    return out


def build_vocabulary(forms: Sequence[str], embedder: Embedder, cache: Path | None = None) -> Vocabulary:
    """Embed each written form as a query would embed a word; `cache`, a folder where the
    vectors of a given list of forms and model are kept between runs."""
    if not forms:
        return Vocabulary(np.zeros((0, embedder.dimension), dtype=np.float32))
    digest = hashlib.sha256("\n".join([embedder.fingerprint, *forms]).encode()).hexdigest()[:16]
    path = cache / f"vocabulary-{digest}.npy" if cache else None
    if path and path.exists():
        return Vocabulary(np.load(path))
    vectors = np.asarray(embedder.embed_words(forms), dtype=np.float32)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return Vocabulary(vectors)
