"""The library's front door: one model, one index folder, the operations a user asks for.

The CLI and the Gradio app are thin layers over a `Workspace`. The model loads once, when the
workspace is created; the index is opened (built on first use for the bundled thesis,
rebuilt when stale or damaged) and swapped atomically when documents are added.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from thesis_qa.answer import Answer, judge
from thesis_qa.config import DEFAULT_INDEX, Settings, bundled_thesis
from thesis_qa.document import Document
from thesis_qa.embed import Embedder, load_embedder
from thesis_qa.indexing import Notify, add_documents, build_index, ensure_index
from thesis_qa.search import Hit, Mode, Searcher
from thesis_qa.store import Index

ProgressBar = Callable[[int, int], None]


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
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None

    @property
    def searcher(self) -> Searcher:
        """The searcher over the live index, opened (or built, or repaired) on first use."""
        with self._lock:
            if self._searcher is None:
                folder = self.settings.index_folder
                index = ensure_index(folder, self.embedder, self.default_sources, self.notify, self.progress)
                self._searcher = Searcher(index, self.embedder, self.mode)
            return self._searcher

    def search(
        self, question: str, k: int | None = None, doc: str | None = None, history: Sequence[str] = ()
    ) -> list[Hit]:
        return self.searcher.search(question, k or self.settings.top_k, doc, history)

    def ask(self, question: str, k: int | None = None, doc: str | None = None, history: Sequence[str] = ()) -> Answer:
        """The ranked passages for `question` (a follow-up of `history`, oldest first), judged."""
        return judge(question, self.search(question, k, doc, history))

    def documents(self) -> list[str]:
        return [source.name for source in self.searcher.index.manifest.sources]

    def index_documents(self, documents: Sequence[Document]) -> None:
        """Make the index hold exactly these documents."""
        folder = self.settings.index_folder
        self._swap(lambda: build_index(folder, documents, self.embedder, self.progress))

    def add_document(self, doc: Document, progress: ProgressBar | None = None) -> None:
        """Add (or replace, by name) one document; the live index serves until the new one is ready."""
        index = self.searcher.index
        self._swap(lambda: add_documents(self.settings.index_folder, index, [doc], self.embedder, progress))

    def _swap(self, build: Callable[[], Index]) -> None:
        index = build()
        with self._lock:
            self._searcher = Searcher(index, self.embedder, self.mode)
