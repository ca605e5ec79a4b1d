"""The chat kept with its owner on the server, so a reload (or a page opened again) shows it.

What is kept is what the page showed (the messages, already rendered and escaped), the
questions a follow-up may lean on, and the cards those messages can still pin (their tokens
with their passages: a reloaded page pins only what it is shown, as before). It is stored
under the owner's records (`<owner-id>/conversation`, thesis_qa.service.owners), so deleting
an owner deletes it too; the owner is always `owner_of(request)`, never a value of the page.
Two pages of one owner share one conversation: the one that speaks last is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from thesis_qa.service.owners import Owner, Uploads
from thesis_qa_app.collection import Shown

Message = dict[str, object]
MAX_MESSAGES = 50  # the conversation shown and kept (25 questions and answers)
_KEY = "conversation"


@dataclass(frozen=True)
class Conversation:
    messages: list[Message] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    shown: Shown = field(default_factory=dict)


def load(uploads: Uploads, owner: Owner) -> Conversation:
    """The owner's kept conversation (empty when there is none, or it is unreadable)."""
    record = uploads.records.get(f"{owner.id}/{_KEY}")
    if not isinstance(record, dict):
        return Conversation()
    messages = [m for m in record.get("messages") or [] if _is_message(m)]
    asked = [q for q in record.get("asked") or [] if isinstance(q, str)]
    shown = record.get("shown")
    pins = {str(k): v for k, v in shown.items() if isinstance(v, dict)} if isinstance(shown, dict) else {}
    return Conversation(messages[-MAX_MESSAGES:], asked, pins)


def save(uploads: Uploads, owner: Owner, kept: Conversation) -> None:
    """Keep the conversation; of the cards, those its messages still show."""
    messages = kept.messages[-MAX_MESSAGES:]
    if not messages:
        uploads.records.delete(f"{owner.id}/{_KEY}")
        return
    page = "".join(str(m.get("content", "")) for m in messages)
    shown = {token: pin for token, pin in kept.shown.items() if f'value="{token}"' in page}
    uploads.records.put(f"{owner.id}/{_KEY}", {"messages": messages, "asked": kept.asked, "shown": shown})


def _is_message(value: object) -> bool:
    return (
        isinstance(value, dict) and value.get("role") in ("user", "assistant") and isinstance(value.get("content"), str)
    )
