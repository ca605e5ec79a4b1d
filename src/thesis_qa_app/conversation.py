"""The chat of each open page kept with its owner on the server, so reloading a page shows its
own conversation again, and two pages (browser tabs) of one owner each keep theirs.

A page names itself by a random id it keeps in the tab's `sessionStorage` (it survives a
reload of that tab, and a new tab gets a new one: `page_ids`). A duplicated tab starts with a
copy of its original's `sessionStorage`, id included, made while the original is open: the
page finds that out from its id not being marked as left, as a reload's is
(`thesis_qa_app.ui.PAGE_ID`), takes a new id and sends the original's with it, and starts from
a copy of the original's conversation (`opened`). The page's conversation is kept under its
owner's records (`<owner-id>/conversations/<page>`, thesis_qa.service.owners), so deleting an
owner deletes them too, and one page of an owner never reaches another owner's: the owner is
always `owner_of(request)`, the page ids only choose among that owner's own. At most
`KEPT_CONVERSATIONS` pages are kept per owner; a page opened past that drops the least
recently used one.

Before each page had its own, an owner had one conversation (`<owner-id>/conversation`); and
for a while a page whose session the server had lost kept its conversation under an empty page
key (`<owner-id>/conversations/`). `tidy`, at each start of the server, moves such a one among
the owner's pages as the one no page has claimed yet (`UNCLAIMED`, the least recent), which the
owner's next new page takes up, and bounds every owner's kept pages again.

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
from thesis_qa.service.owners import Owner, Uploads, each_owner
from thesis_qa_app.collection import Shown

Message = dict[str, object]
MAX_MESSAGES = 50  # the conversation shown and kept (25 questions and answers)
_KEY = "conversations"
# Conversations kept by earlier versions, newest first: under an empty page key (a page whose
# session the server had lost), and an owner's one conversation before each page had its own.
_FORMER_KEYS = (f"{_KEY}/", "conversation")
_PAGE_ID = re.compile(r"[0-9a-f]{32}")
UNCLAIMED = "0" * 32  # a conversation no page has taken up yet (an owner's former one)


@dataclass(frozen=True)
class Conversation:
    messages: list[Message] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    shown: Shown = field(default_factory=dict)


def page_ids(sent: str | None) -> tuple[str, str]:
    """The page's id as it sent it, when well formed, else a new one (its chat then lasts as
    long as the page stays open); and the id of the page it is a duplicate of ("" if none):
    it sends "<id>" or "<id>:<original>"."""
    own, _, original = (sent if isinstance(sent, str) else "").partition(":")
    page = own if is_page(own) else secrets.token_hex(16)
    return page, original if _PAGE_ID.fullmatch(original) and original != page else ""


def is_page(page: object) -> bool:
    """Whether `page` is a page's id (a value the page sends with its events)."""
    return isinstance(page, str) and bool(_PAGE_ID.fullmatch(page)) and page != UNCLAIMED


def opened(uploads: Uploads, owner: Owner, page: str, original: str = "") -> Conversation:
    """The conversation a page shows as it opens: its own; for a new page, a copy of the one
    it duplicates (`original`), else the owner's conversation no page has taken up yet
    (`UNCLAIMED`), which becomes this page's."""
    kept = load(uploads, owner, page)
    if kept.messages:
        return kept
    copied = load(uploads, owner, original) if original else Conversation()
    if copied.messages:
        save(uploads, owner, page, copied)
        return copied
    former = load(uploads, owner, UNCLAIMED)
    if former.messages:
        save(uploads, owner, page, former)
        uploads.records.delete(f"{owner.id}/{_KEY}/{UNCLAIMED}")
    return former


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


def tidy(uploads: Uploads) -> int:
    """Move each owner's conversation kept by an earlier version (`_FORMER_KEYS`; the newest
    when there are both) among its pages as the unclaimed one, and keep at most
    `KEPT_CONVERSATIONS` pages per owner (the least recently saved, and records not named as
    pages, go). Returns the records moved or dropped (`each_owner`: one owner's records the
    store fails on do not stop the others')."""

    def tidy_owner(owner_id: str) -> int:
        moved = sum(
            _move_former(uploads, f"{owner_id}/{former}", f"{owner_id}/{_KEY}/{UNCLAIMED}") for former in _FORMER_KEYS
        )
        return moved + _prune(uploads, owner_id, KEPT_CONVERSATIONS)

    return each_owner(uploads.records.children(""), tidy_owner)


def _move_former(uploads: Uploads, key: str, unclaimed: str) -> int:
    """Move the record `key` to `unclaimed` unless a conversation is there already, then delete
    it alone (under the empty page key, the pages' records sit under the same folder). Returns
    1 if there was one, else 0."""
    former = uploads.records.get(key)
    if former is None:
        return 0
    if isinstance(former, dict) and uploads.records.get(unclaimed) is None:
        uploads.records.put(unclaimed, {**former, "saved": 0.0})
    uploads.records.discard(key)
    return 1


def _make_room(uploads: Uploads, owner: Owner) -> None:
    """Drop the owner's least recently saved conversations until one more fits."""
    _prune(uploads, owner.id, KEPT_CONVERSATIONS - 1)


def _prune(uploads: Uploads, owner_id: str, keep: int) -> int:
    """Keep the owner's `keep` most recently saved conversations; drop the rest and any record
    not named as a page. Returns how many were dropped."""
    folder = f"{owner_id}/{_KEY}"
    names = uploads.records.children(folder)
    pages = [name for name in names if _PAGE_ID.fullmatch(name)]
    if len(pages) == len(names) <= keep:
        return 0
    saved = {page: _saved(uploads.records.get(f"{folder}/{page}")) for page in pages}
    dropped = [name for name in names if name not in saved]
    dropped += sorted(pages, key=saved.__getitem__, reverse=True)[max(keep, 0) :]
    for name in dropped:
        uploads.records.delete(f"{folder}/{name}")
    return len(dropped)


def _saved(record: object) -> float:
    value = record.get("saved") if isinstance(record, dict) else None
    return float(value) if isinstance(value, int | float) else 0.0


def _is_message(value: object) -> bool:
    return (
        isinstance(value, dict) and value.get("role") in ("user", "assistant") and isinstance(value.get("content"), str)
    )
