"""Documents users upload: an untrusted file name, read into a `Document`, indexed by name.

Nothing is written here: the file is read where Gradio put it (its own temp folder) and
the index keeps its own copy of the text, so the upload's path is not stored.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from pathlib import Path

from thesis_qa.document import Document
from thesis_qa.load import load_document
from thesis_qa.workspace import ProgressBar, Workspace

MAX_NAME_CHARS = 120


def safe_name(name: str) -> str:
    """The base name of an uploaded file, as results will cite it: no folders
    ("../../x.txt" -> "x.txt", "C:\\\\a\\\\b.docx" -> "b.docx"), no control characters,
    at most 120 characters with the suffix kept."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if base in ("", ".", ".."):
        return "document"
    suffix = Path(base).suffix[:10]
    stem = base[: len(base) - len(suffix)] if suffix else base
    return stem[: MAX_NAME_CHARS - len(suffix)] + suffix


def read_upload(path: Path, max_bytes: int) -> Document:
    """The uploaded file as a document named after its base name; raises `LoadError`."""
    doc = load_document(path, name=safe_name(path.name), max_bytes=max_bytes)
    return replace(doc, path="")


def index_document(workspace: Workspace, doc: Document, progress: ProgressBar | None = None) -> int:
    """Add `doc` (replacing a document of the same name) and return its passage count; the
    index that served before keeps serving until the new one is ready. `progress` gets
    (texts embedded, texts to embed)."""
    workspace.add_document(doc, progress)
    return sum(1 for passage in workspace.searcher.index.passages if passage.doc == doc.name)
