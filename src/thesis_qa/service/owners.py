"""Who an upload belongs to, and where each owner's uploads are kept.

The library is what the operator indexed. Everything uploaded from the browser belongs to an
owner: an account (by user name) or an anonymous browser (by the random token of its cookie).
In the store's records area `<library>.owners` (thesis_qa.storage; with the files store, the
folder index/<library>.owners/):

    <owner-id>/owner               {"seen": unix time}: when the owner last opened the page
    <owner-id>/collection          the owner's pinned passages
    <owner-id>/<upload-id>/upload  {"name", "bytes", "created"}; the index of that one
                                   document is the store's `<library>.owners/<owner>/<upload>`

The file itself waits to be indexed in `incoming/` of the upload's scratch folder on the
machine that received it, and is deleted once indexed. Each upload being its own index,
removing it, expiring it or deleting its owner deletes its records and its index: nothing of
it (text, vectors, the file) is left, and no other index is rebuilt. Owner ids are digests,
so a key reveals neither a user name nor a cookie. An upload is live once its index has a
version and its record says it is complete; a long upload indexed in parts
(thesis_qa.service.progressive) is searched while incomplete, but is not live: a server that
stopped meanwhile discards it like one without a version (`discard_unfinished`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import repeat
from pathlib import Path

from thesis_qa.errors import StoreError, ThesisQAError
from thesis_qa.service.accounts import Role
from thesis_qa.storage import IndexLocation, Store, open_store
from thesis_qa.text.names import clean_name, skeleton

MAX_NAME_CHARS = 120
MAX_PINS = 200
INCOMING = "incoming"
_OWNER_ID = re.compile(r"[ua]-[0-9a-f]{32}")
_UPLOAD_ID = re.compile(r"up-[0-9a-f]{16}")
_log = logging.getLogger(__name__)


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

    @classmethod
    def with_id(cls, owner_id: str) -> Owner:
        """The owner whose records are under `owner_id` (a digest: who it is, is not kept)."""
        return cls(owner_id, owner_id.startswith("a-"))


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
    folder: Path  # on this machine: the file while it waits to be indexed (`INCOMING`)
    location: IndexLocation  # the upload's own index, in the store
    complete: bool = True  # its whole document indexed (records before this field were)

    @property
    def live(self) -> bool:
        return self.complete and self.location.version() is not None

    @property
    def passages(self) -> int:
        manifest = self.location.manifest()
        return manifest.passages if manifest else 0


def each_owner(owner_ids: Iterable[str], step: Callable[[str], int]) -> int:
    """The sum of `step` over the owners. An owner whose records the store cannot read or
    delete (`StoreError`) does not stop the others: the first such error is raised once every
    owner has had its turn, for the caller to log."""
    done, failed = 0, None
    for owner_id in owner_ids:
        try:
            done += step(owner_id)
        except StoreError as error:
            failed = failed or error
    if failed is not None:
        raise failed
    return done


class Uploads:
    """Every owner's uploads: their records and indexes in `store` (under `area`), their
    files waiting to be indexed in `scratch` on this machine."""

    def __init__(self, store: Store, area: str, scratch: Path, quotas: Quotas, lifetime_s: float) -> None:
        self.store = store
        self.area = area
        self.records = store.records(area)
        self.scratch = scratch
        self.quotas = quotas
        self.lifetime_s = lifetime_s

    @classmethod
    def in_folder(cls, root: Path, quotas: Quotas, lifetime_s: float) -> Uploads:
        """Uploads kept as files under `root` (the files store's layout)."""
        from thesis_qa.storage.files import FilesStore

        return cls(FilesStore(root.parent), root.name, root, quotas, lifetime_s)

    def all(self, owner: Owner) -> list[Upload]:
        """The owner's uploads, live or being indexed, oldest first; expired ones are deleted
        on the way, so an upload past its lifetime is never seen."""
        uploads = [u for u in map(self._read, self._upload_ids(owner.id), repeat(owner.id)) if u]
        if owner.anonymous:
            now = time.time()
            for upload in [u for u in uploads if self._expired(u, now)]:
                self._delete(upload)
                uploads.remove(upload)
        return sorted(uploads, key=lambda u: (u.created, u.id))

    def live(self, owner: Owner) -> list[Upload]:
        return [u for u in self.all(owner) if u.live]

    def everyone_live(self) -> list[Upload]:
        """Every owner's live uploads (a server's start looks for those to re-index)."""
        return [u for owner_id in self._owner_ids() for u in self.live(Owner.with_id(owner_id))]

    def find(self, owner: Owner, upload_id: str) -> Upload | None:
        """The owner's upload with this id; None for anyone else's (ids come from the browser)."""
        return next((u for u in self.all(owner) if u.id == upload_id), None)

    def reserve(self, owner: Owner, name: str, size: int, taken: Iterable[str]) -> Upload:
        """A record and a scratch folder for a new upload of `size` bytes, named `name` unless
        a library document (`taken`) has that name. An upload of the owner's with the same
        name is replaced once the new one is live (`settle`), so it does not count against
        the quotas. The owner's quotas are checked and the record made under the owner's
        lock (a file lock, or with PostgreSQL an advisory lock): uploads arriving together,
        on one server or several, are counted one after the other."""
        key = f"{self.area}/{owner.id}"
        with _process_lock(key), self.store.index(key).lock():
            return self._reserve(owner, name, size, set(taken))

    def _reserve(self, owner: Owner, name: str, size: int, taken: set[str]) -> Upload:
        kept = [u for u in self.all(owner) if u.name != name]
        name = unique_name(name, taken)
        kept = [u for u in kept if u.name != name]
        if len(kept) + 1 > self.quotas.files:
            raise QuotaError(f"at most {self.quotas.files} uploads", code="quota_files", limit=self.quotas.files)
        if sum(u.bytes for u in kept) + size > self.quotas.megabytes * 2**20:
            raise QuotaError(
                f"at most {self.quotas.megabytes} MB of uploads", code="quota_mb", limit=self.quotas.megabytes
            )
        upload = self._upload(owner.id, "up-" + secrets.token_hex(8), name, size, time.time(), complete=False)
        (upload.folder / INCOMING).mkdir(parents=True)
        self._record(upload)
        self.touch(owner)
        return upload

    def passages_left(self, owner: Owner, replacing: str) -> int:
        """Passages the owner may still add, the upload named `replacing` not counted."""
        used = sum(u.passages for u in self.live(owner) if u.name != replacing)
        return max(0, self.quotas.passages - used)

    def settle(self, owner: Owner, upload: Upload) -> None:
        """`upload` is indexed whole: it is live; drop its incoming file and the older uploads
        it replaces."""
        self._record(replace(upload, complete=True))
        shutil.rmtree(upload.folder / INCOMING, ignore_errors=True)
        for old in self.all(owner):
            if old.name == upload.name and old.id != upload.id:
                self._delete(old)

    def remove(self, owner: Owner, upload_id: str) -> bool:
        upload = self.find(owner, upload_id)
        if upload is None:
            return False
        self._delete(upload)
        return True

    def discard(self, upload: Upload) -> None:
        """Delete an upload that failed or was cancelled (no quota check: it is the owner's)."""
        self._delete(upload)

    def touch(self, owner: Owner) -> None:
        """Remember that the owner is around (an anonymous owner's records outlive their
        uploads by one lifetime after the last visit)."""
        self.records.put(f"{owner.id}/owner", {"seen": time.time()})

    def expire(self, busy: Iterable[str] = ()) -> int:
        """Delete anonymous owners' uploads past their lifetime, and the records of anonymous
        owners gone for a lifetime with nothing left; `busy` upload ids are being indexed and
        are left alone. Returns the number of uploads and owners deleted (`each_owner`: one
        owner's records the store fails on do not stop the others')."""
        busy, now = set(busy), time.time()

        def expire_owner(owner_id: str) -> int:
            removed = 0
            for upload in filter(None, (self._read(u, owner_id) for u in self._upload_ids(owner_id))):
                if upload.id not in busy and self._expired(upload, now):
                    self._delete(upload)
                    removed += 1
            if not self._upload_ids(owner_id) and self._seen(owner_id) + self.lifetime_s < now:
                self.records.delete(owner_id)
                shutil.rmtree(self.scratch / owner_id, ignore_errors=True)
                removed += 1
            return removed

        return each_owner([o for o in self._owner_ids() if o.startswith("a-")], expire_owner)

    def discard_unfinished(self, older_than_s: float = 0.0) -> int:
        """Delete uploads whose indexing never finished (a server stopped mid-way) and this
        machine's leftover incoming files. At the start of a server that is alone with its
        store nothing is being indexed (`older_than_s` 0); replicas sharing a store only
        discard what has been unfinished for longer than any indexing takes."""
        cutoff = time.time() - older_than_s

        def discard_owner(owner_id: str) -> int:
            removed = 0
            for upload_id in self._upload_ids(owner_id):
                upload = self._read(upload_id, owner_id)
                if upload is not None and upload.created > cutoff:
                    continue
                if upload is None or not upload.live:
                    self._delete(upload or self._upload(owner_id, upload_id, "", 0, 0.0))
                    removed += 1
                else:
                    shutil.rmtree(upload.folder / INCOMING, ignore_errors=True)
            return removed

        return each_owner(self._owner_ids(), discard_owner)

    def collection(self, owner: Owner) -> list[dict[str, object]]:
        pins = self.records.get(f"{owner.id}/collection")
        return [pin for pin in pins if isinstance(pin, dict)][:MAX_PINS] if isinstance(pins, list) else []

    def save_collection(self, owner: Owner, pins: list[dict[str, object]]) -> None:
        self.records.put(f"{owner.id}/collection", pins[:MAX_PINS])

    def _record(self, upload: Upload) -> None:
        record = {"name": upload.name, "bytes": upload.bytes, "created": upload.created, "complete": upload.complete}
        self.records.put(f"{upload.owner}/{upload.id}/upload", record)

    def _delete(self, upload: Upload) -> None:
        upload.location.remove()
        self.records.delete(f"{upload.owner}/{upload.id}")
        shutil.rmtree(upload.folder, ignore_errors=True)

    def _expired(self, upload: Upload, now: float) -> bool:
        return upload.created + self.lifetime_s < now

    def _seen(self, owner_id: str) -> float:
        record = self.records.get(f"{owner_id}/owner")
        try:
            return float(record["seen"]) if isinstance(record, dict) else 0.0
        except (KeyError, TypeError, ValueError):
            return 0.0

    def _owner_ids(self) -> list[str]:
        return [name for name in self.records.children("") if _OWNER_ID.fullmatch(name)]

    def _upload_ids(self, owner_id: str) -> list[str]:
        return [name for name in self.records.children(owner_id) if _UPLOAD_ID.fullmatch(name)]

    def _key(self, owner_id: str, upload_id: str) -> str:
        return f"{self.area}/{owner_id}/{upload_id}"

    def _upload(  # noqa: PLR0917 - the fields of a record
        self, owner_id: str, upload_id: str, name: str, size: int, created: float, complete: bool = True
    ) -> Upload:
        location = self.store.index(self._key(owner_id, upload_id))
        folder = self.scratch / owner_id / upload_id
        return Upload(owner_id, upload_id, name, size, created, folder, location, complete)

    def _read(self, upload_id: str, owner_id: str) -> Upload | None:
        data = self.records.get(f"{owner_id}/{upload_id}/upload")
        if not isinstance(data, dict):
            return self._recovered(owner_id, upload_id)
        try:
            name, size, created = str(data["name"]), int(data["bytes"]), float(data["created"])
        except (KeyError, TypeError, ValueError):
            return self._recovered(owner_id, upload_id)
        return self._upload(owner_id, upload_id, name, size, created, data.get("complete") is not False)

    def _recovered(self, owner_id: str, upload_id: str) -> Upload | None:
        """An upload whose record is gone or unreadable (the store set a corrupt one aside)
        while its index is whole: a live version of one document, and no file of it left
        waiting on this machine (`settle` deletes it only once the record says complete). Its
        record is written again from the index, so a damaged record never costs its owner a
        finished upload: its name as the index keeps it, a fresh lifetime, its size unknown (0).
        None for anything else (a reservation not yet recorded, an unfinished indexing), which
        `discard_unfinished` then deletes as before."""
        upload = self._upload(owner_id, upload_id, "", 0, time.time())
        manifest = upload.location.manifest()
        waiting = upload.folder / INCOMING
        if manifest is None or len(manifest.sources) != 1 or (waiting.is_dir() and any(waiting.iterdir())):
            return None
        restored = replace(upload, name=manifest.sources[0].name)
        self._record(restored)
        _log.warning("the upload %s/%s had no readable record: written again from its index", owner_id, upload_id)
        return restored


def remove_account_everywhere(store_url: str, index_dir: Path, name: str) -> int:
    """Delete everything the account `name` uploaded or pinned, in the store the settings
    name (`remove_owner_everywhere`)."""
    return remove_owner_everywhere(open_store(store_url, index_dir), index_dir, Owner.account(name, "student").id)


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def _process_lock(key: str) -> threading.Lock:
    """This process's lock of `key`: its threads queue here, one at a time at the store's lock."""
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(key, threading.Lock())


def remove_owner_everywhere(store: Store, scratch_root: Path, owner_id: str) -> int:
    """Delete an owner's uploads, pins and records next to every library of the store (an
    account removed); the number of libraries they had anything in."""
    if not _OWNER_ID.fullmatch(owner_id):
        return 0
    found = 0
    for area in store.areas():
        records = store.records(area)
        if owner_id not in records.children(""):
            continue
        for upload_id in filter(_UPLOAD_ID.fullmatch, records.children(owner_id)):
            store.index(f"{area}/{owner_id}/{upload_id}").remove()
        records.delete(owner_id)
        shutil.rmtree(scratch_root / area / owner_id, ignore_errors=True)
        found += 1
    return found


def safe_name(name: str) -> str:
    """The base name of an uploaded file, as results will cite it: no folders
    ("../../x.txt" -> "x.txt", "C:\\\\a\\\\b.docx" -> "b.docx"), in NFKC, without control,
    format or invisible characters, without leading dots (".txt" -> "document.txt"), at most
    120 characters with the suffix kept."""
    base = clean_name(name.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(".").strip()
    if not base:
        return "document"
    if "." not in base and name.rstrip().startswith(".") and len(base) <= 10:
        base = "document." + base
    suffix = Path(base).suffix[:10]
    stem = base[: len(base) - len(suffix)] if suffix else base
    return stem[: MAX_NAME_CHARS - len(suffix)] + suffix


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or "stem (2).ext", "stem (3).ext"… when it is taken, or a name taken looks
    the same (up to case and look-alike letters of another script: thesis_qa.text.names)."""
    stem, suffix = os.path.splitext(name)
    shapes = {skeleton(t) for t in taken}
    candidate, n = name, 1
    while candidate in taken or skeleton(candidate) in shapes:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    return candidate


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
