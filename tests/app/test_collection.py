"""A lecturer's collection in a real browser: passages pinned from several answers and a lookup,
reordered and removed one by one, exported as Word and Markdown with their references; the
export reaches its owner's page only."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import docx
import pytest
from conftest import queue_call
from pages import (
    KAZAKH_QUESTION,
    as_new_person,
    ask,
    change_pin,
    clear_collection,
    collection_items,
    look_up,
    pin,
    pinned_count,
    wait,
)
from selenium.webdriver.common.by import By

RUSSIAN_QUESTION = "Что такое политическая модернизация?"
LOOKED_UP = "Хантингтон"
LOOKUP_HEADING = f"Іздеу: «{LOOKED_UP}»"  # a lookup's pin, in the interface's language


def download(page, downloads: Path, button: str, name: str) -> Path:
    """Press a download button of the collection and return the file the browser saved."""
    saved = downloads / name
    saved.unlink(missing_ok=True)
    page.find_element(By.ID, button).click()
    wait(page).until(lambda _: saved.is_file() and saved.stat().st_size > 0)
    return saved


def card_texts(answer) -> list[str]:
    return [text.text for text in answer.find_elements(By.CSS_SELECTOR, ".tqa-card .tqa-text")]


@pytest.fixture(scope="module")
def collected(browser, server_url):
    """The page of a new person after pinning the best passage of a Kazakh answer, the two
    best others of a Russian one (a follow-up may bring the first again) and the first passage
    holding a name, removing the second Russian one and moving the lookup's passage up above
    the Russian one. Made once for the tests that only read or export it (none changes it)."""
    page = as_new_person(browser, server_url)
    kazakh = ask(page, KAZAKH_QUESTION)
    pin(page, kazakh, 0)
    russian = ask(page, RUSSIAN_QUESTION)
    others = [i for i, text in enumerate(card_texts(russian)) if text != card_texts(kazakh)[0]]
    pin(page, russian, others[0])
    pin(page, russian, others[1])
    pin(page, look_up(page, LOOKED_UP), 0)
    assert [item.find_element(By.CSS_SELECTOR, ".tqa-head").text for item in collection_items(page)] == [
        KAZAKH_QUESTION, RUSSIAN_QUESTION, RUSSIAN_QUESTION, LOOKUP_HEADING
    ]  # fmt: skip
    change_pin(page, 2, "remove")
    change_pin(page, 2, "up")
    return page


def test_pins_are_listed_in_the_order_the_lecturer_chose(collected):
    items = collection_items(collected)

    assert [item.find_element(By.CSS_SELECTOR, ".tqa-head").text for item in items] == [
        KAZAKH_QUESTION, LOOKUP_HEADING, RUSSIAN_QUESTION
    ]  # fmt: skip
    assert pinned_count(collected) == 3
    assert "Хантингтон" in items[1].find_element(By.TAG_NAME, "strong").text
    assert "thesis_kk.txt" in items[0].find_element(By.CSS_SELECTOR, ".tqa-ref").text


def test_the_collection_is_exported_as_word_with_headings_quotes_bold_answers_and_references(collected, downloads):
    saved = download(collected, downloads, "download-docx", "thesis-qa-collection.docx")

    paragraphs = docx.Document(io.BytesIO(saved.read_bytes())).paragraphs
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    index = "Есімдер көрсеткіші"  # the index of names comes last
    assert headings == [KAZAKH_QUESTION, LOOKUP_HEADING, RUSSIAN_QUESTION, index]
    quotes = [i for i, p in enumerate(paragraphs) if p.style.name == "Quote"]
    assert len(quotes) == 3
    bold = ["".join(run.text for run in paragraphs[at].runs if run.bold) for at in quotes]
    assert all(bold)
    for at in quotes:
        reference = paragraphs[at + 1].text.splitlines()
        assert reference[0] == "Құжат: thesis_kk.txt"
        assert any(line.startswith("Бөлім: ") for line in reference)
        assert any(line.startswith("Абзац: ") for line in reference)
        assert reference[-1].startswith("Сұрақ: ")
    assert "тәртіптің белгілеріне" in bold[0] and len(bold[0]) < len(paragraphs[quotes[0]].text)  # the answer only
    assert bold[1].startswith("Хантингтон")


def test_the_collection_is_exported_as_markdown_with_the_same_references(collected, downloads):
    markdown = download(collected, downloads, "download-md", "thesis-qa-collection.md").read_text(encoding="utf-8")

    assert markdown.startswith("# Диссертациядан үзінділер\n")
    assert [line[3:] for line in markdown.splitlines() if line.startswith("## ")] == [
        KAZAKH_QUESTION, LOOKUP_HEADING, RUSSIAN_QUESTION
    ]  # fmt: skip
    assert markdown.count("- Құжат: thesis_kk.txt") == 3
    assert markdown.count("**") >= 6  # every quote has its answer in bold
    assert f"- Сұрақ: {KAZAKH_QUESTION}" in markdown


def test_the_collection_stays_with_its_owner_across_pages(collected, server_url):
    from pages import open_page

    open_page(collected, server_url)

    assert pinned_count(collected) == 3
    assert len(collection_items(collected)) == 3


def test_an_export_is_never_written_on_the_server_nor_given_to_another_owner(collected, downloads, server):
    download(collected, downloads, "download-docx", "thesis-qa-collection.docx")

    temp = Path(server.env["GRADIO_TEMP_DIR"])
    assert [p for p in temp.rglob("*") if p.suffix in (".docx", ".md")] == []
    stranger = secrets.token_urlsafe(32)
    for api_name in ("ui_export_markdown", "ui_export_docx"):
        done = queue_call(server.url, api_name, ["kk"], cookie=stranger)
        assert done["success"] and done["output"]["data"][0] == ""  # no file: the stranger has no collection


def test_a_card_token_copied_into_another_session_pins_nothing(page, server):
    clear_collection(page)
    token = look_up(page, LOOKED_UP).find_element(By.CSS_SELECTOR, "button.tqa-pin").get_attribute("value")
    stranger = secrets.token_urlsafe(32)

    queue_call(server.url, "ui_pin", [None, "kk"], cookie=stranger, event_data={"index": 0, "value": token})

    done = queue_call(server.url, "ui_export_markdown", ["kk"], cookie=stranger)
    assert done["output"]["data"][0] == ""
    assert pinned_count(page) == 0


def test_the_closest_passages_of_an_unanswered_question_can_be_pinned_too(page, server_url):
    as_new_person(page, server_url)
    folded = ask(page, "Футболдан әлем чемпионы кім?").find_element(By.CSS_SELECTOR, "details.tqa-closest")
    folded.find_element(By.TAG_NAME, "summary").click()

    pin(page, folded, 0)

    assert len(collection_items(page)) == 1


def test_pinning_a_passage_twice_keeps_one_copy(page):
    clear_collection(page)
    found = look_up(page, LOOKED_UP)
    pin(page, found, 0)

    found.find_elements(By.CSS_SELECTOR, "button.tqa-pin")[0].click()

    status = page.find_element(By.ID, "pin-status")
    wait(page).until(lambda _: "жинақта бар" in status.get_attribute("textContent"))
    assert pinned_count(page) == 1
