"""Indexing throughput: passages per second through the whole pipeline (load + segment +
embed passages and sentences + store), next to the bare encode throughput of the same model
on the same texts, measured in the same run.

    .venv/bin/python bench/indexing.py                 # first 400 passages of kk_pool (~8 minutes)
    .venv/bin/python bench/indexing.py --passages 0    # the whole pool (1,730: ~25 minutes)

Bare figures: `SentenceTransformer.encode` (prompt "passage: ", batch 32, one call over all
texts) on (a) the passage texts only and (b) the passage texts plus their sentences, each
distinct text once: what the pipeline must embed (README "Retrieval": sentences are embedded
on their own). All figures are in passages per second. Target: pipeline >= 0.9x bare.
The order is bare (b), pipeline, bare (a), pipeline again (their mean is compared with bare
(b)).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import common


def bare(embedder, texts: list[str]) -> float:
    """Seconds for one `encode` call over all texts, as the model's own bulk throughput."""
    start = time.perf_counter()
    embedder.model.encode(texts, prompt=embedder.passage_prompt, batch_size=32, show_progress_bar=False)
    return time.perf_counter() - start


def pipeline(embedder, source: Path) -> dict[str, float]:
    """`build_index` from the file into a fresh folder; total seconds and the share spent embedding."""
    from thesis_qa import load_document
    from thesis_qa.service.indexing import build_index

    folder = common.SCRATCH / "index-bench" / "pool"
    shutil.rmtree(folder, ignore_errors=True)  # no vectors to reuse from an earlier run
    with common.embedding_seconds(embedder) as embed_seconds:
        start = time.perf_counter()
        build_index(folder, [load_document(source)], embedder)
        total = time.perf_counter() - start
    return {"total_s": total, "embed_s": sum(embed_seconds), "rest_s": total - sum(embed_seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=400, help="first N passages of kk_pool (0: all)")
    args = parser.parse_args()
    started = time.time()

    from thesis_qa import load_document
    from thesis_qa.embedding.embedder import load_embedder
    from thesis_qa.index.layout import sha256_text
    from thesis_qa.ingest.structure import segment

    embedder = load_embedder("e5-small", common.cache_dir())
    info = common.machine()
    print(common.machine_line(info), flush=True)

    lines = (common.EVAL / "kk_pool.passages.jsonl").read_text(encoding="utf-8").splitlines()
    lines = lines[: args.passages] if args.passages else lines
    source = common.SCRATCH / f"kk_pool_{len(lines)}.jsonl"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    passages = segment(load_document(source))
    passage_texts = [p.text for p in passages]
    sentence_texts = [s for p in passages for s in p.sentence_texts()]
    distinct = list({sha256_text(t): t for t in passage_texts + sentence_texts}.values())
    print(f"{len(passages)} passages, {len(distinct) - len(set(passage_texts))} more texts (sentences)", flush=True)
    embedder.model.encode(passage_texts[:64], prompt=embedder.passage_prompt, batch_size=32)  # warm-up

    bare_all = bare(embedder, distinct)
    print(f"bare (b) passages + sentences: {bare_all:.1f} s", flush=True)
    runs = [pipeline(embedder, source)]
    print(f"pipeline: {runs[-1]}", flush=True)
    bare_passages = bare(embedder, passage_texts)
    print(f"bare (a) passages only: {bare_passages:.1f} s", flush=True)
    runs.append(pipeline(embedder, source))
    print(f"pipeline: {runs[-1]}", flush=True)
    result = summarise(len(passages), len(distinct), runs, bare_passages, bare_all)
    result["subset"] = f"first {len(lines)} lines of kk_pool.passages.jsonl"
    print(
        f"pipeline {result['pipeline_passages_per_s']} passages/s; bare (a) passages only "
        f"{result['bare_passages_only_passages_per_s']}/s (ratio {result['ratio_to_bare_passages_only']}); "
        f"bare (b) passages + sentences {result['bare_passages_and_sentences_passages_per_s']}/s "
        f"(ratio {result['ratio_to_bare_passages_and_sentences']}; target >= 0.9: "
        f"{'met' if result['met'] else 'MISSED'})"
    )
    common.write_result("indexing", result, info, started)


def summarise(n: int, texts: int, runs: list[dict[str, float]], bare_passages: float, bare_all: float) -> dict:
    pipeline_rate = n / (sum(r["total_s"] for r in runs) / len(runs))
    result = {
        "passages": n,
        "texts_embedded": texts,
        "pipeline_runs": [{k: round(v, 2) for k, v in r.items()} for r in runs],
        "pipeline_passages_per_s": round(pipeline_rate, 2),
        "bare_passages_only_passages_per_s": round(n / bare_passages, 2),
        "bare_passages_and_sentences_passages_per_s": round(n / bare_all, 2),
        "bare_texts_per_s": round(texts / bare_all, 1),
        "ratio_to_bare_passages_only": round(pipeline_rate / (n / bare_passages), 3),
        "ratio_to_bare_passages_and_sentences": round(pipeline_rate / (n / bare_all), 3),
        "target": "pipeline >= 0.9x bare (passages + sentences: what it must embed)",
    }
    result["met"] = result["ratio_to_bare_passages_and_sentences"] >= 0.9
    return result


if __name__ == "__main__":
    main()
