"""The whole question at scale (issue 11): synthetic indexes of 100k and 1M passages written
by the files store as `build_index` writes one (one segment), opened, asked the dev questions
through `Searcher.search`, and grown by one 250-page thesis (`add_documents`: a second segment).

    .venv/bin/python bench/corpus_scale.py --pools /work/idx                 # 100k and 1M: ~1 h, ~12 GB RAM, ~8 GB disk
    .venv/bin/python bench/corpus_scale.py --pools /work/idx --sizes 1000000 --keep   # keep it, then
    .venv/bin/python bench/corpus_scale.py --pools /work/idx --sizes 1000000 --reuse  # measure it again
                                                         # (into corpus_scale_reused.json)

`--pools` is an index folder holding the dev pools' indexes `eval-kk_pool.passages` (and
`eval-xquad_ru.passages` if there), as `thesis-qa eval --pool` writes them; they are only read.

Corpus. Theses of 850 passages, each passage `--sentences-per-passage` consecutive sentences
(2.54 on average, as the segmenter cuts the bundled thesis; Poisson around it, at least one) of
the pools (12,968 Kazakh and 3,497 Russian sentences) under its pool passage's title as the
section. Vectors: each sentence's real e5 vector plus Gaussian noise shaped by the pool's
covariance (scale 0.5, as bench/scale.py), renormalised; a passage's vector is the normalised
mean of its sentences'. Keys, written forms and language: those of the real sentences and
titles, so the vocabulary (its forms' vectors from the kk pool's, the others embedded) and the
postings are the product's. An HNSW graph for each vector set past `ann.EXACT_MAX`.

Figures per size (`sizes[]` in bench/results/corpus_scale.json):
- `open_cold_in_fresh_process`: the index's pages are dropped from the page cache
  (`posix_fadvise(DONTNEED)` on each of its files, as after a reboot or when other work has
  evicted them), then a new Python process imports the library, `open_index` (checks sizes
  and counts, maps the files), `Searcher(...)` with the default query engine loaded:
  `ready_s` is the time until the searcher is ready (the target: <= 10 s at 1M); then one
  question (`first_question_s`, on pages still cold). Its resident memory (the index's pages
  are file-backed, shared with other processes serving it).
- `open_in_fresh_process`: the same right after, the pages now cached.
- `recall_at_10`: how many of the exact 10 nearest passages (sentences) to each question's
  vector the index's own search (`ann.nearest`, the graph past `ann.EXACT_MAX`) returns.
- `questions`: the 728 dev questions (k 3, the app's default) after 20 warm-up ones, over the
  whole corpus: `whole` is the whole hybrid question (embedding the question and the words
  the collection lacks + dense passages and sentences + BM25 + ranking features + the learned
  ranker + highlights); `embedding_alone` is the question embedded by itself right after it
  (the floor any search over its vector pays), `beyond_embedding` the difference per question,
  `ratio` the medians' quotient (comparable across loads). `stages` splits the whole: `embed`
  is the wait for the embedding once BM25 is done (they run together). Targets: median <=
  50 ms, p95 <= 100 ms.
- `questions_one_document`: the same, restricted to one document.
- `add_thesis` (at `--add-at` sizes): a ~850-passage thesis of kk_pool paragraphs added with
  `add_documents` (segment -> embed passages and sentences -> key -> vocabulary -> write a
  segment and a version -> reopen), against `embed_passages` of the same distinct texts alone;
  `ratio` is the target (<= 2). `add_rest_s` is the add minus its own embedding: the part that
  must not grow with the corpus. Then 200 questions on the grown index (two segments).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import common
import numpy as np

DIM = 384
NOISE = 0.5
THESIS_PASSAGES = 850
CHUNK_DOCUMENTS = 40
POOLS = (("eval-kk_pool.passages", "kk"), ("eval-xquad_ru.passages", "ru"))


class Pool:
    """Real sentences of the dev pools with their e5 vectors, keys, written forms and titles."""

    def __init__(self, pools: Path, engine: str) -> None:
        from thesis_qa.index.layout import open_index
        from thesis_qa.text.keys import terms

        self.sentences, self.titles, self.languages, vectors = [], [], [], []
        self.vocabulary = None
        for name, language in POOLS:
            if not (pools / name / "CURRENT").exists():
                continue
            index = open_index(pools / name)
            if index.manifest.vocabulary == engine:  # its words' vectors serve the synthetic vocabulary
                self.vocabulary = self.vocabulary or index.vocabulary
            for passage in index.passages:
                for text in passage.sentence_texts():
                    self.sentences.append(text)
                    self.titles.append(passage.section)
                    self.languages.append(language)
            vectors.append(index.sentence_vectors.reconstruct_n(0, index.sentence_vectors.ntotal))
        self.vectors = np.concatenate(vectors).astype(np.float32)
        self.forms = [_forms(text, lang, terms) for text, lang in zip(self.sentences, self.languages, strict=True)]
        self.title_forms = {}
        for title, lang in zip(self.titles, self.languages, strict=True):
            self.title_forms.setdefault(title, _forms(title, lang, terms))
        centred = self.vectors - self.vectors.mean(axis=0)
        cov = centred.T @ centred / (len(self.vectors) - 1)
        self.shape = np.linalg.cholesky(cov + 1e-6 * np.eye(DIM)).T.astype(np.float32)


def _forms(text: str, language: str, terms) -> list[tuple[str, str]]:
    """(key, written form) of each word of `text`, as `vocabulary.form_counts` reads them."""
    return [(t.key, text[t.start : t.end].lower()) for t in terms(text, language)]


class Corpus:
    """Synthetic theses (document d is always the same, seeded by d), accumulated chunk by chunk."""

    def __init__(self, pool: Pool, per_passage: float, seed: int = 11) -> None:
        self.pool, self.per_passage, self.seed = pool, per_passage, seed
        self.documents, self.passages, self.languages, self.keys = [], [], [], []
        self.sentence_uses = np.zeros(len(pool.sentences), dtype=np.int64)
        self.title_uses: Counter[str] = Counter()

    def chunk(self, first: int, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Documents first, first + 1, ... of `sizes` passages each; their passage and sentence vectors."""
        from thesis_qa import Document, Passage

        pool = self.pool
        sentence_ids, passage_sizes = [], []
        for d, count in enumerate(sizes, start=first):
            rng = np.random.default_rng((self.seed, d))
            lengths = np.maximum(1, rng.poisson(self.per_passage, count))
            starts = rng.integers(0, len(pool.sentences) - lengths.max(), count)
            name = f"thesis-{d:07d}.txt"
            parts, offset = [], 0
            for order, (start, size) in enumerate(zip(starts.tolist(), lengths.tolist(), strict=True)):
                ids = range(start, start + size)
                texts = [pool.sentences[i] for i in ids]
                text = " ".join(texts)
                spans, at = [], 0
                for sentence in texts:
                    spans.append((at, at + len(sentence)))
                    at += len(sentence) + 1
                section = pool.titles[start]
                passage_id = f"{name}#{order}"
                self.passages.append(
                    Passage(passage_id, name, order, order + 1, offset, offset + len(text), text, section,
                            str(order // 4 + 1), tuple(spans), page_index=order // 4 + 1)
                )  # fmt: skip
                self.languages.append(pool.languages[start])
                self.keys.append([k for k, _ in pool.title_forms[section]] + [k for i in ids for k, _ in pool.forms[i]])
                self.title_uses[section] += 1
                self.sentence_uses[start : start + size] += 1
                parts.append(text)
                offset += len(text) + 2
                sentence_ids.extend(ids)
                passage_sizes.append(size)
            self.documents.append(Document(name, "\n\n".join(parts)))
        rng = np.random.default_rng((self.seed, first, len(sizes)))
        ids = np.array(sentence_ids)
        noisy = pool.vectors[ids] + NOISE * (rng.standard_normal((len(ids), DIM), dtype=np.float32) @ pool.shape)
        sentence_vectors = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
        sums = np.add.reduceat(sentence_vectors, np.concatenate([[0], np.cumsum(passage_sizes)[:-1]]), axis=0)
        return (sums / np.linalg.norm(sums, axis=1, keepdims=True)).astype(np.float32), sentence_vectors.astype(
            np.float32
        )

    def form_counts(self) -> dict[str, Counter[str]]:
        """The corpus's `vocabulary.form_counts`, from how often each pool sentence and title is used."""
        counts: dict[str, Counter[str]] = {}
        uses = [(self.pool.title_forms[t], n) for t, n in self.title_uses.items()]
        uses += [(self.pool.forms[i], int(n)) for i, n in enumerate(self.sentence_uses.tolist()) if n]
        for forms, n in uses:
            for key, form in forms:
                counts.setdefault(key, Counter())[form] += n
        return counts


def build(folder: Path, n: int, pool: Pool, per_passage: float, embedder) -> dict[str, object]:
    """Write an index of n passages (n / 850 theses) as one segment, as `build_index` writes one."""
    from thesis_qa.index import layout as store
    from thesis_qa.index import vectors as ann
    from thesis_qa.index.layout import Manifest, NewSegment, StoredSource, sha256_text
    from thesis_qa.index.passage_table import PassageTable
    from thesis_qa.index.postings import Postings
    from thesis_qa.index.vocabulary import build_vocabulary
    from thesis_qa.ingest.structure import SEGMENTER_VERSION
    from thesis_qa.service.indexing import LEXICAL_SCHEME, VECTOR_SCHEME

    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    documents = -(-n // THESIS_PASSAGES)
    corpus = Corpus(pool, per_passage)
    passage_index = ann.vector_index(np.zeros((0, DIM), np.float32), DIM, ann.index_kind(n))
    sentence_index = ann.vector_index(np.zeros((0, DIM), np.float32), DIM, ann.index_kind(2 * n))
    for first in range(0, documents, CHUNK_DOCUMENTS):
        last = min(first + CHUNK_DOCUMENTS, documents)
        passage_vectors, sentence_vectors = corpus.chunk(
            first, [min(THESIS_PASSAGES, n - d * THESIS_PASSAGES) for d in range(first, last)]
        )
        passage_index.add(passage_vectors)
        sentence_index.add(sentence_vectors)
        print(f"  {last:,} / {documents:,} theses, {passage_index.ntotal:,} passages", flush=True)
    graphs = time.perf_counter()
    vocabulary = build_vocabulary(corpus.form_counts(), embedder, pool.vocabulary)
    table = PassageTable.build(corpus.documents, corpus.passages, corpus.languages)
    postings = Postings.build(corpus.keys)
    manifest = Manifest(
        name=folder.name,
        model=embedder.name,
        model_fingerprint=embedder.fingerprint,
        dimension=DIM,
        segmenter=SEGMENTER_VERSION,
        vectors=VECTOR_SCHEME,
        lexical=LEXICAL_SCHEME,
        vocabulary=embedder.query_engine,
        sources=[StoredSource(d.name, "", "", sha256_text(d.text)) for d in corpus.documents],
        passages=n,
        sentences=int(sentence_index.ntotal),
    )
    keyed = time.perf_counter()
    with store.build_lock(folder):
        store.write_index(folder, manifest, NewSegment(table, postings, passage_index, sentence_index), vocabulary)
    written = time.perf_counter()
    disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return {
        "passages": int(passage_index.ntotal),
        "sentences": int(sentence_index.ntotal),
        "documents": documents,
        "vocabulary_keys": len(vocabulary.keys),
        "generate_and_graphs_s": round(graphs - start, 1),
        "table_postings_vocabulary_s": round(keyed - graphs, 1),
        "write_s": round(written - keyed, 1),
        "disk_bytes": disk,
        "bytes_per_passage": round(disk / passage_index.ntotal),
    }


def evict(folder: Path) -> None:
    """Drop the index's files from the page cache (clean pages no process maps)."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as f:
                os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def open_in_child(folder: Path) -> dict[str, float]:
    """Import, `open_index` and `Searcher` in a fresh process, then one question: seconds and RSS."""
    code = f"""
import json, sys, time
start = time.perf_counter()
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
import common
from thesis_qa import Settings
from thesis_qa.embedding.embedder import load_embedder
from thesis_qa.retrieval.search import Searcher
from thesis_qa.index.layout import open_index
imported = time.perf_counter()
index = open_index(Path({str(folder)!r}))
opened = time.perf_counter()
settings = Settings.from_env(index_dir={str(folder.parent)!r})
searcher = Searcher(index, load_embedder(settings.model, settings.cache_dir, settings.query_engine))
ready = time.perf_counter()
searcher.search("Қазақстанның саяси модернизациясы", 3)
answered = time.perf_counter()
print(json.dumps({{"import_s": imported - start, "open_index_s": opened - imported,
    "searcher_s": ready - opened, "ready_s": ready - start, "first_question_s": answered - ready,
    **common.rss_mb()}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {k: round(v, 3) for k, v in json.loads(done.stdout.splitlines()[-1]).items()}


def thesis_document():
    """A 250-page thesis of ~850 passages: kk_pool paragraphs under numbered headings."""
    from thesis_qa import Document
    from thesis_qa.ingest.structure import segment

    rows = common.read_jsonl(common.EVAL / "kk_pool.passages.jsonl")
    order = np.random.default_rng(250).permutation(len(rows))
    paragraphs = []
    for i, row in enumerate(rows[j] for j in order):
        if i % 20 == 0:
            paragraphs.append(f"{i // 100 + 1}.{i // 20 % 5 + 1}. {row['title']}")
        paragraphs.append(row["text"])
        if i % 25 == 24 and len(segment(Document("t.txt", "\n\n".join(paragraphs)))) >= THESIS_PASSAGES:
            break
    return Document("thesis-250-pages.txt", "\n\n".join(paragraphs))


def add_thesis(folder: Path, index, embedder) -> tuple[dict[str, object], object]:
    """`add_documents` of one thesis against `embed_passages` of its distinct texts alone."""
    from thesis_qa.ingest.structure import segment
    from thesis_qa.service.indexing import add_documents

    thesis = thesis_document()
    passages = segment(thesis)
    texts = list(dict.fromkeys([p.text for p in passages] + [s for p in passages for s in p.sentence_texts()]))
    embedder.embed_passages(texts[:64])  # load the model and warm it up
    start = time.perf_counter()
    embedder.embed_passages(texts)
    alone = time.perf_counter() - start
    gc.collect()
    with common.embedding_seconds(embedder) as embedding:  # the add's embedding; the rest is its own cost
        start = time.perf_counter()
        grown = add_documents(folder, index, [thesis], embedder)
        added = time.perf_counter() - start
    row = {
        "thesis": {
            "passages": len(passages),
            "sentences": sum(len(p.sentences) for p in passages),
            "texts": len(texts),
        },
        "embed_alone_s": round(alone, 1),
        "add_s": round(added, 1),
        "add_embedding_s": round(sum(embedding), 1),
        "add_rest_s": round(added - sum(embedding), 1),
        "ratio": round(added / alone, 3),
        "target": "ratio <= 2",
        "segments_after": [s.passages for s in grown.manifest.segments],
    }
    return row, grown


def measure(n: int, args, pool: Pool | None, embedder, questions: list[str]) -> dict[str, object]:
    from thesis_qa.index.layout import open_index
    from thesis_qa.retrieval.search import Searcher

    folder = args.scratch / f"synthetic-{n}"
    row: dict[str, object] = {"size": n}
    if args.reuse and (folder / "CURRENT").exists():
        disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        row["build"] = {"reused": True, "disk_bytes": disk}
    else:
        print(f"{n:,} passages: writing the index…", flush=True)
        row["build"] = build(folder, n, pool, args.sentences_per_passage, embedder)
    print(f"  {row['build']}", flush=True)
    gc.collect()
    evict(folder)
    row["open_cold_in_fresh_process"] = open_in_child(folder)
    print(f"  open in a fresh process, pages evicted: {row['open_cold_in_fresh_process']}", flush=True)
    row["open_in_fresh_process"] = open_in_child(folder)
    print(f"  open in a fresh process, pages cached: {row['open_in_fresh_process']}", flush=True)
    searcher = Searcher(open_index(folder), embedder)
    vectors = embedder.embed_queries(questions)
    row["recall_at_10"] = {
        "passages": common.recall_at_10(searcher.index.passage_vectors, vectors),
        "sentences": common.recall_at_10(searcher.index.sentence_vectors, vectors),
    }
    print(f"  recall@10: {row['recall_at_10']}", flush=True)
    row["segments"] = [s.passages for s in searcher.index.manifest.segments]
    row["questions"] = common.ask_all(searcher, questions, args.k)
    print(f"  questions: {row['questions']['whole']} / embedding alone {row['questions']['embedding_alone']}")
    doc = searcher.index.manifest.sources[len(searcher.index.manifest.sources) // 2].name
    row["questions_one_document"] = common.ask_all(searcher, questions, args.k, doc)
    row["rss_after_questions"] = common.rss_mb()
    if n in args.add_at and not args.reuse:
        row["add_thesis"], grown = add_thesis(folder, searcher.index, embedder)
        print(f"  add a thesis: {row['add_thesis']}", flush=True)
        row["questions_after_add"] = common.ask_all(Searcher(grown, embedder), questions[:200], args.k)
        print(f"  questions after the add: {row['questions_after_add']['whole']}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--add-at", type=int, nargs="*", default=[1_000_000], help="sizes to add a thesis to")
    parser.add_argument("--sentences-per-passage", type=float, default=2.54)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--pools", type=Path, default=common.ROOT / "index", help="index folder holding the dev pools")
    parser.add_argument("--scratch", type=Path, default=common.SCRATCH / "corpus", help="where indexes are written")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic indexes")
    parser.add_argument("--reuse", action="store_true", help="measure kept indexes again (no add) instead of writing")
    args = parser.parse_args()
    started = time.time()
    info = common.machine()
    print(common.machine_line(info), flush=True)

    from thesis_qa import Settings
    from thesis_qa.embedding.embedder import load_embedder

    settings = Settings.from_env()
    embedder = load_embedder(settings.model, settings.cache_dir, settings.query_engine)
    pool = None if args.reuse else Pool(args.pools, embedder.query_engine)
    questions = common.scale_questions()
    print(f"{len(questions)} questions, engine {embedder.query_engine}", flush=True)
    result: dict[str, object] = {
        "corpus": {
            "real_sentences": len(pool.sentences) if pool else None,
            "sentences_per_passage": args.sentences_per_passage,
            "passages_per_thesis": THESIS_PASSAGES,
            "noise": NOISE,
        },
        "query_engine": embedder.query_engine,
        "k": args.k,
        "questions": len(questions),
        "sizes": [],
    }
    for n in args.sizes:
        result["sizes"].append(measure(n, args, pool, embedder, questions))
        common.write_result("corpus_scale_reused" if args.reuse else "corpus_scale", result, info, started)
        if not args.keep:
            shutil.rmtree(args.scratch / f"synthetic-{n}", ignore_errors=True)
        gc.collect()
    print(f"peak RSS {common.rss_mb()['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
