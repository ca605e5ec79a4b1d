"""BM25 over stored postings: which rows hold each key and how often, memory-mapped.

Keys come from `thesis_qa.text.keys`; this module only stores and scores them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

K1 = 1.2
B = 0.75


class Postings:
    """A lexical index as sorted arrays: the keys (sorted), for key i the rows holding it and
    how often (`rows[starts[i]:starts[i + 1]]`, `counts[...]`, rows ascending), and the length
    in keys of every row. Written with an index as .npy files and opened memory-mapped, so
    opening an index builds nothing and processes share the pages."""

    FILES = ("keys", "starts", "rows", "counts", "lengths")

    def __init__(
        self, keys: np.ndarray, starts: np.ndarray, rows: np.ndarray, counts: np.ndarray, lengths: np.ndarray
    ) -> None:
        self.keys, self.starts, self.rows, self.counts, self.lengths = keys, starts, rows, counts, lengths

    def __len__(self) -> int:
        """Rows (passages) covered."""
        return len(self.lengths)

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> Postings:
        """Postings of key lists, one list a row (vectorised: 100k passages in seconds)."""
        lengths = np.fromiter(map(len, documents), dtype=np.int32, count=len(documents))
        flat = [key for keys in documents for key in keys]
        if not flat:
            none = np.array([], "<U1"), np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint16)
            return cls(*none, lengths)
        keys, key_ids = np.unique(np.array(flat), return_inverse=True)
        rows = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        # One code a (key, row) pair, ordered by key then row: the unique codes are the postings.
        codes, counts = np.unique(key_ids.astype(np.int64) * len(documents) + rows, return_counts=True)
        per_key = np.bincount(codes // len(documents), minlength=len(keys))
        starts = np.concatenate([[0], np.cumsum(per_key)]).astype(np.int64)
        capped = np.minimum(counts, np.iinfo(np.uint16).max).astype(np.uint16)
        return cls(keys, starts, (codes % len(documents)).astype(np.int32), capped, lengths)

    def save(self, folder: Path) -> list[str]:
        """Write the .npy files into `folder`; their names."""
        names = []
        for name in self.FILES:
            names.append(f"lexical-{name}.npy")
            np.save(folder / names[-1], getattr(self, name), allow_pickle=False)
        return names

    @classmethod
    def load(cls, folder: Path) -> Postings:
        return cls(*(np.load(folder / f"lexical-{name}.npy", mmap_mode="r") for name in cls.FILES))

    def column(self, key: str) -> int | None:
        """The position of `key` among the keys, None when no row holds it."""
        return column_of(self.keys, key)

    def holders(self, column: int) -> np.ndarray:
        """The rows holding the key at `column`, ascending."""
        return self.rows[self.starts[column] : self.starts[column + 1]]

    def entries(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        """The rows holding the key at `column` (ascending) and how often each holds it."""
        start, stop = self.starts[column], self.starts[column + 1]
        return self.rows[start:stop], self.counts[start:stop]

    def holds(self, column: int, rows: np.ndarray) -> np.ndarray:
        """Whether each of `rows` holds the key at `column` (`holding`)."""
        return holding(rows, self.holders(column))

    def counts_at(self, column: int, rows: np.ndarray) -> np.ndarray:
        """How often each of `rows` holds the key at `column` (0: not at all)."""
        held, count = self.entries(column)
        out = np.zeros(len(rows), dtype=np.float32)
        if len(held):
            at, present = _find(rows, held)
            out[present] = count[at[present]]
        return out

    def frequencies(self) -> np.ndarray:
        """How many rows hold each key."""
        return np.diff(self.starts)


class SegmentedPostings:
    """The postings of an index's segments (`Postings` each, rows numbered within their
    segment) read as one `Postings` over all rows: keys are the union of the segments' keys,
    sorted, and a key's rows come segment after segment, so each stays ascending. A segment's
    postings never change when another is added: that is what lets an index grow by appending."""

    def __init__(self, parts: Sequence[Postings]) -> None:
        self.parts = list(parts)
        self.bases = np.cumsum([0, *map(len, self.parts)], dtype=np.int64)
        if len(self.parts) == 1:
            self.keys = self.parts[0].keys
        else:
            self.keys = np.unique(np.concatenate([part.keys for part in self.parts])) if self.parts else _NO_KEYS
        self.lengths = np.concatenate([np.asarray(part.lengths) for part in self.parts]) if self.parts else _NO_ROWS

    def __len__(self) -> int:
        return int(self.bases[-1])

    def column(self, key: str) -> int | None:
        return column_of(self.keys, key)

    def holders(self, column: int) -> np.ndarray:
        return self.entries(column)[0]

    def entries(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.parts) == 1:
            return self.parts[0].entries(column)
        key = str(self.keys[column])
        rows, counts = [], []
        for part, base in zip(self.parts, self.bases.tolist(), strict=False):
            own = part.column(key)
            if own is not None:
                held, count = part.entries(own)
                rows.append(held.astype(np.int64) + base)
                counts.append(count)
        return np.concatenate(rows), np.concatenate(counts)

    def holds(self, column: int, rows: np.ndarray) -> np.ndarray:
        """Whether each of `rows` holds the key at `column`."""
        if len(self.parts) == 1:
            return self.parts[0].holds(column, rows)
        return self.counts_at(column, rows) > 0

    def counts_at(self, column: int, rows: np.ndarray) -> np.ndarray:
        """How often each of `rows` holds the key at `column`, asked of the segment holding the
        row (no segment's postings are copied)."""
        if len(self.parts) == 1:
            return self.parts[0].counts_at(column, rows)
        key, rows = str(self.keys[column]), np.asarray(rows)
        counts = np.zeros(len(rows), dtype=np.float32)
        for part, base, stop in zip(self.parts, self.bases.tolist(), self.bases[1:].tolist(), strict=False):
            own, mine = part.column(key), (rows >= base) & (rows < stop)
            if own is not None and mine.any():
                counts[mine] = part.counts_at(own, rows[mine] - base)
        return counts

    def merged(self) -> Postings:
        """One `Postings` over all rows (for a store that keeps one, e.g. when copying an index)."""
        if len(self.parts) == 1:
            return self.parts[0]
        starts = np.concatenate([[0], np.cumsum(self.frequencies())]).astype(np.int64)
        rows, counts = np.empty(starts[-1], np.int32), np.empty(starts[-1], np.uint16)
        filled = starts[:-1].copy()  # where each key's next entry goes
        for part, base in zip(self.parts, self.bases.tolist(), strict=False):
            columns, sizes = np.searchsorted(self.keys, part.keys), part.frequencies()
            within = np.arange(len(part.rows)) - np.repeat(part.starts[:-1], sizes)
            target = np.repeat(filled[columns], sizes) + within
            rows[target], counts[target] = np.asarray(part.rows) + base, part.counts
            filled[columns] += sizes
        return Postings(self.keys, starts, rows, counts, self.lengths)

    def frequencies(self) -> np.ndarray:
        if len(self.parts) == 1:
            return self.parts[0].frequencies()
        df = np.zeros(len(self.keys), dtype=np.int64)
        for part in self.parts:
            df[np.searchsorted(self.keys, part.keys)] += part.frequencies()
        return df


_NO_KEYS = np.array([], "<U1")
_NO_ROWS = np.zeros(0, np.int32)


class BM25:
    """Okapi BM25 over term keys (`Postings`). A query costs the postings of its keys: their
    weights are computed at query time from the counts."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = K1, b: float = B) -> None:
        """BM25 over key lists, one list a row (held in memory)."""
        self._setup(Postings.build(documents), k1, b)

    @classmethod
    def over(cls, postings: Postings | SegmentedPostings, k1: float = K1, b: float = B) -> BM25:
        """BM25 over stored postings (an index's segments' as one)."""
        bm25 = cls.__new__(cls)
        bm25._setup(postings, k1, b)
        return bm25

    def _setup(self, postings: Postings | SegmentedPostings, k1: float, b: float) -> None:
        self.postings = postings
        self.k1, self.b = k1, b
        self.rows = len(postings)
        self.mean_length = max(float(np.asarray(postings.lengths, dtype=np.float32).mean()) if self.rows else 1.0, 1e-9)

    @functools.cached_property
    def _frequencies(self) -> np.ndarray:
        """How many rows hold each key (summed over the segments once)."""
        return np.asarray(self.postings.frequencies())

    def idf(self) -> np.ndarray:
        """Okapi idf of every key, in the postings' key order."""
        df = self._frequencies.astype(np.float32)
        return np.log(1 + (self.rows - df + 0.5) / (df + 0.5)).astype(np.float32)

    def scores(self, keys: Iterable[str]) -> np.ndarray:
        """BM25 score of every row for a query (each distinct key counted once)."""
        postings = self.postings
        columns = sorted({c for c in map(postings.column, set(keys)) if c is not None})
        if not columns:
            return np.zeros(self.rows, dtype=np.float32)
        df = self._frequencies[columns].astype(np.float32)
        idf = np.log(1 + (self.rows - df + 0.5) / (df + 0.5))
        rows, weights = [], []
        for weight, column in zip(idf, columns, strict=True):
            held, count = postings.entries(column)
            tf = count.astype(np.float32)
            norm = self.k1 * (1 - self.b + self.b * postings.lengths[held].astype(np.float32) / self.mean_length)
            weights.append(weight * tf * (self.k1 + 1) / (tf + norm))
            rows.append(held)
        return np.bincount(np.concatenate(rows), np.concatenate(weights), minlength=self.rows).astype(np.float32)

    def key_scores(self, column: int, rows: np.ndarray) -> np.ndarray:
        """The BM25 score of one key (its `column`) in each of `rows` (0 where it is absent)."""
        tf = self.postings.counts_at(column, rows)
        df = float(self._frequencies[column])
        idf = np.log(1 + (self.rows - df + 0.5) / (df + 0.5))
        length = self.postings.lengths[np.asarray(rows)].astype(np.float32)
        norm = self.k1 * (1 - self.b + self.b * length / self.mean_length)
        return (idf * tf * (self.k1 + 1) / (tf + norm)).astype(np.float32)


def column_of(keys: np.ndarray, key: str) -> int | None:
    """The position of `key` in the sorted `keys`, None when it is not there."""
    at = int(np.searchsorted(keys, key))
    return at if at < len(keys) and keys[at] == key else None


def holding(rows: np.ndarray, holders: np.ndarray) -> np.ndarray:
    """Whether each of `rows` is among `holders` (ascending, as `Postings.holders` gives them):
    a binary search per row, so a question's few hundred candidates cost the same against a
    key held by ten rows or by half a million (`np.isin` sorts the holders every time)."""
    if not len(holders):
        return np.zeros(len(rows), dtype=bool)
    return _find(rows, holders)[1]


def _find(rows: np.ndarray, holders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `rows`, its position among the (non-empty, ascending) `holders` and whether
    it is there."""
    wanted = np.asarray(rows).astype(holders.dtype, copy=False)  # a cast of the holders would copy them
    at = np.minimum(np.searchsorted(holders, wanted), len(holders) - 1)
    return at, np.asarray(holders[at] == wanted)


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` highest positive scores, in no particular order: a partial
    selection (`np.argpartition`), linear in the rows, never a sort of them."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) <= k:
        return positive
    return positive[np.argpartition(-scores[positive], k - 1)[:k]]
