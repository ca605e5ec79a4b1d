"""The library's front door: one model, the library index, each owner's uploads.

The CLI and the Gradio app are thin layers over a `Workspace`. The model loads once, when the
workspace is created; the library index is opened (built on first use for the bundled thesis,
rebuilt when stale or damaged) and swapped atomically when documents are added. The CLI builds
it in its own process, waiting; a server hands building to a worker process (`builder`), so
that it never loads the passage model (and torch) itself, and answers meanwhile that the
library is being built.

What a question sees depends on who asks: with no `owner` (the CLI, or a visitor without
uploads) the library alone; with an owner, the library and that owner's uploads, each its own
index (thesis_qa.service.owners), searched separately and merged by score (`answer.merge`). Nobody
else's uploads are ever opened for them, so privacy holds by construction.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from thesis_qa.config import DEFAULT_INDEX, Settings, bundled_thesis
from thesis_qa.document import Document, Passage
from thesis_qa.embedding.embedder import Embedder, load_embedder
from thesis_qa.errors import StoreError, ThesisQAError
from thesis_qa.index.layout import Index
from thesis_qa.retrieval.answer import Answer, judge, merge
from thesis_qa.retrieval.lookup import Lookup, look_up
from thesis_qa.retrieval.search import Hit, Mode, Searcher
from thesis_qa.service.indexing import Notify, add_documents, build_index, current_index, ensure_index
from thesis_qa.service.owners import Owner, Quotas, Upload, Uploads
from thesis_qa.storage import open_store
from thesis_qa.study import glossary as study_glossary
from thesis_qa.study import names as study_names

ProgressBar = Callable[[int, int], None]
# Runs a task of the worker process (thesis_qa.service.worker) in one: `JobQueue.run_alone`.
Builder = Callable[[dict[str, Any], ProgressBar], object]
BEING_BUILT = ("store_building", "store_damaged")  # what questions get while the library is (re)built
T = TypeVar("T")
OPEN_UPLOADS = 64  # upload indexes kept open (the least recently used are closed)
RECHECK_S = 1.0  # how stale a replica's library may be: its live version is checked this often


class UnknownDocument(ThesisQAError):
    code = "doc_unknown"


class Workspace:
    def __init__(
        self,
        settings: Settings,
        *,
        notify: Notify = lambda message: None,
        progress: ProgressBar | None = None,
        embedder: Embedder | None = None,
        default_sources: Sequence[Path] | None = None,
        mode: Mode = "hybrid",
    ) -> None:
        """`default_sources` build the index when it does not exist yet (default: the bundled
        thesis for the default index, nothing for others)."""
        self.settings = settings
        self.notify = notify
        self.embedder = embedder or load_embedder(settings.model, settings.cache_dir, settings.query_engine)
        self.progress = progress
        self.mode = mode
        if default_sources is None:
            default_sources = [bundled_thesis()] if settings.index == DEFAULT_INDEX else []
        self.default_sources = list(default_sources)
        self.store = open_store(settings.store, settings.index_dir)
        self.library = self.store.index(settings.index)
        quotas = Quotas(settings.quota_files, settings.quota_mb, settings.quota_passages)
        lifetime_s = settings.upload_lifetime_hours * 3600
        self.uploads = Uploads(self.store, settings.owners_area, settings.owners_folder, quotas, lifetime_s)
        self._queries = _RememberedQueries(self.embedder)
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._searcher_version: str | None = None
        self._checked = 0.0
        # Set by a server (`builder`): the library is then built in a worker process, in the
        # background (`_building`), and questions meanwhile are told why they wait (`_waiting`).
        self.builder: Builder | None = None
        self._building: threading.Thread | None = None
        self._waiting = "store_building"
        # Set by a server (thesis_qa.service.intake): re-indexes an upload made with another model.
        self.reindex: Callable[[Upload], bool] = lambda upload: False
        self._opened: OrderedDict[str, tuple[str, Searcher | StoreError]] = OrderedDict()
        # Study aids built once per index version (id of the index's passage table).
        self._study: OrderedDict[tuple[str, int], object] = OrderedDict()

    @property
    def searcher(self) -> Searcher:
        """The searcher over the live library index, opened (or built, or repaired) on first
        use, and reopened when another process (a worker, another replica) replaced it or a
        file of it changed (`_stale`). A library found damaged is rebuilt in the background,
        and questions meanwhile get `store_damaged` instead of reading its files; one a
        server builds (`builder`), `store_building`."""
        with self._lock:
            if self._building is not None and self._building.is_alive():
                raise self._being_built()
            searcher = self._searcher or self._open_library()
            stale = self._stale()
        if stale:
            try:
                self.reload_library()
            except StoreError as error:
                if error.code == "store_damaged":  # its files changed under us: never read them again
                    self._repair(error)
                    raise
                self.notify(f"{error}; still serving the version opened before")
                self._searcher_version = self.library.version()
                return searcher
            return self.searcher
        return searcher

    def _open_library(self) -> Searcher:
        """The library's searcher (the lock is held): the library opened, built here first if
        need be; or, with a `builder`, built by it in the background (raising `store_building`)."""
        if self.builder is None:
            return self._set_searcher(self._rebuilt())
        index = current_index(self.library, self.embedder, self.default_sources, self.notify)
        if index is None:
            self._build_in_background("store_building")
            raise self._being_built()
        return self._set_searcher(index)

    def _repair(self, error: StoreError) -> None:
        """Rebuild the damaged library in the background; questions meanwhile are told so."""
        with self._lock:
            self._searcher = None
            if self._building is not None and self._building.is_alive():
                return
            self.notify(f"{error}; rebuilding")
            self._build_in_background("store_damaged")

    def _build_in_background(self, waiting: str) -> None:
        """Bring the library up to date in a thread (the lock is held); questions meanwhile get
        a `StoreError` of code `waiting`. A build that fails is said in the log and tried again
        at the next question."""
        self._waiting = waiting
        self._building = threading.Thread(target=self._build_and_swap, name="library-build", daemon=True)
        self._building.start()

    def _being_built(self) -> StoreError:
        how = "rebuilt" if self._waiting == "store_damaged" else "built"
        return StoreError(f"index '{self.library.name}' is being {how}", code=self._waiting)

    def _build_and_swap(self) -> None:
        try:
            self._swap(self._rebuilt)
        except ThesisQAError as error:
            self.notify(f"index '{self.library.name}' could not be built: {error}; tried again at the next question")
            return
        self.notify(f"index '{self.library.name}' ready")

    def _rebuilt(self, verify: bool = False) -> Index:
        """The library brought up to date (`ensure_index`) and opened: by the `builder`'s worker
        process when there is one, else here."""
        if self.builder is None:
            return ensure_index(
                self.library, self.embedder, self.default_sources, self.notify, self.progress, verify=verify
            )
        sources = [str(path) for path in self.default_sources]
        task = {"kind": "library", "library": self.library.spec, "sources": sources, "verify": verify}
        self.builder(task, self.progress or (lambda done, total: None))
        return self.library.open()

    def _stale(self) -> bool:
        """Whether the library's live version is no longer the one being served: checked
        before every question in a store of files (a few `stat` calls: a file changed under
        the server must be seen before it is read), at most every `RECHECK_S` in a database."""
        now = time.monotonic()
        if self.store.shared and now - self._checked < RECHECK_S:
            return False
        self._checked = now
        live = self.library.version()
        return live is not None and live != self._searcher_version

    def _set_searcher(self, index: Index) -> Searcher:
        self._searcher = Searcher(index, self._queries, self.mode)
        self._searcher_version = index.version
        self._checked = time.monotonic()
        return self._searcher

    def search(
        self,
        question: str,
        k: int | None = None,
        doc: str | None = None,
        history: Sequence[str] = (),
        owner: Owner | None = None,
    ) -> list[Hit]:
        """The `k` best passages of the library and `owner`'s uploads (or of document `doc`
        alone); raises `UnknownDocument` when `owner` sees no document called `doc`."""
        k = k or self.settings.top_k
        shelf = self._shelf(owner)
        if doc:
            searcher = next((s for s, names in shelf if doc in names), None)
            if searcher is None:
                raise UnknownDocument(f"no document called '{doc}'", code="doc_unknown", name=doc)
            return searcher.search(question, k, doc, history)
        return merge([searcher.search(question, k, None, history) for searcher, _ in shelf], k)

    def ask(
        self,
        question: str,
        k: int | None = None,
        doc: str | None = None,
        history: Sequence[str] = (),
        owner: Owner | None = None,
    ) -> Answer:
        """The ranked passages for `question` (a follow-up of `history`, oldest first), judged."""
        return judge(question, self.search(question, k, doc, history, owner))

    def look_up(self, query: str, limit: int, doc: str | None = None, owner: Owner | None = None) -> Lookup:
        """Every passage of the library and `owner`'s uploads (or of document `doc` alone)
        holding the words of `query`, counted, the first `limit` as hits (thesis_qa.retrieval.lookup)."""
        shelf = self._shelf(owner)
        if doc and not any(doc in names for _, names in shelf):
            raise UnknownDocument(f"no document called '{doc}'", code="doc_unknown", name=doc)
        return look_up([searcher for searcher, _ in shelf], query, limit, doc or None)

    def documents(self, owner: Owner | None = None) -> list[str]:
        """Names of the library's documents (none while it is being built: the page still
        opens), then of `owner`'s uploads."""
        library = _none_while_built(lambda: [source.name for source in self.searcher.index.manifest.sources])
        return library + ([u.name for u in self.uploads.live(owner)] if owner else [])

    def neighbours(self, passage: Passage, owner: Owner | None = None) -> tuple[list[Passage], list[Passage]]:
        """The passages just before and after `passage`, from the index `owner` sees it in;
        none when that index was swapped since."""
        searcher = next((s for s, names in self._shelf(owner) if passage.doc in names), None)
        if searcher is None:
            return [], []
        try:
            return searcher.neighbours(passage.id)
        except KeyError:
            return [], []

    def names(self, owner: Owner | None = None, doc: str | None = None) -> list[study_names.IndexEntry]:
        """The index of names and works of the library and `owner`'s uploads (or of document
        `doc` alone), built from each index's passages once per version (thesis_qa.study.names)."""
        shelf = self._study_shelf(owner, doc)
        return study_names.merge(self._built(searcher, "names", doc) for searcher in shelf)  # type: ignore[misc]

    def glossary(self, owner: Owner | None = None, doc: str | None = None) -> list[study_glossary.Definition]:
        """The definitions the library's and `owner`'s documents (or document `doc`) give."""
        shelf = self._study_shelf(owner, doc)
        found = [d for searcher in shelf for d in self._built(searcher, "glossary", doc)]  # type: ignore[attr-defined]
        return study_glossary.sort_glossary(found)

    def definitions(self, question: str, owner: Owner | None = None) -> list[study_glossary.Definition]:
        """The documents' own definitions of X when `question` asks "X дегеніміз не?", "Что
        такое X?" or "What is X?"; [] for any other question, and while the library is being
        built (the answer says so)."""
        return _none_while_built(lambda: study_glossary.definitions_of(self.glossary(owner), question))

    def passages(self, ids: Sequence[str], owner: Owner | None = None) -> list[Passage]:
        """The passages with these ids that `owner` sees, in the order asked (an index entry's
        or a definition's passages; ids no longer there are left out, and all of them while the
        library is being built)."""
        found: dict[str, Passage] = {}
        for searcher, _ in _none_while_built(lambda: self._shelf(owner)):
            rows: dict[str, int] = self._built(searcher, "rows", None)  # type: ignore[assignment]
            found.update((i, searcher.index.passages[rows[i]]) for i in ids if i in rows and i not in found)
        return [found[i] for i in ids if i in found]

    def _study_shelf(self, owner: Owner | None, doc: str | None) -> list[Searcher]:
        shelf = self._shelf(owner)
        if doc and not any(doc in names for _, names in shelf):
            raise UnknownDocument(f"no document called '{doc}'", code="doc_unknown", name=doc)
        return [searcher for searcher, names in shelf if not doc or doc in names]

    def _built(self, searcher: Searcher, what: str, doc: str | None) -> object:
        """Names, glossary or rows by passage id of one index (of one document of it), cached
        by index version."""
        key = (f"{what}:{doc or ''}:{searcher.index.version}", id(searcher.index))
        with self._lock:
            if key in self._study:
                self._study.move_to_end(key)
                return self._study[key]
        passages = [p for p in searcher.index.passages if not doc or p.doc == doc]
        built: object
        if what == "rows":
            built = {p.id: row for row, p in enumerate(passages)}
        else:
            built = study_names.names(passages) if what == "names" else study_glossary.glossary(passages)
        with self._lock:
            self._study[key] = built
            while len(self._study) > OPEN_UPLOADS:
                self._study.popitem(last=False)
        return built

    def index_documents(self, documents: Sequence[Document]) -> None:
        """Make the library index hold exactly these documents."""
        self._swap(lambda: build_index(self.library, documents, self.embedder, self.progress))

    def add_document(self, doc: Document, progress: ProgressBar | None = None) -> None:
        """Add (or replace, by name) one library document; the live index serves until the new one is ready."""
        index = self.searcher.index
        self._swap(lambda: add_documents(self.library, index, [doc], self.embedder, progress))

    def verify_library(self) -> Index:
        """Hash every file of the library index against its recorded SHA-256 (opening checks
        sizes and counts only), rebuilding it from its sources when damaged."""
        self._swap(functools.partial(self._rebuilt, verify=True))
        return self.searcher.index

    def reload_library(self) -> None:
        """Serve the library's live version (another process, e.g. a worker, replaced it)."""
        self._swap(self.library.open)

    def _swap(self, build: Callable[[], Index]) -> None:
        index = build()
        with self._lock:
            self._set_searcher(index)

    def _shelf(self, owner: Owner | None) -> list[tuple[Searcher, set[str]]]:
        """The searchers `owner` may use, each with the document names it holds: the library
        first, then each of the owner's uploads that can be searched (`left_out` says which
        cannot, and why). A damaged upload fails the question: its owner is asked to upload
        it again."""
        library = self.searcher
        shelf = [(library, set(library.index.documents))]
        for _, opened in self._opened_uploads(owner) if owner is not None else []:
            if isinstance(opened, Searcher):
                shelf.append((opened, set(opened.index.documents)))
            elif opened.code == "upload_damaged":
                raise opened
        return shelf

    def left_out(self, owner: Owner) -> list[tuple[Upload, StoreError]]:
        """The owner's uploads that questions leave out, each with why, as a `StoreError` whose
        code the app says in the user's language: "upload_reindexing" (indexed with another
        model than the server's, and being re-indexed: `reindex`), "upload_other_model" (such
        an upload that is not), "upload_unreadable" (its index cannot be opened just now) or
        "upload_damaged". Uploads still being indexed are not opened for it (the page asks
        every second while one is: each part indexed is a new version)."""
        opened = self._opened_uploads(owner, indexing=False)
        return [(upload, why) for upload, why in opened if isinstance(why, StoreError)]

    def _opened_uploads(self, owner: Owner, indexing: bool = True) -> list[tuple[Upload, Searcher | StoreError]]:
        """Each of the owner's uploads with a live version (one without is still being
        indexed), opened, or why it cannot be searched; with `indexing`, also those still being
        indexed in parts (thesis_qa.service.progressive). The version is read once a question,
        and is the key its searcher is cached under."""
        versions = [(upload, upload.location.version()) for upload in self.uploads.all(owner)]
        live = [(upload, version) for upload, version in versions if version is not None]
        self._close_gone(owner, {upload.location.spec for upload, _ in live})
        opened = [(u, self._upload_searcher(u, version)) for u, version in live if indexing or u.complete]
        return [(upload, self._while_reindexed(upload, searcher)) for upload, searcher in opened]

    def _close_gone(self, owner: Owner, live: set[str]) -> None:
        """Forget the owner's uploads that were removed or expired (their memory goes too)."""
        with self._lock:
            mine = f"/{owner.id}/"
            for spec in [s for s in self._opened if mine in s and s not in live]:
                del self._opened[spec]

    def _upload_searcher(self, upload: Upload, key: str) -> Searcher | StoreError:
        """The upload's searcher, opened once per version (`key`), or why it is left out
        (`_left_out_as`). Made with another model, that is remembered for the version: its
        vectors mean nothing to this model, and its file was deleted once indexed
        (thesis_qa.service.owners), so a server re-indexes it from the text its index keeps
        (`_while_reindexed`); its owner is asked to upload it again when that cannot be done.
        One that cannot be opened is tried again at the next question (a database may be
        back); a damaged one (a file of it changed on disk) is never read."""
        spec = upload.location.spec
        with self._lock:
            cached = self._opened.get(spec)
            if cached and cached[0] == key:
                self._opened.move_to_end(spec)
                return cached[1]
        try:
            index = upload.location.open()
        except StoreError as error:
            with self._lock:
                self._opened.pop(spec, None)
            return self._left_out_as(upload, error)
        same_model = index.manifest.model_fingerprint == self.embedder.fingerprint
        opened = Searcher(index, self._queries, self.mode) if same_model else self._left_out_as(upload, None)
        with self._lock:
            self._opened[spec] = (key, opened)
            while len(self._opened) > OPEN_UPLOADS:
                self._opened.popitem(last=False)
        return opened

    def made_with_another_model(self, upload: Upload) -> bool:
        """Whether the upload's live version was indexed with another model than the server's
        (its manifest read, not its data: a server's start looks at every upload)."""
        manifest = upload.location.manifest()
        return manifest is not None and manifest.model_fingerprint != self.embedder.fingerprint

    def _while_reindexed(self, upload: Upload, opened: Searcher | StoreError) -> Searcher | StoreError:
        """`opened`, or for an upload made with another model that `reindex` is re-indexing
        (it queues that at the first sight), why questions leave it out meanwhile."""
        if isinstance(opened, Searcher) or opened.code != "upload_other_model" or not self.reindex(upload):
            return opened
        return StoreError(f"upload '{upload.name}' is being re-indexed", code="upload_reindexing", name=upload.name)

    def _left_out_as(self, upload: Upload, error: StoreError | None) -> StoreError:
        """Why questions leave `upload` out (`error`: opening it failed; None: it was indexed
        with another model), said in the log too."""
        where = f"upload {upload.owner}/{upload.id}"
        if error is None:
            self.notify(f"{where} was indexed with another model; left out")
            return StoreError(f"upload '{upload.name}' was indexed with another model", code="upload_other_model",
                              name=upload.name)  # fmt: skip
        if error.code == "store_damaged":
            self.notify(f"{where}: {error}; its owner is asked to upload it again")
            return StoreError(f"upload '{upload.name}' is damaged", code="upload_damaged", name=upload.name)
        self.notify(f"{where}: {error}; left out")
        return StoreError(f"upload '{upload.name}' cannot be opened", code="upload_unreadable", name=upload.name)


def _none_while_built(read: Callable[[], list[T]]) -> list[T]:
    """`read()`, or nothing while the library is being built or rebuilt (`BEING_BUILT`)."""
    try:
        return read()
    except StoreError as error:
        if error.code not in BEING_BUILT:
            raise
        return []


class _RememberedQueries:
    """The embedder, remembering its last question vectors: a question searched in the library
    and in several uploads is embedded once."""

    def __init__(self, embedder: Embedder, size: int = 64) -> None:
        self._embedder = embedder
        self._size = size
        self._vectors: OrderedDict[tuple[str, ...], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self._embedder.dimension

    def embed_words(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder.embed_words(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        key = tuple(texts)
        with self._lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        vectors = self._embedder.embed_queries(texts)
        vectors.setflags(write=False)
        with self._lock:
            self._vectors[key] = vectors
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vectors

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)
