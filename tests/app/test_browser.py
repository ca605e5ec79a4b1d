"""The page in a real headless Chromium: students ask and look up, anyone
uploads a document of their own; nothing a document or a question holds ever runs as code."""

from __future__ import annotations

import json
import re
import time

import pytest
from conftest import uploads_on_disk
from pages import KAZAKH_QUESTION, ask, choose, cited, documents, look_up, open_page, upload, wait
from selenium.webdriver.common.by import By

from thesis_qa.retrieval.highlight import MAX_MARK_CHARS
from thesis_qa_app.texts import GRADIO_TEXTS


def test_a_kazakh_question_shows_the_answering_sentence_marked(page):
    answer = ask(page, KAZAKH_QUESTION)

    first_card = answer.find_element(By.CSS_SELECTOR, ".tqa-card")
    [marked] = first_card.find_elements(By.CSS_SELECTOR, "mark.answer:not(.near)")  # one answering sentence
    assert "тәртіптің белгілеріне" in marked.text  # the regime's signs, which Kulik names
    for near in first_card.find_elements(By.CSS_SELECTOR, "mark.answer.near"):  # what completes it, lighter
        assert near.value_of_css_property("background-color") != marked.value_of_css_property("background-color")
    assert "¶ 21" in first_card.text
    assert "1.1. Саяси модернизация теориялары мен типтері" in first_card.text
    assert "сенімділік" in first_card.text  # the interface follows the browser's Kazakh


def test_a_russian_question_is_answered_from_the_kazakh_thesis_in_the_interfaces_language(page):
    answer = ask(page, "Что такое политическая модернизация?")

    assert answer.find_elements(By.CSS_SELECTOR, "mark.answer")
    assert "Ең сәйкес 3 үзінді" in answer.text and "сенімділік" in answer.text
    assert "модернизация" in answer.find_element(By.CSS_SELECTOR, "mark.answer").text.lower()


def test_cards_set_their_sentences_apart_and_mark_only_part_of_a_long_passage(page):
    answer = ask(page, KAZAKH_QUESTION)
    texts = answer.find_elements(By.CSS_SELECTOR, ".tqa-card .tqa-text")

    assert len(texts[0].find_elements(By.CSS_SELECTOR, "br, span.tqa-sep")) >= 5  # Kulik's passage: 6 sentences
    for text in texts:
        marked = "".join(mark.text for mark in text.find_elements(By.CSS_SELECTOR, "mark.answer"))
        assert 0 < len(marked) <= MAX_MARK_CHARS
        assert len(marked) < len(text.text) or len(text.text) <= MAX_MARK_CHARS  # a short passage may be all answer


def test_the_text_around_a_passage_is_one_click_away(page):
    answer = ask(page, KAZAKH_QUESTION)
    context = answer.find_element(By.CSS_SELECTOR, ".tqa-card details")
    assert not context.find_element(By.TAG_NAME, "p").is_displayed()

    summary = context.find_element(By.TAG_NAME, "summary")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)  # from under the chat's ↓ button
    summary.click()

    assert "Алдында:" in context.text
    assert context.find_element(By.TAG_NAME, "p").is_displayed()


def test_a_cleared_chat_starts_a_new_conversation(page):
    ask(page, "Латын Америкасындағы үкіметтер қандай қателер жіберді?")
    page.find_element(By.CSS_SELECTOR, f"#chat button[aria-label='{GRADIO_TEXTS['chatbot.clear']['kk']}']").click()
    wait(page).until(lambda p: not p.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]"))

    answer = ask(page, KAZAKH_QUESTION)

    assert len(page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")) == 1
    assert "Кулик" in answer.find_element(By.CSS_SELECTOR, ".tqa-card .tqa-text").text


def test_an_empty_question_gets_a_kind_message(page):
    answer = ask(page, "   ")

    assert "Сұрақ бос сияқты" in answer.text


def test_quick_lookup_marks_the_name_in_its_inflected_form(page):
    results = look_up(page, "Хантингтон")

    wait(page).until(lambda _: results.find_elements(By.CSS_SELECTOR, "mark.term"))
    assert "Хантингтонның" in [mark.text for mark in results.find_elements(By.CSS_SELECTOR, "mark.term")]


# A name, the same name inflected, a year, an inflected noun, a term: each with the pattern
# of its written forms, to count the passages holding it in the thesis's own text.
LOOKUPS = {
    "Хантингтон": r"хантингтон\w*",
    "Алмондтың": r"алмонд\w*",
    "1966": r"(?<!\d)1966(?!\d)",
    "Қазақстандағы": r"қазақстан\w*",
    "вестернизация": r"вестернизац\w*",
}


@pytest.mark.parametrize(("word", "pattern"), LOOKUPS.items())
def test_a_lookup_shows_every_passage_holding_the_word_and_their_true_count(page, thesis_passages, word, pattern):
    expected = [p for p in thesis_passages if re.search(rf"(?<!\w){pattern}", p.text.lower())]

    results = look_up(page, word)

    wait(page).until(lambda _: results.find_elements(By.CSS_SELECTOR, ".tqa-card"))
    header = results.find_element(By.CSS_SELECTOR, ".tqa-head").text
    assert header == f"«{word}»: {len(expected)} үзіндіде кездеседі"
    cards = results.find_elements(By.CSS_SELECTOR, ".tqa-card")
    shown = [" ".join(card.find_element(By.CSS_SELECTOR, ".tqa-text").text.split()) for card in cards]
    assert sorted(shown) == sorted(" ".join(p.text.split()) for p in expected)


def test_a_word_that_does_not_occur_is_said_so_without_any_passage(page):
    results = look_up(page, "Маркс")

    assert results.text == "«Маркс» құжаттарда кездеспейді."
    assert not results.find_elements(By.CSS_SELECTOR, ".tqa-card")


def test_an_empty_lookup_asks_for_a_word(page):
    assert look_up(page, " ").text == "Іздеу өрісі бос: сөз, есім немесе жыл жазыңыз."


def test_a_lookup_of_function_words_alone_is_explained(page):
    assert "тек жалпы сөздерден тұрады" in look_up(page, "және мен").text


def test_the_interface_language_can_be_switched(page):
    page.find_element(By.CSS_SELECTOR, "#language input[value=ru]").click()

    wait(page).until(lambda p: "Вопросы по диссертации" in p.find_element(By.ID, "tqa-header").text)
    assert page.find_element(By.ID, "ask").text == "Спросить"


def test_an_uploaded_docx_can_be_asked(page, make_docx):
    path = make_docx(
        [
            ("Heading 1", "Абай туралы"),
            ("Normal", "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген."),
            ("Normal", "Ол қазақ жазба әдебиетінің негізін қалаушы, ақын және ағартушы."),
        ],
        name="abai.docx",
    )
    assert upload(page, path).startswith("✓ «abai.docx» индекстелді")
    choose(page, "document", "abai.docx")

    answer = ask(page, "Абай қай жылы туған?")

    assert cited(answer)[0] == "abai.docx"
    assert "1845" in answer.find_element(By.CSS_SELECTOR, ".tqa-card mark.answer").text


def test_uploading_the_same_file_twice_replaces_it(page, make_docx, server, server_url):
    path = make_docx([("Normal", "Екі рет жүктелген құжат туралы сынақ мәтіні.")], name="twice.docx")

    upload(page, path)
    open_page(page, server_url)  # a new session of the same browser
    upload(page, path)

    assert documents(page).count("twice.docx") == 1
    assert len(uploads_on_disk(server, "twice.docx")) == 1


def test_a_failed_upload_is_explained_and_the_thesis_stays_usable(page, tmp_path, server):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip file")

    assert "зақымдалған" in upload(page, broken)
    assert ask(page, KAZAKH_QUESTION).find_elements(By.CSS_SELECTOR, "mark.answer")
    assert uploads_on_disk(server, "broken.docx") == []


def test_script_in_an_uploaded_document_or_a_question_does_not_run(page, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "\tБұл құжатта зиянды код бар: <script>window.__pwned=1</script> скрипт.\n"
        '\tСурет те бар: <img src=x onerror="window.__pwned=2"> сурет.\n',
        encoding="utf-8",
    )
    upload(page, hostile)
    choose(page, "document", "hostile.txt")

    answer = ask(page, 'зиянды код скрипт <img src=x onerror="window.__pwned=3">')

    assert "<script>window.__pwned=1</script>" in answer.text
    question = page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=user]")[-1]
    assert '<img src=x onerror="window.__pwned=3">' in question.text
    time.sleep(0.5)  # give an injected handler the chance to fire
    assert page.execute_script("return window.__pwned") is None
    assert not page.find_elements(By.CSS_SELECTOR, "#chat script, #chat img[src=x]")


def test_the_page_requests_nothing_outside_the_server(browser, server_url):
    browser.get_log("performance")  # forget earlier pages
    open_page(browser, server_url)
    ask(browser, KAZAKH_QUESTION)

    events = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
    urls = {e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"}
    web = {url for url in urls if url.startswith(("http:", "https:", "ws:", "wss:"))}
    assert web
    assert {url for url in web if not url.split("//", 1)[1].startswith(server_url.split("//", 1)[1])} == set()


pytestmark = pytest.mark.usefixtures("server_url")
