"""Build, refresh and repair an index: load -> segment -> embed -> store.

Vectors are cached by content: a rebuild (new document, edited source, repaired damage)
re-embeds only passages whose text or sentence split is new; the rest are copied from the
previous version when it was made with the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from thesis_qa.document import Document, Passage
from thesis_qa.embed import Embedder, Progress
from thesis_qa.errors import StoreError
from thesis_qa.load import load_document
from thesis_qa.segment import SEGMENTER_VERSION, segment
from thesis_qa.store import (
    Index,
    Manifest,
    StoredSource,
    all_vectors,
    build_lock,
    open_index,
    read_manifest,
    sha256_bytes,
    sha256_text,
    vector_index,
    write_index,
)

Notify = Callable[[str], None]


@dataclass(frozen=True)
class _Cached:
    passage: np.ndarray
    sentences: np.ndarray


def build_index(
    folder: Path,
    documents: Sequence[Document],
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
) -> Index:
    """Write a new version of the index at `folder` holding exactly `documents`."""
    with build_lock(folder):
        cache = _vector_cache(folder, embedder)
        documents = _unique_names(documents)
        passages = [p for doc in documents for p in segment(doc)]
        passage_vectors, sentence_vectors = _embed(passages, embedder, cache, progress)
        manifest = Manifest(
            name=folder.name,
            model=embedder.name,
            model_fingerprint=embedder.fingerprint,
            dimension=embedder.dimension,
            segmenter=SEGMENTER_VERSION,
            sources=[_stored_source(doc) for doc in documents],
            passages=len(passages),
            sentences=len(sentence_vectors),
        )
        write_index(
            folder,
            manifest=manifest,
            documents=list(documents),
            passages=passages,
            passage_vectors=vector_index(passage_vectors, embedder.dimension),
            sentence_vectors=vector_index(sentence_vectors, embedder.dimension),
        )
    return open_index(folder)


def ensure_index(
    folder: Path,
    embedder: Embedder,
    default_sources: Sequence[Path] = (),
    notify: Notify = lambda message: None,
    progress: Callable[[int, int], None] | None = None,
) -> Index:
    """Open the index at `folder`, building or rebuilding it when it is missing, damaged,
    made with another model or segmenter, or older than one of its source files."""
    try:
        index = open_index(folder)
    except StoreError as error:
        if error.code != "store_missing":
            notify(f"{error}; rebuilding")
        documents = _recover_documents(folder, default_sources)
        if not documents:
            raise StoreError(
                f"index '{folder.name}' does not exist; create it with: thesis-qa index FILE... --index {folder.name}",
                code="store_missing",
                name=folder.name,
            ) from error
        return build_index(folder, documents, embedder, progress)
    reason = _stale_reason(index, embedder)
    if reason:
        notify(f"index '{folder.name}': {reason}; rebuilding")
        return build_index(folder, _current_documents(index), embedder, progress)
    return index


def add_documents(folder: Path, index: Index, new: Sequence[Document], embedder: Embedder) -> Index:
    """A new version with `new` added (a document of the same name is replaced)."""
    names = {doc.name for doc in new}
    kept = [doc for doc in index.documents.values() if doc.name not in names]
    return build_index(folder, [*kept, *new], embedder)


def _stale_reason(index: Index, embedder: Embedder) -> str:
    manifest = index.manifest
    if manifest.model_fingerprint != embedder.fingerprint:
        return f"built with model '{manifest.model}', now '{embedder.name}'"
    if manifest.segmenter != SEGMENTER_VERSION:
        return "segmenter changed"
    changed = [s.name for s in manifest.sources if _file_changed(s)]
    return f"source changed: {', '.join(changed)}" if changed else ""


def _file_changed(source: StoredSource) -> bool:
    path = Path(source.path)
    try:
        return bool(source.path) and sha256_bytes(path.read_bytes()) != source.file_sha256
    except OSError:
        return False  # the source is gone; the index keeps its own copy of the text


def _current_documents(index: Index) -> list[Document]:
    """The stored documents, reloaded from disk where the source file changed."""
    docs = []
    for source in index.manifest.sources:
        stored = index.documents[source.name]
        docs.append(load_document(Path(source.path), source.name) if _file_changed(source) else stored)
    return docs


def _recover_documents(folder: Path, default_sources: Sequence[Path]) -> list[Document]:
    """Documents for a rebuild of a missing or damaged index: the sources its manifest
    names if they can still be read, else the defaults."""
    manifest = read_manifest(folder)
    sources = manifest.sources if manifest else []
    paths = [(Path(s.path), s.name) for s in sources if s.path and Path(s.path).is_file()]
    if not paths:
        paths = [(p, p.name) for p in default_sources]
    return [load_document(path, name) for path, name in paths]


def _stored_source(doc: Document) -> StoredSource:
    path = Path(doc.path) if doc.path else None
    file_sha = sha256_bytes(path.read_bytes()) if path and path.is_file() else ""
    return StoredSource(doc.name, doc.path, file_sha, sha256_text(doc.text))


def _unique_names(documents: Sequence[Document]) -> list[Document]:
    """Results cite documents by name, so two files called "thesis.pdf" become "thesis.pdf"
    and "thesis (2).pdf"."""
    seen: set[str] = set()
    out = []
    for doc in documents:
        name, n = doc.name, 1
        while name in seen:
            n += 1
            stem, dot, suffix = doc.name.rpartition(".")
            name = f"{stem} ({n}).{suffix}" if dot else f"{doc.name} ({n})"
        seen.add(name)
        out.append(doc if name == doc.name else replace(doc, name=name))
    return out


def _cache_key(passage: Passage) -> str:
    return sha256_text(passage.text + repr(passage.sentences))


def _vector_cache(folder: Path, embedder: Embedder) -> dict[str, _Cached]:
    try:
        previous = open_index(folder)
    except StoreError:
        return {}
    if previous.manifest.model_fingerprint != embedder.fingerprint:
        return {}
    passage_vectors = all_vectors(previous.passage_vectors)
    sentence_vectors = all_vectors(previous.sentence_vectors)
    return {
        _cache_key(p): _Cached(passage_vectors[i], sentence_vectors[list(previous.sentence_rows(i))])
        for i, p in enumerate(previous.passages)
    }


def _embed(
    passages: list[Passage],
    embedder: Embedder,
    cache: dict[str, _Cached],
    progress: Callable[[int, int], None] | None,
) -> tuple[np.ndarray, np.ndarray]:
    missing = [p for p in passages if _cache_key(p) not in cache]
    done = len(passages) - len(missing)
    if progress:
        progress(done, len(passages))

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(passages))

    step: Progress = advance
    new_passages, new_sentences = embedder.embed_with_sentences(
        [p.text for p in missing], [p.sentences for p in missing], step
    )
    row = 0
    for i, p in enumerate(missing):
        count = len(p.sentences)
        cache[_cache_key(p)] = _Cached(new_passages[i], new_sentences[row : row + count])
        row += count
    entries = [cache[_cache_key(p)] for p in passages]
    dim = embedder.dimension
    passage_matrix = np.stack([e.passage for e in entries]) if entries else np.zeros((0, dim), np.float32)
    sentence_matrix = np.concatenate([e.sentences for e in entries]) if entries else np.zeros((0, dim), np.float32)
    return passage_matrix, sentence_matrix
