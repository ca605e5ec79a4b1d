"""A persisted index: FAISS vectors plus the documents and passages they point to.

Layout of `index/<name>/`:

    CURRENT            the live version folder's name and its manifest's SHA-256 (replaced atomically)
    v-<stamp>/         manifest.json, documents.jsonl, passages.jsonl,
                       passages.faiss, sentences.faiss,
                       lexical-*.npy (BM25 postings, memory-mapped: `lexical.Postings`),
                       vocabulary.json + vocabulary.npy (the lexical keys, their written
                       forms and those forms' vectors: `vocabulary`)
    .lock              serialises builders

A build writes a fresh version folder and only then points CURRENT at it, so a crash
mid-build leaves the previous version live. Opening checks what is cheap to check: the
manifest against the digest in CURRENT, every file's size, and the row counts against each
other; a damaged index raises `StoreError` and is never served. A change inside a file that
keeps its size (a flipped bit) is found by `verify_index` (`thesis-qa index --verify`), which
hashes every file against the SHA-256 recorded when it was written.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from thesis_qa.document import Document, HeadingHint, Passage, PresplitPassage
from thesis_qa.errors import StoreError
from thesis_qa.lexical import Postings
from thesis_qa.vocabulary import Vocabulary

FORMAT_VERSION = 1
CURRENT = "CURRENT"
_DATA_FILES = ("documents.jsonl", "passages.jsonl", "passages.faiss", "sentences.faiss")
# Absent from indexes written before the lexical index was stored with them:
_LEXICAL_FILES = (*(f"lexical-{name}.npy" for name in Postings.FILES), "vocabulary.json", "vocabulary.npy")


@dataclass(frozen=True)
class StoredSource:
    """What the manifest remembers of a document to decide whether it changed."""

    name: str
    path: str
    file_sha256: str
    text_sha256: str


@dataclass
class Manifest:
    name: str
    model: str
    model_fingerprint: str
    dimension: int
    segmenter: str
    sources: list[StoredSource]
    passages: int
    sentences: int
    index_type: str = "flat"
    vectors: str = ""  # how passage and sentence vectors were made (indexing.VECTOR_SCHEME)
    lexical: str = ""  # how the postings and vocabulary were made (indexing.LEXICAL_SCHEME); "" when not stored
    vocabulary: str = ""  # the query engine that embedded the vocabulary
    format: int = FORMAT_VERSION
    created: str = ""
    files: dict[str, dict[str, object]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Manifest:
        fields = dict(data)
        fields["sources"] = [StoredSource(**s) for s in data["sources"]]  # type: ignore[union-attr]
        return cls(**fields)  # type: ignore[arg-type]


@dataclass
class Index:
    """A loaded, verified index version."""

    manifest: Manifest
    documents: dict[str, Document]
    passages: list[Passage]
    passage_vectors: faiss.Index
    sentence_vectors: faiss.Index
    sentence_offsets: np.ndarray  # row of each passage's first sentence; one extra at the end
    lexical: Postings | None = None  # both None for an index written before they were stored
    vocabulary: Vocabulary | None = None
    version: str = ""  # the store's name for this version (`IndexLocation.version`)

    def sentence_range(self, passage_index: int) -> tuple[int, int]:
        """First and past-the-end rows of the passage's sentences in `sentence_vectors`."""
        return int(self.sentence_offsets[passage_index]), int(self.sentence_offsets[passage_index + 1])


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def current_version(folder: Path) -> Path | None:
    """The live version folder of the index at `folder`, if there is one."""
    return _pointer(folder)[0]


def _pointer(folder: Path) -> tuple[Path | None, str]:
    """The live version folder and the digest its manifest must have ("" if not recorded)."""
    try:
        name, _, digest = (folder / CURRENT).read_text(encoding="utf-8").strip().partition(" ")
    except OSError:
        return None, ""
    version = folder / name
    return (version if name and version.is_dir() else None), digest


def open_index(folder: Path) -> Index:
    """Load and check the live version; `StoreError` if it is missing or damaged.

    A builder may replace the live version while we read it; that is retried, not damage.
    """
    return _retrying(folder, verify=False)


def verify_index(folder: Path) -> Index:
    """`open_index` after hashing every file against its recorded SHA-256 (reads the whole
    index: `thesis-qa index --verify`)."""
    return _retrying(folder, verify=True)


def _retrying(folder: Path, verify: bool) -> Index:
    version, digest = _pointer(folder)
    while True:
        if version is None:
            raise StoreError(f"no index at {folder}", code="store_missing", name=folder.name)
        try:
            return _open_version(version, digest, verify)
        except StoreError:
            newer, newer_digest = _pointer(folder)
            if newer == version:
                raise
            version, digest = newer, newer_digest


def read_manifest(folder: Path) -> Manifest | None:
    """The live manifest without verifying the data files, or None if unreadable."""
    version = current_version(folder)
    if version is None:
        return None
    try:
        return Manifest.from_json(json.loads((version / "manifest.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _open_version(version: Path, digest: str, verify: bool) -> Index:
    try:
        raw = (version / "manifest.json").read_bytes()
        if digest and sha256_bytes(raw) != digest:
            raise _damaged(version.parent, "manifest.json does not match its checksum")
        manifest = Manifest.from_json(json.loads(raw))
        _check_files(version, manifest, verify)
        return _read_version(version, manifest)
    except StoreError:
        raise
    except Exception as exc:
        raise _damaged(version.parent, f"{type(exc).__name__}: {exc}") from exc


def _damaged(folder: Path, why: str) -> StoreError:
    return StoreError(f"index '{folder.name}' is damaged ({why})", code="store_damaged", name=folder.name)


def _check_files(version: Path, manifest: Manifest, verify: bool) -> None:
    """Every data file present with its recorded size; with `verify`, its SHA-256 too."""
    if manifest.format != FORMAT_VERSION:
        raise _damaged(version.parent, f"format {manifest.format}, expected {FORMAT_VERSION}")
    for name in _stored_files(manifest):
        expected = manifest.files.get(name)
        path = version / name
        if expected is None or not path.is_file():
            raise _damaged(version.parent, f"{name} missing")
        if path.stat().st_size != expected["bytes"] or (verify and _file_sha256(path) != expected["sha256"]):
            raise _damaged(version.parent, f"{name} does not match its checksum")


def _stored_files(manifest: Manifest) -> tuple[str, ...]:
    return _DATA_FILES + (_LEXICAL_FILES if manifest.lexical else ())


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_version(version: Path, manifest: Manifest) -> Index:
    documents = {d.name: d for d in map(document_from_json, _read_jsonl(version / "documents.jsonl"))}
    passages = [passage_from_json(p, documents) for p in _read_jsonl(version / "passages.jsonl")]
    passage_vectors = faiss.read_index(str(version / "passages.faiss"))
    sentence_vectors = faiss.read_index(str(version / "sentences.faiss"))
    offsets = np.cumsum([0] + [len(p.sentences) for p in passages])
    if not (len(passages) == passage_vectors.ntotal == manifest.passages):
        raise _damaged(version.parent, "passage count differs between files")
    if not (offsets[-1] == sentence_vectors.ntotal == manifest.sentences):
        raise _damaged(version.parent, "sentence count differs between files")
    if passage_vectors.d != manifest.dimension or sentence_vectors.d != manifest.dimension:
        raise _damaged(version.parent, "vector dimension differs from the manifest")
    if not manifest.lexical:
        return Index(manifest, documents, passages, passage_vectors, sentence_vectors, offsets, version=version.name)
    lexical, vocabulary = Postings.load(version), _read_vocabulary(version)
    if len(lexical) != len(passages) or len(lexical.starts) != len(lexical.keys) + 1:
        raise _damaged(version.parent, "lexical postings differ from the passages")
    if vocabulary.vectors.shape != (len(lexical.keys), manifest.dimension):
        raise _damaged(version.parent, "vocabulary differs from the lexical keys or the manifest")
    return Index(
        manifest, documents, passages, passage_vectors, sentence_vectors, offsets, lexical, vocabulary, version.name
    )


def _read_vocabulary(version: Path) -> Vocabulary:
    words = json.loads((version / "vocabulary.json").read_text(encoding="utf-8"))
    if len(words["keys"]) != len(words["forms"]):
        raise ValueError("vocabulary keys and forms differ in number")
    vectors = np.load(version / "vocabulary.npy", allow_pickle=False)
    return Vocabulary(tuple(words["keys"]), tuple(words["forms"]), vectors)


def _write_vocabulary(version: Path, vocabulary: Vocabulary) -> None:
    words = {"keys": list(vocabulary.keys), "forms": list(vocabulary.forms)}
    (version / "vocabulary.json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    np.save(version / "vocabulary.npy", np.ascontiguousarray(vocabulary.vectors, dtype=np.float32), allow_pickle=False)


def _read_jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def write_index(
    folder: Path,
    *,
    manifest: Manifest,
    documents: list[Document],
    passages: list[Passage],
    passage_vectors: faiss.Index,
    sentence_vectors: faiss.Index,
    lexical: Postings,
    vocabulary: Vocabulary,
) -> None:
    """Write a new version and make it live atomically; older versions are removed.
    `manifest.lexical` must name how `lexical` and `vocabulary` were made."""
    _ensure_writable(folder)
    staging = folder / f".staging-{os.getpid()}-{time.time_ns()}"
    staging.mkdir()
    try:
        _write_jsonl(staging / "documents.jsonl", (document_to_json(d) for d in documents))
        _write_jsonl(staging / "passages.jsonl", (passage_to_json(p) for p in passages))
        faiss.write_index(passage_vectors, str(staging / "passages.faiss"))
        faiss.write_index(sentence_vectors, str(staging / "sentences.faiss"))
        lexical.save(staging)
        _write_vocabulary(staging, vocabulary)
        manifest.created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        manifest.files = {
            name: {"bytes": (staging / name).stat().st_size, "sha256": _file_sha256(staging / name)}
            for name in _stored_files(manifest)
        }
        raw = json.dumps(asdict(manifest), ensure_ascii=False, indent=1).encode("utf-8")
        (staging / "manifest.json").write_bytes(raw)
        _fsync_tree(staging)
        version = folder / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}"
        staging.rename(version)
        _point_current(folder, f"{version.name} {sha256_bytes(raw)}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _remove_stale_versions(folder)


def _ensure_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StoreError(
            f"cannot write the index folder {folder} ({exc.strerror})", code="store_readonly", path=str(folder)
        ) from exc


def _point_current(folder: Path, pointer: str) -> None:
    tmp = folder / f".{CURRENT}.{os.getpid()}"
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(pointer + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / CURRENT)
    _fsync_dir(folder)


def _remove_stale_versions(folder: Path) -> None:
    live = current_version(folder)
    for child in folder.iterdir():
        stale = child.name.startswith("v-") or (child.name.startswith(".staging-") and _is_abandoned(child))
        if child.is_dir() and child != live and stale:
            shutil.rmtree(child, ignore_errors=True)


def _is_abandoned(staging: Path) -> bool:
    """A staging folder whose builder process is gone (crashed mid-build)."""
    try:
        pid = int(staging.name.split("-")[1])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return True
    except PermissionError:
        return False
    return False


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Serialise index builders across processes."""
    _ensure_writable(folder)
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_jsonl(path: Path, records: Iterator[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def document_to_json(doc: Document) -> dict[str, object]:
    return asdict(doc)


def document_from_json(data: dict[str, object]) -> Document:
    fields = dict(data)
    fields["page_starts"] = tuple(data["page_starts"])  # type: ignore[arg-type]
    fields["headings"] = tuple(HeadingHint(**h) for h in data["headings"])  # type: ignore[union-attr]
    fields["presplit"] = tuple(PresplitPassage(**p) for p in data["presplit"])  # type: ignore[union-attr]
    return Document(**fields)  # type: ignore[arg-type]


def passage_to_json(passage: Passage) -> dict[str, object]:
    record = asdict(passage)
    del record["text"]  # a slice of its document's text, stored once
    return record


def passage_from_json(data: dict[str, object], documents: dict[str, Document]) -> Passage:
    fields = dict(data)
    doc = documents[str(data["doc"])]
    fields["text"] = doc.text[int(data["start"]) : int(data["end"])]  # type: ignore[arg-type]
    fields["sentences"] = tuple(tuple(s) for s in data["sentences"])  # type: ignore[union-attr]
    return Passage(**fields)  # type: ignore[arg-type]
