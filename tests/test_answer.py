"""Whether the thesis answers: a calibrated confidence, and a plain "no" for what it does not
hold, with the closest passages still offered."""

from __future__ import annotations

import pytest

from thesis_qa.retrieval.answer import judge, merge


@pytest.fixture
def ask(searcher):
    def answer(question: str, k: int = 3):
        return judge(question, searcher.search(question, k=k))

    return answer


@pytest.mark.parametrize(
    "question",
    ["Какая погода будет завтра в Алматы?", "Футболдан әлем чемпионы кім?", "asdf qwerty", "How do I bake bread?"],
)
def test_an_off_topic_question_is_not_answered(ask, question):
    answer = ask(question)
    assert not answer.answered
    assert answer.hits  # the closest passages are still there to check


@pytest.mark.parametrize(
    "question",
    [
        "Саяси модернизация дегеніміз не?",
        "Что такое политическая модернизация?",
        "Кулик сипаттаған тәртіптің белгілері",
    ],
)
def test_a_question_the_thesis_answers_is_answered(ask, question):
    assert ask(question).answered


def test_confidence_is_the_top_hits_probability(ask):
    answer = ask("Саяси модернизация дегеніміз не?", k=10)
    scores = [hit.score for hit in answer.hits]
    assert answer.confidence == scores[0] and 0.0 <= sum(scores) <= 1.0 + 1e-6
    assert scores == sorted(scores, reverse=True)


def test_an_answer_is_more_confident_on_topic_than_off(ask):
    assert ask("Саяси модернизация дегеніміз не?").confidence > ask("Какая погода будет завтра?").confidence


def test_the_json_contract(ask):
    record = ask("Хантингтон").to_json()
    assert set(record) == {"question", "answered", "confidence", "results"}
    assert isinstance(record["answered"], bool) and 0.0 <= record["confidence"] <= 1.0


def test_rankings_of_two_collections_merge_by_score(searcher):
    first = searcher.search("Саяси модернизация дегеніміз не?", k=3)
    second = searcher.search("Хантингтон", k=3)
    merged = merge([first, second], k=4)
    assert [h.score for h in merged] == sorted((h.score for h in first + second), reverse=True)[:4]
