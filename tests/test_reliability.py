"""Bad files and faults: each gets a clear message, and the index that served before keeps
serving. Files are read as the upload worker reads them (`read_upload`) into a real workspace."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from samples import encrypted_pdf, minimal_pdf

from thesis_qa.errors import LoadError
from thesis_qa.index.layout import current_version, open_index
from thesis_qa.service.indexing import ensure_index
from thesis_qa.service.owners import safe_name
from thesis_qa.service.worker import read_upload
from thesis_qa.service.workspace import Workspace
from thesis_qa_app.texts import error_text

LIMIT = 200_000
QUESTION = "Саяси модернизация дегеніміз не?"


BAD_FILES = {
    "empty.txt": (b"", "load_empty"),
    "garbage.txt": (bytes(range(256)) * 12, "load_binary"),
    "garbage.pdf": (bytes(range(255, -1, -1)) * 12, "load_broken"),
    "not-a-zip.docx": (b"PK? this is not a zip archive", "load_broken"),
    "truncated.pdf": (minimal_pdf(["Modernization began in the fifties."])[:180], "load_broken"),
    "locked.pdf": (encrypted_pdf("A secret thesis page.", "secret"), "load_encrypted"),
    "scan.pdf": (minimal_pdf([""]), "load_no_text_layer"),
    "huge.txt": ("сөз ".encode() * (LIMIT // 4), "load_too_big"),
    "thesis.exe": (b"MZ\x90\x00", "load_unsupported"),
}


def index_upload(workspace, path) -> int:
    """Read `path` as an upload and add it to the workspace's index; its passage count."""
    doc = read_upload(path, safe_name(path.name), LIMIT)
    workspace.add_document(doc)
    return sum(1 for passage in workspace.searcher.index.passages if passage.doc == doc.name)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, thesis_library_folder, cache_dir):
    """A library holding the bundled thesis (a copy of the session's index), for the module."""
    from thesis_qa.config import Settings

    index_dir = tmp_path_factory.mktemp("index")
    shutil.copytree(thesis_library_folder, index_dir / "thesis")
    workspace = Workspace(Settings(index_dir=index_dir, cache_dir=cache_dir))
    workspace.searcher  # noqa: B018 - open the thesis index once for the module
    return workspace


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_upload_is_refused_clearly_and_the_thesis_keeps_answering(workspace, tmp_path, name):
    content, code = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(content)
    before = current_version(workspace.settings.index_folder)
    with pytest.raises(LoadError) as caught:
        index_upload(workspace, path)
    assert caught.value.code == code and name in str(caught.value)
    for language in ("kk", "ru"):
        assert name in error_text(language, caught.value.code, caught.value.params, str(caught.value))
    assert current_version(workspace.settings.index_folder) == before
    assert workspace.documents() == ["thesis_kk.txt"]
    assert workspace.search(QUESTION, k=1)[0].passage.doc == "thesis_kk.txt"


@pytest.mark.parametrize(
    ("name", "encoding"), [("ru-1251.txt", "cp1251"), ("ru-utf16.txt", "utf-16"), ("kk-bom.txt", "utf-8-sig")]
)
def test_legacy_encodings_upload_and_answer(workspace, tmp_path, name, encoding):
    text = "Политическая модернизация Казахстана началась в 1990-е годы. Её двигателем стал президент."
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    index_upload(workspace, path)
    hit = workspace.search("Когда началась политическая модернизация Казахстана?", k=1, doc=name)[0]
    assert hit.passage.text.startswith("Политическая модернизация Казахстана")


def test_a_path_in_the_file_name_is_dropped(workspace, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("Бұл файлдың атауы ../../x.txt болған.", encoding="utf-8")
    doc = read_upload(path, safe_name(path.name), LIMIT)
    assert doc.name == "x.txt" and doc.path == ""


def test_uploading_the_same_file_twice_changes_nothing(workspace, tmp_path):
    path = tmp_path / "twice.txt"
    path.write_text("Абай Құнанбайұлы 1845 жылы туған.\n\nОл қазақ ақыны.", encoding="utf-8")
    first = index_upload(workspace, path)
    documents = workspace.documents()
    second = index_upload(workspace, path)
    assert first == second == 2 and workspace.documents() == documents


def _lock_is_held(folder) -> bool:
    try:
        with (folder / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
    except (BlockingIOError, FileNotFoundError):
        return (folder / ".lock").exists()
    return False


def test_a_build_killed_midway_leaves_the_previous_index_answering(tmp_path, cli_env, embedder):
    """A real `thesis-qa index` process is killed while it embeds a large document."""
    folder = tmp_path / "index" / "thesis"
    essay = tmp_path / "essay.txt"
    essay.write_text("Саяси модернизация – күрделі процесс.\n\nДемократия біртіндеп дамиды.", encoding="utf-8")
    live = ensure_index(folder, embedder, [essay])
    big = tmp_path / "big.txt"
    big.write_text("\n\n".join(f"Абзац {i}: саяси жүйе өзгереді, қоғам дамиды." for i in range(3000)), encoding="utf-8")
    command = [sys.executable, "-c", "from thesis_qa.cli import main; main()", "index", str(big)]
    process = subprocess.Popen(command, env={**os.environ, **cli_env}, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _lock_is_held(folder) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert process.poll() is None, "the build should still be running"
    time.sleep(2)  # well inside the embedding of 3,000 paragraphs
    process.send_signal(signal.SIGKILL)
    process.wait()
    survivor = open_index(folder)
    assert [s.name for s in survivor.manifest.sources] == ["essay.txt"]
    assert survivor.manifest.created == live.manifest.created
    assert ensure_index(folder, embedder, [essay]).manifest.created == live.manifest.created, "no rebuild"
    assert not _lock_is_held(folder), "a killed builder leaves no lock behind"
