"""Pinned passages for lecturers: collected across questions, exported as Markdown.

A pin is a plain dict (a `Hit.to_json()` plus the question it answered), so a browser
session's collection lives in a `gr.State` and survives nothing but that session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from thesis_qa.language import Language
from thesis_qa_app.answers import Answer
from thesis_qa_app.render import one_line
from thesis_qa_app.texts import text

Pin = dict[str, object]
EXPORT_NAME = "thesis-qa-collection.md"


def pinnable(answer: Answer) -> list[Pin]:
    """The passages of an answer, each with the question it answered."""
    return [{**hit.to_json(), "question": answer.question} for hit in answer.hits]


def pin_choices(pins: Sequence[Pin], lang: Language) -> list[tuple[str, str]]:
    """(label, passage id) for a checkbox per passage: "1. Section · ¶ 12: first words…"."""
    return [
        (f"{rank}. {_place(pin, lang)}: {_opening(str(pin['text']))}", str(pin["id"]))
        for rank, pin in enumerate(pins, start=1)
    ]


def add_pins(collection: Sequence[Pin], candidates: Sequence[Pin], chosen: Sequence[str]) -> list[Pin]:
    """`collection` plus the `chosen` candidates (by passage id) it does not hold yet."""
    held = {pin["id"] for pin in collection}
    wanted = set(chosen)
    added = [pin for pin in candidates if pin["id"] in wanted and pin["id"] not in held]
    return [*collection, *added]


def to_markdown(collection: Sequence[Pin], lang: Language) -> str:
    """The collection as Markdown: each passage quoted, its answering sentence in bold,
    followed by its reference (document, section, paragraph, page) and the question."""
    if not collection:
        return ""
    blocks = [f"# {text('md_title', lang)}"]
    for number, pin in enumerate(collection, start=1):
        blocks.append(f"## {number}. {_place(pin, lang)}\n\n> {_quote(pin)}\n\n{_reference(pin, lang)}")
    return "\n\n".join(blocks) + "\n"


def write_markdown(markdown: str, folder: Path, session: str) -> Path:
    """Write the export for one browser session into its own folder under `folder` (the
    session id is hashed: it comes from the browser)."""
    target = folder / hashlib.sha256(session.encode()).hexdigest()[:16]
    target.mkdir(parents=True, exist_ok=True)
    path = target / EXPORT_NAME
    path.write_text(markdown, encoding="utf-8")
    return path


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
        parts += [passage[pos:a], f" **{one_line(passage[a:b])}** "]
        pos = b
    parts.append(passage[pos:])
    return one_line("".join(parts))


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
        ("md_question", one_line(str(pin["question"]))),
    ]
    return "\n".join(f"- {text(key, lang)}: {value}" for key, value in rows if value != "")
