"""A .jsonl of ready passages: lines of {"text", "title", "id"}; each becomes one passage as
given. The line's own "id" is kept as the passage's `source_id` only: passage ids are always
the project's (`<document>#<n>`), so no file can take another document's ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from thesis_qa.document import Document, PresplitPassage
from thesis_qa.errors import LoadError
from thesis_qa.ingest.plaintext import decode_text

# Bumped whenever this reader would give another Document of the same file (the index rereads it).
READER_VERSION = "1"


def read_jsonl(path: Path, name: str) -> Document:
    texts, passages, pos = [], [], 0
    for number, line in enumerate(decode_text(path.read_bytes(), name).splitlines(), start=1):
        if not line.strip():
            continue
        record = _record(line, name, number)
        text = record["text"]
        source_id = record.get("id")
        passages.append(
            PresplitPassage("" if source_id is None else str(source_id), pos, pos + len(text), _title(record))
        )
        texts.append(text)
        pos += len(text) + 2
    return Document(name=name, text="\n\n".join(texts), path=str(path), presplit=tuple(passages))


def _title(record: dict[str, object]) -> str:
    title = record.get("title")
    return title if isinstance(title, str) else ""


def _record(line: str, name: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{name} line {number}: invalid JSON ({exc.msg})", code="load_broken", name=name) from exc
    if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
        raise LoadError(
            f"{name} line {number}: expected an object with a non-empty 'text'", code="load_broken", name=name
        )
    return record
