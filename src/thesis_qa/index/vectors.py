"""Vector indexes: which FAISS index a set of vectors gets, and how to search it.

Every vector is L2-normalised, so inner product is cosine. The type follows the number of
vectors in the index (passages and sentences each get their own), as measured by
`bench/scale.py` (2-core CPU, k = 100 as the searcher asks, one thread per question):

- up to `EXACT_MAX` (20,000) vectors, a shelf of theses: exact `IndexFlatIP`. Its cost grows
  with the corpus: 0.2 ms at 10k vectors, 0.8 ms at 20k, 2.3 ms at 50k, 5 ms at 100k.
- above: `IndexHNSWFlat` (`HNSW_M` links a node on upper levels, twice that on the bottom
  one; fp32 vectors kept, so scores and reconstructed vectors stay exact), searched with
  efSearch `HNSW_EF_SEARCH` (passed with each search, so an index built before a change gets it):
  under 1 ms at 100k vectors, about 10 ms for both indexes of 1M passages (3.6M vectors).
  Building it costs far less than embedding the texts it holds.
  M 16 rather than 32, efSearch 1024 rather than 512: opening an index reads its whole graph
  (FAISS checks every neighbour id), so M sets the cold open at 1M (the graphs were 1.1 GB at
  M 32: 11 s from this disk; 5.7-9.1 s at M 16). On the same 1M synthetic corpus and 728 dev
  questions (`bench/corpus_scale.py`), recall@10 against exact search of passages / sentences:
  M 32 efSearch 512 0.937 / 0.963; M 16 efSearch 512 0.921 / 0.935; M 16 efSearch 1024
  0.952 / 0.964.

`nearest` restricted to a document (a range of ids) searches a small range exactly (a graph
walk that may only keep a few ids finds too few of them); a large range goes through the graph
with `IDSelectorRange` and a wider efSearch.

A stored index is a list of segments, each with its own FAISS indexes (`SegmentedVectors`
searches them as one id space, merging by score). Saved indexes are memory-mapped
(`read_vectors`): opening reads nothing, and processes serving one index share its pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

Kind = Literal["flat", "hnsw"]

EXACT_MAX = 20_000  # vectors; more get an HNSW graph
HNSW_M = 16  # FAISS's M; pgvector's `m` means the same (thesis_qa.storage.postgres)
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 1024
MAX_EF_SEARCH = 4096  # for a selector that keeps a small share of the graph
EXACT_RANGE_MAX = 20_000  # a restricted search over at most this many ids is done exactly


def index_kind(count: int) -> Kind:
    """The index type `vector_index` gives `count` vectors."""
    return "flat" if count <= EXACT_MAX else "hnsw"


def vector_index(vectors: np.ndarray, dimension: int, kind: Kind | None = None) -> faiss.Index:
    """An index over `vectors` (rows in order: row i gets id i); `kind` defaults to the
    type chosen by size (`index_kind`)."""
    kind = kind or index_kind(len(vectors))
    if kind == "flat":
        index: faiss.Index = faiss.IndexFlatIP(dimension)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index kind {kind!r}")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def index_type(index: faiss.Index) -> str:
    """A short name for the manifest: "flat", or a FAISS factory-like description."""
    if isinstance(index, faiss.IndexFlat):
        return "flat"
    if isinstance(index, faiss.IndexHNSW):
        storage = faiss.downcast_index(index.storage)
        storage_name = "Flat" if isinstance(storage, faiss.IndexFlat) else type(storage).__name__
        # faiss's stubs lack parts of its SWIG module (HNSW.nb_neighbors, SearchParametersHNSW)
        return f"HNSW{index.hnsw.nb_neighbors(0) // 2},{storage_name}"  # type: ignore[attr-defined]
    return type(index).__name__


def all_vectors(index: faiss.Index | SegmentedVectors) -> np.ndarray:
    """Every stored vector, in id order (used to reuse vectors across rebuilds)."""
    return index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)


def read_vectors(path: Path) -> faiss.Index:
    """A saved index, memory-mapped (read-only: FAISS aborts on an `add` to it)."""
    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)


class SegmentedVectors:
    """The FAISS indexes of an index's segments as one id space, in order: part i holds ids
    `bases[i]` to `bases[i + 1]`. One part is searched as itself; several each within the
    requested rows, their best merged by score."""

    def __init__(self, parts: Sequence[faiss.Index], dimension: int) -> None:
        self.parts = list(parts)
        self.d = dimension
        self.bases = np.cumsum([0, *(part.ntotal for part in self.parts)], dtype=np.int64)
        self.ntotal = int(self.bases[-1])

    def nearest(self, vector: np.ndarray, k: int, rows: range) -> np.ndarray:
        if len(self.parts) == 1:
            return nearest(self.parts[0], vector, k, rows)
        scores, ids = [], []
        for part, base, stop in zip(self.parts, self.bases.tolist(), self.bases[1:].tolist(), strict=False):
            local = range(max(rows.start, base) - base, min(rows.stop, stop) - base)
            if len(local) > 0:
                found = nearest(part, vector, k, local)
                scores.append(part.reconstruct_batch(found) @ vector)
                ids.append(found + base)
        if not ids:
            return np.zeros(0, dtype=np.int64)
        merged, joined = np.concatenate(scores), np.concatenate(ids)
        return joined[np.argsort(-merged, kind="stable")[:k]]

    def similarities(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        return self.reconstruct_batch(rows) @ vector

    def reconstruct_batch(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if len(self.parts) == 1:
            return self.parts[0].reconstruct_batch(rows)
        owner = np.searchsorted(self.bases, rows, side="right") - 1
        out = np.empty((len(rows), self.d), dtype=np.float32)
        for part in np.unique(owner).tolist():
            mine = owner == part
            out[mine] = self.parts[part].reconstruct_batch(rows[mine] - self.bases[part])
        return out

    def reconstruct_n(self, start: int, n: int) -> np.ndarray:
        return self.reconstruct_batch(np.arange(start, start + n))


def nearest(index: faiss.Index | SegmentedVectors, vector: np.ndarray, k: int, rows: range) -> np.ndarray:
    """Ids of the `k` vectors nearest to `vector` among ids in `rows`, best first. An index
    that is not FAISS's searches itself (segments': `SegmentedVectors`; a database's:
    thesis_qa.storage.postgres)."""
    k = min(k, len(rows))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if not isinstance(index, faiss.Index):
        return index.nearest(vector, k, rows)
    query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
    whole = rows.start == 0 and rows.stop == index.ntotal
    selector = None if whole else faiss.IDSelectorRange(rows.start, rows.stop)
    with _one_thread():
        if isinstance(index, faiss.IndexHNSW):
            if not whole and len(rows) <= EXACT_RANGE_MAX:
                return _exact_in_range(index, query, k, rows)
            # A selector keeping a share s of the graph needs a walk about 1/s times wider.
            ef = min(MAX_EF_SEARCH, round(HNSW_EF_SEARCH * index.ntotal / len(rows)))
            params: faiss.SearchParameters | None = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                sel=selector, efSearch=max(ef, k)
            )
        else:
            params = None if selector is None else faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        _, ids = index.search(query, k, params=params)
    return ids[0][ids[0] >= 0]


def similarities(index: faiss.Index | SegmentedVectors, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Cosines of `vector` with the stored vectors of `rows`, in that order (a database's
    index computes them where the vectors are)."""
    if not isinstance(index, faiss.Index):
        return index.similarities(rows, vector)
    return index.reconstruct_batch(rows) @ vector


def _exact_in_range(index: faiss.Index, query: np.ndarray, k: int, rows: range) -> np.ndarray:
    """Exact search over a range of ids, from the stored vectors."""
    block = index.reconstruct_n(rows.start, len(rows))
    _, ids = faiss.knn(query, block, k, metric=faiss.METRIC_INNER_PRODUCT)
    return rows.start + ids[0][ids[0] >= 0]


@contextmanager
def _one_thread() -> Iterator[None]:
    """Search one question on one thread (FAISS's setting is per calling thread).

    A server answers several questions at once, so splitting one search over the cores gains
    nothing; and on a busy 2-core machine waking a second thread costs a scheduler slice
    (exact search over 50k vectors: 3 ms on one thread, 16 ms on two, bench/scale.py)."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)
