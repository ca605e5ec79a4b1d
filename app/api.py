"""Named endpoints for programs (gradio_client): `/ask`, `/lookup`, `/documents`.

The chat's own events are private; these return plain JSON: each result is a
`Hit.to_json()` dict (id, doc, text, section, page, paragraph, order, kind, score,
highlights, terms), with the language answered in and, when nothing could be searched,
an error `code` and a `message` in that language.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from thesis_qa.config import Settings
from thesis_qa.workspace import Workspace
from thesis_qa_app import answers
from thesis_qa_app.texts import AUTO


def register_api(workspace: Workspace, settings: Settings, concurrency: int) -> None:
    """Add the endpoints to the Blocks being built."""

    def ask(question: str, k: int = settings.top_k, doc: str = "", language: str = AUTO) -> dict[str, Any]:
        """The k best passages for a question (Kazakh, Russian or English), answering sentences
        in `highlights`. `doc` limits the search to one document ("" = all); `language`
        ("auto", "kk", "ru", "en") picks the language of `message`."""
        lang = answers.answer_language(language, question)
        return answers.ask(workspace, question, int(k), doc, lang).to_json()

    def lookup(word: str, k: int = answers.LOOKUP_K, doc: str = "", language: str = AUTO) -> dict[str, Any]:
        """Passages holding a word or a name, inflected forms included, the word in `terms`."""
        lang = answers.answer_language(language, word)
        return answers.ask(workspace, word, int(k), doc, lang).to_json()

    def documents() -> list[str]:
        """Names of the indexed documents (values for `doc`)."""
        return workspace.documents()

    for fn in (ask, lookup):
        gr.api(fn, api_name=fn.__name__, concurrency_limit=concurrency, concurrency_id="search")
    gr.api(documents, api_name="documents")
