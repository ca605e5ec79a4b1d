"""The page: chat on the left, documents, uploads and quick lookup on the right (stacked on a
phone), a collection of pinned passages under the chat; every label in the chosen language."""

from __future__ import annotations

import json
from typing import Any

import gradio as gr
from gradio.components import Component
from starlette.middleware import Middleware

from thesis_qa.accounts import Accounts
from thesis_qa.config import Settings
from thesis_qa.intake import Intake
from thesis_qa.search import MAX_QUESTION_CHARS
from thesis_qa.workspace import Workspace
from thesis_qa_app import render
from thesis_qa_app.api import register_api
from thesis_qa_app.collection import EXPORT_NAME
from thesis_qa_app.handlers import Handlers
from thesis_qa_app.identity import BoundedRequests, BrowserCookie
from thesis_qa_app.texts import AUTO, LANGUAGE_CHOICES, LANGUAGE_LABEL, LANGUAGES, SUPPORTED_TYPES, error_text
from thesis_qa_app.widgets import Widgets

SEARCH_CONCURRENCY = 16  # questions and lookups answered at once
MAX_K = 10
MAX_LOOKUP_CHARS = 200
TICK_S = 1.0  # how often a page follows its uploads in progress
EXAMPLES = [
    "Кулик сипаттаған тәртіптің белгілері қандай?",
    "Саяси модернизация дегеніміз не?",
    "Что такое политическая модернизация?",
    "Какие страны приводятся как пример трансформации после фашистского и нацистского режимов?",
]
# After an answer, show the question and the first (best) passage, not the end of the chat.
SCROLL_TO_ANSWER = """() => setTimeout(() => {
  const answers = document.querySelectorAll("#chat [data-testid=bot]");
  const answer = answers[answers.length - 1];
  const log = answer && answer.closest("[role=log]");
  if (!log) return;
  const row = answer.closest(".message-row");
  const asked = row && row.previousElementSibling;
  const top = asked && asked.querySelector("[data-testid=user]") ? asked : answer;
  log.scrollTop += top.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
}, 150)"""
# The page's language, for the upload check below.
REMEMBER_LANGUAGE = "(lang) => { document.documentElement.dataset.tqaLang = lang; }"
# The export is made in the browser from the Markdown on the page: no file on the server.
DOWNLOAD = f"""() => {{
  const text = (document.querySelector("#collection textarea") || {{}}).value || "";
  if (!text) return;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], {{type: "text/markdown;charset=utf-8"}}));
  link.download = {json.dumps(EXPORT_NAME)};
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}}"""
# A file of the wrong type or over the limit is refused in the page, before Gradio's own check
# (an English toast) and before any byte is sent, with the app's message in the page's language.
UPLOAD_CHECK = """() => {
  const messages = __MESSAGES__, types = __TYPES__, limit = __LIMIT__;
  document.addEventListener("change", (event) => {
    const input = event.target;
    const ours = input instanceof HTMLInputElement && input.type === "file"
      && (input.dataset.testid || "").endsWith("upload-button");
    if (!ours) return;
    const file = input.files && input.files[0];
    const note = document.getElementById("upload-check");
    if (note) note.textContent = "";
    if (!file) return;
    const dot = file.name.lastIndexOf(".");
    const suffix = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
    const problem = !types.includes(suffix) ? "load_unsupported" : file.size > limit ? "load_too_big" : "";
    if (!problem) return;
    event.stopImmediatePropagation();
    event.preventDefault();
    input.value = "";
    const lang = document.documentElement.dataset.tqaLang || "kk";
    if (note) note.textContent = "⚠ " + messages[lang][problem].split("{name}").join(file.name);
  }, true);
}"""
LAYOUT_CSS = """
#tqa-header h1 { margin-bottom: .1em; }
#upload-check:empty { display: none; }
@media (max-width: 640px) {
  #tqa-header h1 { font-size: 1.3em; }
  .tqa-card { padding: .4em .5em; }
}
"""


def build_app(workspace: Workspace, intake: Intake, accounts: Accounts, settings: Settings) -> gr.Blocks:
    """The Blocks app over `workspace`, its queue set for several users at once."""
    with gr.Blocks(title="Thesis QA", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        register_api(workspace, accounts, settings, SEARCH_CONCURRENCY)
        widgets = _layout(settings)
        _wire(widgets, Handlers(workspace, intake, accounts, settings, widgets), demo)
    demo.queue(default_concurrency_limit=SEARCH_CONCURRENCY)
    return demo


def _layout(settings: Settings) -> Widgets:
    header = gr.Markdown(elem_id="tqa-header")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340):
            chat = gr.Chatbot(
                elem_id="chat",
                height="58vh",
                latex_delimiters=[],
                allow_tags=False,
                feedback_options=None,
                buttons=[],
                show_label=False,
                autoscroll=False,
                layout="panel",
                group_consecutive_messages=False,
            )
            with gr.Row(equal_height=True):
                question = gr.Textbox(
                    elem_id="question",
                    scale=5,
                    min_width=200,
                    max_lines=4,
                    max_length=MAX_QUESTION_CHARS,
                    show_label=False,
                    container=False,
                )
                ask = gr.Button(elem_id="ask", variant="primary", scale=1, min_width=90)
            examples = gr.Examples([[q] for q in EXAMPLES], inputs=[question], examples_per_page=len(EXAMPLES))
            collection_parts = _collection_box()
        with gr.Column(scale=2, min_width=300):
            language = gr.Radio(LANGUAGE_CHOICES, value=AUTO, label=LANGUAGE_LABEL, elem_id="language")
            documents = _documents_box(settings)
            lookup_parts = _lookup_box()
    return Widgets(
        ui_lang=gr.Textbox("kk", visible=False),
        messages=gr.State([]),
        asked=gr.State([]),
        answer_pins=gr.State([]),
        collection=gr.State([]),
        header=header,
        language=language,
        chat=chat,
        question=question,
        ask=ask,
        examples=examples.dataset,
        **documents,
        **lookup_parts,
        **collection_parts,
    )


def _documents_box(settings: Settings) -> dict[str, Component]:
    document = gr.Dropdown(choices=[("", "")], value="", elem_id="document", filterable=False)
    top_k = gr.Slider(1, MAX_K, value=min(settings.top_k, MAX_K), step=1, elem_id="top-k")
    upload = gr.UploadButton(elem_id="upload", file_types=SUPPORTED_TYPES.split(), type="filepath", size="md")
    gr.HTML('<p id="upload-check" class="tqa-note" role="alert"></p>', padding=False)
    parts = {
        "upload_note": gr.Markdown(elem_id="upload-note"),
        "upload_message": gr.Markdown(elem_id="upload-message", latex_delimiters=[]),
        "upload_jobs": gr.Markdown(elem_id="upload-jobs", latex_delimiters=[]),
    }
    with gr.Row(equal_height=True):
        mine = gr.Dropdown(choices=[("", "")], value="", elem_id="mine", filterable=False, scale=3)
        remove = gr.Button(elem_id="remove", size="sm", scale=1)
    publish = gr.Button(elem_id="publish", size="sm", visible=False)
    timer = gr.Timer(TICK_S, active=False)
    return {"document": document, "top_k": top_k, "upload": upload, **parts, "mine": mine, "remove": remove,
            "publish": publish, "timer": timer}  # fmt: skip


def _lookup_box() -> dict[str, Component]:
    title = gr.Markdown(elem_id="lookup-title")
    with gr.Row(equal_height=True):
        lookup = gr.Textbox(
            elem_id="lookup", scale=4, min_width=160, max_length=MAX_LOOKUP_CHARS, show_label=False, container=False
        )
        find = gr.Button(elem_id="find", scale=1, min_width=80)
    results = gr.Markdown(elem_id="lookup-results", latex_delimiters=[])
    return {"lookup_title": title, "lookup": lookup, "find": find, "lookup_results": results}


def _collection_box() -> dict[str, Component]:
    with gr.Accordion(open=True, elem_id="collection-box") as box:
        pins = gr.CheckboxGroup(choices=[], elem_id="pins")
        with gr.Row():
            pin = gr.Button(elem_id="pin", size="sm")
            clear = gr.Button(elem_id="clear", size="sm", variant="stop")
        markdown = gr.Textbox(
            elem_id="collection", lines=6, max_lines=16, interactive=False, buttons=["copy"], autoscroll=False
        )
        download = gr.Button(elem_id="download", interactive=False, size="sm")
    return {"collection_box": box, "pins": pins, "pin": pin, "markdown": markdown, "download": download, "clear": clear}


def _wire(w: Widgets, h: Handlers, demo: gr.Blocks) -> None:
    """The page's own events: private (not for API clients; those have /ask and /lookup). They
    can still be called through the queue, so each handler decides on the server whose data
    it may touch (thesis_qa_app.handlers)."""
    private = {"api_visibility": "private", "show_progress": "minimal"}
    search = {"concurrency_limit": SEARCH_CONCURRENCY, "concurrency_id": "search", **private}
    quiet = {"api_visibility": "private", "show_progress": "hidden"}
    page = [*w.labelled(), w.timer]
    opened = demo.load(h.start, [w.language], [*page, w.collection], api_name="ui_start", **quiet)
    opened.then(None, [w.ui_lang], None, js=REMEMBER_LANGUAGE)
    relabelled = w.language.change(h.interface, [w.language], page, api_name="ui_language", **quiet)
    relabelled.then(None, [w.ui_lang], None, js=REMEMBER_LANGUAGE)
    demo.unload(h.leave)  # fires when the page is closed or reloaded
    chat_inputs = [w.question, w.top_k, w.document, w.language, w.ui_lang, w.messages, w.asked]
    chat_outputs = [w.chat, w.messages, w.asked, w.question, w.answer_pins, w.pins]
    asked = gr.on([w.question.submit, w.ask.click], h.chat, chat_inputs, chat_outputs, api_name="ui_chat", **search)
    asked.then(None, js=SCROLL_TO_ANSWER)
    lookup_io = {"inputs": [w.lookup, w.document, w.ui_lang], "outputs": [w.lookup_results]}
    gr.on([w.lookup.submit, w.find.click], h.lookup, api_name="ui_lookup", **lookup_io, **search)
    uploads = {"concurrency_limit": 4, "concurrency_id": "uploads", **private}
    upload_outputs = [w.upload_message, w.upload_jobs, w.mine, w.timer]
    w.upload.upload(h.upload, [w.upload, w.ui_lang], upload_outputs, api_name="ui_upload", **uploads)
    follow = {"concurrency_limit": SEARCH_CONCURRENCY, "concurrency_id": "follow", **quiet}
    follow_io = {"inputs": [w.ui_lang], "outputs": [w.upload_jobs, w.document, w.mine, w.timer]}
    w.timer.tick(h.refresh, api_name="ui_refresh", **follow_io, **follow)
    w.remove.click(h.remove, [w.mine, w.ui_lang], upload_outputs, api_name="ui_remove", **uploads)
    publish_outputs = [w.upload_message, w.upload_jobs, w.timer]
    w.publish.click(h.publish, [w.mine, w.ui_lang], publish_outputs, api_name="ui_publish", **uploads)
    collection_outputs = [w.collection, w.markdown, w.download, w.pins]
    pin_inputs = [w.pins, w.answer_pins, w.collection, w.ui_lang]
    w.pin.click(h.pin, pin_inputs, collection_outputs, api_name="ui_pin", **private)
    w.clear.click(h.clear, [], collection_outputs, api_name="ui_clear", **private)
    w.download.click(None, js=DOWNLOAD)


def launch_options(settings: Settings, accounts: Accounts) -> dict[str, Any]:
    """Arguments of `Blocks.launch` for these settings: local only unless told otherwise, a
    login when accounts exist, a cookie per browser, bounded requests, no analytics, no
    outside requests."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": settings.share,
        "auth": accounts.verify if accounts.configured() else None,
        "max_file_size": f"{settings.max_upload_mb}mb",
        "css": render.CSS + LAYOUT_CSS,
        "js": upload_check(settings),
        "app_kwargs": {
            "middleware": [
                Middleware(BoundedRequests),
                Middleware(BrowserCookie, max_age_s=round(settings.upload_lifetime_hours * 3600)),
            ]
        },
        "blocked_paths": [str(settings.index_dir.resolve())],
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "pwa": False,
    }


def upload_check(settings: Settings) -> str:
    """The page's own check of a chosen file, with the app's messages in every language."""
    params = {"types": SUPPORTED_TYPES, "limit_mb": settings.max_upload_mb, "name": "{name}"}
    messages = {
        lang: {code: error_text(lang, code, params) for code in ("load_unsupported", "load_too_big")}
        for lang in LANGUAGES
    }
    return (
        UPLOAD_CHECK.replace("__MESSAGES__", json.dumps(messages, ensure_ascii=False))
        .replace("__TYPES__", json.dumps(SUPPORTED_TYPES.split()))
        .replace("__LIMIT__", str(settings.max_upload_bytes))
    )
