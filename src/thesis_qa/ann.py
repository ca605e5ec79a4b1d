"""Vector indexes: which FAISS index a set of vectors gets, and how to search it.

Every vector is L2-normalised, so inner product is cosine. Small corpora (a thesis, a shelf of
theses) get an exact `IndexFlatIP`.
"""

from __future__ import annotations

import faiss
import numpy as np


def vector_index(vectors: np.ndarray, dimension: int) -> faiss.Index:
    """An index over `vectors` (rows in order: row i gets id i)."""
    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def index_type(index: faiss.Index) -> str:
    """A short name for the manifest: "flat", or the FAISS factory-like description."""
    return "flat" if isinstance(index, faiss.IndexFlat) else type(index).__name__


def all_vectors(index: faiss.Index) -> np.ndarray:
    """Every stored vector, in id order (used to reuse vectors across rebuilds)."""
    return index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)


def nearest(index: faiss.Index, vector: np.ndarray, k: int, rows: range) -> np.ndarray:
    """Ids of the `k` vectors nearest to `vector` among ids in `rows`."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    params = None
    if len(rows) != index.ntotal:
        params = faiss.SearchParameters(sel=faiss.IDSelectorRange(rows.start, rows.stop))
    _, ids = index.search(vector[None, :].astype(np.float32), min(k, len(rows)), params=params)
    return ids[0][ids[0] >= 0]
