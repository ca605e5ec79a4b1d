"""The app's API as a program sees it through gradio_client: /ask, /lookup, /documents."""

from __future__ import annotations

import pytest


def _within(span: list[int], text: str) -> bool:
    start, end = span
    return 0 <= start < end <= len(text)


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
    assert len(answer["results"]) == 3
    assert any(section_word in hit["section"] for hit in answer["results"])
    for hit in answer["results"]:
        assert hit["doc"] == "thesis_kk.txt"
        assert hit["highlights"]
        assert all(_within(span, hit["text"]) for span in hit["highlights"])


def test_ask_can_be_limited_to_one_document(client):
    answer = client.predict("Саяси модернизация дегеніміз не?", 2, "thesis_kk.txt", api_name="/ask")

    assert [hit["doc"] for hit in answer["results"]] == ["thesis_kk.txt", "thesis_kk.txt"]


@pytest.mark.parametrize("question", ["", "   ", "?!…"], ids=["nothing", "spaces", "punctuation"])
def test_an_empty_question_gets_a_kind_message(client, question):
    answer = client.predict(question, api_name="/ask")

    assert answer["results"] == []
    assert answer["code"] == "question_empty"
    assert "Сұрақ бос сияқты" in answer["message"]


def test_the_message_follows_the_chosen_language(client):
    answer = client.predict("???", 3, "", "ru", api_name="/ask")

    assert answer["message"].startswith("Похоже, вопрос пустой")


def test_lookup_finds_a_name_in_its_inflected_form(client):
    answer = client.predict("Хантингтон", api_name="/lookup")

    inflected = [hit for hit in answer["results"] if "Хантингтонның" in hit["text"]]
    assert inflected
    hit = inflected[0]
    assert "Хантингтонның" in [hit["text"][a:b] for a, b in hit["terms"]]


def test_documents_lists_the_indexed_thesis(client):
    assert "thesis_kk.txt" in client.predict(api_name="/documents")


def test_only_the_api_endpoints_are_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]

    assert set(endpoints) == {"/ask", "/lookup", "/documents"}
