"""Owners and their private uploads: each upload its own index beside the library, seen by
its owner only, named so it never replaces a library document, removed, expired and
bounded by quotas. Real model, real indexes, built the way the upload worker builds them."""

from __future__ import annotations

import json
import time

import pytest
from uploads import library_workspace, made_with_another_model, upload

from thesis_qa.service.owners import INCOMING, Owner, QuotaError, Quotas, Uploads
from thesis_qa.service.worker import publish_upload
from thesis_qa.service.workspace import UnknownDocument

ABAI = "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.\n\nОл қазақ жазба әдебиетінің негізін қалаушы."
RECIPE = "Нан пісіру үшін ұн, су, тұз және ашытқы керек.\n\nҚамырды бір сағат ашытып, пешке саламыз."
ALICE, BOB = Owner.browser("a" * 43), Owner.browser("b" * 43)


@pytest.fixture
def workspace(tmp_path, thesis_index_folder, embedder, cache_dir):
    """A library holding the bundled thesis, and nobody's uploads yet."""
    return library_workspace(tmp_path, thesis_index_folder, embedder, cache_dir)


def test_an_upload_answers_its_owner_and_nobody_else(workspace, tmp_path):
    mine = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)
    question = "Абай қай жылы туған?"

    assert workspace.search(question, 1, "abai.txt", owner=ALICE)[0].passage.text.startswith("Абай")
    assert all(hit.passage.doc == "thesis_kk.txt" for hit in workspace.search(question, 10, owner=BOB))
    assert all(hit.passage.doc == "thesis_kk.txt" for hit in workspace.search(question, 10))
    assert workspace.documents(ALICE) == ["thesis_kk.txt", "abai.txt"]
    assert workspace.documents(BOB) == ["thesis_kk.txt"]
    with pytest.raises(UnknownDocument):
        workspace.search(question, 1, doc="abai.txt", owner=BOB)
    passage = workspace.search(question, 1, "abai.txt", owner=ALICE)[0].passage
    assert workspace.neighbours(passage, BOB) == ([], [])
    assert workspace.neighbours(passage, ALICE)[1][0].doc == "abai.txt"
    assert mine.folder.parent.name == ALICE.id


def test_an_upload_named_like_a_library_document_does_not_replace_it(workspace, tmp_path):
    clash = upload(workspace, ALICE, "thesis_kk.txt", RECIPE, tmp_path)

    assert clash.name == "thesis_kk (2).txt"
    assert workspace.documents(ALICE) == ["thesis_kk.txt", "thesis_kk (2).txt"]
    assert workspace.search("Саяси модернизация дегеніміз не?", 1, owner=ALICE)[0].passage.doc == "thesis_kk.txt"
    lookup = workspace.search("Хантингтон", 3, doc="thesis_kk.txt", owner=ALICE)
    assert lookup and all("Хантингтон" in hit.passage.text for hit in lookup[:1])


def test_uploading_the_same_name_again_replaces_the_owners_own_copy(workspace, tmp_path):
    first = upload(workspace, ALICE, "notes.txt", RECIPE, tmp_path)
    second = upload(workspace, ALICE, "notes.txt", ABAI, tmp_path)

    assert [u.id for u in workspace.uploads.live(ALICE)] == [second.id]
    assert not first.folder.exists()
    assert workspace.search("Абай қай жылы туған?", 1, doc="notes.txt", owner=ALICE)[0].passage.text.startswith("Абай")


def test_a_removed_upload_is_gone_from_disk_and_from_answers(workspace, tmp_path):
    mine = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)

    assert workspace.uploads.remove(ALICE, mine.id)
    assert not mine.folder.exists()
    assert workspace.documents(ALICE) == ["thesis_kk.txt"]
    assert not workspace.uploads.remove(BOB, mine.id)  # ids from the browser: only the owner's own


def test_an_upload_indexed_with_another_model_is_listed_left_out_with_why_and_can_be_removed(workspace, tmp_path):
    logged = []
    workspace.notify = logged.append
    stale = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)
    upload(workspace, ALICE, "recipe.txt", RECIPE, tmp_path)
    workspace.search("Абай қай жылы туған?", 1, "abai.txt", owner=ALICE)  # opened while it was the server's model
    made_with_another_model(stale.folder)  # the upload's records and its index share its folder

    [(left, why)] = workspace.left_out(ALICE)
    assert (left.id, why.code, why.params) == (stale.id, "upload_other_model", {"name": "abai.txt"})
    assert workspace.documents(ALICE) == ["thesis_kk.txt", "abai.txt", "recipe.txt"]  # still listed
    with pytest.raises(UnknownDocument):  # the app says why (thesis_qa_app.answers.why_unknown)
        workspace.search("Абай қай жылы туған?", 1, "abai.txt", owner=ALICE)
    assert workspace.search("Нан пісіру үшін не керек?", 1, "recipe.txt", owner=ALICE)  # the other upload answers
    assert workspace.left_out(BOB) == []
    assert logged == [f"upload {ALICE.id}/{stale.id} was indexed with another model; left out"]  # once a version

    assert workspace.uploads.remove(ALICE, stale.id)
    assert workspace.left_out(ALICE) == [] and workspace.documents(ALICE) == ["thesis_kk.txt", "recipe.txt"]
    assert not stale.folder.exists()


def test_an_upload_left_out_can_still_be_published_and_the_library_answers_from_it(workspace, tmp_path):
    stale = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)
    made_with_another_model(stale.folder)
    assert [why.code for _, why in workspace.left_out(ALICE)] == ["upload_other_model"]

    task = {"upload": stale.location.spec, "library": workspace.library.spec, "name": "abai.txt"}
    publish_upload(task, workspace.embedder, lambda said: None)  # as the worker does: its text, embedded anew

    assert workspace.search("Абай қай жылы туған?", 1, "abai.txt")[0].passage.text.startswith("Абай")


def test_an_upload_left_out_uploaded_again_is_replaced_and_answers(workspace, tmp_path):
    stale = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)
    made_with_another_model(stale.folder)
    assert [why.code for _, why in workspace.left_out(ALICE)] == ["upload_other_model"]

    again = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)

    assert workspace.left_out(ALICE) == [] and [u.id for u in workspace.uploads.live(ALICE)] == [again.id]
    assert workspace.search("Абай қай жылы туған?", 1, "abai.txt", owner=ALICE)[0].passage.text.startswith("Абай")


def test_another_owner_cannot_remove_an_upload(workspace, tmp_path):
    mine = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)

    assert not workspace.uploads.remove(BOB, mine.id)
    assert mine.folder.exists()


def test_quotas_refuse_before_anything_is_written(tmp_path):
    uploads = Uploads.in_folder(tmp_path, Quotas(files=2, megabytes=1, passages=100), lifetime_s=3600)
    uploads.reserve(ALICE, "a.txt", 1000, [])
    uploads.reserve(ALICE, "b.txt", 1000, [])
    folders = sorted(p.name for p in (tmp_path / ALICE.id).iterdir())

    with pytest.raises(QuotaError) as files:
        uploads.reserve(ALICE, "c.txt", 1000, [])
    with pytest.raises(QuotaError) as megabytes:
        uploads.reserve(BOB, "big.txt", 2 * 2**20, [])
    assert (files.value.code, files.value.params["limit"]) == ("quota_files", 2)
    assert (megabytes.value.code, megabytes.value.params["limit"]) == ("quota_mb", 1)
    assert sorted(p.name for p in (tmp_path / ALICE.id).iterdir()) == folders
    assert uploads.reserve(ALICE, "a.txt", 1000, [])  # replacing a.txt takes no new room


def test_too_many_passages_are_refused_before_embedding(workspace, tmp_path):
    text = "\n\n".join(f"Абзац {i}: Абай қазақ ақыны болған." for i in range(40))
    with pytest.raises(QuotaError) as refused:
        upload(workspace, ALICE, "long.txt", text, tmp_path, quota_passages=5)

    assert refused.value.code == "quota_passages" and refused.value.params["passages"] > 5
    assert workspace.uploads.live(ALICE) == []


def test_anonymous_uploads_expire_and_accounts_keep_theirs(workspace, tmp_path):
    account = Owner.account("aigerim", "student")
    anonymous = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)
    kept = upload(workspace, account, "abai.txt", ABAI, tmp_path)
    mine = workspace.uploads
    expiring = Uploads(mine.store, mine.area, mine.scratch, mine.quotas, lifetime_s=0.5)
    time.sleep(1)

    assert expiring.all(ALICE) == []
    assert not anonymous.folder.exists()
    assert [u.id for u in expiring.all(account)] == [kept.id]
    assert expiring.expire() == 1  # the anonymous owner's folder, empty and unseen for a lifetime
    assert not (tmp_path / "index" / "thesis.owners" / ALICE.id).exists()


def test_uploads_whose_indexing_never_finished_are_discarded_at_start(workspace, tmp_path):
    done = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)
    pending = workspace.uploads.reserve(ALICE, "never.txt", 10, [])
    (pending.folder / INCOMING / "never.txt").write_text("…", encoding="utf-8")

    assert workspace.uploads.discard_unfinished() == 1
    assert not pending.folder.exists() and done.folder.exists()


def test_an_upload_whose_record_is_damaged_is_kept_and_answers_after_a_restart(workspace, tmp_path):
    done = upload(workspace, ALICE, "abai.txt", ABAI, tmp_path)
    record = tmp_path / "index" / "thesis.owners" / ALICE.id / done.id / "upload.json"
    record.write_text('{"name": "abai.txt", "byt', encoding="utf-8")  # cut short by a crash
    pending = workspace.uploads.reserve(ALICE, "never.txt", 10, [])
    (pending.folder / INCOMING / "never.txt").write_text("…", encoding="utf-8")
    (pending.folder / "upload.json").write_text("{", encoding="utf-8")

    assert workspace.uploads.discard_unfinished() == 1  # the unfinished one only
    assert [u.name for u in workspace.uploads.all(ALICE)] == ["abai.txt"]
    assert workspace.search("Абай қай жылы туған?", 1, "abai.txt", owner=ALICE)[0].passage.text.startswith("Абай")
    assert list(record.parent.glob("upload.json.corrupt-*"))  # what it held, kept for an administrator


def test_a_collection_is_kept_with_its_owner(tmp_path):
    uploads = Uploads.in_folder(tmp_path, Quotas(1, 1, 1), lifetime_s=3600)
    uploads.save_collection(ALICE, [{"id": "thesis_kk.txt#3", "doc": "thesis_kk.txt"}])

    assert uploads.collection(ALICE) == [{"id": "thesis_kk.txt#3", "doc": "thesis_kk.txt"}]
    assert uploads.collection(BOB) == []


def test_owner_folders_reveal_neither_user_names_nor_cookies(tmp_path):
    owners = [Owner.account("aigerim", "student"), Owner.browser("secret-cookie-token-" * 2)]
    uploads = Uploads.in_folder(tmp_path, Quotas(1, 1, 1), lifetime_s=3600)
    for owner in owners:
        uploads.touch(owner)

    names = " ".join(p.name for p in tmp_path.iterdir())
    assert "aigerim" not in names and "secret" not in names
    assert json.loads((tmp_path / owners[0].id / "owner.json").read_text())["seen"] > 0
