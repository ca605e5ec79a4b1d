"""The files store: each index a folder under `index/` (format in thesis_qa.index.layout), each
record a JSON file, so a newcomer's install needs no database.

A server memory-maps an index's files; one truncated or rewritten under it would be read past
its end (SIGBUS: the process dies) or answer garbage. So `version()`, which a server asks
before each use, also says whether the live version's files are still as written: each file's
size against its manifest, and its status-change time (ctime, which no program can set back)
against the manifest's. A changed file changes the version, the server opens it again, and
`open` finds it damaged: a size that differs, or a changed file whose SHA-256 no longer matches.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from thesis_qa.errors import StoreError
from thesis_qa.index import layout as store
from thesis_qa.index.layout import Index, Manifest, NewSegment
from thesis_qa.index.passage_table import PassageTable
from thesis_qa.index.vectors import vector_index
from thesis_qa.storage import IndexContents, Json

_log = logging.getLogger(__name__)


class FilesLocation:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def spec(self) -> str:
        return str(self.folder)

    def open(self, verify: bool = False) -> Index:
        """The live version, checked (`StoreError` when damaged): sizes and counts, and the
        SHA-256 of every file changed since it was written (of all of them with `verify`)."""
        stamp = self.version()
        index = store.verify_index(self.folder) if verify else store.open_index(self.folder)
        live = store.current_version(self.folder)
        if not verify and live is not None and live.name == index.version:
            _check_changed(live)
        if stamp is not None and stamp.split(CHANGED)[0] == index.version:
            index.version = stamp  # what `version()` says while the files stay as they are now
        return index

    def write(self, contents: IndexContents) -> None:
        with _room(self.folder):
            store.write_index(self.folder, contents.manifest, _segment(contents), contents.vocabulary)

    def append(self, addition: IndexContents) -> None:
        with _room(self.folder):
            store.append_segment(self.folder, addition.manifest, _segment(addition), addition.vocabulary)

    def version(self) -> str | None:
        """The live version's name, marked (`CHANGED` and a digest of the files' status) when
        a file of it changed since it was written: a few `stat` calls, cheap enough before
        every question."""
        live = store.current_version(self.folder)
        if live is None:
            return None
        changed = [(str(path), _status(path)) for path, _, _ in _changed(live)]
        if not changed:
            return live.name
        return live.name + CHANGED + hashlib.blake2b(repr(changed).encode(), digest_size=8).hexdigest()

    def manifest(self) -> Manifest | None:
        return store.read_manifest(self.folder)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """The build lock; one that cannot be taken (a folder where its file should be, a disk
        fault) a `StoreError` (`_room`). What the block raises is its own, untouched."""
        with ExitStack() as held:
            with _room(self.folder, any_fault=True):
                held.enter_context(store.build_lock(self.folder))
            yield

    def remove(self) -> None:
        """Delete the index folder (one not there is removed already). One that cannot be
        deleted whole is a `StoreError` "store_io": a removal never says it happened when it
        did not."""
        with _room(self.folder, "store_io", any_fault=True):
            _remove_tree(self.folder)


READONLY = (errno.EROFS, errno.EACCES, errno.EPERM)  # a read-only folder (or mount), or not the server's to write


@contextmanager
def _room(folder: Path, readonly: str = "store_readonly", any_fault: bool = False) -> Iterator[None]:
    """Writing (or deleting) under `folder`: a full disk (or quota) as `StoreError`
    "store_full", a folder the server may not write as `StoreError` `readonly` (a bare
    `OSError` no caller would say in the user's language); with `any_fault`, any other
    `OSError` (a disk fault, a file where a folder should be) as `StoreError` "store_io". The
    writer has removed what it half wrote (a version is staged aside, a record written aside)."""
    full = (errno.ENOSPC, errno.EDQUOT)
    try:
        yield
    except (OSError, RuntimeError) as exc:  # FAISS's writer says it in a RuntimeError's words
        said = isinstance(exc, OSError) and exc.errno in full
        if isinstance(exc, OSError) and exc.errno in READONLY:
            raise StoreError(f"cannot write {folder} ({exc.strerror})", code=readonly, path=str(folder)) from exc
        if said or any(os.strerror(code) in str(exc) for code in full):
            raise StoreError(
                f"no room left to write {folder} ({os.strerror(errno.ENOSPC)})", code="store_full"
            ) from exc
        if any_fault and isinstance(exc, OSError):
            why = exc.strerror or str(exc)
            why += f": {exc.filename}" if exc.filename and str(exc.filename) != str(folder) else ""
            raise StoreError(f"cannot change {folder} ({why})", code="store_io", path=str(folder)) from exc
        raise


def _remove_tree(folder: Path) -> None:
    """Delete `folder` and everything in it, raising what stops it (`shutil.rmtree` stops at
    the first failure). No folder there is nothing to delete: none at all, or a file in its
    place or in a parent's (nothing can be stored below a file); so is an entry another
    deleter took first."""
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        if os.path.lexists(folder):  # an entry taken by another deleter meanwhile: the rest
            shutil.rmtree(folder)
    except NotADirectoryError:
        if os.path.isdir(folder):  # a folder in it replaced by a file meanwhile
            raise


CHANGED = "!"  # in a version: its files changed since it was written
_LISTED = 64  # versions whose files `_files` remembers
_listed: OrderedDict[tuple[str, tuple[int, ...]], list[tuple[Path, int, str]]] = OrderedDict()


def _status(path: Path) -> tuple[int, ...]:
    """What changes when the file is truncated, rewritten or replaced (() when it is gone)."""
    try:
        stat = path.stat()
    except OSError:
        return ()
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _files(version: Path) -> list[tuple[Path, int, str]]:
    """Every data file of `version` (its own and its segments') with its recorded size and
    SHA-256, as its manifest lists them ([] when the manifest is unreadable: `open` says why)."""
    key = (str(version), _status(version / "manifest.json"))
    if key not in _listed:
        try:
            manifest = Manifest.from_json(json.loads((version / "manifest.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError):
            return []
        listed = [(version / name, int(str(r["bytes"])), str(r["sha256"])) for name, r in manifest.files.items()]
        for segment in manifest.segments:
            folder = version.parent / segment.name
            listed += [(folder / name, int(str(r["bytes"])), str(r["sha256"])) for name, r in segment.files.items()]
        _listed[key] = listed
        while len(_listed) > _LISTED:
            _listed.popitem(last=False)
    return _listed[key]


def _changed(version: Path) -> list[tuple[Path, int, str]]:
    """The files of `version` gone, of another size, or changed after its manifest was written."""
    written = _status(version / "manifest.json")
    found = []
    for path, size, digest in _files(version):
        status = _status(path)
        if not status or not written or status[1] != size or status[3] > written[3]:
            found.append((path, size, digest))
    return found


def _check_changed(version: Path) -> None:
    """`StoreError` when a file of `version` changed after it was written and its SHA-256 no
    longer matches (a file copied or touched since, with the same bytes, passes)."""
    for path, _, digest in _changed(version):
        try:
            with path.open("rb") as handle:
                same = hashlib.file_digest(handle, "sha256").hexdigest() == digest
        except OSError:
            same = False
        if not same:
            why = f"{path.relative_to(version.parent)} changed after it was written"
            name = version.parent.name
            raise StoreError(f"index '{name}' is damaged ({why})", code="store_damaged", name=name)


def _segment(contents: IndexContents) -> NewSegment:
    """A segment of `contents`, each vector set indexed as its size calls for (`ann`)."""
    dimension = contents.manifest.dimension
    return NewSegment(
        PassageTable.build(contents.documents, contents.passages, contents.languages),
        contents.lexical,
        vector_index(contents.passage_vectors, dimension),
        vector_index(contents.sentence_vectors, dimension),
    )


RECORDS_READONLY = "records_readonly"
_SET_ASIDE = ".corrupt-"  # a record that is not JSON, kept beside it as "<name>.json.corrupt-<UTC time>-<token>"


class FilesRecords:
    """Record "a/b/c" is the file `<root>/a/b/c.json`. A record is never lost or hidden
    silently: one that cannot be written or deleted (a full disk, a read-only folder, a disk
    fault) is a `StoreError` (`_room`), and so is one there that cannot be read (`get`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, key: str) -> Json | None:
        """The record `key`, None when there is none.

        A record there that cannot be read (a disk fault, a folder or a link to itself where
        its file should be) is a `StoreError` "records_unreadable", never "none": the caller's
        next `put` would replace it (a student's pinned passages by an empty collection).

        A record that reads but is not JSON (half-written by an earlier version, edited by
        hand, not UTF-8) is set aside beside it, as "<name>.json.corrupt-<UTC time>-<token>"
        (kept, never deleted here; no longer a record: `children` does not list it), a warning
        names both files, and it is then none. Not a `StoreError`: nothing of it is lost, and
        its owner goes on (a collection to pin into again, a conversation begun afresh)
        instead of meeting the same message on every page until an administrator steps in;
        what it held is there for them to recover. Setting it aside fails as a `StoreError`:
        then it stays where it is, unread and unreplaced."""
        path = self._path(key)
        for _ in range(3):  # read again when another writer replaced it while it was read
            try:
                with path.open("rb") as handle:
                    raw, read = handle.read(), os.fstat(handle.fileno())
            except (FileNotFoundError, NotADirectoryError):  # none, or a file where its folder would be
                return None
            except OSError as exc:
                raise _unreadable(path, exc) from exc
            try:
                value: Json = json.loads(raw.decode("utf-8-sig"))
            except ValueError as exc:  # UnicodeDecodeError is one
                if self._set_aside(path, read, exc):
                    return None
            else:
                return value
        raise _unreadable(path, "rewritten each time it was read")

    def _set_aside(self, path: Path, read: os.stat_result, why: ValueError) -> bool:
        """Move the record `path`, read as `read` and not JSON (`why`), aside; False when
        another writer replaced it since it was read (it is then read again)."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        aside = path.with_name(f"{path.name}{_SET_ASIDE}{stamp}-{secrets.token_hex(3)}")
        try:
            if not os.path.samestat(read, path.stat()):
                return False
            path.rename(aside)
        except FileNotFoundError:  # set aside by another reader meanwhile (it said so)
            return True
        except OSError as exc:
            raise _unreadable(path, exc) from exc
        _log.warning("the record %s is not JSON (%s): set aside as %s, and taken as none", path, why, aside)
        return True

    def put(self, key: str, value: Json) -> None:
        path = self._path(key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        with _room(self.root, RECORDS_READONLY, any_fault=True):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)

    def children(self, prefix: str) -> list[str]:
        """The names below `prefix`: its folders and its records (not a record set aside, nor
        a name starting with "."); none when there is no such folder, a `StoreError`
        "records_unreadable" when there is one that cannot be listed."""
        folder = self.root / prefix if prefix else self.root
        try:
            entries = [(p, p.is_dir()) for p in folder.iterdir()]
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise _unreadable(folder, exc) from exc
        names = {p.name if is_dir else p.stem for p, is_dir in entries if is_dir or p.suffix == ".json"}
        return sorted(name for name in names if not name.startswith("."))

    def delete(self, prefix: str) -> None:
        """Delete the record `prefix` and everything under it; what cannot be deleted is a
        `StoreError` (`_room`: "records_readonly", "store_io"), the record itself then kept."""
        with _room(self.root, RECORDS_READONLY, any_fault=True):
            _remove_tree(self.root / prefix)
        self.discard(prefix)

    def discard(self, key: str) -> None:
        with _room(self.root, RECORDS_READONLY, any_fault=True), suppress(NotADirectoryError):  # none below a file
            self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"


def _unreadable(path: Path, why: OSError | str) -> StoreError:
    """A record (or a records folder) there that cannot be read, in words the app says."""
    if isinstance(why, OSError):
        path, why = Path(why.filename or path), why.strerror or str(why)
    return StoreError(f"cannot read the record {path} ({why})", code="records_unreadable", path=str(path))


class FilesStore:
    shared = False  # one server per folder

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def index(self, key: str) -> FilesLocation:
        return FilesLocation(self.index_dir / key)

    def indexes(self) -> list[str]:
        return sorted(p.parent.relative_to(self.index_dir).as_posix() for p in self.index_dir.rglob(store.CURRENT))

    def records(self, area: str) -> FilesRecords:
        return FilesRecords(self.index_dir / area)

    def areas(self) -> list[str]:
        return sorted(p.name for p in self.index_dir.glob("*") if p.is_dir() and not (p / store.CURRENT).exists())

    def describe(self) -> str:
        return str(self.index_dir)
