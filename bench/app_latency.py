"""Through the app: the real server (`thesis-qa serve` on a free port, a private index folder),
`/ask` as raw HTTP (POST /gradio_api/call/ask, then the SSE GET of its answer), one client and
16 at once, and through gradio_client.

    .venv/bin/python bench/app_latency.py                          # ~1 minute
    THESIS_QA_QUERY_ENGINE=torch .venv/bin/python bench/app_latency.py

Every question is FRESH: asked once, never before in the server (the workspace remembers the
vectors of its last questions, and a repeated question would skip its embedding). One client,
raw HTTP: every question of the thesis dev sets and the lookups (`common.fresh_questions`, ~120)
after a warm-up on KazQAD questions. gradio_client (through Gradio's queue, which it always
uses, polling every 50 ms): 60 FLORES questions. 16 clients (threads, raw HTTP, each its own
connection): 320 XQuAD questions, each once; then one client asks them again and every
concurrent answer must have the same passage ids in the same order. Also `/documents` (does
nothing) through gradio_client: the floor of Gradio's queue, and the server's RSS after the
warm-up.
Targets: raw HTTP median <= 40 ms with one client; no error and the same answers with 16.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import common
import httpx

LOG = common.SCRATCH / "app-server.log"  # the server's output

CLIENTS = 16


def start_server(port: int, index_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "THESIS_QA_INDEX_DIR": str(index_dir), "THESIS_QA_PORT": str(port)}
    log = LOG.open("w")
    command = [str(common.THESIS_QA), "serve"]
    return subprocess.Popen(
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped as one at the end
    )


def questions_of(name: str, n: int) -> list[str]:
    """The first `n` questions of a dev set that none of the thesis questions repeats."""
    fresh = set(common.fresh_questions())
    return [q for q in (r["question"] for r in common.read_jsonl(common.EVAL / name)) if q not in fresh][:n]


def concurrent(url: str, questions: list[str]) -> dict:
    lock = threading.Lock()
    latencies: list[float] = []
    answers: dict[str, list[str]] = {}
    errors: list[str] = []
    barrier = threading.Barrier(CLIENTS + 1)

    def work(mine: list[str]) -> None:
        with httpx.Client(timeout=120) as http:
            barrier.wait()
            for q in mine:
                try:
                    seconds, answer = common.raw_answer(http, url, q)
                except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                with lock:
                    latencies.append(seconds)
                    answers[q] = [hit["id"] for hit in answer["results"]]

    threads = [threading.Thread(target=work, args=(questions[i::CLIENTS],)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"latencies": latencies, "answers": answers, "errors": errors, "wall": wall, "asked": len(questions)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="measure a server that is already running instead of starting one")
    args = parser.parse_args()
    started = time.time()
    info = common.machine()
    print(common.machine_line(info), flush=True)

    server = None
    if args.url:
        url = args.url
    else:
        port = common.free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(port, common.SCRATCH / "app-index")
        print(f"server ready after {common.wait_ready(url, server, LOG):.1f} s (pid {server.pid})", flush=True)
    try:
        result = measure(url, server)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    from thesis_qa import Settings

    result["query_engine"] = Settings.from_env().query_engine
    report(result)
    engine = os.environ.get("THESIS_QA_QUERY_ENGINE")
    common.write_result("app_latency" + (f"_{engine}" if engine else ""), result, info, started)


def measure(url: str, server: subprocess.Popen | None) -> dict:
    from gradio_client import Client

    one = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    with httpx.Client(timeout=60) as http:
        for q in common.warm_up_questions():
            common.raw_ask(http, url, q)
        for q in common.warm_up_questions()[:5]:
            one.predict(q, 3, "", "auto", api_name="/ask")
        rss = common.tree_rss_mb(server.pid) if server else None
        raw = [common.raw_ask(http, url, q) for q in common.fresh_questions()]
    through_client = []
    for q in questions_of("flores_ru2kk.dev.queries.jsonl", 60):
        start = time.perf_counter()
        one.predict(q, 3, "", "auto", api_name="/ask")
        through_client.append(time.perf_counter() - start)
    floor = []
    for _ in range(30):
        start = time.perf_counter()
        one.predict(api_name="/documents")
        floor.append(time.perf_counter() - start)
    one.close()

    many_questions = questions_of("xquad_ru.dev.queries.jsonl", 20 * CLIENTS)
    cpu_before = common.cpu_seconds(server.pid) if server else None
    many = concurrent(url, many_questions)
    cpu_after = common.cpu_seconds(server.pid) if server else None
    with httpx.Client(timeout=60) as http:
        expected = {q: [hit["id"] for hit in common.raw_answer(http, url, q)[1]["results"]] for q in many_questions}
    differing = sorted(q for q, ids in many["answers"].items() if ids != expected[q])
    result = {
        "fresh": "every question asked once before its timed call; none repeats a warm-up question",
        "server_rss_mb_after_warmup": rss,
        "raw_http_ask": {**common.summary_ms(raw), "questions": "thesis dev sets and lookups"},
        "gradio_client_ask": {**common.summary_ms(through_client), "questions": "FLORES ru"},
        "documents_endpoint_floor": common.summary_ms(floor),
        "sixteen_clients_raw_http": {
            **common.summary_ms(many["latencies"]),
            "asked": many["asked"],
            "answered": len(many["latencies"]),
            "errors": len(many["errors"]),
            "first_errors": many["errors"][:3],
            "throughput_qps": round(len(many["latencies"]) / many["wall"], 1),
            "questions_with_other_answers": differing,
            "server_cpu_ms_per_question": (
                round((cpu_after - cpu_before) / len(many["latencies"]) * 1e3, 1) if server else None
            ),
            "wall_s": round(many["wall"], 1),
        },
    }
    result["targets"] = {
        "raw_http_median_le_40ms": result["raw_http_ask"]["median_ms"] <= 40,
        "sixteen_no_error_same_answers": not many["errors"] and not differing,
    }
    return result


def report(result: dict) -> None:
    raw, many = result["raw_http_ask"], result["sixteen_clients_raw_http"]
    print(f"query engine {result['query_engine']}; server RSS after warm-up {result['server_rss_mb_after_warmup']} MB")
    print(f"/ask raw HTTP, 1 client:   median {raw['median_ms']:.1f} ms, p95 {raw['p95_ms']:.1f} ms (n={raw['n']})")
    print(
        f"/ask raw HTTP, 16 clients: median {many['median_ms']:.1f} ms, p95 {many['p95_ms']:.1f} ms, "
        f"{many['throughput_qps']} questions/s, {many['errors']} errors, "
        f"{len(many['questions_with_other_answers'])} questions answered differently; "
        f"server CPU {many['server_cpu_ms_per_question']} ms a question (the clients share the cores)"
    )
    client = result["gradio_client_ask"]
    print(f"/ask via gradio_client (queue, 50 ms polling): median {client['median_ms']:.1f} ms")
    floor = result["documents_endpoint_floor"]
    print(f"/documents via gradio_client (does nothing): median {floor['median_ms']:.1f} ms")
    print(f"targets: {result['targets']}")


if __name__ == "__main__":
    main()
