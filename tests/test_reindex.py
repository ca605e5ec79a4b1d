"""An upload indexed with another model than the server's (the model changed since) is
re-indexed from the text its index keeps, by a real worker process, as a job of its owner's:
found at the server's start or when questions first meet it; meanwhile questions say it is
being re-indexed, then it answers like any upload. One that cannot be re-indexed stays as it
was, its owner asked to upload it again. Real model, real indexes, real workers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from test_intake import large_text
from uploads import made_with_another_model, upload

from thesis_qa.config import Settings
from thesis_qa.errors import ThesisQAError
from thesis_qa.service.indexing import as_location, build_index
from thesis_qa.service.intake import Intake
from thesis_qa.service.jobs import Job
from thesis_qa.service.owners import Owner
from thesis_qa.service.worker import reindex_upload
from thesis_qa.service.workspace import UnknownDocument, Workspace
from thesis_qa_app import answers
from thesis_qa_app.texts import ERRORS

WAIT_S = 300
ABAI = (
    "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.\n\n"
    "Ол қазақ жазба әдебиетінің негізін қалаушы, ақын, ағартушы және ойшыл.\n\n"
    "Абайдың қара сөздері қазақ прозасының үлгісі саналады."
)
QUESTION = "Абай қай жылы туған?"
ALICE = Owner.browser("r" * 43)


@pytest.fixture
def serve(tmp_path, thesis_library_folder, app_embedder, cache_dir) -> Iterator:
    """Make a server's workspace and intake (one real worker) over a copy of the thesis
    library, with these settings; what it logs is kept in `logged`."""
    made: list[Intake] = []

    def make(leave_grace_s: float = 20.0, **settings: int) -> tuple[Intake, list[str]]:
        index_dir = tmp_path / "index"
        shutil.copytree(thesis_library_folder, index_dir / "thesis")
        config = Settings(index_dir=index_dir, cache_dir=cache_dir, index_workers=1, **settings)  # type: ignore[arg-type]
        logged: list[str] = []
        made.append(Intake(Workspace(config, embedder=app_embedder, notify=logged.append), leave_grace_s))
        return made[-1], logged

    yield make
    for intake in made:
        intake.close()


def reindexing(intake: Intake, owner: Owner) -> Job:
    [job] = [s.job for s in intake.statuses(owner) if "reindex" in s.job.meta]
    return job


def test_an_upload_of_another_model_is_reindexed_when_questions_meet_it_and_then_answers(serve, tmp_path, received):
    intake, logged = serve()
    workspace = intake.workspace
    intake.start()  # nothing to re-index yet
    stale = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)
    before = intake.submit(ALICE, received("draft.txt", large_text()), "draft.txt")  # the owner's turn first
    made_with_another_model(stale.folder)

    [(left, why)] = workspace.left_out(ALICE)
    assert (left.id, why.code, why.params) == (stale.id, "upload_reindexing", {"name": "abai.txt"})
    asked = answers.ask(workspace, QUESTION, 3, "abai.txt", "en", owner=ALICE)
    assert asked.code == "upload_reindexing"
    assert asked.message == ERRORS["upload_reindexing"]["en"].format(name="abai.txt")  # not "upload it again"
    with pytest.raises(UnknownDocument):
        workspace.search(QUESTION, 1, "abai.txt", owner=ALICE)
    job = reindexing(intake, ALICE)
    assert job.state == "queued" and job.name == "abai.txt"  # behind the owner's upload
    assert intake.cancel(ALICE, before.id)

    assert job.wait(WAIT_S) and job.state == "done", job.error
    assert workspace.left_out(ALICE) == []
    assert "1845" in workspace.search(QUESTION, 1, "abai.txt", owner=ALICE)[0].passage.text
    assert [u.id for u in workspace.uploads.live(ALICE)] == [stale.id]  # the same upload, a new version
    assert stale.location.manifest().model_fingerprint == workspace.embedder.fingerprint
    where = f"upload {ALICE.id}/{stale.id}"
    assert f"{where} was indexed with another model; re-indexing" in logged and f"{where} re-indexed" in logged


def test_an_upload_of_another_model_found_at_the_start_is_reindexed(serve, tmp_path):
    intake, _ = serve()
    stale = upload(intake.workspace, ALICE, "abai.txt", ABAI, tmp_path)
    made_with_another_model(stale.folder)

    intake.start()

    job = reindexing(intake, ALICE)  # before any question
    assert job.wait(WAIT_S) and job.state == "done", job.error
    assert intake.workspace.left_out(ALICE) == []
    assert "1845" in intake.workspace.search(QUESTION, 1, "abai.txt", owner=ALICE)[0].passage.text


def test_an_upload_that_cannot_be_reindexed_stays_left_out_and_its_owner_is_asked_to_upload_it_again(serve, tmp_path):
    intake, logged = serve(quota_passages=1)  # the server's quotas were lowered with its model
    workspace = intake.workspace
    stale = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)  # indexed under the old quota
    assert stale.passages > 1
    made_with_another_model(stale.folder)
    intake.start()

    job = reindexing(intake, ALICE)
    assert job.wait(WAIT_S) and job.state == "failed" and job.error and job.error.code == "quota_passages"

    [(left, why)] = workspace.left_out(ALICE)
    assert (left.id, why.code) == (stale.id, "upload_other_model")
    asked = answers.ask(workspace, QUESTION, 3, "abai.txt", "ru", owner=ALICE)
    assert asked.message == ERRORS["upload_other_model"]["ru"].format(name="abai.txt")
    assert reindexing(intake, ALICE) is job  # not tried again
    said = f"upload {ALICE.id}/{stale.id} not re-indexed ({job.error}); its owner is asked to upload it again"
    assert said in logged


def test_leaving_the_page_stops_the_owners_uploads_but_not_a_reindexing(serve, tmp_path, received):
    intake, _ = serve(leave_grace_s=0.2)
    intake.start()
    stale = upload(intake.workspace, ALICE, "abai.txt", ABAI, tmp_path)
    draft = intake.submit(ALICE, received("draft.txt", large_text()), "draft.txt")
    made_with_another_model(stale.folder)
    assert [why.code for _, why in intake.workspace.left_out(ALICE)] == ["upload_reindexing"]

    intake.arrived(ALICE, "page")
    intake.left(ALICE, "page")

    assert draft.wait(30) and draft.state == "cancelled"
    job = reindexing(intake, ALICE)
    assert job.wait(WAIT_S) and job.state == "done", job.error
    assert "1845" in intake.workspace.search(QUESTION, 1, "abai.txt", owner=ALICE)[0].passage.text


def test_an_index_that_keeps_no_document_is_not_reindexed(tmp_path, app_embedder):
    """As the worker runs the task: an index whose document is gone says so, and stays as it was."""
    location = as_location(tmp_path / "upload")
    build_index(location, [], app_embedder)
    made_with_another_model(tmp_path / "upload")
    version = location.version()
    task = {"kind": "reindex", "index": location.spec, "name": "abai.txt", "max_passages": 10, "quota_passages": 10}

    with pytest.raises(ThesisQAError) as lost:
        reindex_upload(task, app_embedder, lambda said: None)

    assert (lost.value.code, lost.value.params) == ("upload_text_lost", {"name": "abai.txt"})
    assert location.version() == version
