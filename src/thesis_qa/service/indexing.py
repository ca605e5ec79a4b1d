"""Build, grow, refresh and repair an index: load -> segment -> embed -> store.

Adding documents to an index of the files store appends them as a segment (`add_documents`):
only they are segmented, embedded and keyed. Everything else writes a whole version, and
vectors are cached by content: a rebuild (new document, edited source, repaired damage)
re-embeds only passages, sentences and vocabulary words whose text is new; the rest are
copied from the previous version when it was made with the same model (and, for words, the
same query engine).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from thesis_qa.document import Document, Passage
from thesis_qa.embedding.embedder import Embedder
from thesis_qa.errors import StoreError
from thesis_qa.index.layout import Index, Manifest, StoredSource, sha256_bytes, sha256_text
from thesis_qa.index.vectors import all_vectors
from thesis_qa.index.vocabulary import Vocabulary, lexical_index
from thesis_qa.ingest import load_document, reader_version
from thesis_qa.ingest.structure import SEGMENTER_VERSION, segment
from thesis_qa.storage import AppendableLocation, IndexContents, IndexLocation
from thesis_qa.storage.files import FilesLocation
from thesis_qa.text.language import dominant_language

Notify = Callable[[str], None]
# Bumped whenever vectors of the same text and model would come out different.
VECTOR_SCHEME = "passage+sentence/1"
# Bumped whenever the stored BM25 postings, vocabulary or passage flags (`passage_table.NUMBER`,
# `PERSON`) of the same passages would differ.
# 2: keys folded (text.fold); 3: people by name and patronymic; 4: "C++", "C#" are words (text.keys)
LEXICAL_SCHEME = "postings+vocabulary/4"


def build_index(
    location: IndexLocation | Path,
    documents: Sequence[Document],
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
    previous: Index | None = None,
) -> Index:
    """Write a new version of the index at `location` holding exactly `documents`.

    `previous`, the live index when the caller already holds it, lends its vectors; otherwise
    they are read from the version stored, if it opens. A `Path` is a folder of the files store."""
    location = as_location(location)
    with location.lock():
        fresh = location.version() is None
        try:
            previous = previous or _open_or_none(location)
            documents = _unique_names(documents)
            contents = _contents(
                location.name,
                documents,
                embedder,
                progress,
                cache=_vector_cache(previous, embedder),
                previous=_previous_vocabulary(previous, embedder),
            )
            location.write(contents)
        except BaseException:
            if fresh:  # a first build that failed leaves no empty index behind
                location.remove()
            raise
    return location.open()


def _contents(
    name: str,
    documents: list[Document],
    embedder: Embedder,
    progress: Callable[[int, int], None] | None,
    *,
    cache: dict[str, np.ndarray],
    previous: Vocabulary | None,
    base: Index | None = None,
) -> IndexContents:
    """`documents` segmented, embedded (texts in `cache` are not) and keyed: a whole index, or
    what is appended to `base` (whose vocabulary the new one extends)."""
    passages = [p for doc in documents for p in segment(doc)]
    passage_vectors, sentence_vectors = _embed(passages, embedder, cache, progress)
    languages = [dominant_language(p.text) for p in passages]
    before = base.vocabulary if base else None
    lexical, vocabulary = lexical_index(passages, languages, embedder.vocabulary_encoder(), previous, before)
    manifest = Manifest(
        name=name,
        model=embedder.name,
        model_fingerprint=embedder.fingerprint,
        dimension=embedder.dimension,
        segmenter=SEGMENTER_VERSION,
        vectors=VECTOR_SCHEME,
        lexical=LEXICAL_SCHEME,
        vocabulary=embedder.query_engine,
        sources=[*(base.manifest.sources if base else []), *map(_stored_source, documents)],
        passages=len(passages) + (base.manifest.passages if base else 0),
        sentences=len(sentence_vectors) + (base.manifest.sentences if base else 0),
    )
    vectors = (passage_vectors, sentence_vectors)
    return IndexContents(manifest, list(documents), passages, languages, *vectors, lexical, vocabulary)


def ensure_index(
    location: IndexLocation | Path,
    embedder: Embedder,
    default_sources: Sequence[Path] = (),
    notify: Notify = lambda message: None,
    progress: Callable[[int, int], None] | None = None,
    *,
    verify: bool = False,
) -> Index:
    """Open the index at `location`, building or rebuilding it when it is missing, damaged,
    made with another model or segmenter, or older than one of its source files. `verify`
    checks every byte first (`store.verify_index`), which finds damage that keeps a size."""
    location = as_location(location)
    index = _open_or_rebuild(location, default_sources, notify, verify)
    if index is None:
        return build_index(location, _recover_documents(location, default_sources), embedder, progress)
    changed = _changed_sources(index)
    if _due_rebuild(location, index, embedder, changed, notify):
        return build_index(location, _current_documents(index, changed), embedder, progress, index)
    return index


def current_index(
    location: IndexLocation | Path,
    embedder: Embedder,
    default_sources: Sequence[Path] = (),
    notify: Notify = lambda message: None,
) -> Index | None:
    """The index at `location` when `ensure_index` would leave it as it is, else None (`notify`
    says why it is to be rebuilt): a process that must not load the passage model opens what
    is current and leaves building to one that may (thesis_qa.service.worker). Raises as
    `ensure_index` does when the store cannot be reached or there is nothing to build from."""
    location = as_location(location)
    index = _open_or_rebuild(location, default_sources, notify, verify=False)
    if index is None or _due_rebuild(location, index, embedder, _changed_sources(index), notify):
        return None
    return index


def _open_or_rebuild(
    location: IndexLocation, default_sources: Sequence[Path], notify: Notify, verify: bool
) -> Index | None:
    """The index at `location`, or None when it is to be built from its sources (missing, or
    damaged: `notify` says so). Raises when the store cannot be reached, and `store_missing`
    when there is nothing to build it from."""
    try:
        return location.open(verify)
    except StoreError as error:
        if error.code == "store_unreachable":
            raise  # nothing to rebuild: the store itself cannot be reached
        if error.code != "store_missing":
            notify(f"{error}; rebuilding")
        if not _recovery_sources(location, default_sources):
            raise StoreError(
                f"index '{location.name}' does not exist; "
                f"create it with: thesis-qa index FILE... --index {location.name}",
                code="store_missing",
                name=location.name,
            ) from error
        return None


def _due_rebuild(location: IndexLocation, index: Index, embedder: Embedder, changed: list[str], notify: Notify) -> bool:
    """Whether an index that opens is to be rebuilt (`notify` says why)."""
    reason = _stale_reason(index, embedder, changed) or _old_layout(location, index)
    if reason:
        notify(f"index '{location.name}': {reason}; rebuilding")
    return bool(reason)


def add_documents(
    location: IndexLocation | Path,
    index: Index,
    new: Sequence[Document],
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
) -> Index:
    """A new version with `new` added (a document of the same name is replaced).

    A store that grows by appending (the files store's segments) gets `new` as one more
    segment: only `new` is embedded and keyed, so the cost follows the new documents, not the
    corpus. Replacing a document, an index due a rebuild (`ensure_index`), or another store
    gets a whole new version (vectors of unchanged text reused)."""
    location = as_location(location)
    names = {doc.name for doc in new}
    if isinstance(location, AppendableLocation):
        with location.lock():
            index = index if location.version() == index.version else location.open()  # grown since?
            if _appendable(index, embedder, names):
                previous = _previous_vocabulary(index, embedder)
                addition = _contents(
                    location.name, _unique_names(new), embedder, progress, cache={}, previous=previous, base=index
                )
                location.append(addition)
                return location.open()
    kept = [doc for doc in index.documents.values() if doc.name not in names]
    return build_index(location, [*kept, *new], embedder, progress, index)


def _appendable(base: Index, embedder: Embedder, names: set[str]) -> bool:
    """Whether `base` can grow by a segment holding documents called `names`: it is stored as
    segments, is not due a rebuild, replaces none of its documents, and its vocabulary kept
    the counts an extension needs."""
    vocabulary = base.vocabulary
    return (
        bool(base.manifest.segments)
        and not _stale_reason(base, embedder, [])
        and not names & set(base.documents)
        and vocabulary is not None
        and len(vocabulary.counts) == len(vocabulary.keys)
    )


def as_location(where: IndexLocation | Path) -> IndexLocation:
    """`where` itself, or the files store's index in the folder `where`."""
    return FilesLocation(where) if isinstance(where, Path) else where


def _stale_reason(index: Index, embedder: Embedder, changed: list[str]) -> str:
    manifest = index.manifest
    if manifest.model_fingerprint != embedder.fingerprint:
        return f"built with model '{manifest.model}', now '{embedder.name}'"
    if manifest.segmenter != SEGMENTER_VERSION:
        return "segmenter changed"
    if manifest.vectors != VECTOR_SCHEME:
        return "vector scheme changed"
    if manifest.lexical != LEXICAL_SCHEME:
        return "lexical index changed" if manifest.lexical else "no lexical index stored"
    return f"source changed: {', '.join(changed)}" if changed else ""


def _old_layout(location: IndexLocation, index: Index) -> str:
    """Why an index the files store wrote before segments is rewritten as one (its vectors and
    vocabulary reused: nothing is embedded again)."""
    return (
        "stored in the previous layout" if isinstance(location, FilesLocation) and not index.manifest.segments else ""
    )


def _changed_sources(index: Index) -> list[str]:
    """Names of the documents whose source file differs from the one indexed, or would be read
    by another version of its reader."""
    return [s.name for s in index.manifest.sources if _file_changed(s)]


def _file_changed(source: StoredSource) -> bool:
    if not source.path:
        return False
    try:
        data = Path(source.path).read_bytes()
    except OSError:
        return False  # the source is gone; the index keeps its own copy of the text
    return sha256_bytes(data) != source.file_sha256 or source.reader != reader_version(source.path)


def _current_documents(index: Index, changed: list[str]) -> list[Document]:
    """The stored documents, reloaded from disk where the source file changed."""
    return [
        load_document(Path(s.path), s.name) if s.name in changed else index.documents[s.name]
        for s in index.manifest.sources
    ]


def _recover_documents(location: IndexLocation, default_sources: Sequence[Path]) -> list[Document]:
    """Documents for a rebuild of a missing or damaged index (`_recovery_sources`)."""
    return [load_document(path, name) for path, name in _recovery_sources(location, default_sources)]


def _recovery_sources(location: IndexLocation, default_sources: Sequence[Path]) -> list[tuple[Path, str]]:
    """Files (and names) a missing or damaged index is rebuilt from: the sources its manifest
    names if they can still be read, else the defaults."""
    manifest = location.manifest()
    sources = manifest.sources if manifest else []
    paths = [(Path(s.path), s.name) for s in sources if s.path and Path(s.path).is_file()]
    return paths or [(p, p.name) for p in default_sources]


def _stored_source(doc: Document) -> StoredSource:
    path = Path(doc.path) if doc.path else None
    file_sha = sha256_bytes(path.read_bytes()) if path and path.is_file() else ""
    return StoredSource(doc.name, doc.path, file_sha, sha256_text(doc.text), reader_version(doc.path or doc.name))


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


def _open_or_none(location: IndexLocation) -> Index | None:
    try:
        return location.open()
    except StoreError:
        return None


def _vector_cache(previous: Index | None, embedder: Embedder) -> dict[str, np.ndarray]:
    """Vectors of the previous version by text digest (passages and sentences alike: the same
    text with the same prompt gives the same vector), if it used the same model."""
    if previous is None:
        return {}
    if (previous.manifest.model_fingerprint, previous.manifest.vectors) != (embedder.fingerprint, VECTOR_SCHEME):
        return {}
    passages = list(previous.passages)  # built once: an index's passages are read lazily
    passage_texts = [p.text for p in passages]
    sentence_texts = [s for p in passages for s in p.sentence_texts()]
    cache = dict(zip(map(sha256_text, passage_texts), all_vectors(previous.passage_vectors), strict=True))
    cache.update(zip(map(sha256_text, sentence_texts), all_vectors(previous.sentence_vectors), strict=True))
    return cache


def _previous_vocabulary(previous: Index | None, embedder: Embedder) -> Vocabulary | None:
    """The previous version's vocabulary, if its words were embedded as `embedder` would."""
    if previous is None or previous.vocabulary is None:
        return None
    made = (previous.manifest.model_fingerprint, previous.manifest.vocabulary)
    return previous.vocabulary if made == (embedder.fingerprint, embedder.query_engine) else None


def _embed(
    passages: list[Passage],
    embedder: Embedder,
    cache: dict[str, np.ndarray],
    progress: Callable[[int, int], None] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Passage and sentence vectors; each distinct text not in `cache` is embedded once.

    Sentences are embedded on their own, not pooled from the passage: one precise sentence
    must be able to lift its passage (dev flores_ru2kk nDCG@10 0.80 -> 0.99, README)."""
    passage_texts = [p.text for p in passages]
    sentence_texts = [s for p in passages for s in p.sentence_texts()]
    missing = {sha256_text(t): t for t in passage_texts + sentence_texts}
    total = len(missing)
    missing = {key: text for key, text in missing.items() if key not in cache}
    done = total - len(missing)

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    advance(0)
    cache.update(zip(missing, embedder.embed_passages(list(missing.values()), advance), strict=True))
    return _stack(cache, passage_texts, embedder.dimension), _stack(cache, sentence_texts, embedder.dimension)


def _stack(cache: dict[str, np.ndarray], texts: list[str], dimension: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.stack([cache[sha256_text(t)] for t in texts]).astype(np.float32)
