"""The server's door: every HTTP request passes here before Gradio reads a byte of its body.

The login contract (the login page posts here; keep it stable):

- `POST /login` (or `/login/`), a form (`multipart/form-data` or URL-encoded, at most 16 KB)
  with the fields `username` and `password`. Answers, JSON:
  200 `{"success": true}` with the session's two cookies (`cookie_names`);
  400 `{"code": "login_wrong", "message", "detail"}`, a second late;
  400 `{"code": "login_locked", "message", "detail", "retry_after": seconds}` and a
  `Retry-After` header (waiting, or locked out), a second late;
  413 `{"code": "request_too_large"}`; 503 `{"code": "accounts_damaged"}` (the users file)
  or `{"code": "store_unreachable"}` (the database).
- `GET /logout` with a live session ends every session of the account.
- The address a login is throttled by is the connection's, or, from a `--trusted-proxy`, the
  visitor's as that proxy's X-Forwarded-For gives it (`Door.address`).

`Guard` is ASGI middleware around Gradio's app. For each request, in this order:

1. a file route (`/file=`, `/proxy=`) naming a remote URL is refused (403 `remote_url`):
   the server never connects out on a visitor's behalf;
2. with accounts, `POST /login` is answered here (`Door.login`): throttled per account and
   per address (a wait that doubles after `login_delay_after` failures, a lockout after
   `login_lockout_after`, each logged; a failed attempt is answered a second later), the
   password checked by scrypt in processes of its own (scrypt holds Python's GIL for its
   ~50 ms: in a thread it would stall every other request; at most `login_hash_workers` at
   once, a bounded queue), the counts shared by replicas on one database
   (`accounts.LoginFailures`), and the session a signed token (`Accounts.issue`) that survives
   restarts and dies with the account, its password or a logout (`GET /logout` ends every
   session of the account);
3. with accounts, a request with a body, or one opening a session's stream, without a live
   session is refused (401 `login_required`) before its body is read;
4. a body larger than its limit is refused (413 `request_too_large`): the declared length
   before anything is read, and the bytes counted as they arrive (chunked bodies too), so
   nothing past the limit is held or stored. The page's upload route may carry one upload
   (`max_upload_mb`); every other route `max_request_mb`;
5. the upload route keeps count of the files each owner received and has not yet handed to
   the page's upload step (`Received`): past the owner's file quota it refuses (429
   `quota_files`), and what is not claimed within `CLAIM_S` is deleted;
6. the session id the browser presents (`session_hash`: in the body, the query or the path)
   is replaced by one bound to the owner (`Door.bind`): Gradio keeps a page's state (the
   conversation, the cards shown) per session id, so another owner presenting the same id
   reaches a different, empty session.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import ipaddress
import json
import math
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from thesis_qa.config import Settings
from thesis_qa.errors import ThesisQAError
from thesis_qa.service.accounts import Accounts, LoginFailures, MemoryFailures, password_hash
from thesis_qa_app.identity import COOKIE
from thesis_qa_app.texts import error_text

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API = "/gradio_api"
UPLOAD_PATH = f"{API}/upload"
LOGIN_PATHS = frozenset({"/login", "/login/"})
LOGOUT_PATHS = frozenset({"/logout", "/logout/"})
FILE_ROUTES = ("/file=", "/proxy=")
STREAM_PREFIXES = (f"{API}/heartbeat/", f"{API}/stream/", f"{API}/queue/data", f"{API}/deep_link")
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})
MULTIPART_SLACK = 64 << 10  # an upload's form around its file: boundaries, headers, name
LOGIN_BYTES = 16 << 10
MAX_DRAINED_BYTES = 64 << 20  # read and dropped after a refusal, so the client hears why
CLAIM_S = 600.0  # a received file not handed to the upload step by then is deleted
WAITING_PER_WORKER = 8  # password checks that may wait for a hashing process, per process
# A failed or refused login is answered after this long (the connection held, nothing else):
# a client sending its guesses one after another gets one answer a second per connection, so
# a flood of guesses costs the server next to nothing; up to MAX_HELD at once, then at once.
FAILED_LOGIN_HOLD_S = 1.0
MAX_HELD = 512


def cookie_names(cookie_id: str) -> tuple[str, str]:
    """Gradio's two session cookies (one Secure, SameSite=None; one for plain HTTP)."""
    return f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"


class LoginThrottle:
    """Failed logins per account and per address: each attempt past `delay_after` failures
    waits twice as long as the one before, `lockout_after` failures lock for `lockout_s`.
    Every attempt counts as failed until its password is found right (so parallel attempts
    cannot slip past), and an attempt refused for waiting counts too. The counts are kept in
    `failures` (the database's with PostgreSQL: replicas throttle together), in wall-clock
    seconds so that replicas agree."""

    def __init__(
        self,
        settings: Settings,
        notify: Callable[[str], None],
        clock: Callable[[], float] = time.time,
        failures: LoginFailures | None = None,
    ) -> None:
        self.lockout_s = settings.login_lockout_minutes * 60
        self.rules = {
            "account": (settings.login_delay_after, settings.login_lockout_after),
            "address": (settings.login_address_lockout_after // 2, settings.login_address_lockout_after),
        }
        self.notify = notify
        self.clock = clock
        self.failures = failures or MemoryFailures()

    def wait_s(self, name: str, address: str) -> float:
        """Seconds before `name` may try again from `address` (0: now)."""
        now = self.clock()
        return max(self._wait("account", name, now), self._wait("address", address, now))

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        for kind, key in (("account", name), ("address", address)):
            count, _, _ = self.failures.add(kind, key, now, self.rules[kind][1], self.lockout_s)
            if count == self.rules[kind][1]:
                minutes = f"{self.lockout_s / 60:g}"
                self.notify(f"login: {kind} '{key}' locked for {minutes} min after {count} failed logins")

    def succeeded(self, name: str, address: str) -> None:
        """A right password: the account starts afresh, the address has one failure less."""
        self.failures.forget("account", name)
        self.failures.lessen("address", address)

    def _wait(self, kind: str, key: str, now: float) -> float:
        record = self.failures.get(kind, key)
        if record is None:
            return 0.0
        count, last, locked_until = record
        if last + self.lockout_s < now and locked_until < now:
            return 0.0  # quiet for a lockout's length: forgotten
        delay_after, _ = self.rules[kind]
        backoff = 2.0 ** (count - delay_after) if count >= delay_after else 0.0
        return max(0.0, locked_until - now, last + min(backoff, self.lockout_s) - now)


class Received:
    """Files the upload route stored, per owner, until the page's upload step takes them."""

    def __init__(self, files: int, claim_s: float = CLAIM_S) -> None:
        self.files = files
        self.claim_s = claim_s
        self._held: dict[str, list[tuple[str, float]]] = {}

    def room(self, owner: str) -> bool:
        """Whether `owner` may send one more file (taken and expired ones are forgotten)."""
        self._tidy()
        return len(self._held.get(owner, [])) < self.files

    def add(self, owner: str, paths: list[str]) -> None:
        now = time.monotonic()
        self._held.setdefault(owner, []).extend((path, now) for path in paths)

    def _tidy(self) -> None:
        cutoff = time.monotonic() - self.claim_s
        for owner in list(self._held):
            kept = []
            for path, when in self._held[owner]:
                if when < cutoff:
                    Path(path).unlink(missing_ok=True)
                elif os.path.exists(path):
                    kept.append((path, when))
            if kept:
                self._held[owner] = kept
            else:
                del self._held[owner]


class Sessions:
    """Gradio's table of logins (`App.tokens`), answered from signed tokens instead: a token
    is whoever `Accounts.holder` says, and nothing is stored (Gradio's own login, which
    would store one, is never reached: `Door.login` answers it)."""

    def __init__(self, accounts: Accounts, max_age_s: float) -> None:
        self.accounts = accounts
        self.max_age_s = max_age_s

    def get(self, token: object, default: str | None = None) -> str | None:
        if not isinstance(token, str) or not token:
            return default
        return self.accounts.holder(token, self.max_age_s) or default

    def __contains__(self, token: object) -> bool:
        return self.get(token) is not None

    def __getitem__(self, token: str) -> str:
        holder = self.get(token)
        if holder is None:
            raise KeyError(token)
        return holder

    def __setitem__(self, token: str, name: str) -> None:
        """Nothing to store: sessions are signed."""

    def __delitem__(self, token: str) -> None:
        """A single session is not ended alone: `Door.logout` ends all of an account's."""

    def keys(self) -> list[str]:
        return []


class Door:
    """What the guard decides with: the accounts, the limits, the login throttle, the files
    received, and the secret that binds session ids to owners."""

    def __init__(self, settings: Settings, accounts: Accounts, notify: Callable[[str], None] = print) -> None:
        self.accounts = accounts
        self.logins = accounts.configured()
        self.max_request_bytes = settings.max_request_bytes
        self.max_upload_bytes = settings.max_upload_bytes + MULTIPART_SLACK
        self.sessions = Sessions(accounts, settings.session_hours * 3600)
        self.throttle = LoginThrottle(settings, notify, failures=accounts.failures)
        self.proxies = trusted_proxies(settings.trusted_proxy)
        self.received = Received(settings.quota_files)
        self.notify = notify
        self._workers = settings.login_hash_workers
        self._hashing = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"))
        self._waiting_threads = ThreadPoolExecutor(self._workers, thread_name_prefix="login")
        self._waiting = self._held = 0
        self._secret = accounts.users.secret() if self.logins else os.urandom(32)
        self.cookie_id = hmac.new(self._secret, b"cookie", hashlib.sha256).hexdigest()[:24]

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """Gradio's app (its lifespan): its logins are ours, under a cookie name that stays
        the same across restarts."""
        app.tokens = self.sessions
        app.cookie_id = self.cookie_id
        if self.logins:  # the hashing process is up before the first login (it takes a second)
            await asyncio.wrap_future(self._hashing.submit(password_hash, "", bytes(16)))
        yield
        self._waiting_threads.shutdown(wait=False, cancel_futures=True)
        self._hashing.shutdown(wait=False, cancel_futures=True)

    def user(self, scope: Scope) -> str | None:
        """The account the request is logged in as (None: none, or no longer)."""
        cookies = _cookies(scope)
        for name in cookie_names(self.cookie_id):
            holder = self.sessions.get(cookies.get(name, ""))
            if holder:
                return holder
        return None

    def address(self, scope: Scope) -> str:
        """The visitor's address: the socket's, unless that is a trusted proxy's
        (`--trusted-proxy`); then the last address its X-Forwarded-For names that is not a
        trusted proxy's (the one the proxy itself added: what a client wrote before it is
        never believed). A header from anyone else is ignored."""
        address = _address(scope)
        if not _within(address, self.proxies):
            return address
        hops = [hop.strip() for value in _headers(scope, b"x-forwarded-for") for hop in value.split(",")]
        for hop in reversed(hops):
            if not _within(hop, self.proxies):
                return _canonical(hop) or address
        return address

    def owner_key(self, scope: Scope) -> str:
        """Who an anonymous request is: its browser's cookie (thesis_qa_app.identity), else its address."""
        token = _cookies(scope).get(COOKIE, "")
        return ("b:" + token) if token else "a:" + self.address(scope)

    def bind(self, owner: str, session_hash: str) -> str:
        """The session id Gradio sees for `session_hash` presented by `owner`."""
        digest = hmac.new(self._secret, f"{owner}\0{session_hash}".encode(), hashlib.sha256).hexdigest()
        return "s" + digest[:31]

    async def login(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Gradio's login, throttled, with the password checked off the event loop."""
        body = await read_body(receive, LOGIN_BYTES)
        if body is None:
            await refuse(send, 413, "request_too_large")
            return
        form = await _form(scope, body)
        name, password, address = form.get("username", "").strip(), form.get("password", ""), self.address(scope)
        try:
            wait = await asyncio.to_thread(self.throttle.wait_s, name, address)
            await asyncio.to_thread(self.throttle.failed, name, address)  # until the password is found right
            if wait > 0 or self._waiting >= self._workers * WAITING_PER_WORKER:
                await self._hold()
                retry = max(1, math.ceil(wait))  # 400, not 429: the login page says nothing on any other status
                await refuse(send, 400, "login_locked", {"detail": "Too many attempts.", "retry_after": retry},
                             [(b"retry-after", str(retry).encode())])  # fmt: skip
                return
            right = await self._check(name, password)
            if right:
                await asyncio.to_thread(self.throttle.succeeded, name, address)
        except ThesisQAError as error:  # the users file damaged, or the database gone
            self.notify(f"login: {error}")
            await refuse(send, 503, "store_unreachable" if error.code == "store_unreachable" else "accounts_damaged")
            return
        if not right:
            await self._hold()
            await refuse(send, 400, "login_wrong", {"detail": "Incorrect credentials."})
            return
        token = self.accounts.issue(name)
        secure, plain = cookie_names(self.cookie_id)
        headers = [
            (b"set-cookie", f"{secure}={token}; Path=/; HttpOnly; SameSite=None; Secure".encode()),
            (b"set-cookie", f"{plain}={token}; Path=/; HttpOnly; SameSite=Lax".encode()),
        ]
        await respond(send, 200, {"success": True}, headers)

    async def logout(self, name: str) -> None:
        """End every session of `name` (Gradio then clears the page's cookies)."""
        await asyncio.get_running_loop().run_in_executor(self._waiting_threads, self.accounts.end_sessions, name)
        self.notify(f"login: '{name}' logged out; their sessions ended")

    async def _hold(self) -> None:
        """Answer a failed login a little later (`FAILED_LOGIN_HOLD_S`)."""
        if self._held >= MAX_HELD:
            return
        self._held += 1
        try:
            await asyncio.sleep(FAILED_LOGIN_HOLD_S)
        finally:
            self._held -= 1

    async def _check(self, name: str, password: str) -> bool:
        """`Accounts.verify` in a thread that waits for the hash from a hashing process."""
        self._waiting += 1
        try:
            loop = asyncio.get_running_loop()
            check = functools.partial(self.accounts.verify, name, password, self._hash_elsewhere)
            return await loop.run_in_executor(self._waiting_threads, check)
        finally:
            self._waiting -= 1

    def _hash_elsewhere(self, password: str, salt: bytes) -> bytes:
        return self._hashing.submit(password_hash, password, salt).result()


class Guard:
    """ASGI middleware: `Door`'s rules before Gradio sees a request (see the module's doc)."""

    def __init__(self, app: ASGIApp, door: Door) -> None:
        self.app = app
        self.door = door

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        door, path, method = self.door, scope["path"], scope["method"]
        if _remote_file(path):
            await refuse(send, 403, "remote_url")
            return
        user = door.user(scope) if door.logins else None
        if door.logins:
            if path in LOGIN_PATHS and method == "POST":
                await door.login(scope, receive, send)
                return
            if path in LOGOUT_PATHS and user:
                await door.logout(user)
            if user is None and (method not in BODYLESS or path.startswith(STREAM_PREFIXES)):
                await _drain(receive, method not in BODYLESS)
                await refuse(send, 401, "login_required")
                return
        limit = door.max_upload_bytes if path == UPLOAD_PATH else door.max_request_bytes
        if method not in BODYLESS and _declared_length(scope) > limit:
            await _drain(receive, True)
            await refuse(send, 413, "request_too_large")
            return
        owner = ("u:" + user) if user else door.owner_key(scope)
        if path == UPLOAD_PATH and method == "POST" and not door.received.room(owner):
            await _drain(receive, True)
            await refuse(send, 429, "quota_files")
            return
        await self._forward(scope, receive, send, limit, owner)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, limit: int, owner: str) -> None:
        """Pass the request on with its session id bound to `owner` and its body counted."""
        counted = _Counted(receive, limit)
        receive_next: Receive = counted
        scope = _bound_scope(scope, self.door, owner)
        if scope["method"] == "POST" and scope["path"].startswith(API) and scope["path"] != UPLOAD_PATH:
            body = await read_body(counted, limit)
            if body is None or counted.exceeded:
                await _drain(receive, True)
                await refuse(send, 413, "request_too_large")
                return
            receive_next = replay(_bound_body(body, self.door, owner), receive)
        response = _Watched(send, capture=scope["path"] == UPLOAD_PATH, overrun=lambda: counted.exceeded)
        try:
            await self.app(scope, receive_next, response)
        except Exception:
            if not counted.exceeded:
                raise
        if counted.exceeded and not response.started:
            await refuse(send, 413, "request_too_large")
        elif response.captured is not None:
            self.door.received.add(owner, _paths(response.captured))


class _Counted:
    """A `receive` that counts body bytes and, past `limit`, says the client went away (the
    app stops reading; nothing past the limit is kept)."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive, self.limit, self.bytes, self.exceeded = receive, limit, 0, False

    async def __call__(self) -> Message:
        if self.exceeded:
            return {"type": "http.disconnect"}
        message = await self.receive()
        self.bytes += len(message.get("body", b""))
        if self.bytes > self.limit:
            self.exceeded = True
            return {"type": "http.disconnect"}
        return message


class _Watched:
    """A `send` that notes whether the response started, drops the app's answer to a body
    cut short at its limit (the guard answers 413 instead), and keeps a successful upload's
    (small, JSON) answer when asked to."""

    def __init__(self, send: Send, capture: bool, overrun: Callable[[], bool]) -> None:
        self.send, self.capture, self.overrun = send, capture, overrun
        self.started = self.dropped = False
        self.captured: bytes | None = None
        self._status = 0
        self._chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if self.dropped or (message["type"] == "http.response.start" and self.overrun()):
            self.dropped = True
            return
        if message["type"] == "http.response.start":
            self.started, self._status = True, message["status"]
        elif message["type"] == "http.response.body" and self.capture and self._status == 200:
            self._chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.captured = b"".join(self._chunks)
        await self.send(message)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` (already read) again, then whatever follows."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


def _bound_scope(scope: Scope, door: Door, owner: str) -> Scope:
    """`scope` with a session id in its query or path bound to `owner`."""
    path = scope["path"]
    if not path.startswith(STREAM_PREFIXES):
        return scope
    scope = dict(scope)
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if any(key == "session_hash" for key, _ in query):
        bound = [(k, door.bind(owner, v) if k == "session_hash" else v) for k, v in query]
        scope["query_string"] = urlencode(bound).encode("latin-1")
    for prefix in (f"{API}/heartbeat/", f"{API}/stream/"):
        if path.startswith(prefix) and scope["method"] in BODYLESS:
            session, _, rest = path.removeprefix(prefix).partition("/")
            path = prefix + door.bind(owner, session) + ("/" + rest if rest else "")
            scope["path"], scope["raw_path"] = path, path.encode("latin-1")
    return scope


def _bound_body(body: bytes, door: Door, owner: str) -> bytes:
    """A JSON body with its `session_hash` bound to `owner` (any other body as it is)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict) or not isinstance(data.get("session_hash"), str):
        return body
    data["session_hash"] = door.bind(owner, data["session_hash"])
    return json.dumps(data).encode()


async def _form(scope: Scope, body: bytes) -> dict[str, str]:
    """The fields of a login form, URL-encoded or multipart (the login page sends FormData)."""

    async def nothing_more() -> Message:
        return {"type": "http.disconnect"}

    try:
        form = await Request(scope, replay(body, nothing_more)).form(max_files=0, max_fields=8)
    except (HTTPException, ValueError, MultiPartException):
        return {}
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _paths(answer: bytes) -> list[str]:
    try:
        paths = json.loads(answer)
    except ValueError:
        return []
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def _remote_file(path: str) -> bool:
    """Whether a file route is asked for a URL (`/gradio_api/file=http://…`, any escaping)."""
    for route in FILE_ROUTES:
        at = path.find(route)
        if at >= 0:
            target = unquote(unquote(path[at + len(route) :])).strip().lower()
            return "://" in target or target.startswith(("//", "\\\\"))
    return False


def _declared_length(scope: Scope) -> int:
    try:
        return int(_header(scope, b"content-length") or 0)
    except ValueError:
        return 0


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when it runs past `limit` (the rest is not read)."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _drain(receive: Receive, body: bool, limit: int = MAX_DRAINED_BYTES) -> None:
    """Read and drop what is left of a refused body, so the client can read the refusal (up
    to `limit`: past that the connection is simply closed)."""
    drained, more = 0, body
    while more and drained < limit:
        message = await receive()
        drained += len(message.get("body", b""))
        more = message.get("type") == "http.request" and message.get("more_body", False)


async def refuse(
    send: Send, status: int, code: str, extra: dict[str, object] | None = None, headers: list | None = None
) -> None:
    """An error every client can read: its HTTP status, and JSON with a `code`."""
    await respond(send, status, {"code": code, "message": error_text("en", code, {}), **(extra or {})}, headers)


async def respond(send: Send, status: int, payload: dict[str, object], headers: list | None = None) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _cookies(scope: Scope) -> dict[str, str]:
    jar: dict[str, str] = {}
    for part in _header(scope, b"cookie").split(";"):
        key, _, value = part.strip().partition("=")
        if key:
            jar.setdefault(key, value)
    return jar


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(spec: str) -> tuple[Network, ...]:
    """The addresses or networks of `--trusted-proxy` ("10.0.0.5, 10.1.0.0/16"; "" for none)."""
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())
    except ValueError as exc:
        raise ThesisQAError(f"--trusted-proxy: {exc}", code="bad_setting") from exc


def _canonical(address: str) -> str:
    """`address` as one spelling of it ("" when it is not an IP address)."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _headers(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope.get("headers", []) if key.lower() == name]
