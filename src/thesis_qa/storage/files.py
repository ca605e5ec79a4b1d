"""The files store: each index a folder under `index/` (format in thesis_qa.index.layout), each
record a JSON file, so a newcomer's install needs no database."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
        return store.verify_index(self.folder) if verify else store.open_index(self.folder)

    def write(self, contents: IndexContents) -> None:
        store.write_index(self.folder, contents.manifest, _segment(contents), contents.vocabulary)

    def append(self, addition: IndexContents) -> None:
        store.append_segment(self.folder, addition.manifest, _segment(addition), addition.vocabulary)

    def version(self) -> str | None:
        live = store.current_version(self.folder)
        return live.name if live else None

    def manifest(self) -> Manifest | None:
        return store.read_manifest(self.folder)

    @contextmanager
    def lock(self) -> Iterator[None]:
        with store.build_lock(self.folder):
            yield

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _segment(contents: IndexContents) -> NewSegment:
    """A segment of `contents`, each vector set indexed as its size calls for (`ann`)."""
    dimension = contents.manifest.dimension
    return NewSegment(
        PassageTable.build(contents.documents, contents.passages, contents.languages),
        contents.lexical,
        vector_index(contents.passage_vectors, dimension),
        vector_index(contents.sentence_vectors, dimension),
    )


class FilesRecords:
    """Record "a/b/c" is the file `<root>/a/b/c.json`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, key: str) -> Json | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: Json) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def children(self, prefix: str) -> list[str]:
        folder = self.root / prefix if prefix else self.root
        if not folder.is_dir():
            return []
        names = {p.name if p.is_dir() else p.stem for p in folder.iterdir() if p.is_dir() or p.suffix == ".json"}
        return sorted(name for name in names if not name.startswith("."))

    def delete(self, prefix: str) -> None:
        shutil.rmtree(self.root / prefix, ignore_errors=True)
        self._path(prefix).unlink(missing_ok=True)

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
