"""Follow-up questions: recognised by what their form lacks, searched with the question they
continue when the evidence backs it, and a question that stands on its own is searched exactly
as if asked alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thesis_qa.retrieval.followup import WEAK_SUPPORT, Form, form_of, needs_context, takes_context
from thesis_qa.retrieval.question import read

DEV_SETS = Path(__file__).resolve().parents[1] / "eval" / "data"


@pytest.mark.parametrize(
    "question",
    [
        "Ал оны кім ұсынған?",
        "Олардың ішінде кімдер бар?",
        "А в каком году?",
        "Что он об этом пишет?",
        "And what does it determine?",
        "What idea of his is described?",
        "Ал екіншісі қандай?",  # the second of a list it does not name
        "Ал Хантингтон ше?",  # "and what about Huntington?"
        "Кім?",  # names nothing of its own
        "What about the second one?",
        "А в чём заключается первая?",
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
        "What is political modernization?",  # "what" opens a question, it continues none
        "What label does the author give to the first stage of modernization theory?",
        "Какой факт автор приводит в подтверждение того, что в стране начались перемены?",  # correlative
        "Теория модернизации это совокупность схем и моделей?",  # "это" as a copula
        "Whose writings does Western political science accept when it comes to what drives change?",
    ],
)
def test_a_question_that_stands_alone_needs_none(question):
    assert not needs_context(question)


@pytest.mark.parametrize(
    ("question", "form"),
    [
        ("Олар модернизацияны қандай елдерде зерттеген?", Form.LEANS),  # points back first
        ("И чем он это подтверждает?", Form.LEANS),
        ("О событиях каких лет идёт речь в его цитате?", Form.MAY_LEAN),  # "его" may be the events'
        ("Что определяет обновление общества в любой сфере его жизни?", Form.MAY_LEAN),
        ("Саяси модернизация дегеніміз не?", Form.ALONE),
    ],
)
def test_a_pointer_before_any_word_of_its_own_leans_more_than_one_after_them(question, form):
    assert form_of(question) == form


def test_the_context_is_taken_only_when_the_question_alone_finds_little_and_the_context_more():
    weak = WEAK_SUPPORT[Form.LEANS]
    assert takes_context(Form.LEANS, weak / 2, weak)
    assert not takes_context(Form.LEANS, weak / 2, weak / 3)  # the context finds less
    assert not takes_context(Form.LEANS, weak, 1.0)  # the question alone is well supported
    assert not takes_context(Form.ALONE, 0.0, 1.0)


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


def dev_questions() -> list[str]:
    """Every question of the thesis dev sets (eval/data), in order."""
    lines = [line for name in ("thesis.dev.jsonl", "thesis.dev2.jsonl") for line in (DEV_SETS / name).open()]
    return [json.loads(line)["question"] for line in lines if line.strip()]


def test_no_dev_question_changes_its_answer_after_an_unrelated_one(searcher):
    questions = dev_questions()
    changed = []
    for i, question in enumerate(questions):
        unrelated = questions[(i + len(questions) // 2) % len(questions)]
        alone = searcher.search(question, k=1)[0]
        after = searcher.search(question, k=1, history=[unrelated])[0]
        if (after.passage.id, after.score) != (alone.passage.id, alone.score):
            changed.append((question, unrelated))
    assert len(questions) == 75
    assert changed == []


def test_a_new_topic_opened_like_a_follow_up_does_not_inherit_the_earlier_answer(searcher):
    earlier = "Кулик посттоталитарлық елдердегі билік жүйесін қалай бағалайды?"
    question = "А какие страны приводятся как пример трансформации после фашистского режима?"
    previous = searcher.search(earlier, k=1)[0]

    after = searcher.search(question, k=1, history=[earlier])[0]

    assert form_of(question) == Form.LEANS
    assert after.passage.id != previous.passage.id and "Италия" in after.passage.text
    assert after.score == searcher.search(question, k=1)[0].score
