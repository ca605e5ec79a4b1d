"""What each event of the page does: open, leave, ask, look up, upload, follow uploads, remove,
publish, pin, reorder and remove pins, export, clear, switch language.

Every handler takes the `gr.Request` and acts for `owner_of(request)` only; values the page
sends (a document name, an upload id, a file path, a card's token, a pin's id) are checked
against that owner's own documents, uploads and collection, and this session's cards. The
conversation and the cards shown are kept on the server (`gr.State`, and with the owner so a
reload shows them again: thesis_qa_app.conversation), so the browser never sends them back;
the page sends its id, so a session the server lost (it restarted) goes on with the
conversation kept for the page.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import gradio as gr
from gradio.blocks import Block

from thesis_qa import Language, Passage
from thesis_qa.config import Settings
from thesis_qa.errors import StoreError, ThesisQAError
from thesis_qa.service.accounts import Accounts, may_publish
from thesis_qa.service.intake import Intake
from thesis_qa.service.jobs import JobStatus
from thesis_qa.service.owners import Owner, Upload
from thesis_qa.service.workspace import Workspace
from thesis_qa_app import answers, collection, conversation, render, study_tab
from thesis_qa_app.conversation import MAX_MESSAGES, Conversation, Message
from thesis_qa_app.faults import Steps, guarded, note, why
from thesis_qa_app.identity import owner_of, session_of
from thesis_qa_app.texts import AUTO, EXAMPLES, LANGUAGE_COOKIE, as_language, error_text, preferred_language, text
from thesis_qa_app.widgets import Widgets, document_choices, listed, relabel

ChatUpdate = tuple[list[Message], list[Message], list[str], str, collection.Shown]
LOOKUP_SHOWN = 30  # passages a lookup shows on the page (its count is always the true one)
UPLOAD_PREFIX, JOB_PREFIX = "u:", "j:"
# Why a question filtered to one document was asked of every other one instead: the document is
# gone, or an upload that questions leave out (`Workspace.left_out`; a damaged one fails them,
# and one being re-indexed says so and keeps the filter: it will answer in a moment).
SEARCHED_INSTEAD = ("doc_unknown", "upload_other_model", "upload_unreadable")


class Handlers:
    def __init__(
        self, workspace: Workspace, intake: Intake, accounts: Accounts, settings: Settings, widgets: Widgets
    ) -> None:
        self.workspace = workspace
        self.intake = intake
        self.accounts = accounts
        self.settings = settings
        self.widgets = widgets
        self._pins = threading.Lock()  # one change of a stored collection at a time

    def owner(self, request: gr.Request | None) -> Owner:
        return owner_of(request, self.accounts)

    def start(self, choice: str, sent_page: str, request: gr.Request) -> dict[Block, object]:
        """A page opened: the owner is around; the page in their language, with their
        documents, uploads in progress, pinned collection and this page's conversation so far
        (`sent_page`: the id the browser tab keeps, and the original's when the tab is a
        duplicate, thesis_qa_app.conversation). A conversation that cannot be opened (a fault
        below: `guarded`) starts empty, saying why."""
        owner, (page, original) = self.owner(request), conversation.page_ids(sent_page)
        guarded("noting the owner's visit", None, self.intake.arrived, owner, session_of(request))
        opening = (self.workspace.uploads, owner, page, original)
        kept, unopened = guarded("the page's kept conversation", Conversation(), conversation.opened, *opening)
        w, lang = self.widgets, self._language(choice, request)
        said = note(lang, unopened, "conversation_not_loaded")
        shown = [{"role": "assistant", "content": said}] if said else kept.messages
        return {
            **self.interface(choice, "", request),
            # Gradio types a message as its own TypedDict; ours are plain dicts of its keys
            w.chat: gr.Chatbot(value=cast(Any, shown), placeholder=text("welcome", lang)),
            w.messages: kept.messages,
            w.asked: kept.asked,
            w.shown: kept.shown,
            w.page: page,
        }

    def leave(self, request: gr.Request) -> None:
        self.intake.left(self.owner(request), session_of(request))

    def interface(self, choice: str, doc: str, request: gr.Request) -> dict[Block, object]:
        """Relabel the page: the chosen language, or on "auto" the browser's (a chosen
        document no longer there goes back to "all documents"). What cannot be read (a
        database gone: `Steps`) is left out, and a note under the title says why."""
        owner, lang, w, steps = self.owner(request), self._language(choice, request), self.widgets, Steps()
        statuses = self.intake.statuses(owner)
        pinned = steps.run("the collection", [], self.workspace.uploads.collection, owner)
        documents = steps.run("the documents", [], self.workspace.documents, owner)
        page = relabel(w, lang, owner, documents, self.settings, doc or "", self._left_out(owner))
        fault = note(lang, steps.error, "page_not_whole")
        return {
            **page,
            w.header: f"{page[w.header]}\n\n{fault}" if fault else page[w.header],
            **self._collection_view(pinned, lang),
            w.publish: gr.Button(visible=may_publish(owner.role) and not owner.anonymous),
            w.upload_jobs: self._uploads_html(owner, statuses, lang),
            w.mine: self._mine(owner, lang),
            w.timer: gr.Timer(active=any(s.job.active for s in statuses)),
        }

    def chat(  # noqa: PLR0917 - Gradio passes an event's inputs positionally
        self,
        question: str,
        k: float,
        doc: str,
        ui_lang: str,
        messages: list[Message],
        asked: list[str],
        shown: collection.Shown,
        page: str,
        request: gr.Request,
    ) -> ChatUpdate:
        """Answer in the conversation (the earlier questions are its context), labelled in the
        interface's language; each card can be pinned. The conversation is kept with its
        owner, as this page's.

        A fault below the answer (a database gone, a damaged upload, the library being rebuilt,
        a full disk: `guarded`, logged) never costs the answer: a definition card or the
        uploads' progress that cannot be had are left out, a card without its neighbours goes
        without its context, and a conversation that cannot be opened or kept is said under the
        answer, in the interface's language (shown this once, not kept)."""
        lang, owner = as_language(ui_lang), self.owner(request)
        (messages, asked, shown), unopened = guarded(
            "the page's kept conversation", ([], [], shown or {}), self._resumed, owner, page, messages, asked, shown
        )
        history = asked or []
        reply, gone = _everywhere_if_gone(
            lambda d: answers.ask(self.workspace, question or "", int(k), d, lang, owner=owner, history=history), doc
        )
        shown, tokens = collection.remember(shown, reply.hits, reply.question)
        turn: list[Message] = []
        if reply.question.strip():
            turn.append({"role": "user", "content": render.question_html(reply.question, reply.note)})
        cards = render.answer_html(reply, lambda passage: self._neighbours(passage, owner), tokens)
        card = (self.workspace, reply.question, owner, lang, shown)
        (definition, shown), _ = guarded("the definition card", ("", shown), study_tab.definition_card, *card)
        cards = gone + definition + cards  # "what is X": the documents' own definition first
        cards += guarded("the uploads' progress", "", self._partial, owner, lang)[0]  # answering in part so far
        turn.append({"role": "assistant", "content": cards})
        messages = [*(messages or []), *turn][-MAX_MESSAGES:]
        asked = [*(asked or []), reply.question][-answers.MAX_HISTORY :] if reply.answer else (asked or [])
        unkept = self._kept(owner, page, Conversation(messages, asked, shown))
        notes = note(lang, unopened, "conversation_not_loaded")
        notes += note(lang, unkept, "conversation_not_kept")
        return _noted(messages, notes), messages, asked, "", shown

    def _partial(self, owner: Owner, lang: Language) -> str:
        return render.partial_html(self.intake.statuses(owner), lang)

    def _neighbours(self, passage: Passage, owner: Owner) -> tuple[list[Passage], list[Passage]]:
        """The passages around `passage` for its card's context; none when they cannot be read."""
        none: tuple[list[Passage], list[Passage]] = ([], [])
        return guarded(f"the neighbours of {passage.id}", none, self.workspace.neighbours, passage, owner)[0]

    def _kept(self, owner: Owner, page: str, kept: Conversation) -> ThesisQAError | None:
        """Keep the conversation as the page's (a page without an id keeps nothing); why not, when it cannot be."""
        if not conversation.is_page(page):
            return None
        record = (self.workspace.uploads, owner, page, kept)
        return guarded("keeping the conversation", None, conversation.save, *record)[1]

    def _resumed(
        self, owner: Owner, page: str, messages: list[Message], asked: list[str], shown: collection.Shown
    ) -> tuple[list[Message], list[str], collection.Shown]:
        """The conversation so far: this session's, or when the server has none (it restarted
        since the page opened; the page still sends its id), the one kept for the page."""
        if messages or not conversation.is_page(page):
            return messages or [], asked or [], shown or {}
        kept = conversation.load(self.workspace.uploads, owner, page)
        return kept.messages, kept.asked, {**kept.shown, **(shown or {})}

    def example(  # noqa: PLR0917
        self,
        index: int,
        k: float,
        doc: str,
        ui_lang: str,
        messages: list[Message],
        asked: list[str],
        shown: collection.Shown,
        page: str,
        request: gr.Request,
    ) -> ChatUpdate:
        """An example question, asked as soon as it is clicked."""
        question = EXAMPLES[index] if isinstance(index, int) and 0 <= index < len(EXAMPLES) else ""
        return self.chat(question, k, doc, ui_lang, messages, asked, shown, page, request)

    def forget(self, page: str, request: gr.Request) -> tuple[list[Message], list[str]]:
        """The chat was cleared: a new conversation (the next question is not a follow-up),
        this page's kept one deleted."""
        self._kept(self.owner(request), page, Conversation())  # cleared on the page even if not on the server
        return [], []

    def lookup(
        self, word: str, doc: str, ui_lang: str, shown: collection.Shown, request: gr.Request
    ) -> tuple[str, collection.Shown]:
        """Every passage holding the word (counted), each card pinnable (its pin headed
        "Lookup: «word»" in the interface's language)."""
        lang, owner = as_language(ui_lang), self.owner(request)
        reply, gone = _everywhere_if_gone(
            lambda d: answers.look_up(self.workspace, word or "", LOOKUP_SHOWN, d, lang, owner=owner), doc
        )
        shown, tokens = collection.remember(shown, reply.hits, text("lookup_pin", lang, word=reply.question))
        return gone + render.lookup_html(reply, tokens), shown

    def show_filter(self, doc: str, ui_lang: str) -> tuple[str, str]:
        """The document filter in force, beside the question box and the lookup field."""
        shown = render.filter_html(doc or "", as_language(ui_lang))
        return shown, shown

    def everywhere(  # noqa: PLR0917
        self,
        chosen: gr.SelectData,
        word: str,
        k: float,
        ui_lang: str,
        messages: list[Message],
        asked: list[str],
        shown: collection.Shown,
        page: str,
        request: gr.Request,
    ) -> dict[Block, object]:
        """Lift the document filter; on "chat:<question>" ask that question again, on
        "lookup" look the lookup field's word up again, now in every document."""
        w = self.widgets
        again, _, question = str(chosen.value).partition(":")
        lifted: dict[Block, object] = {w.document: "", w.chat_filter: "", w.lookup_filter: ""}
        if again == "chat" and question.strip():
            earlier = [q for q in asked or [] if q != question]
            update = self.chat(question, k, "", ui_lang, messages, earlier, shown, page, request)
            return {**lifted, **dict(zip((w.chat, w.messages, w.asked, w.question, w.shown), update, strict=True))}
        if again == "lookup":
            results, shown = self.lookup(word, "", ui_lang, shown, request)
            return {**lifted, w.lookup_results: results, w.shown: shown}
        return lifted

    def upload(self, path: str | None, ui_lang: str, request: gr.Request) -> tuple[str, str, gr.Dropdown, gr.Timer]:
        """Queue an uploaded file for indexing as the owner's; say why when it is refused."""
        lang, owner = as_language(ui_lang), self.owner(request)
        message = ""
        if path:
            received = Path(path)
            try:
                if not _within(received, Path(gr.utils.get_upload_folder())) or not received.is_file():
                    raise ThesisQAError("no such upload", code="upload_gone")
                self.intake.submit(owner, received, received.name)
            except ThesisQAError as error:
                message = why(lang, error)
            finally:
                _drop(received)
        statuses = self.intake.statuses(owner)
        return (
            render.note_html(message) if message else "",
            self._uploads_html(owner, statuses, lang),
            self._mine(owner, lang),
            gr.Timer(active=any(s.job.active for s in statuses)),
        )

    def refresh(self, ui_lang: str, doc: str, chosen: str, request: gr.Request) -> dict[Block, object]:
        """While uploads are in progress, and when the page is shown again: their state, and
        the documents once one is ready. Only the choices change: a selection the person makes
        meanwhile is kept, unless it is gone (an upload finished, removed or expired): then it
        goes back to none, and the document filter to "all documents" with a note (also when
        questions leave the chosen upload out: `_filter_lifted`). Documents that cannot be
        read leave the list and the filter as they are (the uploads' list says why)."""
        lang, owner, w = as_language(ui_lang), self.owner(request), self.widgets
        statuses = self.intake.statuses(owner)
        documents, left = self._documents(owner), self._left_out(owner)
        listing = {} if documents is None else {
            w.document: gr.Dropdown(choices=document_choices(documents, lang, left)),
            **self._filter_lifted(doc, documents, left, lang),
        }  # fmt: skip
        return {
            w.upload_jobs: self._uploads_html(owner, statuses, lang),
            w.mine: self._mine_kept(owner, chosen, lang),
            w.timer: gr.Timer(active=any(s.job.active for s in statuses)),
            **listing,
        }

    def _documents(self, owner: Owner) -> list[str] | None:
        """The names of the documents `owner` sees (`Workspace.documents`); None when they cannot be read."""
        documents, error = guarded("the documents", [], self.workspace.documents, owner)
        return None if error else documents

    def check_document(self, doc: str, chosen: str, ui_lang: str, request: gr.Request) -> dict[Block, object]:
        """After a question or a lookup: a chosen document that is gone (its upload expired
        or was removed while the page was open), or that questions leave out, gives way to
        "all documents", with a note, and "My uploads" lists the uploads left, and under them
        why one is left out."""
        owner, lang, w = self.owner(request), as_language(ui_lang), self.widgets
        documents = self._documents(owner) if doc else None  # unread: the filter stays
        if documents is None:  # no filter, or its documents unread: nothing changes ({} is one value to Gradio)
            return {w.chat_filter: gr.skip()}
        left = self._left_out(owner)
        if not (lifted := self._filter_lifted(doc, documents, left, lang)):
            # The filter holds; the selector gets its choices anew, its value kept: the session
            # copy Gradio keeps of it checks the page's choice against them (a restarted
            # server's session would lack it).
            return {w.document: gr.Dropdown(choices=document_choices(documents, lang, left))}
        uploads = self._uploads_html(owner, self.intake.statuses(owner), lang)
        return {**lifted, w.mine: self._mine_kept(owner, chosen, lang), w.upload_jobs: uploads}

    def _filter_lifted(
        self, doc: str, documents: list[str], left: dict[str, StoreError], lang: Language
    ) -> dict[Block, object]:
        """The document filter set back to every document, saying why, when `doc` is not among
        `documents` or is an upload questions leave out (`left`, by name) while they search the
        rest; nothing when none is chosen, or for a damaged upload (questions then fail, saying
        why)."""
        why = left.get(doc)
        code = why.code if why else ("" if doc in documents else "doc_unknown")
        if not doc or code not in SEARCHED_INSTEAD:
            return {}
        w, note = self.widgets, render.filter_lifted_html(doc, code, why.params if why else {}, lang)
        return {w.document: gr.Dropdown(choices=document_choices(documents, lang, left), value=""),
                w.chat_filter: note, w.lookup_filter: note}  # fmt: skip

    def remove(self, chosen: str, ui_lang: str, request: gr.Request) -> tuple[str, str, gr.Dropdown, gr.Timer]:
        """Remove one of the owner's uploads from disk, or cancel it while it is indexed (or say
        why not)."""
        lang, owner = as_language(ui_lang), self.owner(request)
        message, error = guarded("removing an upload", "", self._removed, owner, chosen or "", lang)
        message = why(lang, error) if error else message
        statuses = self.intake.statuses(owner)
        timer = gr.Timer(active=True)  # the document list follows on the next tick
        return render.note_html(message), self._uploads_html(owner, statuses, lang), self._mine(owner, lang), timer

    def _removed(self, owner: Owner, chosen: str, lang: Language) -> str:
        """Remove or cancel `chosen` ("u:<upload>", "j:<job>"); what became of it, to say."""
        name = render.visible(dict((value, name) for name, value in self._mine_names(owner)).get(chosen, ""))
        if chosen and not name:  # removed in another tab, or expired, while this page showed it
            return "⚠ " + error_text(lang, "upload_unknown", {})
        if chosen.startswith(JOB_PREFIX) and self.intake.cancel(owner, chosen.removeprefix(JOB_PREFIX)):
            return "✕ " + text("job_cancelled", lang, name=name)
        if chosen.startswith(UPLOAD_PREFIX) and self.intake.remove(owner, chosen.removeprefix(UPLOAD_PREFIX)):
            return "✓ " + text("removed", lang, name=name)
        return "⚠ " + text("choose_upload", lang)

    def publish(self, chosen: str, ui_lang: str, request: gr.Request) -> tuple[str, str, gr.Dropdown, gr.Timer]:
        """Queue adding one of the owner's uploads to the library (lecturers and admins). When
        it is refused, "My uploads" lists the uploads there are now (one removed in another
        tab, or on another computer, goes)."""
        lang, owner = as_language(ui_lang), self.owner(request)
        chosen = chosen or ""
        if not chosen.startswith(UPLOAD_PREFIX):
            return render.note_html("⚠ " + text("choose_upload", lang)), gr.skip(), gr.skip(), gr.skip()
        try:
            self.intake.publish(owner, chosen.removeprefix(UPLOAD_PREFIX))
        except ThesisQAError as error:
            message = why(lang, error)
            return render.note_html(message), gr.skip(), self._mine_kept(owner, chosen, lang), gr.skip()
        return "", self._uploads_html(owner, self.intake.statuses(owner), lang), gr.skip(), gr.Timer(active=True)

    def pin(
        self, chosen: gr.SelectData, shown: collection.Shown, ui_lang: str, request: gr.Request
    ) -> dict[Block, object]:
        """Add the card whose pin button was pressed to the owner's collection (only a card
        this session was shown: its token is looked up, never trusted for content); when the
        collection cannot be read or stored (`guarded`), why, in the interface's language."""
        lang, owner = as_language(ui_lang), self.owner(request)
        pin = (shown or {}).get(str(chosen.value))
        (pinned, grown), error = self._stored(
            "pinning a card", owner, lambda held: collection.add(held, pin) if pin else None
        )
        if error is not None:
            return {self.widgets.pin_status: _status(why(lang, error))}
        if pin is None:
            status = text("pin_gone", lang)
        elif grown is None:
            full = collection.is_full(pinned)
            status = text("collection_full", lang, n=len(pinned)) if full else text("already_pinned", lang)
        else:
            place = render.visible(str(pin.get("section") or pin.get("doc") or "")).rsplit(" › ", 1)[-1]
            status = text("pinned", lang, place=place, n=len(grown))
        return {**self._collection_view(grown or pinned, lang), self.widgets.pin_status: _status(status)}

    def change_pin(self, chosen: gr.SelectData, ui_lang: str, request: gr.Request) -> dict[Block, object]:
        """Move a pinned passage up or down, or remove it ("up:<id>", "down:<id>", "remove:<id>")."""
        lang, owner = as_language(ui_lang), self.owner(request)
        action, _, pin_id = str(chosen.value).partition(":")
        change = "changing the collection"
        (_, changed), error = self._stored(change, owner, lambda held: collection.change(held, action, pin_id))
        if error is not None:
            return {self.widgets.pin_status: _status(why(lang, error))}
        status = text("pin_removed", lang) if action == "remove" else ""
        return {**self._collection_view(changed or [], lang), self.widgets.pin_status: _status(status)}

    def _stored(
        self, part: str, owner: Owner, change: Callable[[list[collection.Pin]], list[collection.Pin] | None]
    ) -> tuple[tuple[list[collection.Pin], list[collection.Pin] | None], ThesisQAError | None]:
        """The owner's collection as it was and as `change` made it, stored (None: `change`
        left it as it was, nothing stored), one change at a time; or, when it cannot be read
        or stored (`guarded`), nothing changed and why."""

        def changed() -> tuple[list[collection.Pin], list[collection.Pin] | None]:
            held = self.workspace.uploads.collection(owner)
            kept = change(held)
            if kept is not None:
                self.workspace.uploads.save_collection(owner, kept)
            return held, kept

        with self._pins:
            return guarded(part, ([], None), changed)

    def confirm_clear(self, ui_lang: str, request: gr.Request) -> dict[Block, object]:
        """Ask before the collection is emptied: how many passages would go (when that cannot
        be read, why, in the question's place)."""
        w, lang = self.widgets, as_language(ui_lang)
        pinned, error = guarded("the collection", [], self.workspace.uploads.collection, self.owner(request))
        question = note(lang, error) or render.note_html(text("clear_confirm", lang, n=len(pinned)))
        return {w.clear_question: question, w.clear_confirm: gr.Row(visible=True)}

    def keep(self) -> gr.Row:
        """The clearing was cancelled."""
        return gr.Row(visible=False)

    def clear(self, ui_lang: str, request: gr.Request) -> dict[Block, object]:
        """Empty the collection; what it held stays with this page until undone."""
        w, lang = self.widgets, as_language(ui_lang)
        (pinned, _), error = self._stored("clearing the collection", self.owner(request), lambda _: [])
        if error is not None:
            return {w.pin_status: _status(why(lang, error)), w.clear_confirm: gr.Row(visible=False)}
        return {
            **self._collection_view([], lang),
            w.pin_status: _status(text("cleared", lang, n=len(pinned))),
            w.cleared: pinned,
            w.clear_confirm: gr.Row(visible=False),
            w.undo: gr.Button(visible=bool(pinned)),
        }

    def undo(self, cleared: list[collection.Pin], ui_lang: str, request: gr.Request) -> dict[Block, object]:
        """Put the cleared passages back, before any pinned since."""
        owner, w, lang = self.owner(request), self.widgets, as_language(ui_lang)
        restore = "restoring the collection"
        (_, restored), error = self._stored(restore, owner, lambda held: collection.restore(held, cleared or []))
        if error is not None:  # the cleared passages stay with the page, to be put back later
            return {w.pin_status: _status(why(lang, error))}
        pinned = restored or []
        return {
            **self._collection_view(pinned, lang),
            w.pin_status: _status(text("restored", lang, n=len(pinned))),
            w.cleared: [],
            w.undo: gr.Button(visible=False),
        }

    def export_markdown(self, ui_lang: str, request: gr.Request) -> dict[Block, object]:
        return self._export("md", ui_lang, request)

    def export_docx(self, ui_lang: str, request: gr.Request) -> dict[Block, object]:
        return self._export("docx", ui_lang, request)

    def _export(self, kind: str, ui_lang: str, request: gr.Request) -> dict[Block, object]:
        """The owner's collection as a file for this page to save ("md" or "docx"): JSON with
        its name, media type and content (base64). Nothing is written on the server. When the
        collection cannot be read, nothing to save, and the pin status says why (as for every
        other change of the collection the store refuses)."""
        w, lang = self.widgets, as_language(ui_lang)
        pinned, error = guarded("the collection to export", [], self.workspace.uploads.collection, self.owner(request))
        if error is not None:
            return {w.export_payload: "", w.pin_status: _status(why(lang, error))}
        if not pinned or kind not in collection.EXPORTS:
            return {w.export_payload: ""}
        name, media_type, content = collection.export(pinned, kind, lang)
        file = {"name": name, "type": media_type, "data": base64.b64encode(content).decode("ascii")}
        return {w.export_payload: json.dumps(file)}

    def _collection_view(self, pinned: list[collection.Pin], lang: Language) -> dict[Block, object]:
        """The collection's list, its tab's label (with the count) and its buttons."""
        w, some = self.widgets, bool(pinned)
        return {
            w.collection: render.collection_html(collection.excerpts(pinned), lang),
            w.collection_tab: gr.Tab(label=text("tab_collection", lang, n=len(pinned))),
            w.download_md: gr.Button(value=text("download_md", lang), interactive=some),
            w.download_docx: gr.Button(value=text("download_docx", lang), interactive=some),
            w.clear: gr.Button(value=text("clear", lang), interactive=some),
        }

    def _language(self, choice: str, request: gr.Request | None) -> Language:
        """The language chosen on the page; on "auto", the one chosen at login, else the browser's."""
        if choice != AUTO:
            return as_language(choice)
        raw = getattr(request, "request", None) if request else None
        chosen = raw.cookies.get(LANGUAGE_COOKIE, "") if raw is not None else ""
        return preferred_language(chosen, request.headers.get("accept-language", "") if request else "")

    def _mine_names(self, owner: Owner) -> list[tuple[str, str]]:
        """The owner's uploads (to remove or publish) and uploads in progress (to cancel), by name."""
        active = [s.job for s in self.intake.statuses(owner) if s.job.active]
        return [
            *((u.name, UPLOAD_PREFIX + u.id) for u in self.workspace.uploads.live(owner)),
            *((job.name + " ⏳", JOB_PREFIX + job.id) for job in active),
        ]

    def _mine_choices(self, owner: Owner, lang: Language) -> list[tuple[str, str]]:
        """`_mine_names` as "My uploads" lists them: an upload questions leave out says why
        (`listed`), and can still be removed or published; none when they cannot be read (the
        uploads' list says why: `_uploads_html`)."""
        left = {UPLOAD_PREFIX + upload.id: why for upload, why in self._left(owner)[0]}
        mine, _ = guarded("the owner's uploads", [], self._mine_names, owner)
        return [(listed(name, left.get(value), lang), value) for name, value in mine]

    def _mine_kept(self, owner: Owner, chosen: str, lang: Language) -> gr.Dropdown:
        """The owner's uploads, `chosen` kept if it is still among them (else none chosen)."""
        mine = [("", ""), *self._mine_choices(owner, lang)]
        return gr.Dropdown(choices=mine, value=chosen if chosen in {value for _, value in mine} else "")

    def _mine(self, owner: Owner, lang: Language) -> gr.Dropdown:
        """The owner's uploads, none chosen, labelled in the page's language (an update names only
        what it changes: `_mine_kept` leaves the label as it is)."""
        return gr.Dropdown(label=text("mine", lang), choices=[("", ""), *self._mine_choices(owner, lang)], value="")

    def _left_out(self, owner: Owner) -> dict[str, StoreError]:
        """The owner's uploads that questions leave out, by name, each with why (`Workspace.left_out`;
        none when they cannot be read)."""
        return {upload.name: why for upload, why in self._left(owner)[0]}

    def _left(self, owner: Owner) -> tuple[list[tuple[Upload, StoreError]], ThesisQAError | None]:
        """`Workspace.left_out`, or none and why when the owner's uploads cannot be read."""
        return guarded("the uploads left out", [], self.workspace.left_out, owner)

    def _uploads_html(self, owner: Owner, statuses: list[JobStatus], lang: Language) -> str:
        """The owner's uploads in progress and just finished, then those questions leave out:
        why, and what to do, whole (the lists say it in a few words); or why they cannot be read."""
        left, error = self._left(owner)
        return render.jobs_html(statuses, lang) + render.left_out_html([w for _, w in left], lang) + note(lang, error)


def _status(message: str) -> str:
    """A message for the pin status, which is HTML (`gr.HTML`'s template puts its value in as
    markup): escaped, since it may hold a section title or a name from a document."""
    return html.escape(message, quote=False)


def _noted(messages: list[Message], notes: str) -> list[Message]:
    """The messages as shown: `notes` under the last answer, only there (the kept ones go without)."""
    if not notes or not messages:
        return messages
    return [*messages[:-1], {**messages[-1], "content": f"{messages[-1]['content']}{notes}"}]


def _everywhere_if_gone(search: Callable[[str], answers.Reply], doc: str | None) -> tuple[answers.Reply, str]:
    """`search` of document `doc` ("" for all); when `doc` is gone (its upload removed in
    another tab, or expired, while this page still had it chosen) or is an upload questions
    leave out, of every document instead, with a note saying why in the reply's language (""
    when not), rather than an answer or a count from a filter that points at nothing."""
    reply = search(doc or "")
    if not doc or reply.code not in SEARCHED_INSTEAD:
        return reply, ""
    everywhere = search("")
    return everywhere, render.note_html("ℹ " + render.lifted_note(doc, reply.code, reply.params, everywhere.language))


def _within(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _drop(received: Path) -> None:
    """Delete the web server's copy of an upload (taken, or refused) and its folder, so no URL
    of Gradio's file route serves it any longer."""
    if not _within(received, Path(gr.utils.get_upload_folder())):
        return
    received.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty: another session uploaded the same file
        received.parent.rmdir()
