"""Follow-up questions: recognised by their form, searched with the question they continue,
and a question that stands on its own is searched exactly as if asked alone."""

from __future__ import annotations

import pytest

from thesis_qa.retrieval.followup import needs_context
from thesis_qa.retrieval.question import read


@pytest.mark.parametrize(
    "question",
    [
        "Ал оны кім ұсынған?",
        "Олардың ішінде кімдер бар?",
        "А в каком году?",
        "Что он об этом пишет?",
        "And what does it determine?",
        "What idea of his is described?",
    ],
)
def test_a_question_that_points_back_needs_its_context(question):
    assert needs_context(question)


@pytest.mark.parametrize(
    "question",
    [
        "Саяси модернизация дегеніміз не?",
        "Қазақстанда осы тақырыпқа арналған еңбектер көп пе?",  # "this topic": the thesis's own
        "Много ли трудов посвящено этой теме?",
        "Which works on this topic does the author single out?",
        "Хантингтон",
        "Что такое политическая модернизация?",  # "такое" defines, it does not point back
        "Is there a definition of modernization?",
        "Does the author argue that modernization failed?",
    ],
)
def test_a_question_that_stands_alone_needs_none(question):
    assert not needs_context(question)


def test_a_follow_up_borrows_the_words_of_the_question_it_continues():
    asked = read("Ал оны кім ұсынған?", ["Вестернизация деген не?"])
    assert asked.context == "Вестернизация деген не?"
    assert "вестер" in asked.context_keys and "оны" not in asked.keys


def test_a_chain_of_follow_ups_reaches_back_to_the_question_that_named_the_topic():
    history = ["Дарендорф қандай қауіптерді атады?", "Ал олардың біріншісі қандай?"]
    asked = read("Оны кім қайталады?", history)
    assert asked.context.startswith("Дарендорф")


def test_a_standalone_question_gets_exactly_its_own_results_with_any_history(searcher):
    history = ["Дарендорф жас демократияларға қандай қауіптер төнетінін айтты?"]
    for question in ("Саяси модернизация дегеніміз не?", "Кулик сипаттаған тәртіптің белгілері", "Хантингтон"):
        alone = searcher.search(question, k=5)
        with_history = searcher.search(question, k=5, history=history)
        assert [(h.passage.id, h.score) for h in with_history] == [(h.passage.id, h.score) for h in alone]


def test_a_follow_up_finds_the_passage_its_context_needs(searcher):
    history = ["Латын Америкасындағы үкіметтер қандай қателер жіберді?"]
    alone = searcher.search("Ал олар нені орната алмады?", k=1)[0]
    followed = searcher.search("Ал олар нені орната алмады?", k=1, history=history)[0]
    assert "Латын  Америкасындағы" in followed.passage.text
    assert followed.passage.id != alone.passage.id or followed.score > alone.score


def test_a_follow_up_carries_over_where_its_earlier_question_found_the_answer(searcher):
    earlier = "Сколько угроз для демократии называет Дарендорф?"
    answer = searcher.search(earlier, k=1)[0].passage.id
    follow_up = searcher.candidates("А в чём заключается первая?", history=[earlier])
    previous = follow_up.signals.previous
    carried = previous.carried(searcher.probabilities(searcher.candidates(earlier)))
    ids = [searcher.index.passages[row].id for row in follow_up.rows]
    assert carried[ids.index(answer)] == carried.max() > 0


def test_a_question_asked_alone_carries_nothing_over(searcher):
    assert searcher.candidates("А в чём заключается первая?").signals.previous is None
