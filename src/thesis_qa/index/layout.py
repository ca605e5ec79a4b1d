"""A persisted index: segments of passages, vectors and postings, switched atomically.

Layout of `index/<name>/`:

    CURRENT        the live version's folder name and its manifest's SHA-256 (replaced atomically)
    v-<stamp>/     a version: manifest.json (its segments, in order, with every file's size
                   and SHA-256) and the whole index's vocabulary (vocabulary.json + .npy: the
                   lexical keys, their written forms and counts, the forms' vectors: `vocabulary`)
    seg-<stamp>/   a segment: whole documents, never changed once written:
                   the passage table (`passage_table`: documents.jsonl, texts.bin, passages.npy,
                   sentences.npy, labels.bin, sections.json), passages.faiss, sentences.faiss,
                   lexical-*.npy (BM25 postings of its rows: `lexical.Postings`)
    .lock          serialises builders

A build writes one segment; adding documents (`append_segment`) writes one more segment and a
version listing the live segments and the new one, so it costs what the added documents cost,
not the corpus. A version becomes live when CURRENT points at it, so a crash mid-build leaves
the previous one live; segments no live version lists are removed by the next build.

Opening reads the manifests and small JSON files and memory-maps the rest (passages are built
only when asked for: `passage_table.Passages`). It checks what is cheap to check: the manifest
against the digest in CURRENT, every file's size, and the row counts of each segment's files
against each other; a damaged index raises `StoreError` and is never served. A change inside
a file that keeps its size (a flipped bit) is found by `verify_index` (`thesis-qa index
--verify`), which hashes every file against the SHA-256 recorded when it was written.

Format 1 (one folder a version: passages.jsonl, documents.jsonl, two FAISS files, postings)
is still read, whole, into memory; `indexing.ensure_index` rewrites it as a segment, reusing
its vectors.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from thesis_qa.document import Document, HeadingHint, Passage, PresplitPassage
from thesis_qa.errors import StoreError
from thesis_qa.index.passage_table import FILES as TABLE_FILES
from thesis_qa.index.passage_table import Documents, Passages, PassageTable
from thesis_qa.index.postings import Postings, SegmentedPostings
from thesis_qa.index.vectors import SegmentedVectors, index_type, read_vectors
from thesis_qa.index.vocabulary import Vocabulary

FORMAT_VERSION = 2
CURRENT = "CURRENT"
_LEXICAL_FILES = tuple(f"lexical-{name}.npy" for name in Postings.FILES)
SEGMENT_FILES = (*TABLE_FILES, "passages.faiss", "sentences.faiss", *_LEXICAL_FILES)
VERSION_FILES = ("vocabulary.json", "vocabulary.npy")
# Format 1: absent lexical files from indexes written before the lexical index was stored.
_FORMAT_1_FILES = ("documents.jsonl", "passages.jsonl", "passages.faiss", "sentences.faiss")


@dataclass(frozen=True)
class StoredSource:
    """What the manifest remembers of a document to decide whether it changed."""

    name: str
    path: str
    file_sha256: str
    text_sha256: str
    reader: str = ""  # the version of the reader that read the file ("" before it was recorded)


@dataclass
class SegmentInfo:
    """A segment as a manifest lists it."""

    name: str
    documents: list[str]
    passages: int
    sentences: int
    index_type: str
    files: dict[str, dict[str, object]]  # file name -> {"bytes", "sha256"}


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
    index_type: str = "flat"  # of the largest segment's passage vectors
    vectors: str = ""  # how passage and sentence vectors were made (indexing.VECTOR_SCHEME)
    lexical: str = ""  # how the postings and vocabulary were made (indexing.LEXICAL_SCHEME); "" when not stored
    vocabulary: str = ""  # the query engine that embedded the vocabulary
    format: int = FORMAT_VERSION
    created: str = ""
    files: dict[str, dict[str, object]] = field(default_factory=dict)  # the version's own files
    segments: list[SegmentInfo] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        fields = dict(data)
        fields["sources"] = [StoredSource(**s) for s in data["sources"]]
        fields["segments"] = [SegmentInfo(**s) for s in data.get("segments", [])]
        return cls(**fields)


@dataclass
class NewSegment:
    """A segment built in memory, to be written: whole documents, rows numbered from 0."""

    table: PassageTable
    postings: Postings
    passage_vectors: faiss.Index
    sentence_vectors: faiss.Index


@dataclass
class Index:
    """A loaded, checked index version.

    `passage_vectors` and `sentence_vectors` search all segments as one id space (a FAISS
    index, `ann.SegmentedVectors`, or a database's: thesis_qa.storage.postgres); `lexical`
    reads the postings of all segments as one."""

    manifest: Manifest
    documents: Mapping[str, Document]
    passages: Passages
    passage_vectors: Any
    sentence_vectors: Any
    lexical: Postings | SegmentedPostings | None = None  # both None for an index written before they were stored
    vocabulary: Vocabulary | None = None
    version: str = ""  # the store's name for this version (`IndexLocation.version`)

    @property
    def sentence_offsets(self) -> np.ndarray:
        """Row of each passage's first sentence in `sentence_vectors`; one extra at the end."""
        return self.passages.sentence_offsets

    def sentence_range(self, passage_index: int) -> tuple[int, int]:
        """First and past-the-end rows of the passage's sentences in `sentence_vectors`."""
        offsets = self.passages.sentence_offsets
        return int(offsets[passage_index]), int(offsets[passage_index + 1])


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


# --- opening -------------------------------------------------------------------------------


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


def segment_folders(folder: Path) -> list[Path]:
    """The folders of the live version's segments, in order ([] when unreadable)."""
    manifest = read_manifest(folder)
    return [folder / info.name for info in manifest.segments] if manifest else []


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
        if manifest.format == 1:
            return _read_format_1(version, manifest, verify)
        if manifest.format != FORMAT_VERSION:
            raise _damaged(version.parent, f"format {manifest.format}, expected {FORMAT_VERSION}")
        return _read_segments(version, manifest, verify)
    except StoreError:
        raise
    except Exception as exc:
        raise _damaged(version.parent, f"{type(exc).__name__}: {exc}") from exc


def _damaged(folder: Path, why: str) -> StoreError:
    return StoreError(f"index '{folder.name}' is damaged ({why})", code="store_damaged", name=folder.name)


def _check_files(
    folder: Path,
    names: Sequence[str],
    recorded: dict[str, dict[str, object]],
    *,
    verify: bool,
    index: Path,
    where: str = "",
) -> None:
    """Every file of `names` in `folder` present with its recorded size; with `verify`, its
    SHA-256 too. `where` prefixes the file's name in messages (its segment)."""
    for name in names:
        expected = recorded.get(name)
        path = folder / name
        if expected is None or not path.is_file():
            raise _damaged(index, f"{where}{name} missing")
        if path.stat().st_size != expected["bytes"] or (verify and _file_sha256(path) != expected["sha256"]):
            raise _damaged(index, f"{where}{name} does not match its checksum")


def _read_segments(version: Path, manifest: Manifest, verify: bool) -> Index:
    index_folder = version.parent
    _check_files(version, VERSION_FILES, manifest.files, verify=verify, index=index_folder)
    tables, postings, passage_parts, sentence_parts = [], [], [], []
    for info in manifest.segments:
        folder = index_folder / info.name
        _check_files(folder, SEGMENT_FILES, info.files, verify=verify, index=index_folder, where=f"{info.name}/")
        table, lexical = PassageTable.load(folder), Postings.load(folder)
        passage_vectors = read_vectors(folder / "passages.faiss")
        sentence_vectors = read_vectors(folder / "sentences.faiss")
        if not (len(table) == len(lexical) == passage_vectors.ntotal == info.passages):
            raise _damaged(index_folder, f"passage count differs between the files of {info.name}")
        sentences = int(table.sentence_counts().sum())
        if not (sentences == len(table.sentences) == sentence_vectors.ntotal == info.sentences):
            raise _damaged(index_folder, f"sentence count differs between the files of {info.name}")
        if table.names != info.documents or {passage_vectors.d, sentence_vectors.d} != {manifest.dimension}:
            raise _damaged(index_folder, f"the documents or vectors of {info.name} differ from the manifest")
        tables.append(table)
        postings.append(lexical)
        passage_parts.append(passage_vectors)
        sentence_parts.append(sentence_vectors)
    passages, segmented = Passages(tables), SegmentedPostings(postings)
    if len(passages) != manifest.passages or int(passages.sentence_offsets[-1]) != manifest.sentences:
        raise _damaged(index_folder, "passage or sentence count differs from the manifest")
    vocabulary = _read_vocabulary(version)
    if vocabulary.keys != tuple(segmented.keys) or vocabulary.vectors.shape[1:] != (manifest.dimension,):
        raise _damaged(index_folder, "vocabulary differs from the lexical keys or the manifest")
    return Index(
        manifest,
        Documents(tables),
        passages,
        SegmentedVectors(passage_parts, manifest.dimension),
        SegmentedVectors(sentence_parts, manifest.dimension),
        segmented,
        vocabulary,
        version.name,
    )


def _read_format_1(version: Path, manifest: Manifest, verify: bool) -> Index:
    """An index of the previous format, read whole (to be rewritten as a segment)."""
    stored = _FORMAT_1_FILES + ((*_LEXICAL_FILES, *VERSION_FILES) if manifest.lexical else ())
    _check_files(version, stored, manifest.files, verify=verify, index=version.parent)
    documents = {d.name: d for d in map(document_from_json, _read_jsonl(version / "documents.jsonl"))}
    listed = [passage_from_json(p, documents) for p in _read_jsonl(version / "passages.jsonl")]
    passages = Passages.of(list(documents.values()), listed)
    passage_vectors = faiss.read_index(str(version / "passages.faiss"))
    sentence_vectors = faiss.read_index(str(version / "sentences.faiss"))
    if not (len(passages) == passage_vectors.ntotal == manifest.passages):
        raise _damaged(version.parent, "passage count differs between files")
    if not (passages.sentence_offsets[-1] == sentence_vectors.ntotal == manifest.sentences):
        raise _damaged(version.parent, "sentence count differs between files")
    index = Index(manifest, documents, passages, passage_vectors, sentence_vectors, version=version.name)
    if manifest.lexical:
        index.lexical, index.vocabulary = Postings.load(version), _read_vocabulary(version)
        if len(index.lexical) != len(passages) or index.vocabulary.keys != tuple(index.lexical.keys):
            raise _damaged(version.parent, "lexical postings differ from the passages")
    return index


def _read_vocabulary(version: Path) -> Vocabulary:
    words = json.loads((version / "vocabulary.json").read_text(encoding="utf-8"))
    if len(words["keys"]) != len(words["forms"]):
        raise ValueError("vocabulary keys and forms differ in number")
    vectors = np.load(version / "vocabulary.npy", allow_pickle=False)
    counts = tuple(tuple((str(form), int(n)) for form, n in per_key) for per_key in words.get("counts", ()))
    return Vocabulary(tuple(words["keys"]), tuple(words["forms"]), vectors, counts)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


# --- writing -------------------------------------------------------------------------------


def write_index(folder: Path, manifest: Manifest, segment: NewSegment, vocabulary: Vocabulary) -> None:
    """Make a version of the one segment `segment` live; other versions and segments are
    removed. The caller holds `build_lock`."""
    _write_version(folder, manifest, [], segment, vocabulary)


def append_segment(folder: Path, manifest: Manifest, segment: NewSegment, vocabulary: Vocabulary) -> None:
    """Make a version of the live segments and then `segment` live (`manifest` and
    `vocabulary` describe the whole index after the addition). The caller holds `build_lock`
    and built `segment` on the live version."""
    live = read_manifest(folder)
    if live is None or live.format != FORMAT_VERSION:
        raise StoreError(f"index '{folder.name}' has no live segments to append to", code="store_missing")
    _write_version(folder, manifest, live.segments, segment, vocabulary)


def _write_version(
    folder: Path, manifest: Manifest, kept: list[SegmentInfo], segment: NewSegment, vocabulary: Vocabulary
) -> None:
    _ensure_writable(folder)
    staging = folder / f".staging-{os.getpid()}-{time.time_ns()}"
    staging.mkdir()
    try:
        written = _write_segment(staging / _stamped("seg"), segment)
        manifest.segments = [*kept, written]
        manifest.passages = sum(s.passages for s in manifest.segments)
        manifest.sentences = sum(s.sentences for s in manifest.segments)
        manifest.index_type = max(manifest.segments, key=lambda s: s.passages).index_type
        manifest.format = FORMAT_VERSION
        manifest.created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        version = staging / _stamped("v")
        version.mkdir()
        _write_vocabulary(version, vocabulary)
        manifest.files = _recorded(version, VERSION_FILES)
        raw = json.dumps(asdict(manifest), ensure_ascii=False, indent=1).encode("utf-8")
        (version / "manifest.json").write_bytes(raw)
        _fsync_tree(staging)
        (staging / written.name).rename(folder / written.name)
        version.rename(folder / version.name)
        _point_current(folder, f"{version.name} {sha256_bytes(raw)}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _remove_stale(folder)


def _write_segment(target: Path, segment: NewSegment) -> SegmentInfo:
    target.mkdir()
    segment.table.save(target)
    segment.postings.save(target)
    faiss.write_index(segment.passage_vectors, str(target / "passages.faiss"))
    faiss.write_index(segment.sentence_vectors, str(target / "sentences.faiss"))
    return SegmentInfo(
        name=target.name,
        documents=list(segment.table.names),
        passages=len(segment.table),
        sentences=len(segment.table.sentences),
        index_type=index_type(segment.passage_vectors),
        files=_recorded(target, SEGMENT_FILES),
    )


def _stamped(prefix: str) -> str:
    return f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}"


def _recorded(folder: Path, names: Sequence[str]) -> dict[str, dict[str, object]]:
    return {name: {"bytes": (folder / name).stat().st_size, "sha256": _file_sha256(folder / name)} for name in names}


def _write_vocabulary(version: Path, vocabulary: Vocabulary) -> None:
    words = {"keys": list(vocabulary.keys), "forms": list(vocabulary.forms), "counts": vocabulary.counts}
    (version / "vocabulary.json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    np.save(version / "vocabulary.npy", np.ascontiguousarray(vocabulary.vectors, dtype=np.float32), allow_pickle=False)


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


def _remove_stale(folder: Path) -> None:
    """Versions other than the live one, segments it does not list, abandoned staging folders."""
    live = current_version(folder)
    manifest = read_manifest(folder)
    listed = {s.name for s in manifest.segments} if manifest else set()
    for child in folder.iterdir():
        stale = (
            (child.name.startswith("v-") and child != live)
            or (child.name.startswith("seg-") and child.name not in listed and manifest is not None)
            or (child.name.startswith(".staging-") and _is_abandoned(child))
        )
        if child.is_dir() and stale:
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
        if path.is_dir():
            _fsync_tree(path)
            continue
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


# --- JSON records (format 1, and a database's schema 1) ---------------------------------------


def document_from_json(data: dict[str, Any]) -> Document:
    fields = dict(data)
    fields["page_starts"] = tuple(data["page_starts"])
    fields["headings"] = tuple(HeadingHint(**h) for h in data["headings"])
    fields["presplit"] = tuple(PresplitPassage(**p) for p in data["presplit"])
    return Document(**fields)


def passage_from_json(data: dict[str, Any], documents: dict[str, Document]) -> Passage:
    fields = dict(data)
    doc = documents[str(data["doc"])]
    fields["text"] = doc.text[int(data["start"]) : int(data["end"])]
    fields["sentences"] = tuple(tuple(s) for s in data["sentences"])
    return Passage(**fields)
