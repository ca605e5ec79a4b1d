"""Start-up and memory: time from the README's main command to the first answer, cold (empty
model cache and index folder: the model is unpacked and the thesis indexed) and warm, with the
peak RSS of each run; the same for `thesis-qa serve` until `/ask` answers; the serving
process's RSS after 500 questions; and where a warm start's time goes (`python -X importtime`).

    .venv/bin/python bench/startup.py           # ~5 minutes

Every run is a fresh process with THESIS_QA_CACHE_DIR and THESIS_QA_INDEX_DIR pointing into
bench/.scratch/startup/ (removed at the end), so nothing of the user's cache is touched.
Targets (issue 11): ask warm <= 1.0 s and <= 300 MB; serve warm <= 3 s to the first answer and
<= 400 MB after 500 questions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
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
    command = [str(common.ROOT / ".venv" / "bin" / "thesis-qa"), "ask", QUESTION]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env_for(folder), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    answer = process.stdout.read().decode() if process.stdout else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 or "1." not in answer:
        raise SystemExit(f"thesis-qa ask failed ({process.returncode}): {answer[:200]}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def timed_serve(folder: Path, warm_questions: list[str]) -> dict[str, float]:
    """`thesis-qa serve` until `/ask` answers (raw HTTP, polled), then RSS after a warm-up."""
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**env_for(folder), "THESIS_QA_PORT": str(port)}
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "serve.log").open("w")
    start = time.perf_counter()
    server = subprocess.Popen(
        [str(common.ROOT / ".venv" / "bin" / "thesis-qa"), "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with httpx.Client(timeout=30) as http:
            first = None
            while time.perf_counter() - start < 600:
                if server.poll() is not None:
                    raise SystemExit(f"the server exited ({server.returncode}); see {folder / 'serve.log'}")
                if ask_once(http, url, QUESTION):
                    first = time.perf_counter() - start
                    break
                time.sleep(0.1)
            if first is None:
                raise SystemExit("the server did not answer in 600 s")
            for q in warm_questions:
                ask_once(http, url, q)
        rss = common.tree_rss_mb(server.pid)
        peak = common.rss_mb(server.pid)["peak_rss_mb"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {
        "seconds_to_first_answer": round(first, 2),
        "questions_after": len(warm_questions),
        "rss_mb_after": rss,
        "peak_rss_mb": peak,
    }


def ask_once(http: httpx.Client, url: str, question: str) -> bool:
    try:
        response = http.post(f"{url}/gradio_api/call/ask", json={"data": [question, 3, "", "auto"]})
        if response.status_code != 200:
            return False
        event = response.json()["event_id"]
        with http.stream("GET", f"{url}/gradio_api/call/ask/{event}") as stream:
            return any(line.startswith("data:") and "results" in line for line in stream.iter_lines())
    except httpx.HTTPError:
        return False


def import_times(module: str) -> dict[str, float]:
    """Seconds to import `module` in a fresh process, in all and per top-level package (the
    sum of its modules' own import times), the eight costliest."""
    done = subprocess.run(
        [str(common.ROOT / ".venv" / "bin" / "python"), "-X", "importtime", "-c", f"import {module}"],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.parse_args()
    started = time.time()
    info = common.machine()
    print(common.machine_line(info), flush=True)
    base = common.SCRATCH / "startup"
    shutil.rmtree(base, ignore_errors=True)
    questions = common.dev_questions()
    warm_questions = (questions * (500 // len(questions) + 1))[:500]

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
    result["serve_warm"] = {**timed_serve(folder, warm_questions), "target": "<= 3 s, <= 400 MB after 500 questions"}
    print(f"thesis-qa serve, warm: {result['serve_warm']}", flush=True)
    result["serve_cold"] = timed_serve(base / "serve", [])
    print(f"thesis-qa serve, cold: {result['serve_cold']}", flush=True)
    shutil.rmtree(base, ignore_errors=True)
    common.write_result("startup", result, info, started)


if __name__ == "__main__":
    main()
