"""WCAG 2.1 AA in the real browser (axe-core finds no violation above "minor" on any tab in
any language; every control shows its focus), the page and each passage in their language,
every word of the Kazakh and Russian pages in their language (Gradio's too), accessible names
that say what a thing is, examples asked on click."""

from __future__ import annotations

import os
import re
import signal

import pytest
from conftest import free_port, library_copy, running_server
from pages import KAZAKH_QUESTION, as_new_person, ask, choose, cited, clear_collection, look_up, pin, show_tab, wait
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from thesis_qa import SUPPORTED_SUFFIXES
from thesis_qa_app.texts import TEXTS

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


def serious_violations(page, axe_source: str, worst: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    page.execute_script(axe_source)
    page.set_script_timeout(120)
    found = page.execute_async_script(RUN_AXE, WCAG_AA)
    return [v for v in found if v["impact"] in worst]


def in_language(page, lang: str) -> None:
    page.find_element(By.CSS_SELECTOR, f"#language input[value={lang}]").click()
    wait(page).until(lambda p: p.execute_script("return document.documentElement.dataset.tqaLang") == lang)
    wait(page).until(lambda p: p.find_element(By.ID, "ask").text == TEXTS["ask"][lang])


def with_everything_shown(page) -> None:
    """An answer, a lookup and a pinned passage on the page (the collection has its buttons)."""
    pin(page, ask(page, KAZAKH_QUESTION), 0)
    look_up(page, "Хантингтон")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_no_tab_in_any_language_has_an_accessibility_violation_above_minor(page, axe_source, lang):
    in_language(page, lang)
    with_everything_shown(page)
    found = {}

    for tab in ("lookup", "collection", "documents"):
        show_tab(page, tab)
        found[tab] = serious_violations(page, axe_source, worst=("moderate", "serious", "critical"))

    assert found == {"lookup": [], "collection": [], "documents": []}


# What the page shows and says: its text, and every name, hint and title a screen reader reads.
EVERY_WORD = """
const shown = Array.from(document.querySelectorAll("body *")).filter((el) => !el.closest("#language, .tqa-doc"));
const said = shown.flatMap((el) => ["aria-label", "title", "placeholder", "alt"].map((a) => el.getAttribute(a) || ""));
const texts = shown.filter((el) => el.getClientRects().length).flatMap((el) =>
  Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.nodeValue));
return [...texts, ...said].join(" ");
"""
# Words no language translates: formats, a key's name, the thesis's file name.
NAMES = {"Word", "Markdown", "docx", "Enter", "thesis", "kk", "txt", *(s.lstrip(".") for s in SUPPORTED_SUFFIXES)}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_kazakh_and_russian_pages_hold_no_english_word(page, lang):
    in_language(page, lang)
    with_everything_shown(page)
    words = set()

    for tab in ("lookup", "collection", "documents"):
        show_tab(page, tab)
        words |= set(re.findall(r"[A-Za-z]{2,}", page.execute_script(EVERY_WORD)))

    assert words - NAMES == set()


def test_a_lost_connection_is_told_in_the_pages_language(browser, server, tmp_path):
    with running_server(tmp_path, **library_copy(server, tmp_path)) as other:
        page = as_new_person(browser, other.url)
        in_language(page, "ru")

        os.kill(other.pid, signal.SIGTERM)
        page.find_element(By.CSS_SELECTOR, "#question textarea").send_keys(KAZAKH_QUESTION + Keys.ENTER)

        wait(page).until(lambda p: p.find_elements(By.CSS_SELECTOR, "[data-testid=toast-body]"))
        toast = page.find_element(By.CSS_SELECTOR, "[data-testid=toast-body]")
        wait(page).until(lambda _: "Соединение с сервером потеряно" in toast.text)
        names = " ".join(el.get_attribute("aria-label") or "" for el in toast.find_elements(By.CSS_SELECTOR, "*"))
        assert not re.findall(r"[A-Za-z]{2,}", toast.text + names)


def test_a_page_the_server_lost_its_session_of_is_answered_in_its_language_with_its_choice(browser, server, tmp_path):
    """The server restarts while a page is open with a document chosen: the page's next
    question and lookup send a choice the server's new session does not list (Gradio's own
    check would refuse it in English), and the conversation it showed."""
    port, settings = free_port(), library_copy(server, tmp_path)
    with running_server(tmp_path, port, **settings) as first:
        page = as_new_person(browser, first.url)
        in_language(page, "ru")
        ask(page, KAZAKH_QUESTION)
        choose(page, "document", "thesis")
        wait(page).until(lambda p: "thesis_kk.txt" in p.find_element(By.ID, "chat-filter").text)

    with running_server(tmp_path, port, **settings):
        answer = ask(page, "Хантингтон кім?")
        found = look_up(page, "Хантингтон")

        assert set(cited(answer)) == set(cited(found)) == {"thesis_kk.txt"}  # the choice still holds
        assert [q.text for q in page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=user]")] == [
            KAZAKH_QUESTION,
            "Хантингтон кім?",
        ]
        interface = EVERY_WORD.replace('.tqa-doc"', '.tqa-doc, body [lang]"')  # not the documents' text
        toasts = " ".join(t.text for t in page.find_elements(By.CSS_SELECTOR, "[data-testid=toast-body]"))
        assert set(re.findall(r"[A-Za-z]{2,}", page.execute_script(interface) + " " + toasts)) - NAMES == set()


def test_screen_readers_hear_each_message_named_in_words_and_every_status_in_the_pages_language(page):
    page.execute_script("""
      window.tqaHeard = [];
      new MutationObserver(() => document.querySelectorAll("[aria-live]").forEach((el) => {
        if (el.textContent.trim()) window.tqaHeard.push(el.textContent.trim());
      })).observe(document.body, {subtree: true, childList: true, characterData: true});
    """)
    ask(page, KAZAKH_QUESTION)

    messages = "#chat [data-testid=user], #chat [data-testid=bot]"
    wait(page).until(lambda p: p.find_element(By.CSS_SELECTOR, messages).get_attribute("aria-label"))
    names = [m.get_attribute("aria-label") for m in page.find_elements(By.CSS_SELECTOR, messages)]
    assert names[0] == f"Сіздің сұрағыңыз: {KAZAKH_QUESTION}"
    assert names[1].startswith("Жауап: Ең сәйкес 3 үзінді") and "<" not in names[1]
    assert page.find_element(By.CSS_SELECTOR, "#chat [role=log]").get_attribute("aria-label") == "Әңгіме"
    wait(page).until(lambda p: "Дайын" in p.execute_script("return window.tqaHeard"))
    assert not [heard for heard in page.execute_script("return window.tqaHeard") if "common." in heard]


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
