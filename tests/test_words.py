"""The library's word vectors (`WordVectors`): append-only, shared by processes, and whole
after a writer is killed halfway."""

from __future__ import annotations

import multiprocessing
import zlib

import numpy as np

from thesis_qa.embedding.words import WordVectors

DIMENSION = 8


def vector_of(words: list[str]) -> np.ndarray:
    """A word's vector made from its letters: the same word always gets the same vector."""
    return np.array([[zlib.crc32(f"{w}{i}".encode()) % 97 for i in range(DIMENSION)] for w in words], np.float32)


def test_only_words_not_yet_stored_are_embedded(tmp_path):
    asked: list[list[str]] = []

    def embed(words):
        asked.append(words)
        return vector_of(words)

    store = WordVectors(tmp_path, DIMENSION)
    np.testing.assert_array_equal(
        store.vectors(["саяси", "қоғам", "саяси"], embed), vector_of(["саяси", "қоғам", "саяси"])
    )
    np.testing.assert_array_equal(store.vectors(["қоғам", "демократия"], embed), vector_of(["қоғам", "демократия"]))
    assert asked == [["саяси", "қоғам"], ["демократия"]]
    assert len(WordVectors(tmp_path, DIMENSION)) == 3, "another process opening the folder sees them"


def _writer(folder, words):
    WordVectors(folder, DIMENSION).vectors(words, vector_of)


def test_two_processes_writing_at_once_keep_every_word_with_its_vector(tmp_path):
    first = [f"сөз{i}" for i in range(0, 3000)]
    second = [f"сөз{i}" for i in range(2000, 5000)]
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(tmp_path, words)) for words in (first, second)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    words = [f"сөз{i}" for i in range(5000)]
    store = WordVectors(tmp_path, DIMENSION)
    assert len(store) == 5000
    np.testing.assert_array_equal(store.vectors(words, lambda missing: []), vector_of(words))


def test_a_writer_killed_between_vectors_and_words_leaves_a_store_the_next_one_mends(tmp_path):
    store = WordVectors(tmp_path, DIMENSION)
    store.vectors(["саяси"], vector_of)
    with (tmp_path / "vectors.f32").open("ab") as handle:  # killed: vectors written, words not
        handle.write(vector_of(["қоғам", "ел"]).tobytes())
    with (tmp_path / "words.txt").open("ab") as handle:  # or halfway through a line
        handle.write("қоғ".encode())
    assert len(store) == 1
    np.testing.assert_array_equal(store.vectors(["ел", "саяси"], vector_of), vector_of(["ел", "саяси"]))
    assert (tmp_path / "words.txt").read_text(encoding="utf-8") == "саяси\nел\n"
    assert (tmp_path / "vectors.f32").stat().st_size == 2 * 4 * DIMENSION
