"""Copying a whole store into another: a department's files under `index/` into the
university's PostgreSQL (`thesis-qa db import`), without embedding a page again.

Every index is copied as it is (its vectors, postings and vocabulary), every record area as it
is (owners, their uploads and pins), and the files store's accounts file becomes the
database's accounts record (salted hashes, as they were). The target must be empty, so an
import never mixes two libraries or overwrites anyone's uploads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from thesis_qa.errors import StoreError
from thesis_qa.index import vectors as ann
from thesis_qa.index.layout import Index
from thesis_qa.index.postings import SegmentedPostings
from thesis_qa.service.accounts import UsersFile, UsersRecord
from thesis_qa.storage import IndexContents, Records, Store


@dataclass(frozen=True)
class Copied:
    indexes: int
    passages: int
    records: int
    accounts: int


def contents_of(index: Index) -> IndexContents:
    """An opened index as contents to `write` into another store."""
    if index.lexical is None or index.vocabulary is None:
        raise StoreError(
            f"index '{index.manifest.name}' predates stored postings: ask a question of it once to rebuild it, "
            "then copy it"
        )
    lexical = index.lexical.merged() if isinstance(index.lexical, SegmentedPostings) else index.lexical
    return IndexContents(
        replace(index.manifest, files={}, segments=[]),
        list(index.documents.values()),
        list(index.passages),
        [index.passages.language(i) for i in range(len(index.passages))],
        ann.all_vectors(index.passage_vectors),
        ann.all_vectors(index.sentence_vectors),
        lexical,
        index.vocabulary,
    )


def copy_store(
    source: Store, target: Store, users: UsersFile, notify: Callable[[str], None] = lambda _: None
) -> Copied:
    """Copy every index and record of `source`, and the accounts of `users`, into the empty `target`."""
    if target.indexes() or target.areas():
        raise StoreError(f"{target.describe()} is not empty: import into an empty database")
    keys, passages, records = source.indexes(), 0, 0
    for n, key in enumerate(keys, start=1):
        index = source.index(key).open()
        notify(f"[{n}/{len(keys)}] {key}: {len(index.passages):,} passages")
        target.index(key).write(contents_of(index))
        passages += len(index.passages)
    for area in source.areas():
        records += _copy_records(source.records(area), target.records(area), "", set(keys), area)
    accounts = users.read() if users.stamp() is not None else {}
    if accounts:
        UsersRecord(target.records("accounts")).write(accounts)
    return Copied(len(keys), passages, records, len(accounts))


def _copy_records(source: Records, target: Records, prefix: str, indexes: set[str], area: str) -> int:
    """Copy the records under `prefix`. An upload's folder holds its record and its index: the
    record is copied, what lies deeper is the index (copied as one). A record kept by an earlier
    version under a folder's own key and "/" (a page's conversation under an empty page key,
    thesis_qa_app.conversation) is not among its children; it is copied too, for the server's
    next start to move it."""
    copied, deeper = 0, f"{area}/{prefix}" not in indexes
    for name in source.children(prefix):
        key = f"{prefix}/{name}" if prefix else name
        for each in (key, f"{key}/"):
            value = source.get(each)
            if value is not None:
                target.put(each, value)
                copied += 1
        if deeper:
            copied += _copy_records(source, target, key, indexes, area)
    return copied
