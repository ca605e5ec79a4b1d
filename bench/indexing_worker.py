"""The indexing worker's peak memory and CPU on a thesis, as the server runs it: a real
`python -m thesis_qa.service.worker` given one progressive "index" task (the upload path), its
resident memory sampled every 0.05 s. Target (issue 26): <= 800 MB on a 250-page thesis.

    .venv/bin/python bench/indexing_worker.py --pages 25                  # this tree
    .venv/bin/python bench/indexing_worker.py --pages 25 --baseline HEAD~3  # and a commit, same input

The thesis is `bench/indexing_thesis.py`'s (.docx). `--baseline REF` also runs the worker of
another commit (its `src/` extracted into the scratch folder, first on `PYTHONPATH`) on the same
file, so the two figures come from one run on one machine state. Each run starts from a word
store without words (the model linked, as in `indexing_thesis.py`), so both embed the same
texts. For each: peak RSS (sampled, and the kernel's `ru_maxrss`), its anonymous and
file-backed parts at the sampled peak, the largest mappings when the task is done, RSS after
it, CPU seconds (user + system) of the whole worker, wall seconds; the load average beside.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import common
from indexing_thesis import thesis_plan

sys.path.insert(0, str(common.ROOT / "tests"))
SAMPLE_S = 0.05


def make_thesis(pages: int) -> Path:
    from thesis_doc import write_thesis_docx

    folder = common.SCRATCH / f"worker-thesis-{pages}"
    docx = folder / f"thesis{pages}.docx"
    if not docx.exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_thesis_docx(thesis_plan(pages, common.EVAL), docx)
    return docx


def status(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile of `pid` in KiB (empty once it is gone)."""
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    except OSError:
        return {}
    return fields


def largest_mappings(pid: int, n: int = 6) -> dict[str, float]:
    """The `n` mappings holding most resident memory (MB), by file or kind."""
    held: collections.Counter[str] = collections.Counter()
    name = "[anon]"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and not parts[0].endswith(":"):
            name = Path(parts[5]).name if len(parts) > 5 else "[anon]"
        elif parts and parts[0] == "Rss:":
            held[name] += int(parts[1])
    return {key: round(kb / 1024, 1) for key, kb in held.most_common(n)}


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, {"VmRSS": 0}, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = status(self.pid)
            if now.get("VmRSS", 0) > self.peak["VmRSS"]:
                self.peak = now
            time.sleep(SAMPLE_S)


def run_worker(src: Path | None, docx: Path, label: str, memory_mb: int) -> dict:
    cache = common.cache_without_words(f"worker-cache-{label}")
    index = common.SCRATCH / f"worker-index-{label}"
    shutil.rmtree(index, ignore_errors=True)
    env = {**os.environ, "THESIS_QA_CACHE_DIR": str(cache)}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    config = {"model": "e5-small", "query_engine": "auto", "cache_dir": str(cache), "memory_mb": memory_mb}
    config["parent"] = os.getpid()
    task = {"kind": "index", "progressive": True, "source": str(docx), "name": docx.name, "index": str(index)}
    task |= {"max_bytes": 2**30, "max_passages": 10**7, "quota_passages": 10**7}
    command = [sys.executable, "-m", "thesis_qa.service.worker", json.dumps(config)]
    load_before, start = os.getloadavg(), time.perf_counter()
    worker = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    sampler = Sampler(worker.pid)
    sampler.start()
    assert worker.stdin is not None and worker.stdout is not None
    ready = json.loads(worker.stdout.readline())
    worker.stdin.write(json.dumps(task) + "\n")
    worker.stdin.flush()
    replies = map(json.loads, iter(worker.stdout.readline, ""))
    reply = next(r for r in replies if "done" in r or "error" in r)
    mappings = largest_mappings(worker.pid)
    worker.stdin.close()
    _, code, usage = os.wait4(worker.pid, 0)
    seconds = time.perf_counter() - start
    sampler.stop.set()
    if "error" in reply or os.waitstatus_to_exitcode(code):
        raise RuntimeError(f"worker {label}: {reply}, exit {os.waitstatus_to_exitcode(code)}")
    peak = sampler.peak
    return {
        "src": str(src) if src else "this tree",
        "ready_rss_mb": ready["rss_mb"],
        "passages": reply["done"]["passages"],
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "sampled_peak_rss_mb": round(peak["VmRSS"] / 1024),
        "sampled_peak_anon_mb": round(peak.get("RssAnon", 0) / 1024),
        "sampled_peak_file_mb": round(peak.get("RssFile", 0) / 1024),
        "rss_after_task_mb": reply["done"]["rss_mb"],
        "largest_mappings_after_task_mb": mappings,
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "seconds": round(seconds, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=250)
    parser.add_argument("--baseline", help="also run the worker of this commit (e.g. HEAD~1) on the same file")
    parser.add_argument("--memory-mb", type=int, default=2048, help="the worker's bound (the server's default)")
    args = parser.parse_args()
    started, info = time.time(), common.machine()
    print(common.machine_line(info))
    docx = make_thesis(args.pages)
    runs = {}
    if args.baseline:
        src = common.baseline_src(args.baseline, "worker-baseline")
        runs[f"baseline {args.baseline}"] = run_worker(src, docx, "baseline", args.memory_mb)
        print("baseline", runs[f"baseline {args.baseline}"], flush=True)
    runs["this tree"] = run_worker(None, docx, "tree", args.memory_mb)
    print("this tree", runs["this tree"], flush=True)
    result = {"pages_asked": args.pages, "file": docx.name, "bytes": docx.stat().st_size, "target_mb": 800}
    common.write_result(f"indexing_worker_{args.pages}", {**result, "runs": runs}, info, started)


if __name__ == "__main__":
    main()
