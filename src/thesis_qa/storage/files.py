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
import os
import secrets
import shutil
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from thesis_qa.errors import StoreError
from thesis_qa.index import layout as store
from thesis_qa.index.layout import Index, Manifest, NewSegment
from thesis_qa.index.passage_table import PassageTable
from thesis_qa.index.vectors import vector_index
from thesis_qa.storage import IndexContents, Json


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
        with store.build_lock(self.folder):
            yield

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


READONLY = (errno.EROFS, errno.EACCES, errno.EPERM)  # a read-only folder (or mount), or not the server's to write


@contextmanager
def _room(folder: Path, readonly: str = "store_readonly") -> Iterator[None]:
    """Writing under `folder`: a full disk (or quota) as `StoreError` "store_full", a folder
    the server may not write as `StoreError` `readonly` (a bare `OSError` no caller would say
    in the user's language); the writer has removed what it half wrote (a version is staged
    aside, a record written aside)."""
    full = (errno.ENOSPC, errno.EDQUOT)
    try:
        yield
    except (OSError, RuntimeError) as exc:  # FAISS's writer says it in a RuntimeError's words
        said = isinstance(exc, OSError) and exc.errno in full
        if isinstance(exc, OSError) and exc.errno in READONLY:
            raise StoreError(f"cannot write {folder} ({exc.strerror})", code=readonly, path=str(folder)) from exc
        if not (said or any(os.strerror(code) in str(exc) for code in full)):
            raise
        raise StoreError(f"no room left to write {folder} ({os.strerror(errno.ENOSPC)})", code="store_full") from exc


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


class FilesRecords:
    """Record "a/b/c" is the file `<root>/a/b/c.json`; one that cannot be written or deleted
    (a full disk, a read-only folder) a `StoreError` (`_room`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, key: str) -> Json | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: Json) -> None:
        path = self._path(key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        with _room(self.root, RECORDS_READONLY):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)

    def children(self, prefix: str) -> list[str]:
        folder = self.root / prefix if prefix else self.root
        if not folder.is_dir():
            return []
        names = {p.name if p.is_dir() else p.stem for p in folder.iterdir() if p.is_dir() or p.suffix == ".json"}
        return sorted(name for name in names if not name.startswith("."))

    def delete(self, prefix: str) -> None:
        shutil.rmtree(self.root / prefix, ignore_errors=True)
        self.discard(prefix)

    def discard(self, key: str) -> None:
        with _room(self.root, RECORDS_READONLY):
            self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"


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
