"""Vectors of vocabulary words, embedded once per library instead of once per index.

Every index keeps a vector for each of its lexical keys' most frequent written form
(`index.vocabulary`); a thesis has tens of thousands of them, and most recur in every other
thesis of the same language. `WordVectors` keeps each word's vector in a folder of the cache
shared by every index built with the same model and query engine, so an upload embeds only
the words no earlier index held.

The folder holds `words.txt` (one word a line) and `vectors.f32` (one float32 row a word, in
the same order), both only ever appended to. Writers append under an exclusive file lock,
vectors first, then the words, so a reader (which takes no lock) trusts a word only once its
line is complete, and every complete line has its row. A writer killed between the two
leaves rows without words, which the next writer cuts off before it appends.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

Embed = Callable[[list[str]], np.ndarray]
_WORDS, _VECTORS, _LOCK = "words.txt", "vectors.f32", ".lock"


class WordVectors:
    """The word vectors of one model and query engine, in `folder` (made on first write)."""

    def __init__(self, folder: Path, dimension: int) -> None:
        self.folder = folder
        self.dimension = dimension

    @classmethod
    def under(cls, cache_dir: Path, fingerprint: str, engine: str, dimension: int) -> WordVectors:
        """The store in `cache_dir` for vectors of `fingerprint`'s model made by `engine`."""
        digest = hashlib.sha256(f"{fingerprint}\n{engine}".encode()).hexdigest()[:16]
        return cls(cache_dir / "words" / digest, dimension)

    def vectors(self, words: Sequence[str], embed: Embed) -> np.ndarray:
        """The vector of each of `words` (rows in their order): those stored are read, the rest
        embedded by `embed` (one call) and stored."""
        rows = np.zeros((len(words), self.dimension), dtype=np.float32)
        stored, known = self._read()
        missing = [word for word in dict.fromkeys(words) if word not in known]
        fresh = dict(zip(missing, np.asarray(embed(missing), dtype=np.float32), strict=True)) if missing else {}
        if fresh:
            self._append(fresh)
        for row, word in enumerate(words):
            rows[row] = fresh[word] if word in fresh else stored[known[word]]
        return rows

    def __len__(self) -> int:
        return len(self._read()[1])

    def _read(self) -> tuple[np.ndarray, dict[str, int]]:
        """The stored rows (memory-mapped) and each complete word's row."""
        try:
            data = (self.folder / _WORDS).read_bytes()
            lines = data[: data.rfind(b"\n") + 1].decode("utf-8").split("\n")[:-1]  # complete lines
            size = (self.folder / _VECTORS).stat().st_size
        except FileNotFoundError:
            return np.zeros((0, self.dimension), dtype=np.float32), {}
        count = min(len(lines), size // (4 * self.dimension))
        if not count:
            return np.zeros((0, self.dimension), dtype=np.float32), {}
        stored = np.memmap(self.folder / _VECTORS, dtype=np.float32, mode="r", shape=(count, self.dimension))
        return stored, {word: row for row, word in enumerate(lines[:count])}

    def _append(self, fresh: dict[str, np.ndarray]) -> None:
        """Add the words no other writer added meanwhile (words with a line break are not kept)."""
        with self._locked():
            words_path, vectors_path = self.folder / _WORDS, self.folder / _VECTORS
            words_path.touch()
            vectors_path.touch()
            data = words_path.read_bytes()
            complete = data[: data.rfind(b"\n") + 1]
            lines = complete.decode("utf-8").split("\n")[:-1]
            os.truncate(words_path, len(complete))  # what a killed writer left half done
            os.truncate(vectors_path, len(lines) * 4 * self.dimension)
            held = set(lines)
            new = [word for word in fresh if word not in held and "\n" not in word and "\r" not in word]
            if not new:
                return
            with vectors_path.open("ab") as handle:
                handle.write(np.stack([fresh[word] for word in new]).astype(np.float32).tobytes())
            with words_path.open("ab") as handle:
                handle.write("".join(f"{word}\n" for word in new).encode("utf-8"))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / _LOCK).open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
