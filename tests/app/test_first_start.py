"""The first start on an empty index folder, as the README's first-run command does (issue
26): the bundled thesis's library is built by a worker process, anyone asking meanwhile (on the
page or through /ask) is told it is being built, then answered from it; the serving process
never loads torch."""

from __future__ import annotations

import time

from conftest import queue_call, running_server, torch_mapped
from test_faults import visitor
from test_security import ask

from thesis_qa_app.texts import error_text

BUILT_WITHIN_S = 300


def test_a_first_start_builds_the_library_in_a_worker_and_the_server_never_loads_torch(tmp_path, cache_dir):
    with running_server(tmp_path, THESIS_QA_CACHE_DIR=str(cache_dir)) as server:
        cookie = visitor()
        chat = queue_call(server.url, "ui_chat", ["Кулик кім?", 3, "", "kk", [], [], {}, ""], cookie.split("=")[1])
        replies = [ask(server.url, cookie, "Кулик кім?")]
        deadline = time.monotonic() + BUILT_WITHIN_S
        while replies[-1]["code"] and time.monotonic() < deadline:
            time.sleep(1)
            replies.append(ask(server.url, cookie, "Кулик кім?"))
        loaded_torch = torch_mapped(server.pid)

    *meanwhile, answer = replies
    building = {"code": "store_building", "message": error_text("kk", "store_building", {})}
    assert chat["success"]  # the page's chat says the library is being built, or answers from it
    assert building["message"] in str(chat["output"]) or "thesis_kk.txt" in str(chat["output"])
    assert answer["code"] == "" and {hit["doc"] for hit in answer["results"]} == {"thesis_kk.txt"}
    assert all({key: reply[key] for key in building} == building for reply in meanwhile)
    assert not loaded_torch
    log = server.log.read_text()
    assert "index 'thesis' is being built by a worker process" in log and "index 'thesis' ready" in log
