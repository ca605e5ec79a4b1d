"""Uploads through the intake: real worker processes (nice 19, the real model) index them,
queued per owner; a small file never waits behind a large one; cancelling, leaving and
refusals leave nothing on disk; lecturers publish into the library."""

from __future__ import annotations

import io
import itertools
import shutil
import time
import zipfile

import pytest

from thesis_qa.config import Settings
from thesis_qa.errors import LoadError, StoreError
from thesis_qa.service.intake import Intake, PermissionDenied
from thesis_qa.service.jobs import SMALL_BYTES
from thesis_qa.service.owners import Owner, QuotaError
from thesis_qa.service.workspace import Workspace
from thesis_qa_app.texts import ERRORS

WAIT_S = 300
ABAI = "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген. Ол қазақ ақыны."


def owner(name: str) -> Owner:
    return Owner.browser(name.ljust(43, "x"))


@pytest.fixture(scope="module")
def intake(tmp_path_factory, thesis_library_folder, app_embedder, cache_dir):
    """An intake over a copy of the thesis library and the model as the app loads them, two
    workers, a one-second grace to leave."""
    index_dir = tmp_path_factory.mktemp("intake") / "index"
    shutil.copytree(thesis_library_folder, index_dir / "thesis")
    settings = Settings(index_dir=index_dir, cache_dir=cache_dir, index_workers=2, quota_files=5, max_upload_mb=5)
    intake = Intake(Workspace(settings, embedder=app_embedder), leave_grace_s=1.0)
    intake.start()
    yield intake
    intake.close()


def large_text() -> str:
    """Well over `SMALL_BYTES`: thousands of passages, minutes of embedding."""
    text = "\n\n".join(f"Абзац {i}. Саяси жүйе {i} жылы өзгерді, қоғам жаңа институттарды құрды." for i in range(6000))
    assert len(text.encode()) > SMALL_BYTES
    return text


def test_a_small_upload_finishes_while_a_large_one_is_indexed(intake, received):
    large = intake.submit(owner("alice"), received("thesis-draft.txt", large_text()), "thesis-draft.txt")
    small = intake.submit(owner("bob"), received("note.txt", ABAI), "note.txt")

    assert small.wait(WAIT_S) and small.state == "done", small.error
    assert large.active  # submitted first, still queued or running
    hits = intake.workspace.search("Абай қай жылы туған?", 1, "note.txt", owner=owner("bob"))
    assert hits[0].passage.doc == "note.txt"
    while large.state == "queued":  # its worker may still be loading the model
        time.sleep(0.2)
    status = next(s for s in intake.statuses(owner("alice")) if s.job is large)
    assert status.position == 0 and status.eta_s and status.eta_s > 0
    assert intake.cancel(owner("alice"), large.id)
    assert large.wait(30) and large.state == "cancelled"


def test_cancelling_an_upload_kills_its_worker_and_leaves_nothing(intake, received):
    alice = owner("alice-cancels")
    job = intake.submit(alice, received("draft.txt", large_text()), "draft.txt")
    folder = job.meta["upload"].folder
    while not job.total:  # embedding has begun
        assert not job.wait(0.2), job.error

    assert not intake.cancel(owner("mallory"), job.id)  # job ids come from the browser
    assert intake.cancel(alice, job.id)
    assert job.wait(30) and job.state == "cancelled"
    assert not folder.exists()
    again = intake.submit(alice, received("note.txt", ABAI), "note.txt")
    assert again.wait(WAIT_S) and again.state == "done"  # the worker was started again


def test_an_owners_uploads_run_one_at_a_time_in_order(intake, received):
    carol = owner("carol")
    jobs = [intake.submit(carol, received(f"n{i}.txt", f"{ABAI} Жазба {i}."), f"n{i}.txt") for i in range(3)]
    positions = [s.position for s in intake.statuses(carol) if s.job.state == "queued"]

    assert positions == sorted(positions) and positions[0] >= 1
    assert all(job.wait(WAIT_S) for job in jobs)
    assert [job.state for job in jobs] == ["done"] * 3
    assert all(a.finished <= b.started for a, b in itertools.pairwise(jobs))
    assert intake.workspace.documents(carol)[1:] == ["n0.txt", "n1.txt", "n2.txt"]


def test_an_anonymous_owner_who_leaves_stops_their_uploads(intake, received):
    dana = owner("dana")
    intake.arrived(dana, "page-1")
    job = intake.submit(dana, received("draft.txt", large_text()), "draft.txt")
    intake.left(dana, "page-1")

    assert job.wait(30) and job.state == "cancelled"
    assert not job.meta["upload"].folder.exists()


def test_a_reload_is_not_leaving_and_accounts_never_leave(intake, received):
    erlan, account = owner("erlan"), Owner.account("erlan", "student")
    intake.arrived(erlan, "page-1")
    intake.arrived(erlan, "page-2")  # the reloaded page
    reloaded = intake.submit(erlan, received("a.txt", ABAI), "a.txt")
    kept = intake.submit(account, received("b.txt", ABAI), "b.txt")
    intake.left(erlan, "page-1")
    intake.left(account, "page-1")

    assert reloaded.wait(WAIT_S) and reloaded.state == "done"
    assert kept.wait(WAIT_S) and kept.state == "done"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [("virus.exe", b"MZ\x90\x00", "load_unsupported"), ("huge.txt", b"a" * (6 * 2**20), "load_too_big")],
)
def test_a_wrong_type_or_size_is_refused_before_anything_is_queued(intake, received, name, content, code):
    farid = owner("farid")
    with pytest.raises(LoadError) as refused:
        intake.submit(farid, received(name, content), name)

    assert refused.value.code == code
    assert intake.statuses(farid) == [] and intake.workspace.uploads.all(farid) == []


def test_the_files_quota_is_refused_with_its_code(intake, received):
    gulnar = owner("gulnar")
    for i in range(5):
        intake.workspace.uploads.reserve(gulnar, f"{i}.txt", 10, [])
    with pytest.raises(QuotaError) as refused:
        intake.submit(gulnar, received("6.txt", ABAI), "6.txt")
    assert refused.value.code == "quota_files" and "quota_files" in ERRORS


def test_a_damaged_upload_fails_with_its_reason_and_leaves_no_folder(intake, received):
    job = intake.submit(owner("hasan"), received("broken.docx", b"PK\x03\x04 not really a zip"), "broken.docx")

    assert job.wait(WAIT_S) and job.state == "failed"
    assert job.error.code == "load_broken"
    assert not job.meta["upload"].folder.exists()


def test_a_file_that_inflates_past_the_memory_bound_fails_alone(intake, received):
    """A .docx of a few MB whose XML inflates to ~1 GB: the worker fails it within its memory
    bound, with a message the app can explain; the next upload is indexed as usual."""
    job = intake.submit(owner("ilyas"), received("bomb.docx", docx_bomb(1 << 30)), "bomb.docx")

    assert job.wait(WAIT_S) and job.state == "failed"
    assert job.error.code in ERRORS, job.error
    after = intake.submit(owner("ilyas"), received("note.txt", ABAI), "note.txt")
    assert after.wait(WAIT_S) and after.state == "done"


def test_a_student_cannot_publish_and_a_lecturer_can(intake, received):
    student, lecturer = Owner.account("zhan", "student"), Owner.account("prof", "lecturer")
    mine = intake.submit(student, received("essay.txt", ABAI), "essay.txt")
    theirs = intake.submit(lecturer, received("thesis_kk.txt", ABAI), "thesis_kk.txt")
    assert mine.wait(WAIT_S) and theirs.wait(WAIT_S)
    assert theirs.state == "done", theirs.error
    with pytest.raises(PermissionDenied):
        intake.publish(student, mine.meta["upload"].id)

    published = intake.publish(lecturer, theirs.meta["upload"].id)

    assert published.wait(WAIT_S) and published.state == "done", published.error
    assert intake.workspace.documents() == ["thesis_kk.txt", "thesis_kk (2).txt"]
    assert intake.workspace.documents(lecturer) == ["thesis_kk.txt", "thesis_kk (2).txt"]  # no private copy left
    hit = intake.workspace.search("Абай қай жылы туған?", 1, owner=owner("anyone"))[0]
    assert hit.passage.doc == "thesis_kk (2).txt"


def docx_bomb(inflated_bytes: int) -> bytes:
    """A Word file whose document.xml inflates to `inflated_bytes` of paragraphs."""
    paragraph = b"<w:p><w:r><w:t>Abai Qunanbaiuly</w:t></w:r></w:p>" * 20_000
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as xml:
            xml.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                      b'wordprocessingml/2006/main"><w:body>')  # fmt: skip
            for _ in range(inflated_bytes // len(paragraph)):
                xml.write(paragraph)
            xml.write(b"</w:body></w:document>")
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


def test_a_sweep_the_store_fails_is_logged_and_the_next_one_runs(
    tmp_path, thesis_library_folder, app_embedder, cache_dir, monkeypatch
):
    """The thread that expires uploads outlives a store fault (the database gone, a read-only
    folder): the failed sweep is logged and the next one runs."""
    shutil.copytree(thesis_library_folder, tmp_path / "index" / "thesis")
    said: list[str] = []
    workspace = Workspace(Settings(index_dir=tmp_path / "index", cache_dir=cache_dir), embedder=app_embedder,
                          notify=said.append)  # fmt: skip
    monkeypatch.setattr(workspace.uploads, "lifetime_s", 5.0)  # a sweep every second
    intake = Intake(workspace)
    intake.start()
    sweeps = []

    def expire(busy=()):
        sweeps.append(busy)
        if len(sweeps) == 1:
            raise StoreError("the database cannot be reached", code="store_unreachable")
        return 0

    monkeypatch.setattr(workspace.uploads, "expire", expire)
    try:
        deadline = time.monotonic() + 30
        while len(sweeps) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        intake.close()
    assert len(sweeps) >= 2
    assert any("uploads not expired this time" in line and "cannot be reached" in line for line in said)


def test_a_server_starts_past_an_owners_record_it_cannot_read_and_says_so(
    tmp_path, thesis_library_folder, app_embedder, cache_dir
):
    index_dir = tmp_path / "index"
    shutil.copytree(thesis_library_folder, index_dir / "thesis")
    settings = Settings(index_dir=index_dir, cache_dir=cache_dir, index_workers=1)
    said: list[str] = []
    workspace = Workspace(settings, embedder=app_embedder, notify=said.append)
    left = workspace.uploads.reserve(owner("stopped"), "notes.txt", 10, [])  # a server stopped mid-indexing
    record = left.folder / "upload.json"
    record.unlink()
    record.mkdir()  # what the store cannot read as a record

    intake = Intake(workspace)
    intake.start()  # not an error: everyone else's uploads and the library are still there
    intake.close()

    assert any(line.startswith("at start, uploads left unfinished not discarded") for line in said)
    assert record.is_dir()  # kept for an administrator to look at
