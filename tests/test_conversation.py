"""The chat each page keeps with its owner (thesis_qa_app.conversation): a duplicated page's
own conversation from a copy, an owner's conversation from before each page had its own taken
up by their next page, and never more than `KEPT_CONVERSATIONS` pages kept per owner."""

from __future__ import annotations

import secrets

import pytest

from thesis_qa.limits import KEPT_CONVERSATIONS
from thesis_qa.service.owners import Owner, Quotas, Uploads
from thesis_qa.storage.postgres import PostgresStore
from thesis_qa_app import conversation
from thesis_qa_app.conversation import UNCLAIMED, Conversation, opened, page_ids, tidy

ALICE, BOB = Owner.account("alice", "student"), Owner.browser(secrets.token_hex(16))


@pytest.fixture
def uploads(tmp_path) -> Uploads:
    return Uploads.in_folder(tmp_path, Quotas(1, 1, 1), lifetime_s=3600)


@pytest.fixture(params=["files", pytest.param("postgresql", marks=pytest.mark.postgres)])
def uploads_in_each_store(request, tmp_path) -> Uploads:
    """`uploads` kept as files, then in a real PostgreSQL."""
    if request.param == "files":
        return Uploads.in_folder(tmp_path, Quotas(1, 1, 1), lifetime_s=3600)
    store = PostgresStore(request.getfixturevalue("postgres_url"))
    return Uploads(store, "thesis.owners", tmp_path, Quotas(1, 1, 1), lifetime_s=3600)


def chat(question: str) -> Conversation:
    return Conversation([{"role": "user", "content": question}, {"role": "assistant", "content": "…"}], [question])


def pages(uploads: Uploads, owner: Owner) -> list[str]:
    return uploads.records.children(f"{owner.id}/conversations")


def test_a_page_sends_its_id_and_a_duplicate_the_original_s_too():
    mine, original = secrets.token_hex(16), secrets.token_hex(16)

    assert page_ids(mine) == (mine, "")
    assert page_ids(f"{mine}:{original}") == (mine, original)
    assert page_ids(f"{mine}:{mine}") == (mine, "")
    assert page_ids(f"{mine}:<script>")[1] == ""
    for bad in ("", None, "x" * 32, UNCLAIMED, f"{UNCLAIMED}:{original}"):
        fresh, _ = page_ids(bad)
        assert len(fresh) == 32 and fresh not in (bad, UNCLAIMED)


def test_a_duplicate_starts_from_a_copy_of_its_original_then_each_keeps_its_own(uploads):
    original, duplicate = secrets.token_hex(16), secrets.token_hex(16)
    conversation.save(uploads, ALICE, original, chat("Хантингтон кім?"))

    copied = opened(uploads, ALICE, duplicate, original)
    conversation.save(uploads, ALICE, duplicate, Conversation([*copied.messages, *chat("Ал Алмонд?").messages]))

    assert [m["content"] for m in opened(uploads, ALICE, original).messages] == ["Хантингтон кім?", "…"]
    assert len(opened(uploads, ALICE, duplicate, original).messages) == 4
    assert opened(uploads, BOB, secrets.token_hex(16), original).messages == []  # another owner's: never


def test_an_owners_former_conversation_is_taken_up_by_their_next_new_page(uploads):
    former = {"messages": chat("Саяси модернизация дегеніміз не?").messages, "asked": ["…"], "shown": {}}
    uploads.records.put(f"{ALICE.id}/conversation", former)  # as kept before each page had its own

    assert tidy(uploads) == 1
    assert uploads.records.get(f"{ALICE.id}/conversation") is None
    assert opened(uploads, BOB, secrets.token_hex(16)).messages == []
    page = secrets.token_hex(16)
    assert opened(uploads, ALICE, page).messages == former["messages"]
    assert pages(uploads, ALICE) == [page]  # this page's now
    assert opened(uploads, ALICE, secrets.token_hex(16)).messages == []  # taken up once
    assert tidy(uploads) == 0


def test_a_conversation_kept_under_an_empty_page_key_is_taken_up_and_removed_alone(uploads_in_each_store):
    uploads, open_page = uploads_in_each_store, secrets.token_hex(16)
    conversation.save(uploads, ALICE, open_page, chat("Хантингтон кім?"))
    lost = {"messages": chat("Саяси модернизация дегеніміз не?").messages, "asked": ["…"], "shown": {}, "saved": 1.0}
    uploads.records.put(f"{ALICE.id}/conversations/", lost)  # a page whose session the server had lost, before
    uploads.records.put(f"{ALICE.id}/conversation", {"messages": chat("Ескі?").messages})  # and older still

    assert tidy(uploads) == 2
    assert uploads.records.get(f"{ALICE.id}/conversations/") is None
    assert uploads.records.get(f"{ALICE.id}/conversation") is None
    assert opened(uploads, ALICE, open_page).messages == chat("Хантингтон кім?").messages  # the pages' own stay
    new_page = secrets.token_hex(16)
    assert opened(uploads, ALICE, new_page).messages == lost["messages"]  # the newest of the former ones
    assert pages(uploads, ALICE) == sorted([open_page, new_page])
    assert tidy(uploads) == 0


def test_every_owner_keeps_at_most_the_bound_of_conversations_the_former_one_first_to_go(uploads):
    recent = []
    for n in range(KEPT_CONVERSATIONS + 3):
        page = secrets.token_hex(16)
        uploads.records.put(f"{ALICE.id}/conversations/{page}", {"messages": [], "saved": 1000.0 + n})
        recent.append(page)
    uploads.records.put(f"{ALICE.id}/conversations/not-a-page", {"saved": 5000.0})
    uploads.records.put(f"{ALICE.id}/conversation", {"messages": chat("Ескі?").messages})

    tidy(uploads)

    assert pages(uploads, ALICE) == sorted(recent[-KEPT_CONVERSATIONS:])
    assert uploads.records.get(f"{ALICE.id}/conversation") is None


def test_a_new_page_past_the_bound_drops_the_least_recently_saved(uploads):
    kept = [secrets.token_hex(16) for _ in range(KEPT_CONVERSATIONS + 1)]
    for page in kept:
        conversation.save(uploads, ALICE, page, chat(page))

    assert pages(uploads, ALICE) == sorted(kept[1:])
