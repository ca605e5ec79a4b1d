"""Vector indexes with real FAISS on small synthetic vectors: every index type finds the exact
neighbours on an easy case, keeps to an id range, survives a save and load, and the size
thresholds pick the type the module documents."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from thesis_qa.index import vectors as ann

DIM = 16


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return unit(np.random.default_rng(7).standard_normal((2000, DIM)))


@pytest.fixture(scope="module")
def indexes(vectors: np.ndarray) -> dict[str, faiss.Index]:
    """One index of each type over the same vectors (built once: an HNSW build takes a while)."""
    return {kind: ann.vector_index(vectors, DIM, kind) for kind in ("flat", "hnsw")}


def exact(vectors: np.ndarray, query: np.ndarray, k: int, rows: range) -> list[int]:
    scores = vectors[rows.start : rows.stop] @ query
    return [rows.start + int(i) for i in np.argsort(-scores, kind="stable")[:k]]


def test_the_size_thresholds_pick_the_documented_type():
    assert ann.index_kind(0) == "flat"
    assert ann.index_kind(ann.EXACT_MAX) == "flat"
    assert ann.index_kind(ann.EXACT_MAX + 1) == "hnsw"
    assert ann.index_kind(10_000_000) == "hnsw"


def test_vector_index_chooses_by_size(monkeypatch, vectors):
    few = vectors[:300]
    assert ann.index_type(ann.vector_index(few, DIM)) == "flat"
    monkeypatch.setattr(ann, "EXACT_MAX", len(few) - 1)
    index = ann.vector_index(few, DIM)
    assert isinstance(index, faiss.IndexHNSWFlat)
    assert ann.index_type(index) == f"HNSW{ann.HNSW_M},Flat"
    assert index.ntotal == len(few)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_each_type_finds_the_exact_neighbours(kind, vectors, indexes):
    index = indexes[kind]
    rng = np.random.default_rng(1)
    for row in rng.choice(len(vectors), 20, replace=False):
        # An easy case: the query is a stored vector, barely moved.
        query = unit(vectors[row][None, :] + 0.01 * rng.standard_normal((1, DIM)))[0]
        found = ann.nearest(index, query, 5, range(len(vectors)))
        assert found[0] == row
        assert list(found) == exact(vectors, query, 5, range(len(vectors)))


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
@pytest.mark.parametrize("rows", [range(100, 180), range(0, 1900), range(1990, 2000), range(500, 500)])
def test_each_type_keeps_to_the_id_range(kind, rows, vectors, indexes, monkeypatch):
    # A range above EXACT_RANGE_MAX goes through the graph with a selector; below, exactly.
    monkeypatch.setattr(ann, "EXACT_RANGE_MAX", 100)
    index = indexes[kind]
    query = unit(0.6 * vectors[1500][None, :] + 0.4 * vectors[150][None, :])[0]
    found = ann.nearest(index, query, 10, rows)
    assert all(rows.start <= i < rows.stop for i in found)
    assert len(found) == min(10, len(rows))
    assert list(found[:3]) == exact(vectors, query, 3, rows)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_each_type_is_saved_and_reused(kind, vectors, indexes, tmp_path):
    path = str(tmp_path / "vectors.faiss")
    faiss.write_index(indexes[kind], path)
    index = faiss.read_index(path)
    assert ann.index_type(index) == ("flat" if kind == "flat" else f"HNSW{ann.HNSW_M},Flat")
    np.testing.assert_array_equal(ann.all_vectors(index), vectors)
    np.testing.assert_array_equal(index.reconstruct_batch(np.array([5, 1999])), vectors[[5, 1999]])
    assert ann.nearest(index, vectors[42], 1, range(len(vectors)))[0] == 42


def test_an_empty_index():
    index = ann.vector_index(np.zeros((0, DIM), np.float32), DIM)
    assert ann.all_vectors(index).shape == (0, DIM)
    assert len(ann.nearest(index, np.ones(DIM, np.float32), 5, range(0))) == 0
