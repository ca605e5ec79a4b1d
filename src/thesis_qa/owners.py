"""Who an upload belongs to, and where each owner's uploads live on disk.

The library is what the operator indexed. Everything uploaded from the browser belongs to an
owner: an account (by user name) or an anonymous browser (by the random token of its cookie).
Under `Settings.owners_folder` (index/<library>.owners/):

    <owner-id>/owner.json        {"seen": unix time}: when the owner last opened the page
    <owner-id>/collection.json   the owner's pinned passages
    <owner-id>/<upload-id>/      upload.json {"name", "bytes", "created"}, incoming/ (the file
                                 while it waits to be indexed) and an index of that one
                                 document in the store format (thesis_qa.store)

Each upload being its own index, removing it, expiring it or deleting its owner is deleting a
folder: nothing of it (text, vectors, the file) is left on disk, and no other index is
rebuilt. Owner ids are digests, so a folder name reveals neither a user name nor a cookie. An
upload is live once its index has a CURRENT version; a folder without one is still being
indexed, or its indexing died (and it is removed at the next start).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from thesis_qa.accounts import Role
from thesis_qa.errors import ThesisQAError
from thesis_qa.store import current_version, read_manifest

MAX_NAME_CHARS = 120
MAX_PINS = 200
_UPLOAD_FILE = "upload.json"
_OWNER_FILE = "owner.json"
_COLLECTION_FILE = "collection.json"
INCOMING = "incoming"
_OWNER_ID = re.compile(r"[ua]-[0-9a-f]{32}")
_UPLOAD_ID = re.compile(r"up-[0-9a-f]{16}")


class QuotaError(ThesisQAError):
    """An upload would take its owner past a quota (files, megabytes, passages)."""

    code = "quota"


@dataclass(frozen=True)
class Owner:
    """`id` names the owner's folder; `anonymous` owners' uploads expire."""

    id: str
    anonymous: bool
    role: Role = "student"
    name: str = ""  # the account's user name; "" for a browser

    @classmethod
    def account(cls, name: str, role: Role) -> Owner:
        return cls("u-" + _digest(name), False, role, name)

    @classmethod
    def browser(cls, token: str) -> Owner:
        return cls("a-" + _digest(token), True)


@dataclass(frozen=True)
class Quotas:
    files: int
    megabytes: int
    passages: int


@dataclass(frozen=True)
class Upload:
    owner: str
    id: str
    name: str
    bytes: int
    created: float
    folder: Path

    @property
    def live(self) -> bool:
        return current_version(self.folder) is not None

    @property
    def passages(self) -> int:
        manifest = read_manifest(self.folder)
        return manifest.passages if manifest else 0


class Uploads:
    """Every owner's uploads, under one folder."""

    def __init__(self, root: Path, quotas: Quotas, lifetime_s: float) -> None:
        self.root = root
        self.quotas = quotas
        self.lifetime_s = lifetime_s

    def all(self, owner: Owner) -> list[Upload]:
        """The owner's uploads, live or being indexed, oldest first; expired ones are deleted
        on the way, so an upload past its lifetime is never seen."""
        uploads = [u for u in map(_read_upload, self._upload_folders(owner.id)) if u]
        if owner.anonymous:
            now = time.time()
            for upload in [u for u in uploads if self._expired(u, now)]:
                shutil.rmtree(upload.folder, ignore_errors=True)
                uploads.remove(upload)
        return sorted(uploads, key=lambda u: (u.created, u.id))

    def live(self, owner: Owner) -> list[Upload]:
        return [u for u in self.all(owner) if u.live]

    def find(self, owner: Owner, upload_id: str) -> Upload | None:
        """The owner's upload with this id; None for anyone else's (ids come from the browser)."""
        return next((u for u in self.all(owner) if u.id == upload_id), None)

    def reserve(self, owner: Owner, name: str, size: int, taken: Iterable[str]) -> Upload:
        """A folder for a new upload of `size` bytes, named `name` unless a library document
        (`taken`) has that name. An upload of the owner's with the same name is replaced
        once the new one is live (`settle`), so it does not count against the quotas."""
        kept = [u for u in self.all(owner) if u.name != name]
        name = unique_name(name, set(taken))
        kept = [u for u in kept if u.name != name]
        if len(kept) + 1 > self.quotas.files:
            raise QuotaError(f"at most {self.quotas.files} uploads", code="quota_files", limit=self.quotas.files)
        if sum(u.bytes for u in kept) + size > self.quotas.megabytes * 2**20:
            raise QuotaError(
                f"at most {self.quotas.megabytes} MB of uploads", code="quota_mb", limit=self.quotas.megabytes
            )
        upload_id = "up-" + secrets.token_hex(8)
        upload = Upload(owner.id, upload_id, name, size, time.time(), self.root / owner.id / upload_id)
        (upload.folder / INCOMING).mkdir(parents=True)
        _write_json(upload.folder / _UPLOAD_FILE, {"name": name, "bytes": size, "created": upload.created})
        self.touch(owner)
        return upload

    def passages_left(self, owner: Owner, replacing: str) -> int:
        """Passages the owner may still add, the upload named `replacing` not counted."""
        used = sum(u.passages for u in self.live(owner) if u.name != replacing)
        return max(0, self.quotas.passages - used)

    def settle(self, owner: Owner, upload: Upload) -> None:
        """`upload` is live: drop its incoming file and the older uploads it replaces."""
        shutil.rmtree(upload.folder / INCOMING, ignore_errors=True)
        for old in self.all(owner):
            if old.name == upload.name and old.id != upload.id:
                shutil.rmtree(old.folder, ignore_errors=True)

    def remove(self, owner: Owner, upload_id: str) -> bool:
        upload = self.find(owner, upload_id)
        if upload is None:
            return False
        shutil.rmtree(upload.folder, ignore_errors=True)
        return True

    def touch(self, owner: Owner) -> None:
        """Remember that the owner is around (an anonymous owner's folder outlives its uploads
        by one lifetime after the last visit)."""
        folder = self.root / owner.id
        folder.mkdir(parents=True, exist_ok=True)
        _write_json(folder / _OWNER_FILE, {"seen": time.time()})

    def expire(self, busy: Iterable[str] = ()) -> int:
        """Delete anonymous owners' uploads past their lifetime, and the folders of anonymous
        owners gone for a lifetime with nothing left; `busy` upload ids are being indexed and
        are left alone. Returns the number of folders deleted."""
        busy, now, removed = set(busy), time.time(), 0
        for folder in self._owner_folders():
            if not folder.name.startswith("a-"):
                continue
            for upload in filter(None, map(_read_upload, self._upload_folders(folder.name))):
                if upload.id not in busy and self._expired(upload, now):
                    shutil.rmtree(upload.folder, ignore_errors=True)
                    removed += 1
            if not self._upload_folders(folder.name) and _seen(folder) + self.lifetime_s < now:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def discard_unfinished(self) -> int:
        """Delete uploads whose indexing never finished (the server stopped mid-way): at
        start nothing is being indexed, so a folder without a live index is debris."""
        removed = 0
        for owner in self._owner_folders():
            for folder in self._upload_folders(owner.name):
                if current_version(folder) is None or _read_upload(folder) is None:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
                else:
                    shutil.rmtree(folder / INCOMING, ignore_errors=True)
        return removed

    def collection(self, owner: Owner) -> list[dict[str, object]]:
        try:
            pins = json.loads((self.root / owner.id / _COLLECTION_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [pin for pin in pins if isinstance(pin, dict)][:MAX_PINS] if isinstance(pins, list) else []

    def save_collection(self, owner: Owner, pins: list[dict[str, object]]) -> None:
        folder = self.root / owner.id
        folder.mkdir(parents=True, exist_ok=True)
        _write_json(folder / _COLLECTION_FILE, pins[:MAX_PINS])

    def _expired(self, upload: Upload, now: float) -> bool:
        return upload.created + self.lifetime_s < now

    def _owner_folders(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [p for p in self.root.iterdir() if p.is_dir() and _OWNER_ID.fullmatch(p.name)]

    def _upload_folders(self, owner_id: str) -> list[Path]:
        folder = self.root / owner_id
        if not folder.is_dir():
            return []
        return [p for p in folder.iterdir() if p.is_dir() and _UPLOAD_ID.fullmatch(p.name)]


def remove_owner_everywhere(index_dir: Path, owner_id: str) -> int:
    """Delete an owner's folder next to every library in `index_dir` (an account removed)."""
    if not _OWNER_ID.fullmatch(owner_id):
        return 0
    folders = [f / owner_id for f in index_dir.glob("*.owners") if (f / owner_id).is_dir()]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return len(folders)


def safe_name(name: str) -> str:
    """The base name of an uploaded file, as results will cite it: no folders
    ("../../x.txt" -> "x.txt", "C:\\\\a\\\\b.docx" -> "b.docx"), no control or format
    characters, at most 120 characters with the suffix kept."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if base in ("", ".", ".."):
        return "document"
    suffix = Path(base).suffix[:10]
    stem = base[: len(base) - len(suffix)] if suffix else base
    return stem[: MAX_NAME_CHARS - len(suffix)] + suffix


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or "stem (2).ext", "stem (3).ext"… when it is taken."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    return candidate


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _read_upload(folder: Path) -> Upload | None:
    try:
        data = json.loads((folder / _UPLOAD_FILE).read_text(encoding="utf-8"))
        name, size, created = str(data["name"]), int(data["bytes"]), float(data["created"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Upload(folder.parent.name, folder.name, name, size, created, folder)


def _seen(owner_folder: Path) -> float:
    try:
        return float(json.loads((owner_folder / _OWNER_FILE).read_text(encoding="utf-8"))["seen"])
    except (OSError, ValueError, KeyError, TypeError):
        return owner_folder.stat().st_mtime


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
