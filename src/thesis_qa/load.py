"""Read a source file into a `Document`: .txt/.md, .docx, .pdf, or .jsonl of ready passages.

Every failure is a `LoadError` whose message names the file and the reason in one line.
"""

from __future__ import annotations

import codecs
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from thesis_qa.document import Document, HeadingHint, PresplitPassage
from thesis_qa.errors import LoadError
from thesis_qa.language import KAZAKH_LETTERS

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".jsonl")
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_HEADING_STYLE = re.compile(r"(?:heading|заголовок|тақырып)\s*(\d)", re.IGNORECASE)
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def load_document(path: Path, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Load `path`; `name` (default: the file name) is how results will cite it."""
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
    if size > max_bytes:
        raise LoadError(
            f"{name}: {size / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB limit",
            code="load_too_big",
            name=name,
            limit_mb=round(max_bytes / 2**20),
        )
    doc = reader(path, name)
    if not doc.text.strip():
        raise LoadError(f"{name}: no text found", code="load_empty", name=name)
    return doc


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1251 or KZ-1048; newlines
    become '\\n'."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif b"\0" in data:
        raise LoadError(f"{name}: binary data, not text", code="load_binary", name=name)
    else:
        text = _utf8_or_legacy(data, name)
    return _unix_newlines(text)


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf8_or_legacy(data: bytes, name: str) -> str:
    """UTF-8, else a legacy Cyrillic code page: Windows-1251 (Russian), or KZ-1048, the
    Windows-1251 variant that puts the Kazakh letters where 1251 has Serbian ones."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    kazakh = data.decode("kz1048", errors="replace")
    if "\ufffd" not in kazakh and _mostly_cyrillic(kazakh) and not KAZAKH_LETTERS.isdisjoint(kazakh):
        return kazakh
    russian = data.decode("cp1251", errors="replace")
    if "\ufffd" not in russian and _mostly_cyrillic(russian):
        return russian
    raise LoadError(
        f"{name}: unknown text encoding (expected UTF-8, UTF-16, Windows-1251 or KZ-1048)",
        code="load_encoding",
        name=name,
    )


def _mostly_cyrillic(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum("\u0400" <= ch <= "\u04ff" for ch in letters) / len(letters) > 0.5


def _read_text(path: Path, name: str) -> Document:
    return Document(name=name, text=decode_text(path.read_bytes(), name), path=str(path))


def _read_markdown(path: Path, name: str) -> Document:
    text = decode_text(path.read_bytes(), name)
    hints = tuple(HeadingHint(m.start(2), m.end(2), len(m.group(1))) for m in _MARKDOWN_HEADING.finditer(text))
    return Document(name=name, text=text, path=str(path), tab_starts_paragraph=False, headings=hints)


def _read_docx(path: Path, name: str) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(path):
        raise LoadError(f"{name}: not a Word .docx file (damaged or encrypted)", code="load_broken", name=name)
    try:
        paragraphs = docx.Document(str(path)).paragraphs
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise LoadError(f"{name}: damaged .docx ({exc})", code="load_broken", name=name) from exc
    parts, hints, pos = [], [], 0
    for paragraph in paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        level = _heading_level(paragraph.style.name if paragraph.style is not None else "")
        if level:
            hints.append(HeadingHint(pos, pos + len(text), level))
        parts.append(text)
        pos += len(text) + 2
    return Document(
        name=name, text="\n\n".join(parts), path=str(path), tab_starts_paragraph=False, headings=tuple(hints)
    )


def _heading_level(style: str) -> int:
    if style.lower() == "title":
        return 1
    match = _HEADING_STYLE.search(style)
    return int(match.group(1)) if match else 0


def _read_pdf(path: Path, name: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(f"{name}: the PDF is password-protected", code="load_encrypted", name=name)
        pages = [_unix_newlines(page.extract_text() or "") for page in reader.pages]
    except FileNotDecryptedError as exc:
        raise LoadError(f"{name}: the PDF is password-protected", code="load_encrypted", name=name) from exc
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"{name}: damaged PDF ({exc})", code="load_broken", name=name) from exc
    if not any(page.strip() for page in pages):
        raise LoadError(
            f"{name}: no text found; OCR is not supported (is it a scan?)", code="load_no_text_layer", name=name
        )
    starts, pos = [], 0
    for page in pages:
        starts.append(pos)
        pos += len(page) + 1
    return Document(
        name=name, text="\n".join(pages), path=str(path), tab_starts_paragraph=False, page_starts=tuple(starts)
    )


def _read_jsonl(path: Path, name: str) -> Document:
    """Lines of {"id", "text", "title"}: each becomes one passage exactly as given."""
    texts, passages, pos = [], [], 0
    for number, line in enumerate(decode_text(path.read_bytes(), name).splitlines(), start=1):
        if not line.strip():
            continue
        record = _jsonl_record(line, name, number)
        text = record["text"]
        passages.append(
            PresplitPassage(str(record.get("id", number)), pos, pos + len(text), str(record.get("title") or ""))
        )
        texts.append(text)
        pos += len(text) + 2
    return Document(name=name, text="\n\n".join(texts), path=str(path), presplit=tuple(passages))


def _jsonl_record(line: str, name: str, number: int) -> dict[str, object]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{name} line {number}: invalid JSON ({exc.msg})", code="load_broken", name=name) from exc
    if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
        raise LoadError(
            f"{name} line {number}: expected an object with a non-empty 'text'", code="load_broken", name=name
        )
    return record


_READERS: dict[str, Callable[[Path, str], Document]] = {
    ".txt": _read_text,
    ".md": _read_markdown,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".jsonl": _read_jsonl,
}
