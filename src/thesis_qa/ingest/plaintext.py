"""Plain text and Markdown: encodings as people have them, newlines made '\\n'."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from thesis_qa.document import Document, HeadingHint
from thesis_qa.errors import LoadError
from thesis_qa.text.language import KAZAKH_LETTERS

# Bumped whenever this reader would give another Document of the same file (the index rereads it).
READER_VERSION = "1"
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SAMPLE = 4096  # bytes looked at to tell UTF-16 without a BOM from binary data


def read_text(path: Path, name: str) -> Document:
    return Document(name=name, text=decode_text(path.read_bytes(), name), path=str(path))


def read_markdown(path: Path, name: str) -> Document:
    text = decode_text(path.read_bytes(), name)
    hints = tuple(HeadingHint(m.start(2), m.end(2), len(m.group(1))) for m in _MARKDOWN_HEADING.finditer(text))
    return Document(name=name, text=text, path=str(path), tab_starts_paragraph=False, headings=hints)


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with a BOM, or without one when every other byte
    is NUL), Windows-1251 or KZ-1048; newlines become '\\n'."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif b"\0" in data:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            raise LoadError(f"{name}: binary data, not text", code="load_binary", name=name)
        text = data.decode(encoding, errors="replace")
    else:
        text = _utf8_or_legacy(data, name)
    return unix_newlines(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the NULs sit where UTF-16 puts them: in Latin or
    Cyrillic text the high byte of every unit is 0x00 (spaces, digits, Latin) or one of a few
    block numbers (0x04 Cyrillic, 0x20 dashes and quotes), and the low byte is never NUL."""
    sample = data[: _SAMPLE - _SAMPLE % 2] if len(data) >= 2 else b""
    if len(sample) < 2 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    for encoding, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if 0 not in low and 0 in high and len(set(high)) <= 8:
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return encoding
    return None


def unix_newlines(text: str) -> str:
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
