"""Through the app: the real server (`thesis-qa serve` on a free port, a private index folder),
`/ask` through gradio_client with 1 client and with 16 concurrent clients.

    .venv/bin/python bench/app_latency.py                          # ~3 minutes (default engine: torch)
    THESIS_QA_QUERY_ENGINE=torch .venv/bin/python bench/app_latency.py

Reports the median and p95 of `/ask` for one client, the same and the throughput (questions
per second) with 16 clients (threads, each its own `Client`), whether every concurrent answer
has the same passage ids in the same order as the single client's, and where the time goes:
`/documents` (an endpoint that does nothing) through gradio_client is the floor of queue, SSE
and JSON; the same `/ask` as two raw HTTP requests (POST /gradio_api/call/ask, then the SSE
GET) shows what gradio_client itself adds, and so does a gradio_client whose 50 ms polling
sleep (`gradio_client.utils.stream_sse_v1plus`) is cut to 1 ms in this process only ("fast
poll"). Also the server's RSS after the warm-up.
Targets: median <= 60 ms with one client; no error and the same answers with 16.
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

CLIENTS = 16


def start_server(port: int, index_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "THESIS_QA_INDEX_DIR": str(index_dir), "THESIS_QA_PORT": str(port)}
    log = (common.SCRATCH / "app-server.log").open("w")
    command = [str(common.THESIS_QA), "serve"]
    return subprocess.Popen(
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped as one at the end
    )


def wait_ready(url: str, server: subprocess.Popen, timeout: float = 600) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}); see bench/.scratch/app-server.log")
        try:
            if httpx.get(url + "/gradio_api/info", timeout=2).status_code == 200:
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer in time")


class _FastPoll:
    """`time` for gradio_client.utils with sleeps capped at 1 ms (the "fast poll" diagnostic)."""

    def __getattr__(self, name: str):
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(min(seconds, 0.001))


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def ask(c, question: str) -> tuple[float, list[str]]:
    start = time.perf_counter()
    answer = c.predict(question, 3, "", "auto", api_name="/ask")
    return time.perf_counter() - start, [hit["id"] for hit in answer["results"]]


def fast_poll_ask(c, question: str) -> float:
    import gradio_client.utils

    saved = gradio_client.utils.time
    gradio_client.utils.time = _FastPoll()
    try:
        return ask(c, question)[0]
    finally:
        gradio_client.utils.time = saved


def concurrent(url: str, questions: list[str], rounds: int) -> dict:
    tasks = [q for _ in range(rounds) for q in questions]
    clients = [client(url) for _ in range(CLIENTS)]
    lock = threading.Lock()
    latencies: list[float] = []
    answers: dict[str, set[tuple[str, ...]]] = {}
    errors: list[str] = []
    barrier = threading.Barrier(CLIENTS + 1)

    def work(c, mine: list[str]) -> None:
        barrier.wait()
        for q in mine:
            try:
                seconds, ids = ask(c, q)
            except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append(seconds)
                answers.setdefault(q, set()).add(tuple(ids))

    threads = [threading.Thread(target=work, args=(c, tasks[i::CLIENTS])) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    for c in clients:
        c.close()
    return {"latencies": latencies, "answers": answers, "errors": errors, "wall": wall, "asked": len(tasks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--url", help="measure a server that is already running instead of starting one")
    args = parser.parse_args()
    started = time.time()
    info = common.machine()
    print(common.machine_line(info), flush=True)
    questions = common.dev_questions()

    server = None
    if args.url:
        url = args.url
    else:
        port = common.free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(port, common.SCRATCH / "app-index")
        print(f"server ready after {wait_ready(url, server):.1f} s (pid {server.pid})", flush=True)
    try:
        result = measure(url, questions, args.rounds, server)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    result["query_engine"] = os.environ.get("THESIS_QA_QUERY_ENGINE", "torch")
    report(result)
    engine = result["query_engine"]
    common.write_result("app_latency" + ("" if engine == "torch" else f"_{engine}"), result, info, started)


def measure(url: str, questions: list[str], rounds: int, server: subprocess.Popen | None) -> dict:
    one = client(url)
    expected = {}
    for q in questions:  # warm-up, and the reference answers
        expected[q] = ask(one, q)[1]
    rss = common.tree_rss_mb(server.pid) if server else None

    single, floor, raw, fast = [], [], [], []
    with httpx.Client(timeout=60) as http:
        for _ in range(rounds):
            for q in questions:
                seconds, ids = ask(one, q)
                single.append(seconds)
                if ids != expected[q]:
                    raise SystemExit(f"answers changed between two calls for {q!r}")
                start = time.perf_counter()
                one.predict(api_name="/documents")
                floor.append(time.perf_counter() - start)
                raw.append(common.raw_ask(http, url, q))
                fast.append(fast_poll_ask(one, q))
    one.close()

    cpu_before = cpu_seconds(server.pid) if server else None
    many = concurrent(url, questions, rounds * 2)
    cpu_after = cpu_seconds(server.pid) if server else None
    differing = sorted(q for q, seen in many["answers"].items() if seen != {tuple(expected[q])})
    result = {
        "questions": len(questions),
        "rounds": rounds,
        "server_rss_mb_after_warmup": rss,
        "one_client": common.summary_ms(single),
        "one_client_throughput_qps": round(len(single) / sum(single), 1),
        "documents_endpoint_floor": common.summary_ms(floor),
        "raw_http_ask": common.summary_ms(raw),
        "fast_poll_client_ask": common.summary_ms(fast),
        "sixteen_clients": {
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
    median = result["one_client"]["median_ms"]
    result["targets"] = {
        "one_client_median_le_60ms": median <= 60,
        "sixteen_no_error_same_answers": not many["errors"] and not differing,
    }
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (the server's share of the 2 cores)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(result: dict) -> None:
    one, many = result["one_client"], result["sixteen_clients"]
    print(f"query engine {result['query_engine']}; server RSS after warm-up {result['server_rss_mb_after_warmup']} MB")
    print(f"/ask, 1 client:   median {one['median_ms']:.1f} ms, p95 {one['p95_ms']:.1f} ms (n={one['n']})")
    print(
        f"/ask, 16 clients: median {many['median_ms']:.1f} ms, p95 {many['p95_ms']:.1f} ms, "
        f"{many['throughput_qps']} questions/s, {many['errors']} errors, "
        f"{len(many['questions_with_other_answers'])} questions answered differently; "
        f"server CPU {many['server_cpu_ms_per_question']} ms a question (the clients share the cores)"
    )
    print(f"/documents (does nothing), 1 client: median {result['documents_endpoint_floor']['median_ms']:.1f} ms")
    print(f"/ask as raw HTTP (POST + SSE GET):   median {result['raw_http_ask']['median_ms']:.1f} ms")
    print(f"/ask, gradio_client polling at 1 ms: median {result['fast_poll_client_ask']['median_ms']:.1f} ms")
    print(f"targets: {result['targets']}")


if __name__ == "__main__":
    main()
