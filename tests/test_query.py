"""Reading a question: cleaned and bounded whatever its size, and what kind of question it is."""

from __future__ import annotations

import pytest

from thesis_qa.retrieval.followup import Form
from thesis_qa.retrieval.question import (
    MAX_QUESTION_CHARS,
    QuestionError,
    clean_question,
    previous_questions,
    read,
    read_question,
)


def test_a_huge_question_is_cut_before_it_is_scanned():
    question = "Саяси модернизация дегеніміз не? " + "ә" * 5_000_000
    assert len(clean_question(question)) == MAX_QUESTION_CHARS


def test_bidi_and_other_format_controls_are_dropped():
    assert clean_question("evil\u202e txt\u200b file\u2066") == "evil txt file"


@pytest.mark.parametrize("question", ["", "  \n", "?!", "\u202e\u202c"])
def test_a_question_with_no_word_is_refused(question):
    with pytest.raises(QuestionError):
        clean_question(question)


@pytest.mark.parametrize(
    "question",
    ["Бірінші тарау қалай аталады?", "Как называется параграф 1.1?", "What is the title of section 1.2?"],
)
def test_questions_about_the_documents_structure_are_recognised(question):
    assert read_question(question).structural


@pytest.mark.parametrize(
    "question",
    [
        "Саяси модернизация дегеніміз не?",
        "В чём заключается суть модернизации?",  # "заключается" shares six letters with "заключение"
        "Что содержится в теории Хантингтона?",
        "Какой главный фактор модернизации?",
        "What reforms did the government introduce?",
        "Түсті металл қай қалаларда қорытылады?",  # "is smelted": the key of "қорытынды" (conclusion)
    ],
)
def test_a_content_question_is_not_about_structure(question):
    assert not read_question(question).structural


@pytest.mark.parametrize(
    "question", ["Что сказано в заключении?", "Что написано во введении?", "Қорытындыда не айтылады?"]
)
def test_structure_words_are_recognised_inflected(question):
    assert read_question(question).structural


@pytest.mark.parametrize(
    ("question", "number", "person"),
    [
        ("Растоудың еңбегі қай жылы шықты?", True, False),
        ("В каком веке жили классики?", True, False),
        ("Кто должен решать?", False, True),
        ("Whose monographs are singled out?", False, True),
        ("Модернизация дегеніміз не?", False, False),
    ],
)
def test_questions_asking_for_a_number_or_a_person(question, number, person):
    asked = read_question(question)
    assert (asked.asks_number, asked.asks_person) == (number, person)


def test_one_or_two_words_are_a_lookup():
    assert read_question("Хантингтон").is_lookup
    assert not read_question("Хантингтон не ұсынды?").is_lookup


def test_only_usable_earlier_questions_are_kept():
    assert previous_questions(["", "  бірінші ", None, 3, "екінші", "үшінші", "төртінші"]) == [
        "екінші",
        "үшінші",
        "төртінші",
    ]


def test_a_follow_up_is_read_with_its_conversation_and_can_be_asked_alone():
    asked = read("Ал екіншісі қандай?", ["Дарендорф қандай қауіптерді атады?"])

    alone = asked.alone()

    assert asked.form == Form.LEANS and asked.context == "Дарендорф қандай қауіптерді атады?"
    assert "даренд" in asked.context_keys
    assert (alone.context, alone.context_keys, alone.keys, alone.form) == ("", (), asked.keys, Form.LEANS)


def test_a_question_that_stands_alone_takes_nothing_from_the_conversation():
    asked = read("What is political modernization?", ["Дарендорф қандай қауіптерді атады?"])

    assert (asked.form, asked.context, asked.context_keys) == (Form.ALONE, "", ())
