"""WCAG 2.1 AA in the real browser (axe-core finds no serious or critical violation; every
control shows its focus), the page and each passage in their language, labels in the
interface's language, examples asked on click."""

from __future__ import annotations

import pytest
from pages import KAZAKH_QUESTION, ask, clear_collection, look_up, pin, show_tab, wait
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}}).then((result) => done(
  result.violations.map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" "))}))
), (error) => done([{id: "axe failed", impact: "critical", nodes: [String(error)]}]));
"""
# What the focused element shows: an outline of at least 2 px, or a box shadow.
FOCUS_SHOWN = """
const el = document.activeElement, style = getComputedStyle(el);
const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== "none";
return [el === document.body ? "" : el.outerHTML.slice(0, 120), ring];
"""


def serious_violations(page, axe_source: str) -> list[dict]:
    page.execute_script(axe_source)
    page.set_script_timeout(120)
    found = page.execute_async_script(RUN_AXE, WCAG_AA)
    return [v for v in found if v["impact"] in ("serious", "critical")]


def test_the_page_with_an_answer_and_a_lookup_has_no_serious_accessibility_violation(page, axe_source):
    ask(page, KAZAKH_QUESTION)
    look_up(page, "Хантингтон")

    assert serious_violations(page, axe_source) == []


def test_the_collection_has_no_serious_accessibility_violation(page, axe_source):
    clear_collection(page)
    pin(page, look_up(page, "Алмонд"), 0)
    show_tab(page, "collection")

    assert serious_violations(page, axe_source) == []


@pytest.mark.parametrize("tab", ["lookup", "collection", "documents"])
def test_every_control_shows_where_the_keyboard_focus_is(page, tab):
    clear_collection(page)
    pin(page, look_up(page, "Алмонд"), 0)  # the collection has buttons of its own
    show_tab(page, tab)
    page.find_element(By.ID, "tqa-header").click()
    seen, hidden = set(), []

    for _ in range(80):
        ActionChains(page).send_keys(Keys.TAB).perform()
        element, ring = page.execute_script(FOCUS_SHOWN)
        if element in seen:
            break
        seen.add(element)
        if element and not ring:
            hidden.append(element)

    assert len(seen) > 10
    assert hidden == []


def test_the_page_and_each_passage_declare_their_language(page):
    assert page.execute_script("return document.documentElement.lang") == "kk"
    answer = ask(page, "Что такое политическая модернизация?")

    assert {p.get_attribute("lang") for p in answer.find_elements(By.CSS_SELECTOR, ".tqa-text")} == {"kk"}
    question = page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=user] p")[-1]
    assert question.get_attribute("lang") == "ru"
    page.find_element(By.CSS_SELECTOR, "#language input[value=ru]").click()
    wait(page).until(lambda p: p.execute_script("return document.documentElement.lang") == "ru")


def test_card_labels_follow_the_interface_not_the_question(page):
    page.find_element(By.CSS_SELECTOR, "#language input[value=ru]").click()
    wait(page).until(lambda p: p.find_element(By.ID, "ask").text == "Спросить")

    answer = ask(page, KAZAKH_QUESTION)

    assert "Наиболее подходящие фрагменты: 3" in answer.text
    assert "уверенность" in answer.text and "В подборку" in answer.text
    assert "сенімділік" not in answer.text


def test_an_example_question_is_asked_when_clicked(page):
    answers = len(page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]"))

    page.find_elements(By.CSS_SELECTOR, "#examples tr, #examples button")[0].click()

    wait(page).until(lambda p: len(p.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")) > answers)
    asked = page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=user]")[-1].text
    assert asked == KAZAKH_QUESTION
    assert page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")[-1].find_elements(By.TAG_NAME, "mark")
