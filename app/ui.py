"""The page: chat on the left, documents and quick lookup on the right (stacked on a phone),
a collection of pinned passages under the chat; every label in the chosen language."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr
from gradio.components import Component

from thesis_qa.config import Settings
from thesis_qa.workspace import Workspace
from thesis_qa_app import render
from thesis_qa_app.api import register_api
from thesis_qa_app.handlers import Handlers
from thesis_qa_app.texts import AUTO, LANGUAGE_CHOICES, LANGUAGE_LABEL, SUPPORTED_TYPES
from thesis_qa_app.widgets import Widgets

SEARCH_CONCURRENCY = 16  # questions and lookups answered at once; uploads go one at a time
MAX_K = 10
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
LAYOUT_CSS = """
#tqa-header h1 { margin-bottom: .1em; }
@media (max-width: 640px) {
  #tqa-header h1 { font-size: 1.3em; }
  .tqa-card { padding: .4em .5em; }
}
"""


def build_app(workspace: Workspace, settings: Settings) -> gr.Blocks:
    """The Blocks app over `workspace`, its queue set for several users at once."""
    exports = Path(tempfile.mkdtemp(prefix="thesis-qa-exports-"))
    with gr.Blocks(title="Thesis QA", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        register_api(workspace, settings, SEARCH_CONCURRENCY)
        widgets = _layout(settings)
        _wire(widgets, Handlers(workspace, settings, widgets, exports), demo)
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
                    elem_id="question", scale=5, min_width=200, max_lines=4, show_label=False, container=False
                )
                ask = gr.Button(elem_id="ask", variant="primary", scale=1, min_width=90)
            examples = gr.Examples([[q] for q in EXAMPLES], inputs=[question], examples_per_page=len(EXAMPLES))
            collection_parts = _collection_box()
        with gr.Column(scale=2, min_width=300):
            language = gr.Radio(LANGUAGE_CHOICES, value=AUTO, label=LANGUAGE_LABEL, elem_id="language")
            documents = _documents_box(settings)
            lookup_parts = _lookup_box()
    return Widgets(
        ui_lang=gr.State("kk"),
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
    note = gr.Markdown(elem_id="upload-note")
    status = gr.Markdown(elem_id="upload-status", latex_delimiters=[])
    return {"document": document, "top_k": top_k, "upload": upload, "upload_note": note, "upload_status": status}


def _lookup_box() -> dict[str, Component]:
    title = gr.Markdown(elem_id="lookup-title")
    with gr.Row(equal_height=True):
        lookup = gr.Textbox(elem_id="lookup", scale=4, min_width=160, show_label=False, container=False)
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
        download = gr.DownloadButton(elem_id="download", interactive=False, size="sm")
    return {"collection_box": box, "pins": pins, "pin": pin, "markdown": markdown, "download": download, "clear": clear}


def _wire(w: Widgets, h: Handlers, demo: gr.Blocks) -> None:
    """The page's own events: private (not for API clients; those have /ask and /lookup)."""
    private = {"api_visibility": "private", "show_progress": "minimal"}
    search = {"concurrency_limit": SEARCH_CONCURRENCY, "concurrency_id": "search", **private}
    relabel_all = {"inputs": [w.language], "outputs": w.all(), "show_progress": "hidden"}
    gr.on([demo.load, w.language.change], h.interface, api_name="ui_language", api_visibility="private", **relabel_all)
    chat_inputs = [w.question, w.chat, w.top_k, w.document, w.language, w.ui_lang]
    chat_outputs = [w.chat, w.question, w.answer_pins, w.pins]
    asked = gr.on([w.question.submit, w.ask.click], h.chat, chat_inputs, chat_outputs, api_name="ui_chat", **search)
    asked.then(None, js=SCROLL_TO_ANSWER)
    lookup_io = {"inputs": [w.lookup, w.document, w.ui_lang], "outputs": [w.lookup_results]}
    gr.on([w.lookup.submit, w.find.click], h.lookup, api_name="ui_lookup", **lookup_io, **search)
    upload_io = {"inputs": [w.upload, w.ui_lang], "outputs": [w.upload_status, w.document]}
    one_at_a_time = {"concurrency_limit": 1, "concurrency_id": "index", "api_visibility": "private"}
    w.upload.upload(h.upload, api_name="ui_upload", **upload_io, **one_at_a_time)
    collection_outputs = [w.collection, w.markdown, w.download, w.pins]
    pin_inputs = [w.pins, w.answer_pins, w.collection, w.ui_lang]
    w.pin.click(h.pin, pin_inputs, collection_outputs, api_name="ui_pin", **private)
    w.clear.click(h.clear, [], collection_outputs, api_name="ui_clear", **private)


def launch_options(settings: Settings) -> dict[str, object]:
    """Arguments of `Blocks.launch` for these settings: local only unless told otherwise, a
    login when a user and password are set, no analytics, no outside requests."""
    auth = (settings.user, settings.password) if settings.user and settings.password else None
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": settings.share,
        "auth": auth,
        "max_file_size": f"{settings.max_upload_mb}mb",
        "css": render.CSS + LAYOUT_CSS,
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "pwa": False,
    }
