"""The page: the chat on the left; quick lookup, the collection and documents as tabs on the
right. On a phone the columns stack, the page scrolls as one (the chat grows instead of
scrolling inside itself), the question box stays at the bottom of the screen, and a menu at
the top leads to each tab. Every label is in the chosen language, the page's `lang` too."""

from __future__ import annotations

import json
from typing import Any

import gradio as gr
from gradio.components import Component
from starlette.middleware import Middleware

from thesis_qa.config import Settings
from thesis_qa.limits import CONCURRENT_LIGHT_EVENTS, CONCURRENT_QUESTIONS, MAX_QUESTION_CHARS, PAGE_MAX_K
from thesis_qa.service.accounts import Accounts
from thesis_qa.service.intake import Intake
from thesis_qa.service.workspace import Workspace
from thesis_qa_app import render, study_tab
from thesis_qa_app.api import register_api
from thesis_qa_app.guard import Door, Guard
from thesis_qa_app.handlers import Handlers
from thesis_qa_app.identity import BrowserCookie
from thesis_qa_app.texts import (
    AUTO,
    EXAMPLES,
    LANGUAGE_CHOICES,
    LANGUAGE_LABEL,
    LANGUAGES,
    SUPPORTED_TYPES,
    error_text,
)
from thesis_qa_app.widgets import Widgets

MAX_LOOKUP_CHARS = 200
TICK_S = 1.0  # how often a page follows its uploads in progress
# After an answer, show the question and the first (best) passage, not the end of the chat:
# inside the chat's own box on a wide screen, on the page itself on a phone.
SCROLL_TO_ANSWER = """() => setTimeout(() => {
  const answers = document.querySelectorAll("#chat [data-testid=bot]");
  const answer = answers[answers.length - 1];
  if (!answer) return;
  const row = answer.closest(".message-row");
  const asked = row && row.previousElementSibling;
  const top = asked && asked.querySelector("[data-testid=user]") ? asked : answer;
  const log = answer.closest("[role=log]");
  if (log && log.scrollHeight > log.clientHeight + 1 && getComputedStyle(log).overflowY !== "visible") {
    log.scrollTop += top.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
  } else {
    window.scrollBy(0, top.getBoundingClientRect().top - 8);
  }
}, 150)"""
# The page's language: for the upload check below, and for screen readers and hyphenation.
REMEMBER_LANGUAGE = "(lang) => { const root = document.documentElement; root.dataset.tqaLang = root.lang = lang; }"
# A pin button of any card (answers, lookups) sends its token; the card shows it is pinned.
PIN_BRIDGE = """
if (!window.tqaPinBridge) {
  window.tqaPinBridge = true;
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button.tqa-pin");
    if (!button || !button.value) return;
    button.classList.add("tqa-pinned");
    button.setAttribute("aria-pressed", "true");
    trigger("select", {index: 0, value: button.value});
  });
}
"""
# The collection's buttons send "up:<id>", "down:<id>" or "remove:<id>"; after the list is
# redrawn, the keyboard focus returns to the same button (or the nearest one left).
COLLECTION_JS = """
let last = null;
element.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button || button.disabled) return;
  const item = button.closest("li");
  const position = Array.from(item.parentElement.children).indexOf(item);
  last = {action: button.dataset.action, id: button.dataset.id, position};
  trigger("select", {index: position, value: button.dataset.action + ":" + button.dataset.id});
});
watch("value", () => {
  if (!last) return;
  const buttons = Array.from(element.querySelectorAll("button[data-action]"));
  const same = buttons.find((b) => b.dataset.action === last.action && b.dataset.id === last.id && !b.disabled);
  const mine = buttons.find((b) => b.dataset.id === last.id && !b.disabled);
  const near = element.querySelectorAll("li")[Math.min(last.position, element.querySelectorAll("li").length - 1)];
  const target = same || mine || (near && near.querySelector("button[data-action=remove]"));
  last = null;
  if (target) target.focus();
});
"""
# What pinning did, shown for a few seconds at the foot of the screen (and read out).
TOAST = """
let timer = null;
watch("value", () => {
  element.classList.toggle("tqa-shown", Boolean(props.value));
  clearTimeout(timer);
  timer = setTimeout(() => element.classList.remove("tqa-shown"), 5000);
});
"""
# The export arrives as this page's event result (no file on the server) and is saved here.
DOWNLOAD = """(payload) => {
  if (!payload) return;
  const file = JSON.parse(payload);
  const bytes = Uint8Array.from(atob(file.data), (ch) => ch.charCodeAt(0));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([bytes], {type: file.type}));
  link.download = file.name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}"""
# The phone's menu: the question box, or a tab selected and scrolled to, its field focused.
NAV = """
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("#tqa-nav a[data-go]");
    if (!link) return;
    event.preventDefault();
    const go = link.dataset.go;
    const tab = document.getElementById("tab-" + go + "-button");
    if (tab) tab.click();
    setTimeout(() => {
      const field = go === "question" ? document.querySelector("#question textarea")
        : go === "lookup" ? document.querySelector("#lookup textarea, #lookup input")
        : document.getElementById("tools");
      const place = go === "question" ? field : document.getElementById("tools");
      if (place) place.scrollIntoView({block: "start"});
      if (field && field.focus) field.focus({preventScroll: true});
    }, 50);
  });
"""
# A login that ended while the page was open (its account removed, its password changed, a
# logout elsewhere: thesis_qa_app.guard answers 401) reloads the page, which then asks for the
# login; at most once in 10 s, so a page that cannot log in is never reloaded in a loop.
SESSION_ENDED = """
  if (!window.tqaSessionWatch) {
    window.tqaSessionWatch = true;
    const fetchBefore = window.fetch;
    window.fetch = async (...args) => {
      const response = await fetchBefore(...args);
      const url = String((args[0] && args[0].url) || args[0]);
      const last = Number(sessionStorage.getItem("tqaReloaded") || 0);
      if (response.status === 401 && url.includes("/gradio_api/") && Date.now() - last > 10000) {
        sessionStorage.setItem("tqaReloaded", String(Date.now()));
        location.reload();
      }
      return response;
    };
  }
"""
# A file of the wrong type or over the limit is refused in the page, before Gradio's own check
# (an English toast) and before any byte is sent, with the app's message in the page's language.
UPLOAD_CHECK = """
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
"""
# Text at a contrast of at least 4.5:1 (WCAG 2.1 AA): Gradio's subdued grey (2.5:1), its orange
# accent (2.8:1 as text, and under the white label of the primary button) and the red of the
# "clear" button (3.8:1 under white) made darker; the chat's text drawn at full opacity (Gradio
# fades it to 0.8, which takes the cards' quiet lines below 4.5:1).
LAYOUT_CSS = """
.gradio-container { --tqa-quiet: #4b5563; --body-text-color-subdued: #4b5563; --block-info-text-color: #4b5563;
  --input-placeholder-color: #5f6672; --tqa-focus: #1d4ed8; --color-accent: #c2410c;
  --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
  --button-primary-border-color: #c2410c; --button-primary-text-color: #ffffff;
  --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b;
  --button-cancel-border-color: #b91c1c; --button-cancel-text-color: #ffffff; }
.dark .gradio-container, .dark.gradio-container { --tqa-quiet: #c3c8d0; --body-text-color-subdued: #c3c8d0;
  --block-info-text-color: #c3c8d0; --input-placeholder-color: #aab0ba; --tqa-focus: #93b4ff; --color-accent: #fb923c;
  --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
  --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b; }
.gradio-container ::placeholder { color: var(--input-placeholder-color) !important; opacity: 1; }
#chat .prose.chatbot.md { opacity: 1; }
.gradio-container { overflow: clip !important; }  /* Gradio's "hidden" would scroll the phone's sticky question row */
.gradio-container :is(button, a, input, textarea, select, summary, [tabindex]):focus-visible,
.gradio-container :is(input, textarea):focus {
  outline: 3px solid var(--tqa-focus) !important; outline-offset: 2px !important; }
#tqa-header h1 { margin-bottom: .1em; }
#tqa-nav { display: none; }
#tqa-nav nav { display: flex; flex-wrap: wrap; gap: .3em 1em; }
#tqa-nav a { color: var(--tqa-focus); font-weight: 600; padding: .2em 0; }
#upload-check:empty { display: none; }
#pin-status { position: fixed; left: 50%; bottom: 1em; transform: translateX(-50%); z-index: 20; width: auto;
  max-width: min(36em, 92vw); margin: 0; padding: .5em 1em; border-radius: 8px; background: #1f2937; color: #fff;
  box-shadow: 0 2px 10px rgb(0 0 0 / 25%); opacity: 0; pointer-events: none; transition: opacity .2s; }
#pin-status.tqa-shown { opacity: 1; }
#pin-status p { margin: 0; }
#export-payload { display: none !important; }
@media (max-width: 640px) {
  #tqa-header h1 { font-size: 1.3em; }
  #tqa-nav { display: block; }
  #chat, #chat > div, #chat .bubble-wrap, #chat [role=log] {
    height: auto !important; max-height: none !important; overflow: visible !important; }
  #ask-row { position: sticky; bottom: 0; z-index: 5; padding: .4em 0;
    background: var(--body-background-fill); }
  .tqa-card { padding: .4em .5em; }
  #pin-status { bottom: 5em; }
}
"""


def build_app(workspace: Workspace, intake: Intake, accounts: Accounts, settings: Settings) -> gr.Blocks:
    """The Blocks app over `workspace`. Each event sets how many of it run at once, for several
    users: no `queue()` call sets a default, since it would build Gradio's FastAPI app once
    more (0.06 s of the start), and an event without a limit of its own would run one at a
    time."""
    with gr.Blocks(title="Thesis QA", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        register_api(workspace, accounts, settings, CONCURRENT_QUESTIONS)
        widgets, study = _layout(settings)
        _wire(widgets, Handlers(workspace, intake, accounts, settings, widgets), demo)
        study_tab.wire(*study, widgets.ui_lang, widgets.shown, study_tab.StudyTab(workspace, accounts))
    return demo


def _layout(settings: Settings) -> tuple[Widgets, tuple[dict[str, Component], gr.Tab]]:
    with gr.Row(equal_height=False, elem_id="tqa-top"):
        header = gr.Markdown(elem_id="tqa-header")
        language = gr.Radio(
            LANGUAGE_CHOICES, value=AUTO, label=LANGUAGE_LABEL, elem_id="language", scale=0, min_width=380
        )
    nav = gr.HTML(elem_id="tqa-nav")
    pin_status = gr.HTML(elem_id="pin-status", html_template='<p role="status">${value}</p>', js_on_load=TOAST)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340):
            ask_parts = _ask_box()
        with gr.Column(scale=2, min_width=300, elem_id="side"), gr.Tabs(elem_id="tools"):
            with gr.Tab(id="lookup", elem_id="tab-lookup", render_children=True) as lookup_tab:
                lookup_parts = _lookup_box()
            with gr.Tab(id="collection", elem_id="tab-collection", render_children=True) as collection_tab:
                collection_parts = _collection_box()
            with gr.Tab(id="documents", elem_id="tab-documents", render_children=True) as documents_tab:
                documents = _documents_box(settings)
            with gr.Tab("Көрсеткіш", id="study", elem_id="tab-study", render_children=True) as index_tab:
                study = study_tab.study_box()
    widgets = Widgets(
        ui_lang=gr.Textbox("kk", visible=False),
        messages=gr.State([]),
        asked=gr.State([]),
        shown=gr.State({}),
        header=header,
        nav=nav,
        pin_status=pin_status,
        language=language,
        lookup_tab=lookup_tab,
        collection_tab=collection_tab,
        documents_tab=documents_tab,
        **ask_parts,
        **documents,
        **lookup_parts,
        **collection_parts,
    )
    return widgets, (study, index_tab)


def _ask_box() -> dict[str, Component]:
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
    with gr.Row(equal_height=True, elem_id="ask-row"):
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
    examples = gr.Dataset(
        components=[question], samples=[[q] for q in EXAMPLES], type="index", elem_id="examples", layout="table"
    )
    return {"chat": chat, "question": question, "ask": ask, "examples": examples}


def _documents_box(settings: Settings) -> dict[str, Component]:
    document = gr.Dropdown(choices=[("", "")], value="", elem_id="document", filterable=False)
    top_k = gr.Slider(1, PAGE_MAX_K, value=min(settings.top_k, PAGE_MAX_K), step=1, elem_id="top-k")
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
    with gr.Row(equal_height=True):
        lookup = gr.Textbox(elem_id="lookup", scale=4, min_width=160, max_length=MAX_LOOKUP_CHARS, max_lines=1)
        find = gr.Button(elem_id="find", scale=1, min_width=80)
    results = gr.HTML(elem_id="lookup-results", js_on_load=None)
    bridge = gr.HTML(elem_id="pin-bridge", js_on_load=PIN_BRIDGE)
    return {"lookup": lookup, "find": find, "lookup_results": results, "pin_bridge": bridge}


def _collection_box() -> dict[str, Component]:
    listing = gr.HTML(elem_id="collection", js_on_load=COLLECTION_JS)
    with gr.Row():
        download_md = gr.Button(elem_id="download-md", interactive=False, size="sm")
        download_docx = gr.Button(elem_id="download-docx", interactive=False, size="sm")
        clear = gr.Button(elem_id="clear", size="sm", variant="stop", interactive=False)
    payload = gr.Textbox(elem_id="export-payload", visible="hidden", show_label=False, container=False)
    return {"collection": listing, "download_md": download_md, "download_docx": download_docx,
            "clear": clear, "export_payload": payload}  # fmt: skip


def _wire(w: Widgets, h: Handlers, demo: gr.Blocks) -> None:
    """The page's own events: private (not for API clients; those have /ask and /lookup). They
    can still be called through the queue, so each handler decides on the server whose data
    it may touch (thesis_qa_app.handlers)."""
    private = {"api_visibility": "private", "show_progress": "minimal"}
    search = {"concurrency_limit": CONCURRENT_QUESTIONS, "concurrency_id": "search", **private}
    quiet = {"api_visibility": "private", "show_progress": "hidden"}
    light = {"concurrency_limit": CONCURRENT_QUESTIONS, **quiet}
    page = [*w.labelled(), w.timer]
    opened = demo.load(h.start, [w.language], page, api_name="ui_start", **light)
    opened.then(None, [w.ui_lang], None, js=REMEMBER_LANGUAGE)
    relabelled = w.language.change(h.interface, [w.language], page, api_name="ui_language", **light)
    relabelled.then(None, [w.ui_lang], None, js=REMEMBER_LANGUAGE)
    demo.unload(h.leave)  # fires when the page is closed or reloaded (called then, not queued)
    context = [w.top_k, w.document, w.ui_lang, w.messages, w.asked, w.shown]
    chat_outputs = [w.chat, w.messages, w.asked, w.question, w.shown]
    asked = gr.on([w.question.submit, w.ask.click], h.chat, [w.question, *context], chat_outputs, api_name="ui_chat",
                  **search)  # fmt: skip
    asked.then(None, js=SCROLL_TO_ANSWER)
    example = w.examples.click(h.example, [w.examples, *context], chat_outputs, api_name="ui_example", **search)
    example.then(None, js=SCROLL_TO_ANSWER)
    w.chat.clear(h.forget, None, [w.messages, w.asked], api_name="ui_forget", **light)
    lookup_io = {"inputs": [w.lookup, w.document, w.ui_lang, w.shown], "outputs": [w.lookup_results, w.shown]}
    gr.on([w.lookup.submit, w.find.click], h.lookup, api_name="ui_lookup", **lookup_io, **search)
    uploads = {"concurrency_limit": CONCURRENT_LIGHT_EVENTS, "concurrency_id": "uploads", **private}
    upload_outputs = [w.upload_message, w.upload_jobs, w.mine, w.timer]
    w.upload.upload(h.upload, [w.upload, w.ui_lang], upload_outputs, api_name="ui_upload", **uploads)
    follow = {"concurrency_limit": CONCURRENT_QUESTIONS, "concurrency_id": "follow", **quiet}
    follow_io = {"inputs": [w.ui_lang], "outputs": [w.upload_jobs, w.document, w.mine, w.timer]}
    w.timer.tick(h.refresh, api_name="ui_refresh", **follow_io, **follow)
    w.remove.click(h.remove, [w.mine, w.ui_lang], upload_outputs, api_name="ui_remove", **uploads)
    publish_outputs = [w.upload_message, w.upload_jobs, w.timer]
    w.publish.click(h.publish, [w.mine, w.ui_lang], publish_outputs, api_name="ui_publish", **uploads)
    pins = {"concurrency_limit": CONCURRENT_LIGHT_EVENTS, "concurrency_id": "pins", **quiet}
    collection_outputs = [w.collection, w.collection_tab, w.download_md, w.download_docx, w.clear, w.pin_status]
    w.pin_bridge.select(h.pin, [w.shown, w.ui_lang], collection_outputs, api_name="ui_pin", **pins)
    w.collection.select(h.change_pin, [w.ui_lang], collection_outputs, api_name="ui_change_pin", **pins)
    w.clear.click(h.clear, [w.ui_lang], collection_outputs, api_name="ui_clear", **pins)
    for button, export in ((w.download_md, h.export_markdown), (w.download_docx, h.export_docx)):
        saved = button.click(export, [w.ui_lang], [w.export_payload], api_name=f"ui_{export.__name__}", **pins)
        saved.then(None, [w.export_payload], None, js=DOWNLOAD)


def launch_options(settings: Settings, accounts: Accounts, door: Door | None = None) -> dict[str, Any]:
    """Arguments of `Blocks.launch` for these settings: local only unless told otherwise, a
    login when accounts exist (answered by `door`, thesis_qa_app.guard), a cookie per browser,
    bounded requests, no analytics, no outside requests."""
    door = door or Door(settings, accounts)
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": settings.share,
        "auth": accounts.verify if accounts.configured() else None,
        "max_file_size": f"{settings.max_upload_mb}mb",
        "css": render.CSS + LAYOUT_CSS + study_tab.CSS,
        "js": page_script(settings),
        "app_kwargs": {
            "middleware": [
                Middleware(Guard, door=door),
                Middleware(BrowserCookie, max_age_s=round(settings.upload_lifetime_hours * 3600)),
            ],
            "lifespan": door.lifespan,
        },
        "blocked_paths": [str(settings.index_dir.resolve())],
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "pwa": False,
    }


def page_script(settings: Settings) -> str:
    """The page's own script: its menu, and its check of a chosen file with the app's
    messages in every language."""
    params = {"types": SUPPORTED_TYPES, "limit_mb": settings.max_upload_mb, "name": "{name}"}
    messages = {
        lang: {code: error_text(lang, code, params) for code in ("load_unsupported", "load_too_big")}
        for lang in LANGUAGES
    }
    check = (
        UPLOAD_CHECK.replace("__MESSAGES__", json.dumps(messages, ensure_ascii=False))
        .replace("__TYPES__", json.dumps(SUPPORTED_TYPES.split()))
        .replace("__LIMIT__", str(settings.max_upload_bytes))
    )
    return "() => {" + check + NAV + SESSION_ENDED + "}"
