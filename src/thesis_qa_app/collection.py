"""Pinned passages for lecturers: collected across answers and lookups, reordered, exported.

A pin is a plain dict (a `Hit.to_json()` plus the question it answered, or the word looked
up). The collection is kept with its owner (thesis_qa.service.owners), so an account finds it again
after logging in; every change reads and writes the stored one, so two pages of one owner
never overwrite each other's pins.

What a page may pin is what it was shown: each card carries a token, and the server keeps
the session's tokens with their passages (`remember`), so a page can only pin a passage it
was given, never send one of its own making. The exports (`thesis_qa.service.export`) are built on
the server from the owner's stored collection and sent to that page alone; no file of them is
ever written, so there is nothing another session could fetch.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from thesis_qa import Hit, Language
from thesis_qa.service.export import DOCX_TYPE, Excerpt, Labels, to_docx, to_markdown
from thesis_qa.service.owners import MAX_PINS
from thesis_qa_app.texts import text

Pin = dict[str, object]
Shown = dict[str, Pin]  # token -> pin, for the cards of one session
MAX_SHOWN = 500  # cards a session remembers (the oldest are forgotten first)
EXPORT_NAME = "thesis-qa-collection"
EXPORTS = {"md": ("text/markdown;charset=utf-8", ".md"), "docx": (DOCX_TYPE, ".docx")}


def remember(shown: Shown | None, hits: Sequence[Hit], question: str) -> tuple[Shown, list[str]]:
    """`shown` with a new token for each of `hits` (pinned with `question`), and the tokens."""
    batch = secrets.token_hex(4)
    tokens = [f"{batch}-{rank}" for rank in range(1, len(hits) + 1)]
    added = {token: {**hit.to_json(), "question": question} for token, hit in zip(tokens, hits, strict=True)}
    kept = {**(shown or {}), **added}
    return dict(list(kept.items())[-MAX_SHOWN:]), tokens


def add(collection: Sequence[Pin], pin: Pin) -> list[Pin] | None:
    """`collection` with `pin` at its end; None when it holds that passage already or is full."""
    if any(_key(held) == _key(pin) for held in collection) or len(collection) >= MAX_PINS:
        return None
    return [*collection, pin]


def restore(collection: Sequence[Pin], cleared: Sequence[Pin]) -> list[Pin]:
    """The `cleared` pins back (an undone "clear"), then those pinned since, each passage
    once, at most MAX_PINS."""
    kept: list[Pin] = []
    for pin in [*cleared, *collection]:
        if all(_key(held) != _key(pin) for held in kept):
            kept.append(pin)
    return kept[:MAX_PINS]


def is_full(collection: Sequence[Pin]) -> bool:
    return len(collection) >= MAX_PINS


def change(collection: Sequence[Pin], action: str, pin_id: str) -> list[Pin]:
    """`collection` with the pin `pin_id` moved one place "up" or "down", or "remove"d;
    unchanged for an unknown pin or action."""
    pins = list(collection)
    at = next((i for i, pin in enumerate(pins) if str(pin.get("id")) == pin_id), None)
    if at is None:
        return pins
    if action == "remove":
        del pins[at]
    elif action in ("up", "down"):
        to = at - 1 if action == "up" else at + 1
        if 0 <= to < len(pins):
            pins[at], pins[to] = pins[to], pins[at]
    return pins


def excerpts(collection: Sequence[Pin]) -> list[tuple[str, Excerpt]]:
    """Each pin's id with what an export shows of it."""
    return [(str(pin.get("id")), Excerpt.from_json(pin)) for pin in collection]


def labels(lang: Language) -> Labels:
    """The words of an export in `lang`."""
    return Labels(
        title=text("md_title", lang),
        document=text("md_document", lang),
        section=text("md_section", lang),
        paragraph=text("md_paragraph", lang),
        page=text("md_page", lang),
        question=text("md_question", lang),
        toc_entry=text("toc_entry", lang),
        index_of_names=text("study_index_heading", lang),
    )


def export(collection: Sequence[Pin], kind: str, lang: Language) -> tuple[str, str, bytes]:
    """(file name, media type, content) of the collection as "md" or "docx"."""
    media_type, suffix = EXPORTS[kind]
    shown, words = [excerpt for _, excerpt in excerpts(collection)], labels(lang)
    content = to_docx(shown, words) if kind == "docx" else to_markdown(shown, words).encode("utf-8")
    return EXPORT_NAME + suffix, media_type, content


def _key(pin: Pin) -> tuple[str, str]:
    return str(pin.get("doc")), str(pin.get("id"))
