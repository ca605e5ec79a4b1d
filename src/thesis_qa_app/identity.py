"""Who is asking, decided on the server for every event, and what a request may carry.

- With logins, the owner is the account Gradio logged in (`gr.Request.username`).
- Without, every browser gets a random token in an HttpOnly cookie (`BrowserCookie`), so its
  uploads survive a reload; the owner is derived from it. A program without the cookie
  (gradio_client) is an owner of its own session, with no uploads.

Nothing the page sends as a value (a document name, an upload id, a hidden input) decides
whose data an event touches: the page's events can be called through the queue by anyone
who can reach the server, so every handler asks `owner_of(request)` and works within that
owner's uploads only.

What a request may carry, and who may send it at all, is decided before this, by
`thesis_qa_app.guard` (body limits, logins, session ids bound to their owner).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

import gradio as gr

from thesis_qa.service.accounts import Accounts
from thesis_qa.service.owners import Owner

COOKIE = "thesis_qa_browser"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def owner_of(request: gr.Request | None, accounts: Accounts) -> Owner:
    """The owner an event acts for, from the login or the browser's cookie."""
    username = getattr(request, "username", None) if request else None
    if username:
        account = accounts.account(username)
        return Owner.account(username, account.role if account else "student")
    raw = getattr(request, "request", None) if request else None
    token = raw.cookies.get(COOKIE, "") if raw is not None else ""
    if _TOKEN.fullmatch(token):
        return Owner.browser(token)
    return Owner.browser("session:" + str(getattr(request, "session_hash", "") or ""))


def session_of(request: gr.Request | None) -> str:
    return str(getattr(request, "session_hash", "") or "")


class BrowserCookie:
    """ASGI middleware: give a browser without a valid token one (HttpOnly, SameSite=Lax),
    and renew it on every page load so it lives `max_age_s` after the last visit."""

    def __init__(self, app: ASGIApp, max_age_s: int) -> None:
        self.app = app
        self.max_age_s = max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = cookie(scope, COOKIE)
        page = scope["method"] == "GET" and scope["path"].rstrip("/") == scope.get("root_path", "").rstrip("/")
        if _TOKEN.fullmatch(token) and not page:
            await self.app(scope, receive, send)
            return
        token = token if _TOKEN.fullmatch(token) else secrets.token_urlsafe(32)
        given = f"{COOKIE}={token}; Max-Age={self.max_age_s}; Path=/; HttpOnly; SameSite=Lax"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", given.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def cookie(scope: Scope, name: str) -> str:
    """The value of the cookie `name` the request carries ("" when none)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(_header(scope, b"cookie"))
    except CookieError:  # a malformed cookie header is no cookie
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel else ""
