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
from thesis_qa.limits import CONCURRENT_LIGHT_EVENTS, CONCURRENT_QUESTIONS, PAGE_MAX_K
from thesis_qa.service.accounts import Accounts
from thesis_qa.service.intake import Intake
from thesis_qa.service.workspace import Workspace
from thesis_qa_app import render, study_tab
from thesis_qa_app.api import register_api
from thesis_qa_app.guard import Door, Guard
from thesis_qa_app.handlers import Handlers
from thesis_qa_app.identity import BrowserCookie
from thesis_qa_app.login_page import LoginPage
from thesis_qa_app.texts import (
    AUTO,
    EXAMPLES,
    GRADIO_TEXTS,
    LANGUAGE_CHOICES,
    LANGUAGE_LABEL,
    LANGUAGES,
    SUPPORTED_TYPES,
    error_text,
    text,
)
from thesis_qa_app.widgets import Widgets, server_checked

MAX_LOOKUP_CHARS = 200
# The page's words LOCALISE puts where Gradio left English.
LOCALISED = ("chat_log", "more_tabs", "scroll_down", "close", "your_question", "reply", "connection_lost",
             "connection_lost_title", "toast_error", "toast_warning", "toast_info", "toast_success")  # fmt: skip
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
# The page's id, kept by its browser tab (a reload keeps it, a new tab makes its own): each
# page has its own conversation (thesis_qa_app.conversation). A duplicated tab starts with a
# copy of its original's sessionStorage, id included, made while the original is open. So a
# page marks its id as left when it is hidden (`pagehide`: a reload, a navigation, a close)
# and unmarks it as it opens: an id found marked is this tab's own, from before the reload;
# one found unmarked was copied from a page still open, so the page takes a new id and sends
# "<new>:<original>" (the server copies the original's conversation). Decided at once, from
# this tab's own storage: no waiting on other tabs.
PAGE_ID = """(choice) => {
  const valid = (id) => /^[0-9a-f]{32}$/.test(id);
  const fresh = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0")).join("");
  const kept = sessionStorage.getItem("tqaPage") || "";
  const reloaded = sessionStorage.getItem("tqaPageLeft") === kept;
  const id = valid(kept) && reloaded ? kept : fresh();
  sessionStorage.setItem("tqaPage", id);
  sessionStorage.removeItem("tqaPageLeft");
  addEventListener("pagehide", () => sessionStorage.setItem("tqaPageLeft", id));
  addEventListener("pageshow", (event) => event.persisted && sessionStorage.removeItem("tqaPageLeft"));
  return [choice, valid(kept) && !reloaded ? id + ":" + kept : id];
}"""
# The page's language: for the upload check below, for screen readers and hyphenation, and
# for Gradio's own words (LOCALISE).
REMEMBER_LANGUAGE = """(lang) => { const root = document.documentElement; root.dataset.tqaLang = root.lang = lang;
  if (window.tqaLocalise) window.tqaLocalise(); }"""
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
# A button that lifts the document filter (beside the question box and the lookup field, or
# under a refusal) sends its value, "<again>:<question>": "" just lifts it, "chat" asks the
# question again, "lookup" looks the word up again.
UNFILTER_BRIDGE = """
if (!window.tqaUnfilterBridge) {
  window.tqaUnfilterBridge = true;
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button.tqa-unfilter");
    if (!button) return;
    trigger("select", {index: 0, value: button.value || ":"});
  });
}
"""
# A page shown again (its tab chosen, its window restored) asks for its uploads anew: another
# tab may have removed one meanwhile, and the refresh timer runs only while one is indexed.
VISIBLE_BRIDGE = """
if (!window.tqaVisibleBridge) {
  window.tqaVisibleBridge = true;
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") trigger("select", {index: 0, value: "visible"});
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
# What pinning did, shown for a few seconds at the foot of the screen and read out: the live
# region is the element that stays (`element`, inside #pin-status), so each new text in it is
# announced.
TOAST = """
element.setAttribute("role", "status");
element.setAttribute("aria-live", "polite");
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
# Gradio's words that its translations do not reach, in the page's language: accessible names
# it sets in English ("chatbot conversation", "More tabs", each message named by its raw
# HTML) and its notices (their titles, "connection lost"); and Gradio's own locale (its module's
# `changeLocale`, found among the page's scripts) set to the page's, with GRADIO_TEXTS.
LOCALISE = """
  const words = __WORDS__;
  const named = [["#chat [role=log]", "chat_log"], ['button[aria-label="More tabs"]', "more_tabs"],
    ['#chat button[aria-label="Scroll down"]', "scroll_down"], ["[data-testid=toast-close]", "close"]];
  const notices = {"Connection Lost": "connection_lost_title", Error: "toast_error", Warning: "toast_warning",
    Info: "toast_info", Success: "toast_success",
    "Connection to the server was lost. Attempting reconnection...": "connection_lost"};
  let locale = "";
  const rename = (el, name) => {
    if (el.getAttribute("aria-label") !== name) el.setAttribute("aria-label", name);
    if (el.hasAttribute("title") && el.title !== name) el.title = name;
  };
  const localise = () => {
    const lang = document.documentElement.dataset.tqaLang || "kk", w = words[lang] || words.kk;
    for (const [selector, key] of named) {
      document.querySelectorAll(selector).forEach((el) => { el.dataset.tqaName = key; });
    }
    document.querySelectorAll("[data-tqa-name]").forEach((el) => rename(el, w[el.dataset.tqaName]));
    document.querySelectorAll("#chat [data-testid=user], #chat [data-testid=bot]").forEach((el) => {
      const first = el.querySelector(".tqa-head, .tqa-note") || el;
      const said = first.textContent.replace(/\\s+/g, " ").trim().slice(0, 80);
      if (el.getAttribute("role") !== "article") el.setAttribute("role", "article");
      rename(el, (el.dataset.testid === "user" ? w.your_question : w.reply) + ": " + said);
    });
    document.querySelectorAll("[data-testid=toast-body] *").forEach((el) => el.childNodes.forEach((node) => {
      const key = node.nodeType === 3 && notices[node.nodeValue.trim()];
      if (key) node.nodeValue = w[key];
    }));
    if (locale !== lang) {
      locale = lang;
      const core = performance.getEntriesByType("resource").map((e) => e.name)
        .find((name) => /\\/assets\\/core-[\\w-]+\\.js$/.test(name));
      if (core) import(core).then((m) => m.changeLocale && m.changeLocale(lang)).catch(() => {});
    }
  };
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; localise(); });
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
  window.tqaLocalise = localise;
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
#pin-status, #pin-status .prose { background: #1f2937; color: #fff; }
#pin-status:has(.tqa-shown) { position: fixed; left: 50%; bottom: 1em; transform: translateX(-50%); z-index: 20;
  width: auto; max-width: min(36em, 92vw); margin: 0; padding: .5em 1em; border-radius: 8px;
  box-shadow: 0 2px 10px rgb(0 0 0 / 25%); pointer-events: none; }
/* Out of sight but still read out (and its text kept for a screen reader's reading) when not shown. */
#pin-status:not(:has(.tqa-shown)) { position: fixed !important; width: 1px !important; height: 1px !important;
  overflow: hidden !important; clip-path: inset(50%); white-space: nowrap; padding: 0 !important;
  border: 0 !important; }
#pin-status p { margin: 0; color: #fff; }
#export-payload { display: none !important; }
#clear { margin-top: 1.5em; }
#chat-filter:not(:has(.tqa-filter)), #lookup-filter:not(:has(.tqa-filter)), #unfilter-bridge, #pin-bridge,
#visible-bridge { display: none; }
/* On a phone every control is at least 44x44 px (WCAG 2.5.5), the question box two lines tall
   so its hint is not cut. */
@media (max-width: 640px) {
  button.tqa-pin, button.tqa-unfilter, .tqa-actions button, #tools button, #tools [role=tab],
  #ask-area button, #chat button { min-height: 44px; min-width: 44px; }
  #tools input:not([type=radio]), #tools textarea, #language label { min-height: 44px; }
  #tqa-nav a { display: inline-flex; align-items: center; min-height: 44px; min-width: 44px; }
  #chat summary, #tools summary { min-height: 44px; padding: 11px 0; box-sizing: border-box; }
  #question textarea { min-height: calc(2lh + 2 * var(--input-padding, 10px)); }
  #tqa-header h1 { font-size: 1.3em; }
  #tqa-nav { display: block; }
  #chat, #chat > div, #chat .bubble-wrap, #chat [role=log] {
    height: auto !important; max-height: none !important; overflow: visible !important; }
  #ask-area { position: sticky; bottom: 0; z-index: 5; padding: .4em 0;
    background: var(--body-background-fill); }
  .tqa-card { padding: .4em .5em; }
  #pin-status:has(.tqa-shown) { bottom: 5em; }
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
    pin_status = gr.HTML(elem_id="pin-status", html_template="<p>${value}</p>", js_on_load=TOAST)
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
        cleared=gr.State([]),
        page=gr.Textbox("", visible=False),  # sent with each event: it outlives the server's session
        page_sent=gr.Textbox("", visible=False),
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


def _ask_box() -> dict[str, Any]:
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
    with gr.Column(elem_id="ask-area"):
        chat_filter = gr.HTML(elem_id="chat-filter", padding=False)
        with gr.Row(equal_height=True, elem_id="ask-row"):
            # No length limit in the page: a longer text is read on the server, which says what
            # it asked (`answers.read_question`); the request's size is bounded before that.
            question = gr.Textbox(
                elem_id="question", scale=5, min_width=200, max_lines=4, show_label=False, container=False
            )
            ask = gr.Button(elem_id="ask", variant="primary", scale=1, min_width=90)
    examples = gr.Dataset(
        components=[question], samples=[[q] for q in EXAMPLES], type="index", elem_id="examples", layout="table"
    )
    return {"chat": chat, "question": question, "ask": ask, "examples": examples, "chat_filter": chat_filter}


def _documents_box(settings: Settings) -> dict[str, Any]:
    # Plain lists (nothing to type: no keyboard pops up on a phone), whose choice the handlers
    # check, not Gradio (`server_checked`: a page whose session the server lost sends a choice
    # its new session does not list); whenever the choices change, a choice they no longer
    # hold is set back on the server, with a note (`Handlers.refresh`, `check_document`).
    document = server_checked(choices=[("", "")], value="", elem_id="document")
    # A list, not a slider: Gradio's slider names its parts in English, and its number field
    # and track are too small for a finger.
    counts = list(range(1, PAGE_MAX_K + 1))
    top_k = gr.Dropdown(counts, value=min(settings.top_k, PAGE_MAX_K), elem_id="top-k", filterable=False)
    upload = gr.UploadButton(elem_id="upload", file_types=SUPPORTED_TYPES.split(), type="filepath", size="md")
    gr.HTML('<p id="upload-check" class="tqa-note" role="alert"></p>', padding=False)
    parts = {
        "upload_note": gr.Markdown(elem_id="upload-note"),
        "upload_message": gr.Markdown(elem_id="upload-message", latex_delimiters=[]),
        "upload_jobs": gr.Markdown(elem_id="upload-jobs", latex_delimiters=[]),
    }
    with gr.Row(equal_height=True):
        mine = server_checked(choices=[("", "")], value="", elem_id="mine", scale=3)
        remove = gr.Button(elem_id="remove", size="sm", scale=1)
    publish = gr.Button(elem_id="publish", size="sm", visible=False)
    timer = gr.Timer(TICK_S, active=False)
    visible = gr.HTML(elem_id="visible-bridge", js_on_load=VISIBLE_BRIDGE)
    return {"document": document, "top_k": top_k, "upload": upload, **parts, "mine": mine, "remove": remove,
            "publish": publish, "timer": timer, "visible": visible}  # fmt: skip


def _lookup_box() -> dict[str, Any]:
    with gr.Row(equal_height=True):
        lookup = gr.Textbox(elem_id="lookup", scale=4, min_width=160, max_length=MAX_LOOKUP_CHARS, max_lines=1)
        find = gr.Button(elem_id="find", scale=1, min_width=80)
    lookup_filter = gr.HTML(elem_id="lookup-filter", padding=False)
    results = gr.HTML(elem_id="lookup-results", js_on_load=None)
    bridge = gr.HTML(elem_id="pin-bridge", js_on_load=PIN_BRIDGE)
    unfilter = gr.HTML(elem_id="unfilter-bridge", js_on_load=UNFILTER_BRIDGE)
    return {"lookup": lookup, "find": find, "lookup_results": results, "pin_bridge": bridge,
            "lookup_filter": lookup_filter, "unfilter": unfilter}  # fmt: skip


def _collection_box() -> dict[str, Any]:
    listing = gr.HTML(elem_id="collection", js_on_load=COLLECTION_JS)
    undo = gr.Button(elem_id="undo", size="sm", visible=False)
    with gr.Row():
        download_md = gr.Button(elem_id="download-md", interactive=False, size="sm")
        download_docx = gr.Button(elem_id="download-docx", interactive=False, size="sm")
    # Apart from the downloads, and only after a confirmation; the cleared pins can be put back.
    clear = gr.Button(elem_id="clear", size="sm", variant="stop", interactive=False)
    with gr.Row(visible=False, elem_id="clear-confirm") as clear_confirm:
        clear_question = gr.HTML(elem_id="clear-question", padding=False)
        clear_yes = gr.Button(elem_id="clear-yes", size="sm", variant="stop")
        clear_no = gr.Button(elem_id="clear-no", size="sm")
    payload = gr.Textbox(elem_id="export-payload", visible="hidden", show_label=False, container=False)
    return {"collection": listing, "download_md": download_md, "download_docx": download_docx,
            "clear": clear, "export_payload": payload, "undo": undo, "clear_confirm": clear_confirm,
            "clear_question": clear_question, "clear_yes": clear_yes, "clear_no": clear_no}  # fmt: skip


def _wire(w: Widgets, h: Handlers, demo: gr.Blocks) -> None:
    """The page's own events: private (not for API clients; those have /ask and /lookup). They
    can still be called through the queue, so each handler decides on the server whose data
    it may touch (thesis_qa_app.handlers)."""
    private: dict[str, Any] = {"api_visibility": "private", "show_progress": "minimal"}
    search: dict[str, Any] = {"concurrency_limit": CONCURRENT_QUESTIONS, "concurrency_id": "search", **private}
    quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
    light: dict[str, Any] = {"concurrency_limit": CONCURRENT_QUESTIONS, **quiet}
    page = [*w.labelled(), w.timer]
    opened = demo.load(h.start, [w.language, w.page_sent], [*page, w.messages, w.asked, w.shown, w.page], js=PAGE_ID,
                       api_name="ui_start", **light)  # fmt: skip
    opened.then(None, [w.ui_lang], None, js=REMEMBER_LANGUAGE)
    relabelled = w.language.change(h.interface, [w.language, w.document], page, api_name="ui_language", **light)
    relabelled.then(None, [w.ui_lang], None, js=REMEMBER_LANGUAGE)
    filters: dict[str, Any] = {"inputs": [w.document, w.ui_lang], "outputs": [w.chat_filter, w.lookup_filter]}
    relabelled.then(h.show_filter, **filters, **light)
    w.document.input(h.show_filter, api_name="ui_filter", **filters, **light)  # chosen by the person
    # After a question or a lookup, a chosen document that is gone or left out gives way to every
    # document, and "My uploads" lists what is left (and under it, why one is left out).
    checked: dict[str, Any] = {
        "inputs": [w.document, w.mine, w.ui_lang],
        "outputs": [w.document, w.chat_filter, w.lookup_filter, w.mine, w.upload_jobs],
    }
    demo.unload(h.leave)  # fires when the page is closed or reloaded (called then, not queued)
    context = [w.top_k, w.document, w.ui_lang, w.messages, w.asked, w.shown, w.page]
    chat_outputs = [w.chat, w.messages, w.asked, w.question, w.shown]
    asked = gr.on([w.question.submit, w.ask.click], h.chat, [w.question, *context], chat_outputs, api_name="ui_chat",
                  **search)  # fmt: skip
    asked.then(None, js=SCROLL_TO_ANSWER)
    asked.then(h.check_document, **checked, **light)
    example = w.examples.click(h.example, [w.examples, *context], chat_outputs, api_name="ui_example", **search)
    example.then(None, js=SCROLL_TO_ANSWER)
    example.then(h.check_document, **checked, **light)
    w.chat.clear(h.forget, [w.page], [w.messages, w.asked], api_name="ui_forget", **light)
    lookup_io: dict[str, Any] = {
        "inputs": [w.lookup, w.document, w.ui_lang, w.shown], "outputs": [w.lookup_results, w.shown]
    }  # fmt: skip
    looked = gr.on([w.lookup.submit, w.find.click], h.lookup, api_name="ui_lookup", **lookup_io, **search)
    looked.then(h.check_document, **checked, **light)
    everywhere_io: dict[str, Any] = {
        "inputs": [w.lookup, w.top_k, w.ui_lang, w.messages, w.asked, w.shown, w.page],
        "outputs": [w.document, w.chat_filter, w.lookup_filter, *chat_outputs, w.lookup_results],
    }
    w.unfilter.select(h.everywhere, api_name="ui_everywhere", **everywhere_io, **search)
    uploads: dict[str, Any] = {"concurrency_limit": CONCURRENT_LIGHT_EVENTS, "concurrency_id": "uploads", **private}
    upload_outputs = [w.upload_message, w.upload_jobs, w.mine, w.timer]
    w.upload.upload(h.upload, [w.upload, w.ui_lang], upload_outputs, api_name="ui_upload", **uploads)
    follow: dict[str, Any] = {"concurrency_limit": CONCURRENT_QUESTIONS, "concurrency_id": "follow", **quiet}
    follow_io: dict[str, Any] = {
        "inputs": [w.ui_lang, w.document, w.mine],
        "outputs": [w.upload_jobs, w.document, w.mine, w.timer, w.chat_filter, w.lookup_filter],
    }
    gr.on([w.timer.tick, w.visible.select], h.refresh, api_name="ui_refresh", **follow_io, **follow)
    w.remove.click(h.remove, [w.mine, w.ui_lang], upload_outputs, api_name="ui_remove", **uploads)
    publish_outputs = [w.upload_message, w.upload_jobs, w.mine, w.timer]
    w.publish.click(h.publish, [w.mine, w.ui_lang], publish_outputs, api_name="ui_publish", **uploads)
    pins: dict[str, Any] = {"concurrency_limit": CONCURRENT_LIGHT_EVENTS, "concurrency_id": "pins", **quiet}
    collection_outputs = [w.collection, w.collection_tab, w.download_md, w.download_docx, w.clear, w.pin_status]
    w.pin_bridge.select(h.pin, [w.shown, w.ui_lang], collection_outputs, api_name="ui_pin", **pins)
    w.collection.select(h.change_pin, [w.ui_lang], collection_outputs, api_name="ui_change_pin", **pins)
    confirm_outputs = [w.clear_question, w.clear_confirm]
    w.clear.click(h.confirm_clear, [w.ui_lang], confirm_outputs, api_name="ui_confirm_clear", **pins)
    w.clear_no.click(h.keep, None, [w.clear_confirm], api_name="ui_keep", **pins)
    cleared_outputs = [*collection_outputs, w.cleared, w.clear_confirm, w.undo]
    w.clear_yes.click(h.clear, [w.ui_lang], cleared_outputs, api_name="ui_clear", **pins)
    w.undo.click(h.undo, [w.cleared, w.ui_lang], [*collection_outputs, w.cleared, w.undo], api_name="ui_undo", **pins)
    for button, export in ((w.download_md, h.export_markdown), (w.download_docx, h.export_docx)):
        saved = button.click(export, [w.ui_lang], [w.export_payload, w.pin_status], api_name=f"ui_{export.__name__}",
                             **pins)  # fmt: skip
        saved.then(None, [w.export_payload], None, js=DOWNLOAD)


def launch_options(settings: Settings, accounts: Accounts, door: Door | None = None) -> dict[str, Any]:
    """Arguments of `Blocks.launch` for these settings: local only unless told otherwise, a
    login when accounts exist (our page, thesis_qa_app.login_page, answered by `door`,
    thesis_qa_app.guard), a cookie per browser,
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
        "i18n": gr.I18n(**{lang: {key: words[lang] for key, words in GRADIO_TEXTS.items()} for lang in LANGUAGES}),
        "footer_links": [],
        "app_kwargs": {
            "middleware": [
                Middleware(Guard, door=door),
                Middleware(LoginPage, door=door),
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
    words = {lang: {key: text(key, lang) for key in LOCALISED} for lang in LANGUAGES}
    localise = LOCALISE.replace("__WORDS__", json.dumps(words, ensure_ascii=False))
    return "() => {" + check + NAV + localise + SESSION_ENDED + "}"
