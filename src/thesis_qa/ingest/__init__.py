"""Read a source file into a `Document`: .txt/.md, .docx, .pdf, or .jsonl of ready passages.

One module a format; `limits` holds the bounds every reader keeps. Every failure is a
`LoadError` whose message names the file and the reason in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from thesis_qa.document import Document
from thesis_qa.errors import LoadError
from thesis_qa.ingest import jsonl, pdf, plaintext, word
from thesis_qa.ingest.jsonl import read_jsonl
from thesis_qa.ingest.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_CHARS, check_file_size, check_text_size
from thesis_qa.ingest.pdf import read_pdf
from thesis_qa.ingest.plaintext import decode_text, read_markdown, read_text
from thesis_qa.ingest.word import read_docx

__all__ = ["SUPPORTED_SUFFIXES", "decode_text", "load_document", "reader_version"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".jsonl")

_READERS: dict[str, Callable[[Path, str], Document]] = {
    ".txt": read_text,
    ".md": read_markdown,
    ".docx": read_docx,
    ".pdf": read_pdf,
    ".jsonl": read_jsonl,
}
_READER_MODULES = {".txt": plaintext, ".md": plaintext, ".docx": word, ".pdf": pdf, ".jsonl": jsonl}


def reader_version(path: str) -> str:
    """The version of the reader that reads a file called `path` ("" for no reader): an index
    records it for each source and rereads the file when it changed (`service.indexing`)."""
    module = _READER_MODULES.get(Path(path).suffix.lower())
    return str(module.READER_VERSION) if module else ""


def load_document(
    path: Path, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES, max_chars: int = DEFAULT_MAX_CHARS
) -> Document:
    """Load `path`; `name` (default: the file name) is how results will cite it. Files over
    `max_bytes` and texts over `max_chars` characters are refused."""
    name = name or path.name
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise LoadError(
            f"{name}: unsupported file type '{suffix or 'none'}' (use {', '.join(SUPPORTED_SUFFIXES)})",
            code="load_unsupported",
            name=name,
            suffix=suffix,
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"{name}: cannot open ({exc.strerror})", code="load_missing", name=name) from exc
    check_file_size(name, size, max_bytes)
    doc = reader(path, name)
    if not doc.text.strip():
        raise LoadError(f"{name}: no text found", code="load_empty", name=name)
    check_text_size(name, len(doc.text), max_chars)
    return doc
