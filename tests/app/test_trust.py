"""In the browser: a question the thesis does not answer is told so plainly, with the closest
passages folded away; a follow-up is searched with the question it continues."""

from __future__ import annotations

from pages import ask
from selenium.webdriver.common.by import By


def test_an_off_topic_question_is_told_the_thesis_does_not_answer_it(page):
    answer = ask(page, "Футболдан әлем чемпионы кім?")

    assert "Диссертацияда бұл сұраққа жауап жоқ." in answer.text
    folded = answer.find_element(By.CSS_SELECTOR, "details.tqa-closest")
    assert not folded.find_element(By.CSS_SELECTOR, ".tqa-card").is_displayed()
    assert "%" not in answer.find_element(By.CSS_SELECTOR, ".tqa-head").text


def test_a_question_the_thesis_answers_shows_no_refusal(page):
    answer = ask(page, "Саяси модернизация дегеніміз не?")

    assert "жауап жоқ" not in answer.text
    assert answer.find_element(By.CSS_SELECTOR, ".tqa-card").is_displayed()


def test_a_follow_up_shows_the_passage_its_context_needs(page):
    ask(page, "Латын Америкасындағы үкіметтер қандай қателер жіберді?")
    answer = ask(page, "Ал олар нені орната алмады?")

    first_card = answer.find_element(By.CSS_SELECTOR, ".tqa-card")
    assert "Латын Америкасындағы" in first_card.text
