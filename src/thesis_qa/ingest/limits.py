"""Bounds decided before any work: file size, what a zip unpacks to, XML without entities,
text and passage counts per document. Each refusal is a `LoadError` with its own code.

Theses are small (a 250-page one is ~0.6M characters, a few MB of XML); the defaults leave
a wide margin for real files and stop hostile ones before they cost memory or time.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from thesis_qa.errors import LoadError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_CHARS = 3_000_000  # ~1,200 pages of text
DEFAULT_MAX_PASSAGES = 10_000
MAX_ZIP_ENTRIES = 5_000
MAX_ZIP_UNPACKED = 512 * 1024 * 1024  # all entries together, as declared
MAX_XML_PART = 64 * 1024 * 1024  # one XML part that is parsed (word/document.xml)


def check_file_size(name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise LoadError(
            f"{name}: {size / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB limit",
            code="load_too_big",
            name=name,
            limit_mb=round(max_bytes / 2**20),
        )


def check_text_size(name: str, chars: int, max_chars: int) -> None:
    """Refuse a document holding more than `max_chars` characters of text."""
    if chars > max_chars:
        raise LoadError(
            f"{name}: {chars:,} characters of text, over the {max_chars:,} limit",
            code="load_too_much_text",
            name=name,
            limit=max_chars,
        )


def check_passage_count(name: str, count: int, max_passages: int) -> None:
    """Refuse a document cut into more than `max_passages` passages."""
    if count > max_passages:
        raise LoadError(
            f"{name}: {count:,} passages, over the {max_passages:,} limit",
            code="load_too_many_passages",
            name=name,
            limit=max_passages,
        )


def open_zip(path: Path, name: str, kind: str) -> zipfile.ZipFile:
    """Open a zip-based file after checking its entry count and the size it declares it
    unpacks to. Reads never go past a declared size (zipfile stops there and the CRC
    check fails), so the declaration bounds memory."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LoadError(f"{name}: not a {kind} file (damaged or encrypted)", code="load_broken", name=name) from exc
    entries = archive.infolist()
    unpacked = sum(info.file_size for info in entries)
    if len(entries) > MAX_ZIP_ENTRIES:
        archive.close()
        raise LoadError(
            f"{name}: holds {len(entries):,} files, over the {MAX_ZIP_ENTRIES:,} limit",
            code="load_too_many_entries",
            name=name,
            limit=MAX_ZIP_ENTRIES,
        )
    if unpacked > MAX_ZIP_UNPACKED:
        archive.close()
        raise _unpacks_too_big(name, unpacked, MAX_ZIP_UNPACKED)
    return archive


def read_zip_part(archive: zipfile.ZipFile, part: str, name: str, limit: int = MAX_XML_PART) -> bytes | None:
    """One entry's bytes (None when absent), refused when it unpacks past `limit`."""
    try:
        info = archive.getinfo(part)
    except KeyError:
        return None
    if info.file_size > limit:
        raise _unpacks_too_big(name, info.file_size, limit)
    try:
        with archive.open(info) as handle:
            return handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise LoadError(f"{name}: damaged ({part}: {exc})", code="load_broken", name=name) from exc


def _unpacks_too_big(name: str, size: int, limit: int) -> LoadError:
    return LoadError(
        f"{name}: unpacks to {size / 2**20:,.0f} MB, over the {limit / 2**20:,.0f} MB limit",
        code="load_unpacks_too_big",
        name=name,
        limit_mb=round(limit / 2**20),
    )


def parse_xml(data: bytes, name: str, part: str) -> object:
    """Parse an XML part without a DTD: no entity is ever expanded, no file or network is
    read, and libxml2's default size limits stay on (a text node over 10 MB is an error)."""
    from lxml import etree

    root_start = re.search(rb"<[A-Za-z_]", data)
    if b"<!DOCTYPE" in data[: root_start.start() if root_start else len(data)]:
        raise LoadError(
            f"{name}: refused: {part} declares a DTD (entities), which Word never writes",
            code="load_unsafe_xml",
            name=name,
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise LoadError(f"{name}: damaged ({part}: {exc})", code="load_broken", name=name) from exc
    return root
