"""What each event of the page does: ask, look up, upload, pin, clear, switch language."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import gradio as gr
from gradio.components import Component

from thesis_qa.config import Settings
from thesis_qa.errors import ThesisQAError
from thesis_qa.workspace import Workspace
from thesis_qa_app import answers, collection, render
from thesis_qa_app.texts import AUTO, as_language, browser_language, error_text, text
from thesis_qa_app.uploads import index_document, read_upload
from thesis_qa_app.widgets import Widgets, document_choices, relabel

Message = dict[str, object]


class Handlers:
    def __init__(self, workspace: Workspace, settings: Settings, widgets: Widgets, exports: Path) -> None:
        self.workspace = workspace
        self.settings = settings
        self.widgets = widgets
        self.exports = exports
        self.neighbours = partial(answers.neighbours, workspace)

    def interface(self, choice: str, request: gr.Request) -> dict[Component, object]:
        """Relabel the page: the chosen language, or on "auto" the browser's."""
        header = request.headers.get("accept-language", "") if request else ""
        lang = browser_language(header) if choice == AUTO else as_language(choice)
        return relabel(self.widgets, lang, self.workspace.documents(), self.settings)

    def chat(  # noqa: PLR0917 - Gradio passes an event's inputs positionally
        self, question: str, history: list[Message], k: float, doc: str, choice: str, ui_lang: str
    ) -> tuple[list[Message], str, list[collection.Pin], gr.CheckboxGroup]:
        """Answer in the conversation; the answer's passages become the pin choices."""
        lang = answers.answer_language(choice, question, as_language(ui_lang))
        answer = answers.ask(self.workspace, question, int(k), doc or "", lang)
        turn: list[Message] = [{"role": "user", "content": render.question_html(question)}] if question.strip() else []
        turn.append({"role": "assistant", "content": render.answer_html(answer, self.neighbours)})
        pins = collection.pinnable(answer)
        choices = collection.pin_choices(pins, as_language(ui_lang))
        return [*(history or []), *turn], "", pins, gr.CheckboxGroup(choices=choices, value=[])

    def lookup(self, word: str, doc: str, ui_lang: str) -> str:
        answer = answers.ask(self.workspace, word, answers.LOOKUP_K, doc or "", as_language(ui_lang))
        return render.lookup_html(answer)

    def upload(self, path: str | None, ui_lang: str, progress: gr.Progress = gr.Progress()) -> tuple[str, object]:  # noqa: B008 - Gradio's way to ask for a progress bar
        """Read and index an uploaded file; on failure say why and keep what was indexed."""
        lang = as_language(ui_lang)
        if not path:
            return "", gr.skip()
        try:
            progress(0.1, desc=text("upload_reading", lang))
            doc = read_upload(Path(path), self.settings.max_upload_bytes)
            indexing = text("upload_indexing", lang)
            progress(0.2, desc=indexing)
            passages = index_document(
                self.workspace, doc, lambda done, total: progress(0.2 + 0.8 * done / max(total, 1), desc=indexing)
            )
        except ThesisQAError as error:
            return render.note_html("⚠ " + error_text(lang, error.code, error.params, str(error))), gr.skip()
        message = render.note_html("✓ " + text("upload_done", lang, name=doc.name, passages=passages))
        choices = document_choices(self.workspace.documents(), lang)
        return message, gr.Dropdown(choices=choices, value=doc.name)

    def pin(
        self,
        chosen: list[str],
        candidates: list[collection.Pin],
        pinned: list[collection.Pin],
        ui_lang: str,
        request: gr.Request,
    ) -> tuple[list[collection.Pin], str, gr.DownloadButton, list[str]]:
        """Add the chosen passages of the last answer to this session's collection."""
        pinned = collection.add_pins(pinned or [], candidates or [], chosen or [])
        markdown = collection.to_markdown(pinned, as_language(ui_lang))
        if not markdown:
            return pinned, "", gr.DownloadButton(value=None, interactive=False), []
        session = request.session_hash if request and request.session_hash else "anonymous"
        path = collection.write_markdown(markdown, self.exports, session)
        return pinned, markdown, gr.DownloadButton(value=str(path), interactive=True), []

    def clear(self) -> tuple[list[collection.Pin], str, gr.DownloadButton, list[str]]:
        return [], "", gr.DownloadButton(value=None, interactive=False), []
