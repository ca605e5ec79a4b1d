"""The chat of each open page kept with its owner on the server, so reloading a page shows its
own conversation again, and two pages (browser tabs) of one owner each keep theirs.

A page names itself by a random id it keeps in the tab's `sessionStorage` (it survives a
reload of that tab, and a new tab gets a new one: `page_id`); the page's conversation is kept
under its owner's records (`<owner-id>/conversations/<page>`, thesis_qa.service.owners), so
deleting an owner deletes them too, and one page of an owner never reaches another owner's:
the owner is always `owner_of(request)`, the page id only chooses among that owner's own.
At most `KEPT_CONVERSATIONS` pages are kept per owner; a page opened past that drops the
least recently used one.

What is kept is what the page showed (the messages, already rendered and escaped), the
questions a follow-up may lean on, and the cards those messages can still pin (their tokens
with their passages: a reloaded page pins only what it is shown, as before).
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field

from thesis_qa.limits import KEPT_CONVERSATIONS
from thesis_qa.service.owners import Owner, Uploads
from thesis_qa_app.collection import Shown

Message = dict[str, object]
MAX_MESSAGES = 50  # the conversation shown and kept (25 questions and answers)
_KEY = "conversations"
_PAGE_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Conversation:
    messages: list[Message] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    shown: Shown = field(default_factory=dict)


def page_id(sent: str | None) -> str:
    """The page's id as it sent it, when well formed; else a new one (its chat then lasts as
    long as the page stays open)."""
    return sent if isinstance(sent, str) and _PAGE_ID.fullmatch(sent) else secrets.token_hex(16)


def load(uploads: Uploads, owner: Owner, page: str) -> Conversation:
    """The page's kept conversation (empty when there is none, or it is unreadable)."""
    record = uploads.records.get(f"{owner.id}/{_KEY}/{page}")
    if not isinstance(record, dict):
        return Conversation()
    messages = [m for m in record.get("messages") or [] if _is_message(m)]
    asked = [q for q in record.get("asked") or [] if isinstance(q, str)]
    shown = record.get("shown")
    pins = {str(k): v for k, v in shown.items() if isinstance(v, dict)} if isinstance(shown, dict) else {}
    return Conversation(messages[-MAX_MESSAGES:], asked, pins)


def save(uploads: Uploads, owner: Owner, page: str, kept: Conversation) -> None:
    """Keep the page's conversation; of the cards, those its messages still show. A page
    newly kept makes room first (`KEPT_CONVERSATIONS`)."""
    key, messages = f"{owner.id}/{_KEY}/{page}", kept.messages[-MAX_MESSAGES:]
    if not messages:
        uploads.records.delete(key)
        return
    if uploads.records.get(key) is None:
        _make_room(uploads, owner)
    text = "".join(str(m.get("content", "")) for m in messages)
    shown = {token: pin for token, pin in kept.shown.items() if f'value="{token}"' in text}
    record = {"messages": messages, "asked": kept.asked, "shown": shown, "saved": time.time()}
    uploads.records.put(key, record)


def _make_room(uploads: Uploads, owner: Owner) -> None:
    """Drop the owner's least recently saved conversations until one more fits."""
    folder = f"{owner.id}/{_KEY}"
    pages = uploads.records.children(folder)
    if len(pages) < KEPT_CONVERSATIONS:
        return
    saved = {page: _saved(uploads.records.get(f"{folder}/{page}")) for page in pages}
    for page in sorted(pages, key=saved.__getitem__)[: len(pages) - KEPT_CONVERSATIONS + 1]:
        uploads.records.delete(f"{folder}/{page}")


def _saved(record: object) -> float:
    value = record.get("saved") if isinstance(record, dict) else None
    return float(value) if isinstance(value, int | float) else 0.0


def _is_message(value: object) -> bool:
    return (
        isinstance(value, dict) and value.get("role") in ("user", "assistant") and isinstance(value.get("content"), str)
    )
