"""The components of the page that events read or relabel, and their texts in each language."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import gradio as gr
from gradio.blocks import Block
from gradio.components import Component

from thesis_qa import Language
from thesis_qa.config import Settings
from thesis_qa.errors import ThesisQAError
from thesis_qa.service.owners import Owner
from thesis_qa_app.render import visible
from thesis_qa_app.texts import AUTO, LANGUAGE_CHOICES, SUPPORTED_TYPES, text


def server_checked(**options: Any) -> gr.Dropdown:
    """A plain list (nothing to type: no keyboard pops up on a phone) whose choice the
    handlers check against the owner's own documents and uploads, not Gradio. Gradio refuses
    a value its session copy's choices lack, with an English "Error" toast: a page whose
    session the server lost (it restarted) sends a choice its new session does not list, and
    the page's every-second tick can send the choice a job had while the update that removed
    it is on its way. `allow_custom_value` is what lets such a value through: Gradio rebuilds
    a session's component from its constructor's arguments whenever an update changes its
    choices, so a check patched onto the instance is gone from the session's copy. Gradio
    makes a list that takes any value filterable; the page is told otherwise (an update sends
    only what it changes, so the page keeps this)."""
    listed = gr.Dropdown(allow_custom_value=True, **options)
    listed.filterable = False
    return listed


@dataclass
class Widgets:
    """Every component the handlers read or relabel."""

    ui_lang: gr.Textbox
    messages: gr.State
    asked: gr.State
    shown: gr.State
    header: gr.Markdown
    nav: gr.HTML
    language: gr.Radio
    chat: gr.Chatbot
    question: gr.Textbox
    ask: gr.Button
    examples: gr.Dataset
    lookup_tab: gr.Tab
    collection_tab: gr.Tab
    documents_tab: gr.Tab
    document: gr.Dropdown
    top_k: gr.Dropdown
    upload: gr.UploadButton
    upload_note: gr.Markdown
    upload_message: gr.Markdown
    upload_jobs: gr.Markdown
    mine: gr.Dropdown
    remove: gr.Button
    publish: gr.Button
    timer: gr.Timer
    visible: gr.HTML  # tells the server when the page is shown again
    lookup: gr.Textbox
    find: gr.Button
    lookup_results: gr.HTML
    pin_bridge: gr.HTML
    pin_status: gr.HTML
    collection: gr.HTML
    download_md: gr.Button
    download_docx: gr.Button
    clear: gr.Button
    export_payload: gr.Textbox
    chat_filter: gr.HTML
    lookup_filter: gr.HTML
    unfilter: gr.HTML
    clear_confirm: gr.Row
    clear_question: gr.HTML
    clear_yes: gr.Button
    clear_no: gr.Button
    undo: gr.Button
    cleared: gr.State
    page: gr.Textbox  # this page's id (its conversation's key: thesis_qa_app.conversation), kept by the page
    page_sent: gr.Textbox  # the id the browser tab keeps, sent when the page opens

    def labelled(self) -> list[Component]:
        """The components `relabel` and the page's opening update."""
        skip = {"messages", "asked", "shown", "timer", "visible", "pin_bridge", "export_payload", "lookup_results",
                "unfilter", "clear_confirm", "clear_question", "cleared", "chat_filter", "lookup_filter", "page",
                "page_sent"}  # fmt: skip
        return [getattr(self, f.name) for f in fields(self) if f.name not in skip]


def relabel(  # noqa: PLR0917
    w: Widgets,
    lang: Language,
    owner: Owner,
    documents: list[str],
    settings: Settings,
    chosen: str = "",
    left: Mapping[str, ThesisQAError] | None = None,
) -> dict[Block, object]:
    """Every visible text of the page in `lang`, for `owner` (the collection's tab, list and
    buttons are set with the collection: `Handlers._collection_view`); the chosen document
    goes back to "all documents" when it is no longer among `documents`. `left`: the uploads
    questions leave out, by name, each with why (`document_choices`)."""
    privacy = "uploads_private_browser" if owner.anonymous else "uploads_private_account"
    hours = f"{settings.upload_lifetime_hours:g}"
    limit = text("upload_limit", lang, types=SUPPORTED_TYPES, mb=settings.max_upload_mb)
    note = f"{limit} {text(privacy, lang, hours=hours)}"
    header = f"# {text('title', lang)}\n{text('subtitle', lang)}"
    if not owner.anonymous:
        header += "\n\n" + visible(text("signed_in", lang, name=owner.name, role=owner.role))
    return {
        w.ui_lang: lang,
        w.header: header,
        w.language: gr.Radio(choices=[(text("auto", lang), AUTO), *LANGUAGE_CHOICES[1:]]),
        w.nav: nav_html(lang),
        w.chat: gr.Chatbot(placeholder=text("welcome", lang)),
        w.question: gr.Textbox(label=text("question", lang), placeholder=text("question_placeholder", lang)),
        w.ask: gr.Button(value=text("ask", lang)),
        w.examples: gr.Dataset(label=text("examples", lang)),
        w.lookup_tab: gr.Tab(label=text("tab_lookup", lang)),
        w.documents_tab: gr.Tab(label=text("tab_documents", lang)),
        w.document: gr.Dropdown(
            label=text("document", lang),
            choices=document_choices(documents, lang, left),
            value=chosen if chosen in documents else "",
        ),
        w.top_k: gr.Dropdown(label=text("top_k", lang)),
        w.upload: gr.UploadButton(label=text("upload", lang)),
        w.upload_note: note,
        w.mine: gr.Dropdown(label=text("mine", lang)),
        w.remove: gr.Button(value=text("remove", lang)),
        w.publish: gr.Button(value=text("publish", lang)),
        w.lookup: gr.Textbox(label=text("lookup", lang), placeholder=text("lookup_placeholder", lang)),
        w.find: gr.Button(value=text("find", lang)),
        w.clear_yes: gr.Button(value=text("clear_yes", lang)),
        w.clear_no: gr.Button(value=text("cancel", lang)),
        w.undo: gr.Button(value=text("undo", lang)),
        w.pin_status: "",
    }


NAV_TARGETS = (("nav_ask", "question"), ("tab_lookup", "lookup"), ("tab_collection", "collection"),
               ("tab_documents", "documents"))  # fmt: skip


def nav_html(lang: Language) -> str:
    """The phone's menu: links to the question box and to each tab (the page selects the tab)."""
    links = "".join(
        f'<a href="#{target}" data-go="{target}">{html.escape(text(key, lang, n="").replace(" ()", ""))}</a>'
        for key, target in NAV_TARGETS
    )
    return f'<nav aria-label="{html.escape(text("nav", lang))}">{links}</nav>'


def document_choices(
    documents: list[str], lang: Language, left: Mapping[str, ThesisQAError] | None = None
) -> list[tuple[str, str]]:
    """ "All documents" (value "") and then each document by name, an upload that questions
    leave out (`left`, by name) saying why (`listed`)."""
    left = left or {}
    return [(text("all_documents", lang), ""), *((listed(name, left.get(name), lang), name) for name in documents)]


def listed(name: str, why: ThesisQAError | None, lang: Language) -> str:
    """A document's or an upload's name as a list shows it; when questions leave it out, with
    why and what to do in a few words (`why`: `Workspace.left_out`; the whole sentence is shown
    under the uploads, `render.left_out_html`)."""
    return visible(name) + (f" — {text('state_' + why.code, lang)}" if why else "")
