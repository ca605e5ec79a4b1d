"""Named endpoints for programs (gradio_client): `/ask`, `/lookup`, `/documents`.

They see what the caller may see: the library, plus the caller's own uploads (a logged-in
account's, or those of the browser whose cookie the request carries). Each answer is plain
JSON: `question` (cut to its limit), `language`, `answered`, `confidence` (for `/lookup`
instead: `count`, every passage holding the word), `results` (each a `Hit.to_json()`: id,
doc, text, section, page, paragraph, order, kind, score, highlights, terms), and, when nothing
could be searched, a machine-readable `code` with a `message` in the answer's language. Every
argument is checked first: a `k` of "abc", NaN or 10**9, a question that is a number or a
list, an unknown `doc`, each gets its own code.

`/ask` as raw HTTP (POST `/gradio_api/call/ask` with all five arguments, then GET the event's
SSE answer) is answered by `DirectAsk` outside Gradio's queue, with the same bytes: the queue
made a session of the page's settings for every call and waited on its own event loop, which
cost more than the search itself (median 83 ms raw against ~15 ms of search).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import gradio as gr
from starlette.requests import Request

from thesis_qa import neutral
from thesis_qa.config import Settings
from thesis_qa.errors import ThesisQAError
from thesis_qa.limits import CONCURRENT_QUESTIONS, UNCLAIMED_ANSWER_S, WAITING_ANSWERS
from thesis_qa.service.accounts import Accounts
from thesis_qa.service.owners import Owner
from thesis_qa.service.workspace import Workspace
from thesis_qa_app import answers
from thesis_qa_app.guard import Door, read_body, replay
from thesis_qa_app.identity import owner_of
from thesis_qa_app.texts import AUTO, error_text

ASK_ARGUMENTS = ("question", "k", "doc", "language", "history")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CALL_ASK = "/gradio_api/call/ask"
SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
HEARTBEAT_S = 15.0  # a waiting SSE answer says it is alive this often, as Gradio's does
HEARTBEAT = {"type": "http.response.body", "body": b"event: heartbeat\ndata: null\n\n", "more_body": True}
# Raw `/ask` calls answered at once, besides the page's questions (Gradio's "search" pool).
_ANSWERING = ThreadPoolExecutor(max_workers=CONCURRENT_QUESTIONS, thread_name_prefix="direct-ask")


@dataclass
class _Pending:
    answer: asyncio.Future[bytes]
    user: str | None  # the account that asked (with logins, only it may read the answer)
    since: float


class DirectAsk:
    """ASGI middleware, inside the guard (which has refused what it refuses and bound the
    session id to its owner): `POST /gradio_api/call/ask` with the five arguments starts the
    answer in a thread and returns its `event_id` at once, and `GET /gradio_api/call/ask/<id>`
    sends it as Gradio's SSE does (`event: complete`, the JSON list of the one output). The
    asker is the owner Gradio would make of the same request (`owner_of`). Anything else (other
    argument counts, an event of Gradio's, more than `WAITING_ANSWERS` held) goes on to Gradio;
    an answer nobody reads within `UNCLAIMED_ANSWER_S` is dropped."""

    def __init__(self, app: ASGIApp, workspace: Workspace, accounts: Accounts, door: Door, default_k: int) -> None:
        self.app, self.workspace, self.accounts, self.door, self.default_k = app, workspace, accounts, door, default_k
        self._pending: dict[str, _Pending] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        event = path.removeprefix(CALL_ASK + "/")
        if path.rstrip("/") == CALL_ASK and scope["method"] == "POST":
            await self._post(scope, receive, send)
        elif event != path and scope["method"] == "GET" and event in self._pending:
            await self._stream(event, scope, send)
        else:
            await self.app(scope, receive, send)

    def _user(self, scope: Scope) -> str | None:
        return self.door.user(scope) if self.door.logins else None

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive, self.door.max_request_bytes) or b""  # the guard bounded it already
        values, session = _call(body)
        self._forget_unclaimed()
        if values is None or len(self._pending) >= WAITING_ANSWERS:
            await self.app(scope, replay(body, receive), send)
            return
        event = uuid.uuid4().hex
        user = self._user(scope)
        request = gr.Request(request=Request(scope), username=user, session_hash=session or event)
        owner = owner_of(request, self.accounts)
        loop = asyncio.get_running_loop()
        answer = loop.run_in_executor(_ANSWERING, self._sse, owner, values)
        self._pending[event] = _Pending(answer, user, time.monotonic())
        await _respond(send, 200, b"application/json", json.dumps({"event_id": event}, separators=(",", ":")).encode())

    def _sse(self, owner: Owner, values: list[Any]) -> bytes:
        output = ask_json(self.workspace, owner, values, self.default_k)
        return f"event: complete\ndata: {json.dumps([output])}\n\n".encode()

    async def _stream(self, event: str, scope: Scope, send: Send) -> None:
        pending = self._pending[event]
        if pending.user != self._user(scope):
            await _respond(send, 401, b"application/json", b'{"detail":"Not authenticated"}')
            return
        del self._pending[event]
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        while True:
            try:
                data = await asyncio.wait_for(asyncio.shield(pending.answer), HEARTBEAT_S)
                break
            except TimeoutError:
                await send(HEARTBEAT)
        await send({"type": "http.response.body", "body": data})

    def _forget_unclaimed(self) -> None:
        cutoff = time.monotonic() - UNCLAIMED_ANSWER_S
        for event in [e for e, p in self._pending.items() if p.since < cutoff]:
            del self._pending[event]


def _call(body: bytes) -> tuple[list[Any] | None, str]:
    """The five `/ask` values of a simple call's body and its session id; None for anything
    this route leaves to Gradio (not JSON, not five values)."""
    try:
        call = json.loads(body)
    except ValueError:
        return None, ""
    if not isinstance(call, dict) or not isinstance(call.get("data"), list) or len(call["data"]) != len(ASK_ARGUMENTS):
        return None, ""
    session = call.get("session_hash")
    return call["data"], session if isinstance(session, str) else ""


async def _respond(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
        return ask_json(workspace, owner_of(request, accounts), [question, k, doc, language, history], settings.top_k)

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


def ask_json(workspace: Workspace, owner: Owner, values: list[Any], default_k: int) -> dict[str, Any]:
    """`/ask` of the values `question, k, doc, language, history`, as plain JSON."""
    arguments = dict(zip(ASK_ARGUMENTS, values, strict=True))
    return _answered(lambda: answers.api_ask(workspace, owner, arguments, default_k))


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
