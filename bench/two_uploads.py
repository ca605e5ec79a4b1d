"""Two theses uploaded at once: the memory of the real server and its indexing workers.

    .venv/bin/python bench/two_uploads.py                # ~6-10 minutes on a shared 2-core machine
    .venv/bin/python bench/two_uploads.py --workers 3 --name two_uploads_3_workers  # both at once

The real `thesis-qa serve` (free port; a private index folder whose library, the bundled
thesis, `thesis-qa ask` indexed before; the product's settings but `--workers`) and two
browsers, each with its own cookie, that upload at the same moment as the page does (Gradio's
upload route, then the page's upload event): one `indexing_thesis.py`'s 250-page Kazakh thesis
as .docx, the other its LibreOffice PDF. Each browser watches its upload panel every 0.5 s,
asks a question of the thesis's first chapter (raw `/ask` with its cookie) as soon as part of
it is searchable, and waits until it is whole. Meanwhile the RSS (own and file-backed parts)
and PSS (`/proc/<pid>/smaps_rollup`: shared pages divided among the processes mapping them)
of the server and of every process it started are sampled every 0.5 s.

Reports the peak of the sum over the process tree (RSS and PSS) with each process's share at
that moment, each process's own peak, when they happened (seconds since the uploads), each
upload's seconds to searchable, to first answer and to whole, the CPU seconds of the tree and
the load average. Target (issue 26): the server with its workers <= 2 GB while two theses index.
With two workers (the second for small files only; the default until this bench) a second
large file waits for the first (`--workers 2 --name two_uploads`); with the default three
both index at the same time (`--workers 3 --name two_uploads_3_workers`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import common

LOG = common.SCRATCH / "two-uploads-server.log"  # the server's output
PAGES = 250
TARGET_MB = 2048
SEARCHABLE = ("searchable", "✓", "⚠")  # part of it searchable, whole already, or refused
FINISHED = ("✓", "⚠")


def prepare_library(index_dir: Path) -> None:
    """The index folder as a running department server has it: the library (the bundled
    thesis) indexed before `serve` starts, by a process of its own (a server that indexes its
    library itself at its first start keeps torch loaded until it stops), and no uploads."""
    shutil.rmtree(index_dir / "thesis.owners", ignore_errors=True)
    if (index_dir / "thesis" / "CURRENT").exists():
        return
    env = {**os.environ, "THESIS_QA_INDEX_DIR": str(index_dir), "THESIS_QA_CACHE_DIR": str(common.cache_dir())}
    command = [str(common.THESIS_QA), "ask", "Хантингтон"]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, timeout=1800)


def follow_upload(url: str, path: Path, question: str, clock: float, gate: threading.Barrier) -> dict[str, Any]:
    """One browser: upload `path` when the other is ready too, ask `question` once part of it
    is searchable, wait until it is whole. Times in seconds since `clock`."""
    browser = common.Browser(url)
    gate.wait()
    record: dict[str, Any] = {"file": path.name, "bytes": path.stat().st_size}
    record["upload_sent_at_s"] = round(time.monotonic() - clock, 1)
    browser.upload(path)
    record["first_panel"] = " ".join(browser.jobs().split())
    _, panel = browser.wait_for(lambda p: "%" in p or any(m in p for m in FINISHED), 3600)
    record["embedding_at_s"] = round(time.monotonic() - clock, 1)
    _, panel = browser.wait_for(lambda p: any(m in p for m in SEARCHABLE), 3600)
    record["searchable_at_s"] = round(time.monotonic() - clock, 1)
    record["panel_when_searchable"] = " ".join(panel.split())
    if "⚠" not in panel:
        seconds, answer = browser.ask(question)
        record["first_answer_at_s"] = round(time.monotonic() - clock, 1)
        record["answer_s"] = round(seconds, 2)
        record["answer_cites_upload"] = any(hit.get("doc") == path.name for hit in answer.get("results", []))
    _, panel = browser.wait_for(lambda p: any(m in p for m in FINISHED), 3600, every=1.0)
    record["whole_at_s"] = round(time.monotonic() - clock, 1)
    record["panel_when_whole"] = " ".join(panel.split())
    return record


def run_uploads(url: str, files: list[Path], question: str, clock: float, cap_s: float) -> list[dict[str, Any]]:
    """Every file uploaded by a browser of its own, all at once; each browser's record (an
    `error` if it failed or was not whole within `cap_s`)."""
    gate = threading.Barrier(len(files))
    records: list[dict[str, Any]] = [{"file": f.name} for f in files]

    def one(i: int) -> None:
        try:
            records[i] = follow_upload(url, files[i], question, clock, gate)
        except Exception as error:  # noqa: BLE001 - reported with the figures
            records[i]["error"] = f"{type(error).__name__}: {error}"[:500]

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(len(files))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + cap_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    for record, thread in zip(records, threads, strict=True):
        if thread.is_alive():
            record.setdefault("error", f"not whole within {cap_s:.0f} s")
    return records


def memory_report(memory: common.TreeMemory) -> dict[str, Any]:
    """The peaks of the tree's sums (RSS and PSS), each process's peak, a compact timeline."""
    loads = [s["load1"] for s in memory.samples]
    return {
        "samples": len(memory.samples),
        "sample_interval_s": memory.interval,
        "peak_rss": memory.peak("rss_mb"),
        "peak_pss": memory.peak("pss_mb"),
        "processes": memory.process_peaks(),
        "load1_min_max": [round(min(loads, default=0.0), 2), round(max(loads, default=0.0), 2)],
        "timeline_every_5_s": memory.timeline(5.0),
    }


def print_report(records: list[dict[str, Any]], memory: dict[str, Any]) -> None:
    rss, pss = memory["peak_rss"], memory["peak_pss"]
    verdict = "met" if rss.get("total_rss_mb", 0) <= TARGET_MB else "MISSED"
    print(f"peak of the sum: RSS {rss.get('total_rss_mb')} MB at {rss.get('at_s')} s ({verdict}: <= {TARGET_MB} MB)")
    print(f"  then: {rss.get('by_process')}")
    print(f"peak of the sum: PSS {pss.get('total_pss_mb')} MB at {pss.get('at_s')} s; then: {pss.get('by_process')}")
    for name, peak in memory["processes"].items():
        print(
            f"  {name:<14} peak RSS {peak['rss_mb']} MB at {peak['peak_rss_at_s']} s "
            f"(own {peak.get('anonymous_mb')}, files {peak.get('file_backed_mb')}), "
            f"peak PSS {peak.get('peak_pss_mb')} MB at {peak.get('peak_pss_at_s')} s"
        )
    for record in records:
        keys = ("upload_sent_at_s", "embedding_at_s", "searchable_at_s", "first_answer_at_s", "whole_at_s", "error")
        print(f"  {record['file']}: " + ", ".join(f"{k} {record[k]}" for k in keys if k in record))
    print(f"load average (1 min) during the run: {memory['load1_min_max']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=0, help="THESIS_QA_INDEX_WORKERS (0: the product's default)")
    parser.add_argument("--cap-s", type=float, default=2700.0, help="Stop waiting for the uploads after this long")
    parser.add_argument("--name", default="two_uploads", help="Result file: bench/results/<name>.json")
    args = parser.parse_args()
    started, info = time.time(), common.machine()
    print(common.machine_line(info))
    forms, question = common.thesis_files(common.SCRATCH / "first-answer-files", ["docx", "pdf"], PAGES)
    index_dir = common.SCRATCH / "two-uploads-index"
    prepare_library(index_dir)
    settings = {"index_workers": str(args.workers)} if args.workers else {}
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    server = common.start_serve(port, index_dir, LOG, **settings)
    try:
        common.wait_ready(url, server, LOG, timeout=900)
        clock, cpu_before = time.monotonic(), common.tree_cpu_seconds(server.pid)
        memory = common.TreeMemory(server.pid, interval=0.5, pss=True, clock=clock)
        records = run_uploads(url, [forms["docx"], forms["pdf"]], question, clock, args.cap_s)
        cpu = round(common.tree_cpu_seconds(server.pid) - cpu_before, 1)
        memory.stop()
    finally:
        common.stop_serve(server)
    report = memory_report(memory)
    print_report(records, report)
    result = {
        "index_workers": args.workers or "default",
        "question": question,
        "uploads": records,
        "cpu_s_server_and_workers_still_running": cpu,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "target_mb": TARGET_MB,
        **report,
    }
    common.write_result(args.name, result, info, started)


if __name__ == "__main__":
    main()
