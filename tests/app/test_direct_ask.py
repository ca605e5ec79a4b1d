"""`/ask` as raw HTTP (POST /gradio_api/call/ask, then its SSE answer) is answered outside
Gradio's queue (`thesis_qa_app.api.DirectAsk`): every answer is the one the queue gives
gradio_client for the same values, good and bad arguments alike."""

from __future__ import annotations

import json
import urllib.request

import pytest
from test_api import call


@pytest.mark.parametrize(
    "values",
    [
        ["Кулик сипаттаған тәртіптің белгілері қандай?", 3, "", "auto", None],
        ["Ал оның белгілері?", 3, "", "kk", ["Кулик сипаттаған тәртіп қандай?"]],
        ["Что такое политическая модернизация?", 2, "thesis_kk.txt", "auto", []],
        ["Хантингтон", 5, "", "en", None],
        ["Кулик", "abc", "", "auto", None],
        ["?!…", 3, "", "ru", None],
        ["Кулик", 3, "nobody's.docx", "en", None],
    ],
    ids=["kk", "follow-up", "one document", "lookup-like", "bad k", "empty", "unknown document"],
)
def test_a_raw_ask_answers_as_the_queue_does(client, server_url, values):
    status, raw = call(server_url, "ask", json.dumps({"data": values}).encode())

    assert status == 200
    assert raw == client.predict(*values, api_name="/ask")


def test_a_raw_call_without_every_argument_is_left_to_gradio_which_refuses_it(server_url):
    body = json.dumps({"data": ["Кулик", 3]}).encode()
    request = urllib.request.Request(f"{server_url}gradio_api/call/ask", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{server_url}gradio_api/call/ask/{event}", timeout=60) as stream:
        lines = stream.read().decode().splitlines()

    assert "event: error" in lines
