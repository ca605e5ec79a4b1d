"""Named endpoints for programs (gradio_client): `/ask`, `/lookup`, `/documents`.

They see what the caller may see: the library, plus the caller's own uploads (a logged-in
account's, or those of the browser whose cookie the request carries). Each answer is plain
JSON: `question` (cut to its limit), `language`, `answered`, `confidence` (for `/lookup`
instead: `count`, every passage holding the word), `results` (each a `Hit.to_json()`: id,
doc, text, section, page, paragraph, order, kind, score, highlights, terms), and, when nothing
could be searched, a machine-readable `code` with a `message` in the answer's language. Every
argument is checked first: a `k` of "abc", NaN or 10**9, a question that is a number or a
list, an unknown `doc`, each gets its own code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from thesis_qa import neutral
from thesis_qa.config import Settings
from thesis_qa.errors import ThesisQAError
from thesis_qa.service.accounts import Accounts
from thesis_qa.service.workspace import Workspace
from thesis_qa_app import answers
from thesis_qa_app.identity import owner_of
from thesis_qa_app.texts import AUTO, error_text


def register_api(workspace: Workspace, accounts: Accounts, settings: Settings, concurrency: int) -> None:
    """Add the endpoints to the Blocks being built."""

    def ask(  # noqa: PLR0917 - Gradio passes an endpoint's arguments positionally
        question: str,
        k: int = settings.top_k,
        doc: str = "",
        language: str = AUTO,
        history: list[str] | None = None,
        request: gr.Request = None,  # type: ignore[assignment]  # Gradio fills it in
    ) -> dict[str, Any]:
        """The k best passages for a question (Kazakh, Russian or English), answering sentences
        in `highlights`, judged: `answered` false means the documents do not answer it (the
        results are then the closest passages). `doc` limits the search to one document
        ("" = all); `language` ("auto", "kk", "ru", "en") picks the language of `message`;
        `history` holds the conversation's earlier questions, oldest first."""
        arguments = {"question": question, "k": k, "doc": doc, "language": language, "history": history}
        return _answered(lambda: answers.api_ask(workspace, owner_of(request, accounts), arguments, settings.top_k))

    def lookup(
        word: str,
        k: int = answers.LOOKUP_K,
        doc: str = "",
        language: str = AUTO,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """Every passage holding a word, a name or a year (any inflection; numbers exactly; each
        word of a phrase): their true `count`, and the first `k` in `results` (body text first,
        then headings, contents and bibliography), where the word stands in `terms`."""
        arguments = {"question": word, "k": k, "doc": doc, "language": language}
        owner = owner_of(request, accounts)
        return _answered(lambda: answers.api_ask(workspace, owner, arguments, answers.LOOKUP_K, lookup=True))

    def documents(request: gr.Request = None) -> list[str]:  # type: ignore[assignment]
        """Names of the documents the caller can search (values for `doc`)."""
        return plain(workspace.documents(owner_of(request, accounts)))

    def names(doc: str = "", request: gr.Request = None) -> list[dict[str, Any]]:  # type: ignore[assignment]
        """The index of names and works the caller's documents give (or document `doc`'s):
        `{"name", "forms", "kind": "person"|"work", "year", "count", "passages": [{"id", "page"}]}`
        each, A–Я; [] for a `doc` the caller cannot see."""
        return _study(lambda: [e.to_json() for e in workspace.names(owner_of(request, accounts), doc or None)])

    def glossary(doc: str = "", request: gr.Request = None) -> list[dict[str, Any]]:  # type: ignore[assignment]
        """The definitions the caller's documents (or document `doc`) give:
        `{"term", "definition", "passage": {"id", "page"}, "span"}` each, A–Я."""
        return _study(lambda: [d.to_json() for d in workspace.glossary(owner_of(request, accounts), doc or None)])

    endpoints: tuple[tuple[Callable[..., Any], str], ...] = (
        (names, "study"), (glossary, "study"), (ask, "search"), (lookup, "search")
    )  # fmt: skip
    for fn, pool in endpoints:
        gr.api(fn, api_name=fn.__name__, concurrency_limit=concurrency, concurrency_id=pool)
    gr.api(documents, api_name="documents", concurrency_limit=concurrency)


def _study(build: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """An index or glossary as plain JSON; [] for a document the caller cannot see."""
    try:
        return plain(build())
    except ThesisQAError:
        return []


def _answered(reply: Callable[[], answers.Reply]) -> dict[str, Any]:
    """The reply as plain JSON; a fault below (a database gone) as `server_error`, logged."""
    try:
        return plain(reply().to_json())
    except Exception:  # every API error has a code, never Gradio's bare {"error": null}
        logging.getLogger(__name__).exception("an API call failed")
        message = error_text("en", "server_error", {})
        return {"answered": False, "results": [], "code": "server_error", "message": message}


def plain(value: Any) -> Any:
    """`value` with every string's bidi controls and invisible characters made spaces (one
    for one: highlight offsets stay valid), so no field reads differently from what it holds."""
    if isinstance(value, str):
        return neutral(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
