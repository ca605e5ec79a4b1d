"""The app's API as a program sees it, through gradio_client and as raw HTTP: /ask, /lookup,
/documents; every bad argument gets its own code and a kind message."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from test_robustness import rss_mb

from thesis_qa.limits import MAX_QUESTION_CHARS


def _within(span: list[int], text: str) -> bool:
    start, end = span
    return 0 <= start < end <= len(text)


def call(server_url: str, api_name: str, body: bytes) -> tuple[int, object]:
    """POST a raw JSON body to /gradio_api/call/<api_name> and read the answer from its event
    stream: (HTTP status, the returned value or the error body)."""
    request = urllib.request.Request(
        f"{server_url}gradio_api/call/{api_name}", body, {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            event_id = json.loads(response.read())["event_id"]
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    with urllib.request.urlopen(f"{server_url}gradio_api/call/{api_name}/{event_id}", timeout=60) as stream:
        lines = stream.read().decode().splitlines()
    data = [line.removeprefix("data: ") for line in lines if line.startswith("data: ")]
    return 200, json.loads(data[-1])[0]


@pytest.mark.parametrize(
    ("question", "language", "section_word"),
    [
        ("Кулик сипаттаған тәртіптің белгілері қандай?", "kk", "1.1. Саяси модернизация"),
        ("Что такое политическая модернизация?", "ru", "КІРІСПЕ"),
    ],
    ids=["kk", "ru"],
)
def test_ask_returns_hits_with_their_place_and_answering_sentence(client, question, language, section_word):
    answer = client.predict(question, 3, "", api_name="/ask")

    assert answer["language"] == language
    assert answer["code"] == ""
    assert isinstance(answer["answered"], bool) and 0 <= answer["confidence"] <= 1
    assert len(answer["results"]) == 3
    assert any(section_word in hit["section"] for hit in answer["results"])
    for hit in answer["results"]:
        assert hit["doc"] == "thesis_kk.txt"
        assert hit["highlights"]
        assert all(_within(span, hit["text"]) for span in hit["highlights"])


def test_ask_can_be_limited_to_one_document(client):
    answer = client.predict("Саяси модернизация дегеніміз не?", 2, "thesis_kk.txt", api_name="/ask")

    assert [hit["doc"] for hit in answer["results"]] == ["thesis_kk.txt", "thesis_kk.txt"]


def test_ask_takes_the_conversation_so_far(client):
    answer = client.predict("Ал оның белгілері?", 3, "", "kk", ["Кулик сипаттаған тәртіп қандай?"], api_name="/ask")

    assert answer["code"] == "" and len(answer["results"]) == 3


@pytest.mark.parametrize("question", ["", "   ", "?!…"], ids=["nothing", "spaces", "punctuation"])
def test_an_empty_question_gets_a_kind_message(client, question):
    answer = client.predict(question, api_name="/ask")

    assert answer["results"] == []
    assert answer["code"] == "question_empty"
    assert "Сұрақ бос сияқты" in answer["message"]


def test_the_message_follows_the_chosen_language(client):
    answer = client.predict("???", 3, "", "ru", api_name="/ask")

    assert answer["message"].startswith("Похоже, вопрос пустой")


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        (["Кулик", "abc"], "bad_k"),
        (["Кулик", 3.5], "bad_k"),
        (["Кулик", 0], "bad_k"),
        (["Кулик", 10**9], "bad_k"),
        (["Кулик", True], "bad_k"),
        ([42], "bad_question"),
        ([["Кулик"]], "bad_question"),
        ([{"q": "Кулик"}], "bad_question"),
        (["Кулик", 3, 7], "bad_doc"),
        (["Кулик", 3, "", "fr"], "bad_language"),
        (["Кулик", 3, "", "kk", "not a list"], "bad_history"),
        (["Кулик", 3, "nobody's.docx"], "doc_unknown"),
    ],
    ids=lambda value: json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value,
)
def test_a_bad_argument_gets_its_code_and_a_kind_message(client, arguments, code):
    answer = client.predict(*arguments, api_name="/ask")

    assert answer["code"] == code
    assert answer["results"] == [] and answer["answered"] is False
    assert answer["message"] and "error" not in answer["message"].lower()


@pytest.mark.parametrize("k", ["NaN", "Infinity", "-Infinity"])
def test_k_that_is_not_a_number_is_refused_as_raw_json_too(server_url, k):
    status, answer = call(server_url, "ask", f'{{"data": ["Кулик", {k}, "", "en", null]}}'.encode())

    assert status == 200
    assert answer["code"] == "bad_k" and answer["message"] == "k must be a whole number from 1 to 50."


def test_k_left_out_or_null_means_the_default(client):
    assert len(client.predict("Кулик сипаттаған тәртіп", None, api_name="/ask")["results"]) == 3


def test_an_unknown_document_is_named_in_the_message(client):
    answer = client.predict("Кулик", 3, "other.docx", "en", api_name="/ask")

    assert answer["message"] == "There is no document called “other.docx” (see /documents)."


def test_a_long_question_is_cut_before_it_is_searched_or_echoed(server, server_url):
    question = "Саяси модернизация дегеніміз не? " * 12_000  # 400,000 characters, 0.8 MB
    body = json.dumps({"data": [question, 3, "", "kk", None]}, ensure_ascii=False).encode()
    start = time.perf_counter()

    status, answer = call(server_url, "ask", body)

    assert status == 200 and time.perf_counter() - start < 10
    assert len(answer["question"]) <= MAX_QUESTION_CHARS and len(answer["results"]) == 3
    assert len(json.dumps(answer, ensure_ascii=False)) < 50_000


def test_a_5m_character_question_is_refused_before_it_is_read(server, server_url):
    body = json.dumps({"data": ["ә" * 5_000_000, 3, "", "kk", None]}, ensure_ascii=False).encode()
    before = rss_mb(server.pid)
    start = time.perf_counter()

    status, answer = call(server_url, "ask", body)

    assert status == 413 and answer["code"] == "request_too_large"
    assert time.perf_counter() - start < 5
    assert rss_mb(server.pid) - before < 50
    assert (
        call(server_url, "ask", json.dumps({"data": ["Кулик", 3, "", "kk", None]}).encode())[1]["code"] == ""
    )  # still serving


def test_lookup_finds_a_name_in_its_inflected_form(client):
    answer = client.predict("Хантингтон", api_name="/lookup")

    inflected = [hit for hit in answer["results"] if "Хантингтонның" in hit["text"]]
    assert inflected
    hit = inflected[0]
    assert "Хантингтонның" in [hit["text"][a:b] for a, b in hit["terms"]]


def test_lookup_counts_every_passage_holding_the_word_and_returns_the_first_k(client):
    answer = client.predict("Қазақстан", 3, api_name="/lookup")

    assert answer["count"] > len(answer["results"]) == 3
    assert all("қазақстан" in hit["text"].lower() for hit in answer["results"])
    assert [hit["kind"] for hit in answer["results"]] == ["body"] * 3  # body text before the contents
    nothing = client.predict("Маркс", api_name="/lookup")
    assert (nothing["count"], nothing["results"], nothing["code"]) == (0, [], "")


def test_documents_lists_the_indexed_thesis(client):
    assert client.predict(api_name="/documents") == ["thesis_kk.txt"]


def test_only_the_api_endpoints_are_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]

    assert set(endpoints) == {"/ask", "/lookup", "/documents", "/names", "/glossary"}
