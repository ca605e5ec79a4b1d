"""The page in a real headless Chromium: students ask, lecturers pin and export, anyone
uploads a document of their own; nothing a document or a question holds ever runs as code."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import uploads_on_disk
from pages import KAZAKH_QUESTION, ask, choose, cited, documents, look_up, open_page, upload, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec


def test_a_kazakh_question_shows_the_answering_sentence_marked(page):
    answer = ask(page, KAZAKH_QUESTION)

    marked = answer.find_elements(By.CSS_SELECTOR, "mark.answer")
    assert any("Кулик" in mark.text for mark in marked)
    first_card = answer.find_element(By.CSS_SELECTOR, ".tqa-card")
    assert "¶ 21" in first_card.text
    assert "1.1. Саяси модернизация теориялары мен типтері" in first_card.text
    assert "сенімділік" in first_card.text  # the interface follows the browser's Kazakh
    if os.environ.get("THESIS_QA_SCREENSHOT"):
        save_screenshot(page, Path(os.environ["THESIS_QA_SCREENSHOT"]))


def test_a_russian_question_is_answered_in_russian_from_the_kazakh_thesis(page):
    answer = ask(page, "Что такое политическая модернизация?")

    assert answer.find_elements(By.CSS_SELECTOR, "mark.answer")
    assert "Наиболее подходящие фрагменты: 3" in answer.text
    assert "модернизация" in answer.find_element(By.CSS_SELECTOR, "mark.answer").text.lower()


def test_the_text_around_a_passage_is_one_click_away(page):
    answer = ask(page, KAZAKH_QUESTION)
    context = answer.find_element(By.CSS_SELECTOR, ".tqa-card details")
    assert not context.find_element(By.TAG_NAME, "p").is_displayed()

    context.find_element(By.TAG_NAME, "summary").click()

    assert "Алдында:" in context.text
    assert context.find_element(By.TAG_NAME, "p").is_displayed()


def test_an_empty_question_gets_a_kind_message(page):
    answer = ask(page, "   ")

    assert "Сұрақ бос сияқты" in answer.text


def test_quick_lookup_marks_the_name_in_its_inflected_form(page):
    results = look_up(page, "Хантингтон")

    wait(page).until(lambda _: results.find_elements(By.CSS_SELECTOR, "mark.term"))
    assert "Хантингтонның" in [mark.text for mark in results.find_elements(By.CSS_SELECTOR, "mark.term")]


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


def test_pinned_passages_are_exported_as_markdown_with_references(page, downloads):
    page.find_element(By.ID, "clear").click()  # the collection is kept with its owner: start afresh
    ask(page, KAZAKH_QUESTION)
    labels = page.find_elements(By.CSS_SELECTOR, "#pins label")
    labels[0].click()
    labels[1].click()
    page.find_element(By.ID, "pin").click()

    collection = page.find_element(By.CSS_SELECTOR, "#collection textarea")
    wait(page).until(lambda _: "## 2." in collection.get_attribute("value"))
    markdown = collection.get_attribute("value")
    assert "- Құжат: thesis_kk.txt" in markdown
    assert "- Бөлім: МОДЕРНИЗАЦИЯ ПРОЦЕСТЕРІН ЗЕРТТЕУДІҢ ТЕОРИЯЛЫҚ НЕГІЗДЕРІ › 1.1." in markdown
    assert "- Абзац: 21" in markdown
    assert f"- Сұрақ: {KAZAKH_QUESTION}" in markdown

    page.find_element(By.ID, "download").click()
    exported = downloads / "thesis-qa-collection.md"
    wait(page).until(lambda _: exported.is_file() and exported.read_text(encoding="utf-8").count("- Сұрақ:") == 2)
    assert "**" in exported.read_text(encoding="utf-8")  # the answering sentence in bold


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


def test_on_a_phone_the_columns_stack_and_the_chat_input_shows(browser, server_url):
    metrics = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        browser.get(server_url)
        question = wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#question textarea")))
        chat = browser.find_element(By.ID, "chat")
        document = browser.find_element(By.ID, "document")
        assert question.rect["x"] >= 0
        assert question.rect["x"] + question.rect["width"] <= 390
        assert chat.rect["width"] > 300
        assert document.rect["y"] > question.rect["y"]  # the side column sits below the chat
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_page_requests_nothing_outside_the_server(browser, server_url):
    browser.get_log("performance")  # forget earlier pages
    open_page(browser, server_url)
    ask(browser, KAZAKH_QUESTION)

    events = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
    urls = {e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"}
    web = {url for url in urls if url.startswith(("http:", "https:", "ws:", "wss:"))}
    assert web
    assert {url for url in web if not url.split("//", 1)[1].startswith(server_url.split("//", 1)[1])} == set()


def save_screenshot(page: WebDriver, path: Path) -> None:
    """A 1280x900 PNG of the page, reduced to 256 colours to stay small."""
    from io import BytesIO

    from PIL import Image

    page.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        page.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.5)
        image = Image.open(BytesIO(page.get_screenshot_as_png())).convert("RGB")
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=256).save(path, optimize=True)


pytestmark = pytest.mark.usefixtures("server_url")
