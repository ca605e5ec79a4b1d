"""What an index records to know when to rebuild (the reader of each source), and the word
vectors every index of a library shares. Mechanics, so the hashing `fake_embedder`."""

from __future__ import annotations

import numpy as np

from thesis_qa.embedding.embedder import Embedder
from thesis_qa.index.layout import current_version
from thesis_qa.ingest import plaintext, reader_version
from thesis_qa.service.indexing import build_index, ensure_index

ESSAY = "Саяси модернизация – күрделі процесс.\nОл қоғамды өзгертеді.\n\nДемократия біртіндеп дамиды."
NOTES = "Хантингтон саяси тәртіп туралы жазды.\n\nДемократия біртіндеп дамиды."


def test_each_source_records_the_version_of_its_reader(tmp_path, fake_embedder):
    essay = tmp_path / "essay.txt"
    essay.write_text(ESSAY, encoding="utf-8")
    index = ensure_index(tmp_path / "idx", fake_embedder, [essay])
    assert [s.reader for s in index.manifest.sources] == [plaintext.READER_VERSION]
    assert reader_version("thesis.PDF") != "" and reader_version("photo.png") == ""


def test_a_new_reader_rereads_its_files(tmp_path, fake_embedder, monkeypatch):
    essay = tmp_path / "essay.txt"
    essay.write_text(ESSAY, encoding="utf-8")
    ensure_index(tmp_path / "idx", fake_embedder, [essay])
    first = current_version(tmp_path / "idx")
    monkeypatch.setattr(plaintext, "READER_VERSION", plaintext.READER_VERSION + "-fixed")
    messages: list[str] = []
    index = ensure_index(tmp_path / "idx", fake_embedder, [essay], notify=messages.append)
    assert messages == ["index 'idx': source changed: essay.txt; rebuilding"]
    assert current_version(tmp_path / "idx") != first
    assert index.manifest.sources[0].reader == plaintext.READER_VERSION
    again: list[str] = []
    ensure_index(tmp_path / "idx", fake_embedder, [essay], notify=again.append)
    assert again == [], "read once by the new reader, the index is current"


def test_a_source_that_is_gone_keeps_its_text_whatever_the_reader(tmp_path, fake_embedder, monkeypatch):
    essay = tmp_path / "essay.txt"
    essay.write_text(ESSAY, encoding="utf-8")
    ensure_index(tmp_path / "idx", fake_embedder, [essay])
    essay.unlink()
    monkeypatch.setattr(plaintext, "READER_VERSION", plaintext.READER_VERSION + "-fixed")
    messages: list[str] = []
    index = ensure_index(tmp_path / "idx", fake_embedder, [essay], notify=messages.append)
    assert messages == [] and len(index.passages) == 2


class CountingEmbedder(Embedder):
    """The fake embedder with a word store in `words_dir`, counting the words it embeds."""

    def __init__(self, fake: Embedder, words_dir):
        super().__init__("hashing", fake.fingerprint, lambda: fake.model, dimension=fake.dimension,
                         prompts=("", ""), words_dir=words_dir)  # fmt: skip
        self.words: list[str] = []

    def embed_words(self, texts):
        self.words += list(texts)
        return super().embed_words(texts)


def test_a_library_embeds_each_vocabulary_word_once(tmp_path, fake_embedder):
    from thesis_qa import load_document

    (tmp_path / "essay.txt").write_text(ESSAY, encoding="utf-8")
    (tmp_path / "notes.txt").write_text(NOTES, encoding="utf-8")
    embedder = CountingEmbedder(fake_embedder, tmp_path / "cache")
    first = build_index(tmp_path / "a", [load_document(tmp_path / "essay.txt")], embedder)
    assert "демократия" in embedder.words
    embedder.words.clear()
    second = build_index(tmp_path / "b", [load_document(tmp_path / "notes.txt")], embedder)
    assert "хантингтон" in embedder.words and "демократия" not in embedder.words, "known words are read, not embedded"
    column = second.vocabulary.forms.index("демократия")
    np.testing.assert_allclose(
        second.vocabulary.vectors[column], first.vocabulary.vectors[first.vocabulary.forms.index("демократия")]
    )
    np.testing.assert_allclose(
        second.vocabulary.vectors, fake_embedder.embed_words(list(second.vocabulary.forms)), atol=1e-6
    )
