"""Where indexes and per-user records live: a folder (the default) or a PostgreSQL database.

Everything above this package names an index by a key ("thesis", or an upload's
"thesis.owners/<owner>/<upload>") and asks the store for its `IndexLocation`; small JSON
records (uploads, owners' last visits and pinned passages, accounts) go through `Records`.
`open_store` picks the implementation from `Settings.store`: empty for the files under
`index/` (thesis_qa.storage.files), a `postgresql://` URL for PostgreSQL with pgvector
(thesis_qa.storage.postgres), which several app replicas can share.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from thesis_qa.document import Document, Passage
from thesis_qa.extras import require
from thesis_qa.index.layout import Index, Manifest
from thesis_qa.index.postings import Postings
from thesis_qa.index.vocabulary import Vocabulary
from thesis_qa.text.language import Language

Json = dict[str, Any] | list[Any]


@dataclass(frozen=True)
class IndexContents:
    """Documents as a builder hands them to the store: a whole index version to `write`, or
    the documents to `append` (vectors as rows, in passage and sentence order, the store
    chooses how to search them; `lexical` numbers the rows from 0). `manifest` and
    `vocabulary` always describe the whole index."""

    manifest: Manifest
    documents: list[Document]
    passages: list[Passage]
    languages: list[Language]  # each passage's dominant language
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    lexical: Postings
    vocabulary: Vocabulary


class IndexLocation(Protocol):
    """One index in a store: opened whole, replaced whole (atomically), or removed."""

    @property
    def name(self) -> str:
        """The index's short name (for messages and its manifest)."""

    @property
    def spec(self) -> str:
        """A string another process turns back into this location (`open_location`)."""

    def open(self, verify: bool = False) -> Index:
        """The live version, checked; `StoreError` when missing or damaged. `verify` checks
        every byte (slow), not only sizes and counts."""

    def write(self, contents: IndexContents) -> None:
        """Make `contents` the live version; readers see the old one or the new one, never a mix."""

    def version(self) -> str | None:
        """What identifies the live version, cheaply (None when there is none): a changed
        value means another process replaced it."""

    def manifest(self) -> Manifest | None:
        """The live manifest without opening the data, None when unreadable."""

    def lock(self) -> AbstractContextManager[None]:
        """Serialise builders of this index across processes."""

    def remove(self) -> None:
        """Delete the index and everything of it."""


@runtime_checkable
class AppendableLocation(IndexLocation, Protocol):
    """An index that grows by appending: adding documents costs what they cost, not the
    corpus (the files store's segments). Other stores get a whole new version `write`n."""

    def append(self, addition: IndexContents) -> None:
        """Make live a version holding the live one's documents and then `addition`'s (the
        caller holds `lock` and built `addition` on the live version)."""


class Records(Protocol):
    """Small JSON records under slash-separated keys ("<owner>/<upload>/upload")."""

    def get(self, key: str) -> Json | None: ...

    def put(self, key: str, value: Json) -> None: ...

    def children(self, prefix: str) -> list[str]:
        """The names one level below `prefix` ("" for the top) that hold records or indexes."""

    def delete(self, prefix: str) -> None:
        """Delete the record `prefix` and everything under it."""

    def discard(self, key: str) -> None:
        """Delete the record `key` alone, keeping what is under it: a record whose key ends in
        "/" (kept by an earlier version) sits beside the records under that folder."""


class Store(Protocol):
    shared: bool  # whether other servers may use the same store at the same time

    def index(self, key: str) -> IndexLocation: ...

    def indexes(self) -> list[str]:
        """The keys of every index with a live version (uploads' indexes included)."""

    def records(self, area: str) -> Records:
        """The records of one area (e.g. an index's owners), kept apart from other areas'."""

    def areas(self) -> list[str]:
        """The records areas that exist."""

    def describe(self) -> str:
        """Where the store is, for messages (never a password)."""


def open_store(spec: str, index_dir: Path) -> Store:
    """The files store under `index_dir` for an empty `spec`, else the database it names."""
    if not spec:
        from thesis_qa.storage.files import FilesStore

        return FilesStore(index_dir)
    if spec.startswith(("postgresql://", "postgres://")):
        require("postgres", "the PostgreSQL store")
        from thesis_qa.storage.postgres import PostgresStore

        return PostgresStore(spec)
    raise ValueError(f"unknown store '{spec}': leave it empty for files, or give a postgresql:// URL")


def open_location(spec: str) -> IndexLocation:
    """The location `IndexLocation.spec` described (in a worker process)."""
    store_spec, _, key = spec.rpartition("#")
    if store_spec.startswith(("postgresql://", "postgres://")):
        return open_store(store_spec, Path()).index(key)
    from thesis_qa.storage.files import FilesLocation

    return FilesLocation(Path(spec))
