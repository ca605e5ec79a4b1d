"""Start-up and memory: time from the README's main command to the first answer, cold (empty
model cache and index folder: the model is unpacked and the thesis indexed) and warm, with the
peak RSS of each run; the same for `thesis-qa serve`, from starting the process until the first
`/ask` answers (warm: median of 5 starts; cold: one); the serving process's RSS (and that of any
process it started) after 500 questions (kk, ru, en: thesis.dev, thesis.dev2 and lookups,
repeated); and where a warm start's time goes (`python -X importtime`).

    .venv/bin/python bench/startup.py           # ~6 minutes
    .venv/bin/python bench/startup.py --only-serve-warm   # the warm serve starts alone, printed

Every run is a fresh process with THESIS_QA_CACHE_DIR and THESIS_QA_INDEX_DIR pointing into
bench/.scratch/startup/ (removed at the end), so nothing of the user's cache is touched.

With --only-serve-warm, that folder is kept for the next such run (the first builds it with
one cold `ask`) and no result file is written: a quick check while working on start-up.

Targets (issue 11): ask warm <= 1.0 s and <= 300 MB; serve warm <= 3 s to the first answer and
<= 400 MB after 500 questions.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import common
import httpx
from common import percentile

QUESTION = "Саяси модернизация дегеніміз не?"


def env_for(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "THESIS_QA_CACHE_DIR": str(folder / "cache"),
        "THESIS_QA_INDEX_DIR": str(folder / "index"),
    }


def timed_ask(folder: Path) -> dict[str, float]:
    """`thesis-qa ask QUESTION`: wall seconds and the process's peak RSS."""
    command = [str(common.THESIS_QA), "ask", QUESTION]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env_for(folder), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    # Read the answer to its end before waiting: a child whose output fills the pipe would
    # otherwise block on its write while this waits for it to exit.
    answer = process.stdout.read().decode() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 or "1." not in answer:
        raise SystemExit(f"thesis-qa ask failed ({process.returncode}): {answer[:200]}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def timed_serve(folder: Path, questions: list[str]) -> dict[str, object]:
    """`thesis-qa serve` from process start until the first `/ask` answers (raw HTTP), then the
    server's memory after `questions` more (with the processes it started, and whether torch
    is loaded in it)."""
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**env_for(folder), "THESIS_QA_PORT": str(port)}
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "serve.log"
    with log.open("w") as output:  # a file, not a pipe: nothing the server prints can block it
        start = time.perf_counter()
        server = subprocess.Popen(
            [str(common.THESIS_QA), "serve"], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        with httpx.Client(timeout=60) as http:
            first = first_answer(http, url, server, log) - start
            cpu = common.cpu_seconds(server.pid)
            for q in questions:
                common.raw_ask(http, url, q)
        memory = server_memory(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {
        "seconds_to_first_answer": round(first, 2),
        "cpu_seconds_to_first_answer": round(cpu, 2),
        "questions_after": len(questions),
        **memory,
    }


def first_answer(http: httpx.Client, url: str, server: subprocess.Popen, log: Path, timeout: float = 600) -> float:
    """When the first `/ask` answered (perf_counter). Until the server listens, a connection is
    refused and the question is asked again 20 ms later; any other failure (an error event, an
    HTTP error) is the server's, and ends the benchmark at once with its log."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}); see {log}")
        try:
            common.raw_ask(http, url, QUESTION)
            return time.perf_counter()
        except httpx.ConnectError:
            time.sleep(0.02)
        except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as error:
            raise SystemExit(f"/ask failed: {error!r}; see {log}") from error
    raise SystemExit(f"the server did not answer in {timeout:.0f} s; see {log}")


def server_memory(pid: int) -> dict[str, object]:
    """RSS of the server (own and file-backed), of it with every process it started (listed),
    and whether torch is mapped into it."""
    children = common.descendants(pid)
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        maps = ""
    return {
        **common.rss_mb(pid),
        "tree_rss_mb": common.tree_rss_mb(pid),
        "children": [{"pid": c, "command": common.command_line(c)[:120]} for c in children],
        "torch_loaded": "libtorch" in maps,
    }


def mixed_questions(n: int) -> list[str]:
    """n questions: the Kazakh, Russian and English questions of thesis.dev and thesis.dev2 and
    the lookups of common.dev_questions, shuffled (fixed seed) and repeated."""
    pool = common.dev_questions() + [r["question"] for r in common.read_jsonl(common.EVAL / "thesis.dev2.jsonl")]
    random.Random(11).shuffle(pool)
    return (pool * (n // len(pool) + 1))[:n]


def import_times(module: str) -> dict[str, float]:
    """Seconds to import `module` in a fresh process, in all and per top-level package (the
    sum of its modules' own import times), the eight costliest."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    packages: dict[str, float] = {}
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            top = fields[2].strip().split(".")[0]
            packages[top] = packages.get(top, 0.0) + int(fields[0]) / 1e6
    biggest = sorted(packages.items(), key=lambda kv: -kv[1])[:8]
    return {"total_s": round(sum(packages.values()), 2), **{k: round(v, 2) for k, v in biggest}}


def serve_warm(folder: Path, runs: int, questions: int) -> dict[str, object]:
    """`runs` warm starts of `thesis-qa serve` (the first then answers `questions` more): each
    run, and their median with the memory after the first's questions."""
    results = []
    for run in range(runs):
        results.append(timed_serve(folder, mixed_questions(questions) if run == 0 else []))
        print(f"thesis-qa serve, warm, run {run + 1}: {results[-1]}", flush=True)
    summary = {
        "seconds_to_first_answer": round(percentile([r["seconds_to_first_answer"] for r in results], 50), 2),
        "cpu_seconds_to_first_answer": round(percentile([r["cpu_seconds_to_first_answer"] for r in results], 50), 2),
        **{k: v for k, v in results[0].items() if not k.endswith("seconds_to_first_answer")},
        "target": "<= 3 s, <= 400 MB after 500 questions",
    }
    print(
        f"thesis-qa serve, warm (median of {runs}; memory after the first's questions): {summary}",
        flush=True,
    )
    return {"serve_warm_runs": results, "serve_warm": summary}


def only_serve_warm(base: Path, runs: int, questions: int) -> None:
    """The warm serve starts alone, on a folder kept between such runs (built once here)."""
    folder = base / "ask"
    if not (folder / "index").is_dir():
        print(f"building the warm folder: thesis-qa ask, cold: {timed_ask(folder)}", flush=True)
    serve_warm(folder, runs, questions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve-runs", type=int, default=5, help="warm starts of `thesis-qa serve` (median)")
    parser.add_argument("--questions", type=int, default=500, help="questions before the server's RSS is read")
    parser.add_argument(
        "--only-serve-warm", action="store_true", help="only the warm serve starts; keep the folder, write no result"
    )
    args = parser.parse_args()
    started = time.time()
    info = common.machine()
    print(common.machine_line(info), flush=True)
    base = common.SCRATCH / "startup"
    if args.only_serve_warm:
        only_serve_warm(base, args.serve_runs, args.questions)
        return
    shutil.rmtree(base, ignore_errors=True)

    result: dict[str, object] = {"question": QUESTION}
    folder = base / "ask"
    result["ask_cold"] = timed_ask(folder)
    print(f"thesis-qa ask, cold: {result['ask_cold']}", flush=True)
    warm = [timed_ask(folder) for _ in range(5)]
    result["ask_warm_runs"] = warm
    result["ask_warm"] = {
        "seconds": round(percentile([w["seconds"] for w in warm], 50), 2),
        "peak_rss_mb": round(percentile([w["peak_rss_mb"] for w in warm], 50), 1),
        "target": "<= 1.0 s, <= 300 MB",
    }
    print(f"thesis-qa ask, warm (median of 5): {result['ask_warm']}", flush=True)
    result["imports"] = {m: import_times(m) for m in ("thesis_qa.cli", "thesis_qa_app")}
    print(f"imports: {result['imports']}", flush=True)
    result.update(serve_warm(folder, args.serve_runs, args.questions))
    result["serve_cold"] = timed_serve(base / "serve", [])
    print(f"thesis-qa serve, cold: {result['serve_cold']}", flush=True)
    shutil.rmtree(base, ignore_errors=True)
    common.write_result("startup", result, info, started)


if __name__ == "__main__":
    main()
