"""The persisted index: reuse, rebuild, atomic swaps, damage detection.

The mechanics are tested with `fake_embedder` (the real interface, hashed words for
vectors); indexes of the bundled model (another model, the stored format-1 index) with the
real one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from thesis_qa.errors import StoreError
from thesis_qa.index.layout import VERSION_FILES, current_version, open_index, segment_folders, verify_index
from thesis_qa.ingest import load_document
from thesis_qa.ingest.structure import segment
from thesis_qa.retrieval.search import Searcher
from thesis_qa.service import indexing
from thesis_qa.service.indexing import add_documents, build_index, ensure_index

# An index of ESSAY and NOTES as the files store wrote them before segments (format 1).
FORMAT_1 = Path(__file__).parent / "data" / "format1" / "essays"
ESSAY = "Саяси модернизация – күрделі процесс.\nОл қоғамды өзгертеді.\n\nДемократия біртіндеп дамиды."
NOTES = "Хантингтон саяси тәртіп туралы жазды.\n\nАлмонд пен Пай функционалды тәсілді ұсынды."


@pytest.fixture
def essay(tmp_path):
    path = tmp_path / "essay.txt"
    path.write_text(ESSAY, encoding="utf-8")
    return path


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text(NOTES, encoding="utf-8")
    return path


def _record(log):
    """A progress callback that keeps (done, total) reports."""
    return lambda done, total: log.append((done, total))


def test_an_unchanged_index_is_reused(tmp_path, essay, fake_embedder):
    folder = tmp_path / "idx"
    ensure_index(folder, fake_embedder, [essay])
    first = current_version(folder)
    messages = []
    index = ensure_index(folder, fake_embedder, [essay], notify=messages.append)
    assert current_version(folder) == first and messages == []
    assert [p.doc for p in index.passages] == ["essay.txt", "essay.txt"]


def test_a_changed_source_is_rebuilt_and_unchanged_text_is_not_reembedded(tmp_path, essay, fake_embedder):
    folder = tmp_path / "idx"
    ensure_index(folder, fake_embedder, [essay])
    first = current_version(folder)
    essay.write_text(ESSAY + "\n\nЖаңа абзац қосылды.", encoding="utf-8")
    messages, progress = [], []
    index = ensure_index(folder, fake_embedder, [essay], notify=messages.append, progress=_record(progress))
    assert current_version(folder) != first and not first.exists()
    assert messages == ["index 'idx': source changed: essay.txt; rebuilding"]
    assert progress[0] == (4, 5), "only the new paragraph is embedded; 4 texts come from the previous version"
    assert index.passages[-1].text == "Жаңа абзац қосылды."


def test_another_model_triggers_a_rebuild(tmp_path, essay, embedder, minilm_path, cache_dir):
    from thesis_qa.embedding.embedder import load_embedder

    folder = tmp_path / "idx"
    ensure_index(folder, embedder, [essay])
    messages = []
    index = ensure_index(folder, load_embedder(str(minilm_path), cache_dir), [essay], notify=messages.append)
    assert "built with model 'e5-small'" in messages[0]
    assert index.manifest.model == str(minilm_path)


def test_one_index_holds_several_documents(tmp_path, essay, notes, fake_embedder):
    index = build_index(tmp_path / "idx", [load_document(essay), load_document(notes)], fake_embedder)
    assert {p.doc for p in index.passages} == {"essay.txt", "notes.txt"}
    assert [s.name for s in index.manifest.sources] == ["essay.txt", "notes.txt"]


def test_documents_with_the_same_name_are_told_apart(tmp_path, essay, fake_embedder):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(essay, other / "essay.txt")
    index = build_index(tmp_path / "idx", [load_document(essay), load_document(other / "essay.txt")], fake_embedder)
    assert sorted(index.documents) == ["essay (2).txt", "essay.txt"]


def _file_of(folder, name):
    """The live file `name` of the index at `folder`: its version's, or its first segment's."""
    return (current_version(folder) if name in {"manifest.json", *VERSION_FILES} else segment_folders(folder)[0]) / name


@pytest.mark.parametrize(
    "victim",
    [
        "passages.faiss",
        "sentences.faiss",
        "passages.npy",
        "texts.bin",
        "manifest.json",
        "lexical-rows.npy",
        "vocabulary.npy",
    ],
)
def test_a_damaged_index_is_detected_reported_and_rebuilt(tmp_path, essay, fake_embedder, victim):
    folder = tmp_path / "idx"
    ensure_index(folder, fake_embedder, [essay])
    target = _file_of(folder, victim)
    target.write_bytes(target.read_bytes()[: max(1, target.stat().st_size // 2)])
    with pytest.raises(StoreError, match="is damaged"):
        open_index(folder)
    messages = []
    index = ensure_index(folder, fake_embedder, [essay], notify=messages.append)
    assert len(messages) == 1 and "damaged" in messages[0] and messages[0].endswith("rebuilding")
    assert index.passages[0].text.startswith("Саяси модернизация")


def test_metadata_that_does_not_match_the_vectors_is_never_served(tmp_path, essay, notes, fake_embedder):
    build_index(tmp_path / "one", [load_document(essay)], fake_embedder)
    build_index(tmp_path / "two", [load_document(essay), load_document(notes)], fake_embedder)
    mixed = _file_of(tmp_path / "two", "passages.npy")
    shutil.copy(_file_of(tmp_path / "one", "passages.npy"), mixed)
    with pytest.raises(StoreError, match="damaged"):
        open_index(tmp_path / "two")


def test_a_build_that_died_midway_leaves_the_previous_index_live(tmp_path, essay, fake_embedder):
    folder = tmp_path / "idx"
    ensure_index(folder, fake_embedder, [essay])
    live = current_version(folder)
    crashed = folder / f".staging-{2**22 + 12345}-1"  # no such process: an abandoned build
    crashed.mkdir()
    (crashed / "passages.faiss").write_bytes(b"half written")
    assert open_index(folder).manifest.passages == 2
    build_index(folder, [load_document(essay)], fake_embedder)
    assert not crashed.exists() and current_version(folder) != live


@contextmanager
def read_only(folder):
    """Make `folder` unwritable, even for root (who ignores permission bits)."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        yield
        folder.chmod(0o700)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode:
        pytest.skip("chattr cannot make a folder immutable on this filesystem")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_index_folder_is_reported_clearly(tmp_path, essay, fake_embedder):
    folder = tmp_path / "idx"
    folder.mkdir()
    with read_only(folder), pytest.raises(StoreError, match="cannot write the index folder"):
        build_index(folder, [load_document(essay)], fake_embedder)


def test_a_read_only_index_still_answers(tmp_path, essay, fake_embedder):
    folder = tmp_path / "idx"
    ensure_index(folder, fake_embedder, [essay])
    with read_only(folder):
        assert ensure_index(folder, fake_embedder, [essay]).manifest.passages == 2


def test_an_index_carries_its_lexical_index_so_opening_it_builds_nothing(tmp_path, essay, notes, fake_embedder):
    index = ensure_index(tmp_path / "idx", fake_embedder, [essay, notes])
    searcher = Searcher(index, fake_embedder)
    assert searcher.vocabulary is index.vocabulary  # read, not embedded again
    assert searcher.lexical.postings is index.lexical  # the stored postings, memory-mapped
    assert index.vocabulary.keys == tuple(index.lexical.keys)  # one vector per BM25 key
    assert "хантингтон" in index.vocabulary.forms and index.manifest.vocabulary == fake_embedder.query_engine
    stored = index.vocabulary.vectors[index.vocabulary.forms.index("хантингтон")]
    assert float(stored @ fake_embedder.embed_words(["хантингтон"])[0]) == pytest.approx(1.0, abs=1e-5)


@pytest.fixture
def stored_schemes(monkeypatch):
    """The segmenter and lexical scheme the format-1 index was written with, as the current
    ones: these tests are about migrating its layout, which a later segmenter or lexical
    scheme would rebuild before they could."""
    manifest = json.loads(next(FORMAT_1.glob("v-*/manifest.json")).read_text(encoding="utf-8"))
    monkeypatch.setattr(indexing, "SEGMENTER_VERSION", manifest["segmenter"])
    monkeypatch.setattr(indexing, "LEXICAL_SCHEME", manifest["lexical"])


@pytest.mark.usefixtures("stored_schemes")
def test_an_index_written_before_its_lexical_index_was_stored_gains_one_keeping_its_vectors(tmp_path, embedder):
    folder = tmp_path / "essays"
    shutil.copytree(FORMAT_1, folder)
    built = open_index(folder)
    version = current_version(folder)
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    for name in [n for n in manifest["files"] if n.startswith(("lexical-", "vocabulary."))]:
        (version / name).unlink()  # as indexes were written before the lexical index was stored
        del manifest["files"][name]
    del manifest["lexical"], manifest["vocabulary"]
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "CURRENT").write_text(version.name + "\n", encoding="utf-8")  # no manifest digest yet either
    old = open_index(folder)
    assert old.lexical is None and old.vocabulary is None
    assert Searcher(old, embedder).vocabulary.forms == built.vocabulary.forms  # still answers, built at open
    messages, progress = [], []
    index = ensure_index(folder, embedder, notify=messages.append, progress=_record(progress))
    assert messages == ["index 'essays': no lexical index stored; rebuilding"]
    assert progress[0][0] == progress[0][1], "every passage and sentence vector comes from the previous version"
    assert index.vocabulary.forms == built.vocabulary.forms
    assert abs(index.vocabulary.vectors - built.vocabulary.vectors).max() < 1e-5


QUESTIONS = ("Хантингтон не туралы жазды?", "Саяси модернизация деген не?", "Демократия қалай дамиды?")


def _answers(index, embedder, doc=None):
    """Each question's hits, a score as `pytest.approx`: segments sum cosines in another order
    than one index does (differences near 1e-7)."""
    searcher = Searcher(index, embedder)
    return [
        [(h.passage, pytest.approx(h.score, abs=1e-5), h.highlights) for h in searcher.search(q, 5, doc)]
        for q in QUESTIONS
    ]


@pytest.mark.usefixtures("stored_schemes")
def test_an_index_of_the_previous_layout_answers_and_is_rewritten_as_a_segment_embedding_nothing(tmp_path, embedder):
    folder = tmp_path / "essays"
    shutil.copytree(FORMAT_1, folder)
    old = open_index(folder)
    assert old.manifest.format == 1 and [p.doc for p in old.passages] == ["essay.txt"] * 2 + ["notes.txt"] * 2
    messages, progress = [], []
    index = ensure_index(folder, embedder, notify=messages.append, progress=_record(progress))
    assert messages == ["index 'essays': stored in the previous layout; rebuilding"]
    assert progress[0][0] == progress[0][1], "every passage and sentence vector comes from the previous version"
    assert len(segment_folders(folder)) == 1 and not (current_version(folder) / "passages.jsonl").exists()
    assert list(index.passages) == list(old.passages)
    assert _answers(index, embedder) == _answers(old, embedder)


def test_an_added_document_becomes_a_segment_and_answers_as_a_rebuild_would(tmp_path, essay, notes, fake_embedder):
    folder = tmp_path / "grown"
    first = build_index(folder, [load_document(essay)], fake_embedder)
    kept = segment_folders(folder)
    progress = []
    grown = add_documents(folder, first, [load_document(notes)], fake_embedder, _record(progress))
    assert segment_folders(folder)[:-1] == kept and len(segment_folders(folder)) == 2  # nothing rewritten
    texts = {t for p in segment(load_document(notes)) for t in (p.text, *p.sentence_texts())}
    assert progress[-1][1] == len(texts), "only the new document's passages and sentences are embedded"
    rebuilt = build_index(tmp_path / "rebuilt", [load_document(essay), load_document(notes)], fake_embedder)
    assert list(grown.passages) == list(rebuilt.passages) and dict(grown.documents) == dict(rebuilt.documents)
    assert grown.vocabulary.keys == rebuilt.vocabulary.keys and grown.vocabulary.forms == rebuilt.vocabulary.forms
    assert _answers(grown, fake_embedder) == _answers(rebuilt, fake_embedder)
    assert _answers(grown, fake_embedder, "notes.txt") == _answers(rebuilt, fake_embedder, "notes.txt")
    assert open_index(folder).manifest.sources == rebuilt.manifest.sources


def test_a_damaged_appended_segment_is_detected(tmp_path, essay, notes, fake_embedder):
    folder = tmp_path / "grown"
    first = build_index(folder, [load_document(essay)], fake_embedder)
    add_documents(folder, first, [load_document(notes)], fake_embedder)
    added = segment_folders(folder)[-1]
    target = added / "sentences.npy"
    target.write_bytes(target.read_bytes()[:-8])
    with pytest.raises(StoreError, match=f"{added.name}/sentences.npy does not match"):
        open_index(folder)
    target.write_bytes(target.read_bytes() + b"\0" * 8)  # the size again, not the bytes
    assert open_index(folder).manifest.passages == 4
    with pytest.raises(StoreError, match=f"{added.name}/sentences.npy does not match"):
        verify_index(folder)
