"""The real server under bad questions, load, and access rules."""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import library_copy, queue_call, running_server
from gradio_client import Client

QUESTIONS = [
    "Саяси модернизация дегеніміз не?",
    "Кулик сипаттаған тәртіптің белгілері қандай?",
    "Зерттеу жұмысының мақсаты қандай?",
    "Модернизацияға ықпал ететін факторлар қандай?",
    "Дарендорф демократияға қандай қауіптерді атады?",
    "Что такое политическая модернизация?",
    "Какие направления модернизации выделяет Демидов?",
    "Кто предложил идею устойчивости политических институтов?",
    "What are the three stages of modernization theory?",
    "Who wrote about the collapse of totalitarianism?",
    "Хантингтон",
    "1966",
    "вестернизация",
    "Бутенко",
]


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        ("саяси модернизация " * 5_000, True),  # 100,000 characters: searched on its first 1,000
        ("\x00\x07Кулик\x1b[31m сипаттаған\u200b тәртіп\x7f", True),  # control and format characters
        ("Хантингтон Huntington 亨廷顿 هنتنغتون", True),  # mixed scripts
        ("<script>alert(1)</script> Кулик", True),  # HTML is just text to search
        ("<img src=x onerror=alert(1)>", True),
        ("😀🙈🚀", False),  # nothing to search for: a kind message
        ("?!…", False),
    ],
)
def test_a_bad_question_gets_an_answer_or_a_kind_message(client, question, answered):
    answer = client.predict(question, 3, "", "kk", api_name="/ask")
    if answered:
        assert answer["code"] == "" and len(answer["results"]) == 3
    else:
        assert answer["results"] == [] and answer["code"] == "question_empty"
        assert answer["message"] and "error" not in answer["message"].lower()


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024


def _ids(client: Client, question: str) -> list[str]:
    answer = client.predict(question, 3, "", "auto", api_name="/ask")
    assert answer["code"] == "", answer["message"]
    return [hit["id"] for hit in answer["results"]]


def _ask_all(clients: list[Client], workload: list[str]) -> list[tuple[str, list[str]]]:
    """The `workload` shared among the clients, each asking its share one question at a time,
    all clients at once (as students would)."""
    shares = [workload[i :: len(clients)] for i in range(len(clients))]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        answered = pool.map(lambda pair: [(q, _ids(pair[0], q)) for q in pair[1]], zip(clients, shares, strict=True))
        return [item for share in answered for item in share]


@pytest.mark.parametrize("stale", ["j:job-0123456789abcdef", "u:up-0123456789abcdef", "<b>x</b>"])
def test_a_choice_the_page_sends_after_the_server_dropped_it_is_not_an_error(server, stale):
    # The page follows its uploads every second (ui_refresh); a job's choice it still holds can
    # reach the server after the update that dropped it from the session's "My uploads" list.
    cookie, session = secrets.token_urlsafe(32), secrets.token_hex(8)
    refreshed = queue_call(server.url, "ui_refresh", ["kk", "", ""], cookie, session=session)
    assert refreshed["success"]  # the session now holds its own copy of both lists

    late = queue_call(server.url, "ui_refresh", ["kk", stale, stale], cookie, session=session)

    assert late["success"], late  # not Gradio's English "Error" toast
    removed = queue_call(server.url, "ui_remove", [stale, "kk"], cookie, session=session)
    assert removed["success"], removed


def test_500_questions_from_16_clients_match_one_client_and_memory_stays_flat(server, client):
    expected = {q: _ids(client, q) for q in QUESTIONS}  # one client at a time
    clients = [Client(server.url, verbose=False) for _ in range(16)]
    _ask_all(clients, QUESTIONS * 36)  # warm-up: every thread and buffer the load will use
    rss_before = rss_mb(server.pid)
    start = time.perf_counter()
    answers = _ask_all(clients, [QUESTIONS[i % len(QUESTIONS)] for i in range(500)])
    seconds = time.perf_counter() - start
    rss_after = rss_mb(server.pid)
    print(
        f"\nload: 500 questions, 16 clients, {seconds:.1f} s, {500 / seconds:.1f} questions/s, "
        f"server RSS {rss_before:.0f} MB -> {rss_after:.0f} MB"
    )
    assert all(ids == expected[q] for q, ids in answers)
    assert rss_after - rss_before < 50, "memory grows under load"


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_the_server_listens_on_loopback_only(server):
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing on 0.0.0.0 or ::


def test_no_public_share_link_is_opened(server):
    assert "gradio.live" not in server.log.read_text()


def test_a_login_is_required_when_user_and_password_are_set(server, tmp_path):
    secrets = {"THESIS_QA_USER": "lecturer", "THESIS_QA_PASSWORD": "s3cret-пароль"}
    with running_server(tmp_path, **secrets, **library_copy(server, tmp_path)) as guarded:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own types here
            Client(guarded.url, verbose=False).predict("Кулик", 1, "", "auto", api_name="/ask")
        with pytest.raises(Exception):  # noqa: B017
            Client(guarded.url, auth=("lecturer", "wrong"), verbose=False)
        allowed = Client(guarded.url, auth=("lecturer", "s3cret-пароль"), verbose=False)
        assert allowed.predict("Кулик", 1, "", "auto", api_name="/ask")["results"]


def test_temporary_folders_are_removed_at_exit_and_at_start(tmp_path, server):
    """A server's private temp folder goes when it stops; one left by a server that was
    killed, and the exports folders earlier versions left behind, go at the next start."""
    gradio_temp = tmp_path / "gradio"
    killed = gradio_temp / "thesis-qa-999999999-abcd"  # no such process
    legacy = tmp_path / "thesis-qa-exports-x1y2z3"
    for folder in (killed, legacy):
        (folder / "inside").mkdir(parents=True)
    with running_server(tmp_path, **library_copy(server, tmp_path)) as started:
        own = list(gradio_temp.glob(f"thesis-qa-{started.pid}-*"))
        assert len(own) == 1 and own[0].is_dir()
        assert not killed.exists() and not legacy.exists()

    assert not own[0].exists()
    assert list(tmp_path.glob("thesis-qa-*")) == [] and list(gradio_temp.glob("thesis-qa-*")) == []
