"""The server's memory after a first start on an empty index folder, as the README's first-run
command starts it (issue 26): a real `thesis-qa serve` has the bundled thesis's library built,
then answers from it. Target: the server as small as when it opens a built library (~0.2 GB),
the build's memory given back when it is done.

    .venv/bin/python bench/first_start.py                        # this tree (~1 min)
    .venv/bin/python bench/first_start.py --baseline 905e6a8     # and a commit (before: built in the server)

Each run gets a fresh index folder and a model cache without word vectors (`common.
cache_without_words`), so each builds the same library from nothing. For each: seconds until
the server answers `/gradio_api/info` and until `/ask` answers from the thesis (the replies
before it, "being built"); the server's RSS (its own and file-backed parts) after the first
answer and after `--questions` more, its peak (VmHWM), whether it mapped torch's libraries;
the peak of the server with every process it started (the build's worker), sampled every
0.2 s; the load average beside.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import common
import httpx

QUESTION = "Кулик кім?"
ANSWER_TIMEOUT_S = 600


def first_answer(http: httpx.Client, url: str) -> tuple[float, int]:
    """Seconds until `/ask` answers from the library, and how many replies said it was being built."""
    start, building = time.perf_counter(), 0
    while time.perf_counter() - start < ANSWER_TIMEOUT_S:
        _, answer = common.raw_answer(http, url, QUESTION)
        if not answer["code"]:
            return time.perf_counter() - start, building
        building += answer["code"] == "store_building"
        time.sleep(0.5)
    raise SystemExit(f"no answer within {ANSWER_TIMEOUT_S} s")


def torch_mapped(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


def run(label: str, src: Path | None, questions: int) -> dict[str, object]:
    """One first start of the server (this tree's, or the code in `src`) on an empty folder."""
    index_dir = common.SCRATCH / f"first-start-index-{label}"
    shutil.rmtree(index_dir, ignore_errors=True)
    cache = common.cache_without_words(f"first-start-cache-{label}")
    port, log = common.free_port(), common.SCRATCH / f"first-start-{label}.log"
    load_before = os.getloadavg()
    server = common.start_serve(port, index_dir, log, src, cache_dir=str(cache))
    memory = common.TreeMemory(server.pid, interval=0.2)
    url = f"http://127.0.0.1:{port}"
    try:
        up_s = common.wait_ready(url, server, log)
        with httpx.Client(timeout=120) as http:
            answer_s, building = first_answer(http, url)
            after_first = common.rss_mb(server.pid)
            for _ in range(questions):
                common.raw_answer(http, url, QUESTION)
        after = common.rss_mb(server.pid)
        torch = torch_mapped(server.pid)
    finally:
        memory.stop()
        common.stop_serve(server)
    return {
        "seconds_until_up": round(up_s, 1),
        "seconds_until_first_answer": round(up_s + answer_s, 1),
        "replies_being_built": building,
        "server_after_first_answer_mb": after_first,
        f"server_after_{questions}_more_questions_mb": after,
        "server_torch_mapped": torch,
        "server_and_children_peak": memory.peak(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="also start the server of this commit (e.g. HEAD~1) the same way")
    parser.add_argument("--questions", type=int, default=20, help="questions asked after the first answer")
    args = parser.parse_args()
    started, info = time.time(), common.machine()
    print(common.machine_line(info))
    runs = {}
    if args.baseline:
        src = common.baseline_src(args.baseline, "first-start-baseline")
        runs[f"baseline {args.baseline}"] = run("baseline", src, args.questions)
        print("baseline", runs[f"baseline {args.baseline}"], flush=True)
    runs["this tree"] = run("tree", None, args.questions)
    print("this tree", runs["this tree"], flush=True)
    common.write_result("first_start", {"question": QUESTION, "runs": runs}, info, started)


if __name__ == "__main__":
    main()
