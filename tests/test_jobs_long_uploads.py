"""Long uploads through the intake and real worker processes: searchable from their first pages
while the rest is indexed, and bounded in memory (a document too large is refused before it is
embedded; a worker that runs out of memory, or that the kernel kills, fails that upload alone
with a message in the owner's language, and the next upload gets a new worker)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_intake import ABAI, docx_bomb, large_text

from thesis_qa.config import Settings
from thesis_qa.service.intake import Intake
from thesis_qa.service.owners import Owner
from thesis_qa.service.progressive import FIRST_PAGES
from thesis_qa.service.workspace import Workspace
from thesis_qa_app.render import job_line, partial_html
from thesis_qa_app.texts import error_text

WAIT_S = 300
HEADROOM_MB = 700  # the memory bound of the tests' workers: what the loaded model takes, plus this
CITIES = ["Almaty", "Astana", "Shymkent", "Aktobe", "Taraz", "Pavlodar", "Oskemen", "Semey", "Atyrau", "Kostanay"]


def owner(name: str) -> Owner:
    return Owner.browser(name.ljust(43, "y"))


def make_intake(root: Path, library: Path, embedder, cache_dir: Path, **settings: object) -> Intake:
    index_dir = root / "index"
    shutil.copytree(library, index_dir / "thesis")
    config = Settings(index_dir=index_dir, cache_dir=cache_dir, index_workers=1, **settings)  # type: ignore[arg-type]
    intake = Intake(Workspace(config, embedder=embedder), leave_grace_s=1.0)
    intake.start()
    return intake


@pytest.fixture(scope="module")
def intake(tmp_path_factory, thesis_library_folder, app_embedder, cache_dir):
    intake = make_intake(tmp_path_factory.mktemp("long"), thesis_library_folder, app_embedder, cache_dir)
    yield intake
    intake.close()


@pytest.fixture(scope="module")
def loaded_model_mb(cache_dir, tmp_path_factory) -> int:
    """A worker's resident memory once it has indexed a two-sentence note: the loaded model as
    it stays (its peak also holds the weights file read while loading, which varies by
    hundreds of MB with the page cache, and would move the tests' bound with it)."""
    folder = tmp_path_factory.mktemp("probe")
    (folder / "note.txt").write_text(ABAI, encoding="utf-8")
    config = {"model": "e5-small", "query_engine": "auto", "cache_dir": str(cache_dir), "memory_mb": 0}
    task = {"kind": "index", "source": str(folder / "note.txt"), "name": "note.txt", "index": str(folder / "index")}
    task |= {"max_bytes": 2**20, "max_passages": 100, "quota_passages": 100}
    worker = subprocess.Popen(
        [sys.executable, "-m", "thesis_qa.service.worker", json.dumps({**config, "parent": os.getpid()})],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert json.loads(worker.stdout.readline())["ready"]
        worker.stdin.write(json.dumps(task) + "\n")
        worker.stdin.flush()
        replies = map(json.loads, iter(worker.stdout.readline, ""))
        return int(next(reply for reply in replies if "done" in reply)["done"]["rss_mb"])
    finally:
        worker.kill()
        worker.wait()


@pytest.fixture(scope="module")
def bounded(tmp_path_factory, thesis_library_folder, app_embedder, cache_dir, loaded_model_mb):
    """An intake whose worker may use `HEADROOM_MB` over its loaded model (a setting)."""
    limit = loaded_model_mb + HEADROOM_MB
    root = tmp_path_factory.mktemp("bounded")
    intake = make_intake(root, thesis_library_folder, app_embedder, cache_dir, worker_memory_mb=limit)
    yield intake
    intake.close()


def long_pdf(make_pdf, pages: int = 40) -> Path:
    """A real PDF, page n telling where the archive of year 1800 + n is kept."""
    texts = [
        f"Page {n}. The archive of the year {1800 + n} is kept in {CITIES[n % len(CITIES)]}. "
        f"Its letters of {1800 + n} were read again by the historians of page {n}."
        for n in range(1, pages + 1)
    ]
    return make_pdf(texts, "long.pdf")


def test_a_long_upload_answers_from_its_first_pages_before_it_is_indexed_whole(intake, make_pdf):
    alice = owner("alice")
    job = intake.submit(alice, long_pdf(make_pdf), "long.pdf")
    while job.reach is None:
        assert not job.wait(0.1), job.error

    reached, running = job.reach, job.active
    hits = intake.workspace.search("Where is the archive of the year 1810 kept?", 1, owner=alice)
    listed = intake.workspace.documents(alice)
    status = next(s for s in intake.statuses(alice) if s.job is job)
    line, under_answer = job_line(status, "kk"), partial_html([status], "en")

    assert running and (reached.pages, reached.of) == (FIRST_PAGES, 40)
    assert hits[0].passage.doc == "long.pdf" and hits[0].passage.page_index == 10
    assert "long.pdf" not in listed  # not live (listed, published, counted) until whole
    assert f"40 беттің {FIRST_PAGES}-бетіне дейін іздеуге болады" in line and "индекстелуде" in line
    assert f"“long.pdf” is indexed up to page {FIRST_PAGES} of 40 so far" in under_answer
    assert job.wait(WAIT_S) and job.state == "done", job.error
    assert job.reach.pages == 40 and "long.pdf" in intake.workspace.documents(alice)
    assert intake.workspace.search("archive of the year 1835", 1, owner=alice)[0].passage.page_index == 35


def test_a_replaced_upload_answers_whole_until_its_new_version_is_whole(intake, received):
    bob = owner("bob")
    first = intake.submit(bob, received("notes.txt", ABAI), "notes.txt")
    assert first.wait(WAIT_S) and first.state == "done"

    again = intake.submit(bob, received("notes.txt", large_text()), "notes.txt")

    assert again.task()["progressive"] is False  # built in one go: no part of it replaces the whole
    assert intake.workspace.documents(bob)[-1:] == ["notes.txt"]
    assert intake.workspace.search("Абай қай жылы туған?", 1, owner=bob)[0].passage.doc == "notes.txt"
    assert intake.cancel(bob, again.id) and again.wait(30)


def test_a_document_too_large_for_the_memory_bound_is_refused_before_embedding(bounded, received):
    carol = owner("carol")
    job = intake_submit_and_wait(bounded, carol, received("draft.txt", large_text()), "draft.txt")

    assert job.state == "failed" and job.error.code == "upload_too_large" and job.total == 0
    said = error_text("ru", job.error.code, job.error.params)
    assert said.startswith("«draft.txt» слишком велик для памяти этого сервера")
    assert not job.meta["upload"].folder.exists()


def test_a_worker_past_its_memory_bound_fails_that_upload_alone_and_is_replaced(bounded, received):
    """A .docx of 180 KB whose 60 MB of XML (under the readers' limits) takes a gigabyte to
    parse: the worker ends (its watchdog, or an allocation refused), the owner is told in their
    language, and the next uploads, theirs and someone else's, are indexed by a new worker."""
    dana, erlan = owner("dana"), owner("erlan")
    bomb = bounded.submit(dana, received("bomb.docx", docx_bomb(60 << 20)), "bomb.docx")
    other = bounded.submit(erlan, received("note.txt", ABAI), "note.txt")

    assert bomb.wait(WAIT_S) and bomb.state == "failed" and bomb.error.code == "upload_memory"
    assert "too large for this server's memory" in error_text("en", "upload_memory", bomb.error.params)
    assert other.wait(WAIT_S) and other.state == "done", other.error
    again = bounded.submit(dana, received("note.txt", ABAI), "note.txt")
    assert again.wait(WAIT_S) and again.state == "done", again.error


def test_a_worker_the_kernel_kills_is_reported_as_out_of_memory_and_replaced(bounded, received):
    """SIGKILL is what the kernel's out-of-memory killer sends."""
    farid = owner("farid")
    job = bounded.submit(farid, received("thesis.txt", large_text()[:30_000]), "thesis.txt")
    while not job.total:
        assert not job.wait(0.1), job.error

    os.kill(worker_of(os.getpid(), bounded.workspace.settings.worker_memory_mb), signal.SIGKILL)

    assert job.wait(60) and job.state == "failed" and job.error.code == "upload_memory"
    assert not job.meta["upload"].folder.exists() and bounded.workspace.documents(farid)[1:] == []
    after = bounded.submit(farid, received("note.txt", ABAI), "note.txt")
    assert after.wait(WAIT_S) and after.state == "done", after.error


def intake_submit_and_wait(intake: Intake, who: Owner, path: Path, name: str):
    job = intake.submit(who, path, name)
    assert job.wait(WAIT_S)
    return job


def worker_of(parent: int, memory_mb: int) -> int:
    """The indexing worker `parent` started with this memory bound (the bounded intake has one)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and f'"memory_mb": {memory_mb},'.encode() in command:
            return int(stat.parent.name)
    raise AssertionError("no worker is running")
