"""Scale: the vector indexes at 100k and 1M passages, exact against approximate (HNSW).

    .venv/bin/python bench/scale.py                       # 100k and 1M passages (~30 min)
    .venv/bin/python bench/scale.py --sizes 100000        # 100k only (~3 min)

Data: the real e5 vectors of the dev pools (kk_pool: 1,730 passages + 12,966 sentences;
xquad_ru when indexed: 802 + 3,497), each synthetic vector a pool vector plus Gaussian noise
shaped like the pool's own covariance, renormalised (`NOISE` = 0.5: median cosine 0.94 to its
source; at 19k vectors this data is slightly harder for FAISS than the real pool itself, see
`calibration` in the result). A corpus of N passages holds N x `--sentences-per-passage`
sentence vectors (2.5, what the segmenter makes of the bundled thesis), each in its own
index as in the product. Queries: the real dev questions of the four sets, embedded by the
bundled model (728). Ground truth: exact search.

For each size and index type: build time, memory (RSS growth), bytes per passage on disk
(passages.faiss + sentences.faiss), time to open, search median and p95 as the searcher does
it (`ann.nearest`, k = 100 on both indexes, whole corpus and within one document), recall@10
(k = 10) and the share of the exact top 10 inside the 100 candidates. Also: exact-search cost
by size (the threshold of `ann.EXACT_MAX`) and the BM25 channel's build time and memory at
100k passages.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import time
from pathlib import Path

import common
import faiss
import numpy as np

from thesis_qa.index import vectors as ann

NOISE = 0.5
DIM = 384
CHUNK = 100_000
DOC_PASSAGES = 1_000  # one thesis of ~250 pages, for document-restricted search


def base_vectors(index_dir: Path) -> np.ndarray:
    """Real passage and sentence vectors of the dev pools, building kk_pool's index if needed."""
    from thesis_qa import Settings, Workspace
    from thesis_qa.index.layout import open_index

    pool = common.EVAL / "kk_pool.passages.jsonl"
    settings = Settings.from_env(index_dir=index_dir, index="eval-kk_pool.passages")
    if not (index_dir / settings.index / "CURRENT").exists():
        print("indexing kk_pool once (about 10 minutes on 2 cores)…", flush=True)
        Workspace(settings, default_sources=[pool]).searcher  # noqa: B018
    parts = []
    for name in ("eval-kk_pool.passages", "eval-xquad_ru.passages"):
        if (index_dir / name / "CURRENT").exists():
            index = open_index(index_dir / name)
            parts += [ann.all_vectors(index.passage_vectors), ann.all_vectors(index.sentence_vectors)]
    return np.concatenate(parts).astype(np.float32)


def query_vectors() -> np.ndarray:
    from thesis_qa.embedding.embedder import load_embedder

    embedder = load_embedder("e5-small", common.cache_dir())
    files = ["thesis.dev.jsonl", "kazqad.dev.queries.jsonl", "flores_ru2kk.dev.queries.jsonl"]
    files.append("xquad_ru.dev.queries.jsonl")
    questions = [r["question"] for f in files for r in common.read_jsonl(common.EVAL / f)]
    return embedder.embed_queries(questions)


def sentences_per_passage() -> float:
    from thesis_qa import load_document
    from thesis_qa.config import bundled_thesis
    from thesis_qa.ingest.structure import segment

    passages = segment(load_document(bundled_thesis()))
    return sum(len(p.sentences) for p in passages) / len(passages)


class Generator:
    """Synthetic vectors around the real ones; chunk i of a stream is always the same."""

    def __init__(self, bases: np.ndarray, seed: int) -> None:
        self.bases = bases
        centred = bases - bases.mean(axis=0)
        cov = centred.T @ centred / (len(bases) - 1)
        self.shape = np.linalg.cholesky(cov + 1e-6 * np.eye(DIM)).T.astype(np.float32)
        self.seed = seed

    def chunk(self, i: int, n: int) -> np.ndarray:
        rng = np.random.default_rng((self.seed, i))
        source = self.bases[rng.integers(0, len(self.bases), n)]
        v = source + NOISE * (rng.standard_normal((n, DIM), dtype=np.float32) @ self.shape)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def all(self, n: int) -> np.ndarray:
        return np.concatenate([self.chunk(i, min(CHUNK, n - s)) for i, s in enumerate(range(0, n, CHUNK))])


def calibration(bases: np.ndarray, queries: np.ndarray) -> dict[str, object]:
    """HNSW (ef 16) and IVF (nprobe 8) recall@10 on the real pool vs as many synthetic vectors:
    the synthetic data should be no easier than the real."""
    synthetic = Generator(bases, seed=99).all(len(bases))
    out = {}
    for label, data in (("real", bases), ("synthetic", synthetic)):
        exact = faiss.IndexFlatIP(DIM)
        exact.add(data)
        _, truth = exact.search(queries, 10)
        graph = faiss.IndexHNSWFlat(DIM, 16, faiss.METRIC_INNER_PRODUCT)
        graph.add(data)
        _, found = graph.search(queries, 10, params=faiss.SearchParametersHNSW(efSearch=16))
        nlist = int(4 * np.sqrt(len(data)))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.min_points_per_centroid = 1
        ivf.train(data)
        ivf.add(data)
        _, found_ivf = ivf.search(queries, 10, params=faiss.SearchParametersIVF(nprobe=8))
        d, _ = exact.search(data[:2000], 2)
        out[label] = {
            "vectors": len(data),
            "hnsw16_ef16_recall10": round(recall(found, truth, 10), 3),
            "ivf_nprobe8_recall10": round(recall(found_ivf, truth, 10), 3),
            "median_cosine_to_nearest_other": round(float(np.median(d[:, 1])), 3),
        }
    return out


def recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f) & set(t[:k])) / k for f, t in zip(found, truth, strict=True)]))


def build(gen: Generator, n: int, kind: str) -> tuple[faiss.Index, float]:
    """An index of `kind` over the generator's first `n` vectors, added chunk by chunk."""
    start = time.perf_counter()
    if kind == "flat":
        index = ann.vector_index(np.zeros((0, DIM), np.float32), DIM, "flat")
        for i, s in enumerate(range(0, n, CHUNK)):
            index.add(gen.chunk(i, min(CHUNK, n - s)))
    else:
        # ann.vector_index takes all vectors at once; the same index, built in chunks to spare memory.
        index = ann.vector_index(gen.chunk(0, min(CHUNK, n)), DIM, "hnsw")
        for i, s in enumerate(range(CHUNK, n, CHUNK), start=1):
            index.add(gen.chunk(i, min(CHUNK, n - s)))
    return index, time.perf_counter() - start


def time_searches(indexes: dict[str, faiss.Index], queries: np.ndarray, doc: dict[str, range] | None) -> dict:
    """`ann.nearest` with k = 100 on each index, as `Searcher._dense_candidates` calls it."""
    per_index: dict[str, list[float]] = {name: [] for name in indexes}
    both = []
    for q in queries:
        total = 0.0
        for name, index in indexes.items():
            rows = doc[name] if doc else range(index.ntotal)
            start = time.perf_counter()
            ann.nearest(index, q, 100, rows)
            elapsed = time.perf_counter() - start
            per_index[name].append(elapsed)
            total += elapsed
        both.append(total)
    return {"both": common.summary_ms(both), **{name: common.summary_ms(t) for name, t in per_index.items()}}


def measure_kind(kind: str, *, gens: dict[str, Generator], counts: dict[str, int], queries, truth, timed: int) -> dict:
    scratch = common.SCRATCH / "scale"
    scratch.mkdir(parents=True, exist_ok=True)
    gc.collect()
    rss0 = common.rss_mb()["rss_mb"]
    indexes, row = {}, {"kind": kind, "build_s": {}, "bytes": {}, "open_s": {}, "recall10": {}, "top10_in_100": {}}
    for name in ("passages", "sentences"):
        index, seconds = build(gens[name], counts[name], kind)
        indexes[name] = index
        row["build_s"][name] = round(seconds, 1)
        print(f"  {kind} {name}: built {counts[name]:,} vectors in {seconds:.1f} s", flush=True)
    row["index_type"] = ann.index_type(indexes["passages"])
    row["rss_growth_mb"] = round(common.rss_mb()["rss_mb"] - rss0, 1)
    for name, index in indexes.items():
        path = scratch / f"{name}.faiss"
        faiss.write_index(index, str(path))
        row["bytes"][name] = path.stat().st_size
        start = time.perf_counter()
        del_me = faiss.read_index(str(path))
        row["open_s"][name] = round(time.perf_counter() - start, 2)
        del del_me
        path.unlink()
    row["bytes_per_passage"] = round(sum(row["bytes"].values()) / counts["passages"])
    for name, index in indexes.items():
        if kind == "flat":
            row["recall10"][name] = row["top10_in_100"][name] = 1.0
            continue
        params = faiss.SearchParametersHNSW(efSearch=ann.HNSW_EF_SEARCH)
        _, found10 = index.search(queries, 10, params=params)
        _, found100 = index.search(
            queries, 100, params=faiss.SearchParametersHNSW(efSearch=max(ann.HNSW_EF_SEARCH, 100))
        )
        row["recall10"][name] = round(recall(found10, truth[name], 10), 4)
        row["top10_in_100"][name] = round(recall(found100, truth[name], 10), 4)
        row["ef_sweep_recall10"] = row.get("ef_sweep_recall10", {})
        for ef in (128, 256, 1024):
            _, found = index.search(queries, 10, params=faiss.SearchParametersHNSW(efSearch=ef))
            row["ef_sweep_recall10"][f"{name}_ef{ef}"] = round(recall(found, truth[name], 10), 4)
    row["search_whole"] = time_searches(indexes, queries[:timed], None)
    first = counts["passages"] // 2
    doc = {
        "passages": range(first, first + DOC_PASSAGES),
        "sentences": range(int(first * ratio(counts)), int((first + DOC_PASSAGES) * ratio(counts))),
    }
    row["search_one_document"] = time_searches(indexes, queries[:timed], doc)
    del indexes
    gc.collect()
    return row


def ratio(counts: dict[str, int]) -> float:
    return counts["sentences"] / counts["passages"]


def exact_truth(gens: dict[str, Generator], counts: dict[str, int], queries: np.ndarray) -> dict[str, np.ndarray]:
    """Exact top 100 of every query in each index, computed in one batch."""
    truth = {}
    for name, gen in gens.items():
        index, _ = build(gen, counts[name], "flat")
        _, truth[name] = index.search(queries, 100)
        del index
    return truth


def threshold_sweep(gen: Generator, queries: np.ndarray) -> list[dict]:
    """Exact vs HNSW search cost, one index of n vectors, k = 100: where exact stops being cheap."""
    rows = []
    for n in (5_000, 10_000, 20_000, 50_000, 100_000):
        data = gen.all(n)
        exact = ann.vector_index(data, DIM, "flat")
        start = time.perf_counter()
        graph = ann.vector_index(data, DIM, "hnsw")
        graph_build = time.perf_counter() - start
        timings = {}
        for label, index in (("flat", exact), ("hnsw", graph)):
            samples = []
            for q in queries[:200]:
                start = time.perf_counter()
                ann.nearest(index, q, 100, range(n))
                samples.append(time.perf_counter() - start)
            timings[label] = common.summary_ms(samples)
        _, truth = exact.search(queries, 10)
        _, found = graph.search(queries, 10)
        rows.append(
            {
                "vectors": n,
                "flat_median_ms": timings["flat"]["median_ms"],
                "hnsw_median_ms": timings["hnsw"]["median_ms"],
                "hnsw_build_s": round(graph_build, 2),
                "hnsw_recall10": round(recall(found, truth, 10), 4),
            }
        )
        print(f"  sweep {rows[-1]}", flush=True)
    return rows


def bm25_at(n: int) -> dict[str, object]:
    """The lexical channel over n passages of real Kazakh text: its postings built (as
    `thesis-qa index` stores them), written, opened memory-mapped and scored."""
    import tempfile

    from thesis_qa.index.postings import BM25, Postings
    from thesis_qa.text.keys import terms

    pool = common.read_jsonl(common.EVAL / "kk_pool.passages.jsonl")
    gc.collect()
    rss0 = common.rss_mb()["rss_mb"]
    start = time.perf_counter()
    keys = [
        [t.key for t in terms(f"{p.get('title', '')}\n{p['text']}", "kk")] for p in (pool * (n // len(pool) + 1))[:n]
    ]
    keyed = time.perf_counter() - start
    postings = Postings.build(keys)
    built = time.perf_counter() - start
    del keys
    gc.collect()
    size_mb = sum(getattr(postings, name).nbytes for name in Postings.FILES) / 2**20
    folder = Path(tempfile.mkdtemp(dir=common.SCRATCH))
    postings.save(folder)
    start = time.perf_counter()
    bm25 = BM25.over(Postings.load(folder))
    opened = time.perf_counter() - start
    query_keys = [t.key for t in terms("Қазақстанның саяси модернизациясы қандай кезеңдерден өтті", "kk")]
    samples = []
    for _ in range(50):
        start = time.perf_counter()
        bm25.scores(query_keys)
        samples.append(time.perf_counter() - start)
    del bm25
    shutil.rmtree(folder)
    return {
        "passages": n,
        "build_s": round(built, 1),
        "of_which_stemming_s": round(keyed, 1),
        "postings_mb": round(size_mb, 1),
        "open_s": round(opened, 4),
        "rss_growth_mb": round(common.rss_mb()["rss_mb"] - rss0, 1),
        "vocabulary": len(postings.keys),
        "score_query": common.summary_ms(samples),
        "note": "kk_pool texts repeated: build time and postings scale with n; the vocabulary does not grow",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sentences-per-passage", type=float, default=None)
    parser.add_argument("--timed-queries", type=int, default=200, help="queries timed per index type")
    parser.add_argument("--index-dir", type=Path, default=common.ROOT / "index", help="where the dev pools are indexed")
    parser.add_argument("--no-sweep", action="store_true")
    args = parser.parse_args()
    started = time.time()
    info = common.machine()
    print(common.machine_line(info), flush=True)
    bases = base_vectors(args.index_dir)
    queries = query_vectors()
    per_passage = args.sentences_per_passage or round(sentences_per_passage(), 2)
    print(f"{len(bases):,} real vectors, {len(queries)} queries, {per_passage} sentences per passage", flush=True)
    result: dict[str, object] = {
        "data": {
            "real_vectors": len(bases),
            "noise": NOISE,
            "queries": len(queries),
            "sentences_per_passage": per_passage,
            "hnsw": {"M": ann.HNSW_M, "efConstruction": ann.HNSW_EF_CONSTRUCTION, "efSearch": ann.HNSW_EF_SEARCH},
            "exact_max": ann.EXACT_MAX,
        },
        "calibration": calibration(bases, queries),
    }
    print(f"calibration: {result['calibration']}", flush=True)
    if not args.no_sweep:
        result["threshold_sweep"] = threshold_sweep(Generator(bases, seed=7), queries)
    result["bm25"] = bm25_at(100_000)
    print(f"bm25 at 100k: {result['bm25']}", flush=True)
    sizes = []
    for n in args.sizes:
        counts = {"passages": n, "sentences": round(n * per_passage)}
        gens = {"passages": Generator(bases, seed=1), "sentences": Generator(bases, seed=2)}
        print(f"{n:,} passages, {counts['sentences']:,} sentences", flush=True)
        start = time.perf_counter()
        truth = exact_truth(gens, counts, queries)
        print(f"  exact ground truth in {time.perf_counter() - start:.0f} s", flush=True)
        rows = []
        for kind in ("flat", "hnsw"):
            timed = args.timed_queries if kind == "hnsw" or n <= 100_000 else min(args.timed_queries, 50)
            rows.append(measure_kind(kind, gens=gens, counts=counts, queries=queries, truth=truth, timed=timed))
            show(n, rows[-1])
        sizes.append({"passages": n, "sentences": counts["sentences"], "indexes": rows})
        common.write_result("scale", {**result, "sizes": sizes}, info, started)
    print(f"peak RSS {common.rss_mb()['peak_rss_mb']} MB; pid {os.getpid()}")


def show(n: int, row: dict) -> None:
    whole, doc = row["search_whole"]["both"], row["search_one_document"]["both"]
    print(
        f"  {n:>9,} {row['index_type']:<12} build {sum(row['build_s'].values()):7.1f} s  "
        f"RSS +{row['rss_growth_mb']:7.0f} MB  {row['bytes_per_passage']:6} B/passage  "
        f"search median {whole['median_ms']:.2f} ms p95 {whole['p95_ms']:.2f} ms  "
        f"(one document {doc['median_ms']:.2f} ms)  recall@10 {row['recall10']}  top10 in 100 {row['top10_in_100']}",
        flush=True,
    )


if __name__ == "__main__":
    main()
