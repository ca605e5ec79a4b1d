"""Our login page, in Kazakh, Russian or English (Gradio's own is English only).

With accounts, `LoginPage` answers the page's address (and `/login`) for a visitor who is not
logged in: the language is the one chosen on the page (`?lang=ru`, then remembered in a
cookie the app's "auto" follows too), or else the browser's (Accept-Language). The form
posts what Gradio's login sent (`username`, `password`, as FormData) to `/login`, where
`thesis_qa_app.guard` checks and throttles it; the page says
each refusal (`login_wrong`, `login_locked` with its wait, …) in its language, in a live
region that screen readers announce, marks the fields invalid and gives the focus back to
them. Every text is escaped; a tap target is at least 44 px tall.
"""

from __future__ import annotations

import html
import json
from urllib.parse import parse_qsl

from thesis_qa import Language
from thesis_qa_app.guard import ASGIApp, Door, Receive, Scope, Send
from thesis_qa_app.identity import cookie
from thesis_qa_app.texts import (
    LANGUAGE_CHOICES,
    LANGUAGE_COOKIE,
    LANGUAGES,
    as_language,
    error_text,
    preferred_language,
    text,
)

LANGUAGE_KEPT_S = 365 * 86400  # a language chosen on the login page is remembered this long
REFUSALS = ("login_wrong", "login_locked", "accounts_damaged", "request_too_large")
STYLE = """
:root { color-scheme: light dark; --ink: #111827; --quiet: #4b5563; --paper: #ffffff; --ground: #f3f4f6;
  --accent: #c2410c; --focus: #1d4ed8; --bad: #b91c1c; }
@media (prefers-color-scheme: dark) { :root { --ink: #f3f4f6; --quiet: #c3c8d0; --paper: #1f2937;
  --ground: #111827; --focus: #93b4ff; --bad: #fca5a5; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 1rem;
  font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: var(--ground); }
main { width: 100%; max-width: 26rem; background: var(--paper); border-radius: 12px; padding: 1.5rem;
  box-shadow: 0 2px 12px rgb(0 0 0 / 12%); }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
h2 { font-size: 1.1rem; margin: 1rem 0 .5rem; }
p.lead { color: var(--quiet); margin: 0; }
label { display: block; font-weight: 600; margin: .8rem 0 .25rem; }
input { width: 100%; min-height: 44px; font: inherit; padding: .5rem .7rem; color: var(--ink);
  background: var(--paper); border: 1px solid var(--quiet); border-radius: 8px; }
input[aria-invalid=true] { border: 2px solid var(--bad); }
button { width: 100%; min-height: 44px; margin-top: 1rem; font: inherit; font-weight: 600; color: #fff;
  background: var(--accent); border: 0; border-radius: 8px; cursor: pointer; }
button:hover { background: #9a3412; }
button[disabled] { opacity: .8; cursor: progress; }
:is(a, button, input):focus-visible, input:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
#login-error { color: var(--bad); font-weight: 600; margin: .8rem 0 0; }
#login-error:empty { margin: 0; }
#login-language ul { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: 1rem 0 0; }
#login-language a { display: inline-flex; align-items: center; min-height: 44px; min-width: 44px; padding: 0 .6rem;
  color: var(--focus); font-weight: 600; border-radius: 6px; }
#login-language a[aria-current=page] { color: var(--ink); text-decoration: none; background: var(--ground); }
"""
# Sends the form as Gradio's login did; on success the page opens, else the refusal is said.
SCRIPT = """
const form = document.getElementById("login-form"), said = document.getElementById("login-error");
const fields = [form.elements.username, form.elements.password], words = __WORDS__;
const refuse = (message, field) => {
  said.textContent = message;
  fields.forEach((f) => f.setAttribute("aria-invalid", "true"));
  (field || fields[1]).focus();
};
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const empty = fields.find((f) => !f.value.trim());
  if (empty) { refuse(words.login_missing, empty); return; }
  const button = form.querySelector("button");
  button.disabled = true;
  said.textContent = words.login_checking;
  try {
    const response = await fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"});
    if (response.ok) { location.replace("./"); return; }
    const answer = await response.json().catch(() => ({}));
    const wait = answer.code === "login_locked" && answer.retry_after
      ? " " + words.login_retry.replace("{s}", answer.retry_after) : "";
    refuse((words[answer.code] || words.login_wrong) + wait);
  } catch (error) {
    refuse(words.login_offline);
  } finally {
    button.disabled = false;
  }
});
fields.forEach((f) => f.addEventListener("input", () => f.removeAttribute("aria-invalid")));
"""


class LoginPage:
    """ASGI middleware: with accounts, the page's address shows our login page until the
    visitor is logged in (see the module's doc)."""

    def __init__(self, app: ASGIApp, door: Door) -> None:
        self.app = app
        self.door = door

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (self.door.logins and _asks_for_the_page(scope) and self.door.user(scope) is None):
            await self.app(scope, receive, send)
            return
        chosen = _chosen(scope)
        lang = as_language(chosen) if chosen else preferred_language(cookie(scope, LANGUAGE_COOKIE), _accepted(scope))
        body = page_html(lang).encode()
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-language", lang.encode()),
            (b"cache-control", b"no-store"),
            (b"content-length", str(len(body)).encode()),
        ]
        if chosen:  # the app speaks it too from then on (its "auto")
            remembered = f"{LANGUAGE_COOKIE}={chosen}; Max-Age={LANGUAGE_KEPT_S}; Path=/; SameSite=Lax"
            headers.append((b"set-cookie", remembered.encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def page_html(lang: Language) -> str:
    """The login page in `lang`: the form, a place for its refusals, the language choice."""

    def say(key: str) -> str:
        return html.escape(text(key, lang))

    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{say("login_heading")} · {say("title")}</title><style>{STYLE}</style></head>
<body><main>
<h1>{say("title")}</h1><p class="lead">{say("subtitle")}</p>
<h2>{say("login_heading")}</h2>
<form id="login-form" method="post" action="login" novalidate>
<label for="username">{say("login_name")}</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false"
  required aria-describedby="login-error">
<label for="password">{say("login_password")}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required
  aria-describedby="login-error">
<p id="login-error" role="alert" aria-live="assertive"></p>
<button type="submit">{say("login_submit")}</button>
</form>
{_language_choice(lang)}
</main><script>{SCRIPT.replace("__WORDS__", _words(lang))}</script></body></html>"""


def _language_choice(lang: Language) -> str:
    links = "".join(
        f'<li><a href="?lang={code}" lang="{code}" hreflang="{code}"'
        f"{' aria-current=page' if code == lang else ''}>{html.escape(label)}</a></li>"
        for label, code in LANGUAGE_CHOICES
        if code in LANGUAGES
    )
    return f'<nav id="login-language" aria-label="{html.escape(text("login_language", lang))}"><ul>{links}</ul></nav>'


def _words(lang: Language) -> str:
    """What the page's script says, in `lang` (JSON, safe inside a script element)."""
    words = {key: text(key, lang) for key in ("login_missing", "login_checking", "login_retry", "login_offline")}
    words |= {code: error_text(lang, code, {}) for code in REFUSALS}
    return json.dumps(words, ensure_ascii=False).replace("<", "\\u003c")


def _asks_for_the_page(scope: Scope) -> bool:
    """A GET (or HEAD) of the page's address or of `/login`."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    root = scope.get("root_path", "").rstrip("/")
    return scope["path"].rstrip("/") in (root, root + "/login")


def _chosen(scope: Scope) -> str:
    """The language chosen on the page (`?lang=`), or ""."""
    chosen = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("lang", "")
    return chosen if chosen in LANGUAGES else ""


def _accepted(scope: Scope) -> str:
    """The browser's Accept-Language header."""
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"accept-language"), "")
