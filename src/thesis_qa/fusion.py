"""Combine the dense and the lexical channel into one ranking.

Each channel is min-max normalised over the candidates (the union of both channels' best),
then mixed with a weight on the dense side. The weights were chosen on the dev sets
(README, "Fusion"): plain reciprocal-rank fusion lost to the better channel on the thesis and
on flores_ru2kk, normalised weighted fusion beat both channels on every set.

- Same language as the document: 0.6 dense. Lexical matching is strong (kazqad: BM25 over
  stems 0.79 vs dense 0.66) and dense carries paraphrase.
- Question in another language than the document: 0.8 dense. Only names, numbers and loan
  words match lexically; BM25 there is mostly noise (flores_ru2kk 0.86 at 0.6, 0.98 at 0.8).
- One or two words (a quick lookup of a name, a year, a term): 0.3 dense. e5 has
  little to go on; the passage where the word stands must come first.
- Table-of-contents entries are navigation, not answers: their fused score is scaled by 0.85,
  enough to let a body passage win a close call without hiding the ToC from "what is the
  title of section 1.2?".
"""

from __future__ import annotations

import numpy as np

DENSE_WEIGHT_SAME_LANGUAGE = 0.6
DENSE_WEIGHT_CROSS_LANGUAGE = 0.8
DENSE_WEIGHT_LOOKUP = 0.3
LOOKUP_MAX_WORDS = 2
TOC_FACTOR = 0.85


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant channel (no signal) becomes all zeros."""
    if scores.size == 0:
        return scores.astype(np.float32)
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-9:
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - low) / (high - low)).astype(np.float32)


def dense_weight(query_language: str, document_language: str, words: int) -> float:
    """The dense share for a question of `words` words against a document."""
    if words <= LOOKUP_MAX_WORDS:
        return DENSE_WEIGHT_LOOKUP
    if query_language != document_language:
        return DENSE_WEIGHT_CROSS_LANGUAGE
    return DENSE_WEIGHT_SAME_LANGUAGE


def fuse(dense: np.ndarray, lexical: np.ndarray, weights: np.ndarray, is_toc: np.ndarray) -> np.ndarray:
    """Fused scores of candidates; all arrays are aligned per candidate."""
    fused = weights * minmax(dense) + (1 - weights) * minmax(lexical)
    return np.where(is_toc, fused * TOC_FACTOR, fused)
