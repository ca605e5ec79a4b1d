"""Pinned passages for lecturers: collected across questions, exported as Markdown.

A pin is a plain dict (a `Hit.to_json()` plus the question it answered). The collection is
kept with its owner (thesis_qa.owners), so an account finds it again after logging in. The
export is built in the browser from the Markdown shown on the page: no file of it is ever
written on the server, so there is nothing another session could fetch.

Everything in the export that comes from a document or a user is escaped for Markdown, so a
`<script>`, a `[link](javascript:…)` or a `**` inside a passage reads as the text it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from thesis_qa.language import Language
from thesis_qa_app.answers import Reply
from thesis_qa_app.render import one_line, visible
from thesis_qa_app.texts import text

Pin = dict[str, object]
EXPORT_NAME = "thesis-qa-collection.md"
# What turns text into markup in CommonMark/GFM mid-line: escapes, code, emphasis, links,
# HTML and entities, tables, strike-through. Lines never start with document text here. An
# underscore inside a word ("thesis_kk.txt") never starts emphasis, so it stays as it is.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>&|~]|(?<![^\W_])_|_(?![^\W_]))")


def pinnable(reply: Reply) -> list[Pin]:
    """The passages of an answer, each with the question it answered."""
    return [{**hit.to_json(), "question": reply.question} for hit in reply.hits]


def pin_choices(pins: Sequence[Pin], lang: Language) -> list[tuple[str, str]]:
    """(label, position) for a checkbox per passage: "1. Section · ¶ 12: first words…"."""
    return [
        (visible(f"{rank}. {_place(pin, lang)}: {_opening(str(pin['text']))}"), str(rank - 1))
        for rank, pin in enumerate(pins, start=1)
    ]


def add_pins(collection: Sequence[Pin], candidates: Sequence[Pin], chosen: Sequence[str]) -> list[Pin]:
    """`collection` plus the `chosen` candidates (by position) it does not hold yet."""
    held = {_key(pin) for pin in collection}
    picked = [candidates[int(i)] for i in chosen if str(i).isdigit() and int(i) < len(candidates)]
    added = []
    for pin in picked:
        if _key(pin) not in held:
            held.add(_key(pin))
            added.append(pin)
    return [*collection, *added]


def to_markdown(collection: Sequence[Pin], lang: Language) -> str:
    """The collection as Markdown: each passage quoted, its answering sentence in bold,
    followed by its reference (document, section, paragraph, page) and the question."""
    if not collection:
        return ""
    blocks = [f"# {text('md_title', lang)}"]
    for number, pin in enumerate(collection, start=1):
        blocks.append(f"## {number}. {_escape(_place(pin, lang))}\n\n> {_quote(pin)}\n\n{_reference(pin, lang)}")
    return "\n\n".join(blocks) + "\n"


def _escape(value: object) -> str:
    """Text as Markdown that shows exactly this text, on one line, no format controls."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(visible(str(value))))


def _key(pin: Pin) -> tuple[str, str]:
    return str(pin["doc"]), str(pin["id"])


def _opening(passage: str, chars: int = 60) -> str:
    line = one_line(passage)
    return line if len(line) <= chars else line[:chars].rstrip() + "…"


def _section(pin: Pin, lang: Language) -> str:
    """The section title; "table of contents" for its entries; "" when the document has none."""
    return str(pin["section"] or (text("toc_entry", lang) if pin["kind"] == "toc" else ""))


def _place(pin: Pin, lang: Language) -> str:
    place = _section(pin, lang) or str(pin["doc"])
    return f"{place} · ¶ {pin['paragraph']}" if pin["paragraph"] else place


def _quote(pin: Pin) -> str:
    """The passage on one line, answering sentences in bold."""
    passage = str(pin["text"])
    parts, pos = [], 0
    for a, b in _merged(passage, pin["highlights"]):  # type: ignore[arg-type]
        parts += [_escape(passage[pos:a]), f"**{_escape(passage[a:b])}**"]
        pos = b
    parts.append(_escape(passage[pos:]))
    return " ".join(part for part in parts if part)


def _merged(passage: str, spans: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """Spans in order, those separated by whitespace only joined into one."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted((int(a), int(b)) for a, b in spans):
        if merged and not passage[merged[-1][1] : a].strip():
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        elif passage[a:b].strip():
            merged.append((a, b))
    return merged


def _reference(pin: Pin, lang: Language) -> str:
    rows = [
        ("md_document", pin["doc"]),
        ("md_section", _section(pin, lang)),
        ("md_paragraph", pin["paragraph"] or ""),
        ("md_page", pin["page"] if pin["page"] is not None else ""),
        ("md_question", pin["question"]),
    ]
    return "\n".join(f"- {text(key, lang)}: {_escape(value)}" for key, value in rows if value != "")
