"""The page's chat (thesis_qa_app.handlers.Handlers.chat) when a part below the answer fails:
the definitions or the neighbouring passages cannot be read, the page's conversation cannot be
opened or kept. The answer is shown all the same, what could not be had is left out (logged),
and a conversation not opened or not kept is said under the answer in the page's language. A
pin, a change, a clearing or an undo the collection cannot take says why, and the collection
stays as it was."""

from __future__ import annotations

import html
import logging
import secrets
from types import SimpleNamespace

import pytest
from test_store_faults import read_only
from uploads import library_workspace

from thesis_qa.errors import StoreError
from thesis_qa.service.intake import Intake
from thesis_qa_app.handlers import Handlers
from thesis_qa_app.texts import error_text, text

QUESTION = "Хантингтон саяси институттар туралы не айтты?"


@pytest.fixture
def workspace(tmp_path, thesis_index_folder, embedder, cache_dir):
    return library_workspace(tmp_path, thesis_index_folder, embedder, cache_dir)


class Parts:
    """The page's parts, each named by itself: a handler's update says which it changes."""

    def __getattr__(self, name: str) -> str:
        return name


@pytest.fixture
def handlers(workspace):
    intake = Intake(workspace)  # never started: no uploads in progress
    yield Handlers(workspace, intake, None, workspace.settings, Parts())  # no accounts: anonymous
    intake.close()


def failing(code: str, **params: object):
    """A stand-in for a store call that meets a fault: it raises `StoreError` `code`."""

    def fail(*args: object, **kwargs: object) -> None:
        raise StoreError(f"a fault ({code})", code=code, **params)

    return fail


def ask(handlers: Handlers, lang: str = "kk", page: str = "", messages: list | None = None) -> tuple[list, list]:
    """Ask `QUESTION` in the chat of `page` (a new page's id when not given): the messages
    shown and those kept in the session."""
    page = page or secrets.token_hex(16)
    shown, kept, _, _, _ = handlers.chat(QUESTION, 5, "", lang, messages or [], [], {}, page, None)
    return shown, kept


def test_a_definition_card_that_cannot_be_built_is_left_out_and_the_answer_is_shown(
    handlers, workspace, monkeypatch, caplog
):
    monkeypatch.setattr(workspace, "definitions", failing("store_building"))

    with caplog.at_level(logging.WARNING, "thesis_qa_app.handlers"):
        shown, _ = ask(handlers)

    answer = str(shown[-1]["content"])
    assert "tqa-card" in answer and "tqa-definition" not in answer
    assert "the definition card" in caplog.text and "store_building" in caplog.text


def test_a_card_whose_neighbours_cannot_be_read_is_shown_without_its_context(handlers, workspace, monkeypatch):
    shown, _ = ask(handlers)
    assert "tqa-context" in str(shown[-1]["content"])  # as it is when they can be read

    monkeypatch.setattr(workspace, "neighbours", failing("upload_damaged", name="notes.txt"))
    shown, _ = ask(handlers)

    answer = str(shown[-1]["content"])
    assert "tqa-card" in answer and "tqa-context" not in answer


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_conversation_that_cannot_be_kept_still_shows_the_answer_saying_why_in_the_pages_language(
    handlers, workspace, monkeypatch, lang
):
    monkeypatch.setattr(workspace.uploads.records, "put", failing("store_full"))

    shown, kept = ask(handlers, lang)

    why = html.escape(text("conversation_not_kept", lang, why=error_text(lang, "store_full", {})))
    assert "tqa-card" in str(shown[-1]["content"]) and why in str(shown[-1]["content"])
    assert why not in str(kept[-1]["content"])  # said this once, not kept as part of the answer


def test_a_conversation_that_cannot_be_opened_starts_afresh_saying_why(handlers, workspace, monkeypatch):
    page = secrets.token_hex(16)
    ask(handlers, "ru", page)  # kept for the page
    monkeypatch.setattr(workspace.uploads.records, "get", failing("store_unreachable", name="db"))

    shown, kept = ask(handlers, "ru", page)  # the server lost the session: the page's is read

    why = html.escape(text("conversation_not_loaded", "ru", why=error_text("ru", "store_unreachable", {"name": "db"})))
    assert len(kept) == 2  # this question and its answer only
    assert why in str(shown[-1]["content"]) and "tqa-card" in str(shown[-1]["content"])


def test_a_pin_the_collection_cannot_take_says_why_in_the_pages_language(handlers, workspace, monkeypatch):
    _, _, _, _, shown = handlers.chat(QUESTION, 5, "", "ru", [], [], {}, secrets.token_hex(16), None)
    monkeypatch.setattr(workspace.uploads, "collection", failing("store_unreachable", name="db"))

    changed = handlers.pin(SimpleNamespace(value=next(iter(shown))), shown, "ru", None)

    assert changed == {"pin_status": "⚠ " + error_text("ru", "store_unreachable", {"name": "db"})}


def pinned_one(handlers: Handlers, lang: str) -> list:
    """Pin the first card of an answer; the collection then."""
    _, _, _, _, shown = handlers.chat(QUESTION, 5, "", lang, [], [], {}, secrets.token_hex(16), None)
    handlers.pin(SimpleNamespace(value=next(iter(shown))), shown, lang, None)
    return handlers.workspace.uploads.collection(handlers.owner(None))


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_collection_that_cannot_be_stored_is_left_as_it_was_saying_why_in_the_pages_language(
    handlers, workspace, monkeypatch, lang
):
    pinned = pinned_one(handlers, lang)
    monkeypatch.setattr(workspace.uploads.records, "put", failing("store_full"))
    why = "⚠ " + error_text(lang, "store_full", {})

    removed = handlers.change_pin(SimpleNamespace(value=f"remove:{pinned[0]['id']}"), lang, None)
    cleared = handlers.clear(lang, None)
    restored = handlers.undo(pinned, lang, None)

    assert removed == {"pin_status": why} and restored == {"pin_status": why}
    assert cleared["pin_status"] == why and not cleared["clear_confirm"].visible
    assert workspace.uploads.collection(handlers.owner(None)) == pinned


def test_clearing_or_exporting_a_collection_that_cannot_be_read_says_why(handlers, workspace, monkeypatch):
    pinned_one(handlers, "ru")
    monkeypatch.setattr(workspace.uploads, "collection", failing("store_unreachable", name="db"))
    why = "⚠ " + error_text("ru", "store_unreachable", {"name": "db"})

    asked = handlers.confirm_clear("ru", None)
    exported = handlers.export_markdown("ru", None)

    assert html.escape(why) in asked["clear_question"] and "tqa-note" in asked["clear_question"]
    assert exported == {"export_payload": "", "pin_status": html.escape(why, quote=False)}  # nothing saved, why said


def test_a_read_only_records_folder_is_said_when_a_card_is_pinned_and_under_the_answer(handlers, workspace):
    with read_only(workspace.settings.owners_folder):  # the owners' records: collections, conversations
        shown, _, _, _, cards = handlers.chat(QUESTION, 5, "", "en", [], [], {}, secrets.token_hex(16), None)
        pinned = handlers.pin(SimpleNamespace(value=next(iter(cards))), cards, "en", None)

    why = error_text("en", "records_readonly", {})
    answer = str(shown[-1]["content"])
    assert "tqa-card" in answer and html.escape(text("conversation_not_kept", "en", why=why)) in answer
    assert pinned == {"pin_status": "⚠ " + why}
