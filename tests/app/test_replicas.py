"""Two `thesis-qa serve` replicas on one PostgreSQL database, as a university runs them behind
a load balancer: they answer alike, an upload through one is answered by the other, and
killing one loses nothing."""

from __future__ import annotations

import os
import signal

import pytest
from conftest import chromium, running_server
from gradio_client import Client
from pages import open_page, upload
from test_access import PASSWORDS, log_in

from thesis_qa.service.accounts import Accounts, UsersRecord
from thesis_qa.service.indexing import build_index
from thesis_qa.storage.embedded import create_database
from thesis_qa.storage.postgres import PostgresStore

ABAI = "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.\n\nОл қазақ ақыны, ағартушы."
QUESTION = "Хантингтон саяси институттар туралы не айтты?"


@pytest.fixture(scope="module")
def database(tmp_path_factory, postgres_server, thesis_index, embedder):
    """A database holding the bundled thesis (vectors reused from the files index) and two
    student accounts."""
    url = create_database(postgres_server, "replicas", replace=False)
    store = PostgresStore(url)
    build_index(store.index("thesis"), list(thesis_index.documents.values()), embedder, previous=thesis_index)
    accounts = Accounts(UsersRecord(store.records("accounts")))
    for name, password in PASSWORDS.items():
        accounts.add(name, password)
    return url


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, database, cache_dir):
    """Two servers on the database, each with a folder of its own (as on two machines), both
    using the session's expanded model."""
    settings = {"THESIS_QA_STORE": database, "THESIS_QA_CACHE_DIR": str(cache_dir)}
    with (
        running_server(tmp_path_factory.mktemp("replica-a"), **settings) as first,
        running_server(tmp_path_factory.mktemp("replica-b"), **settings) as second,
    ):
        yield first, second


def ask(server, question: str, account: str = "dana") -> dict:
    client = Client(server.url, auth=(account, PASSWORDS[account]), verbose=False)
    return client.predict(question, 5, "", api_name="/ask")


def test_two_replicas_answer_a_question_identically(replicas):
    first, second = replicas

    assert ask(first, QUESTION)["results"] == ask(second, QUESTION)["results"]


@pytest.fixture(scope="module")
def uploaded(replicas, tmp_path_factory) -> str:
    """aigerim's upload through the first replica, in a real browser; its name."""
    tmp = tmp_path_factory.mktemp("aigerim")
    page = chromium(tmp / "profile", tmp / "downloads")
    try:
        log_in(page, replicas[0].url, "aigerim", PASSWORDS["aigerim"])
        open_page(page, replicas[0].url)
        path = tmp / "abai-notes.txt"
        path.write_text(ABAI, encoding="utf-8")
        assert upload(page, path).startswith("✓")
    finally:
        page.quit()
    return path.name


def test_an_upload_through_one_replica_is_answered_by_the_other(replicas, uploaded):
    mine = ask(replicas[1], "Абай қай жылы туған?", "aigerim")["results"]
    others = ask(replicas[1], "Абай қай жылы туған?", "dana")["results"]

    assert mine[0]["doc"] == uploaded
    assert all(hit["doc"] != uploaded for hit in others)


def test_killing_one_replica_loses_nothing(replicas, uploaded):
    first, second = replicas
    before = ask(second, QUESTION)

    os.kill(first.pid, signal.SIGKILL)

    assert ask(second, QUESTION)["results"] == before["results"]
    aigerim = Client(second.url, auth=("aigerim", PASSWORDS["aigerim"]), verbose=False)
    assert uploaded in aigerim.predict(api_name="/documents")
