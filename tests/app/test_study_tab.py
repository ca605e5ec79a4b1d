"""The index of names, works and terms in a real browser: the tab lists them A–Я with counts,
the filter narrows the list, an entry opens its passages with the name marked, a passage is
pinned and exported, and the .docx ends with an index of names; on a phone too."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from pages import as_new_person, ask, on_screen, pin, pinned_count, show_tab, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

PERSON = "Хантингтон С."


LISTED = """
return Array.from(document.querySelectorAll("#study-list ul")).map(
  (list) => Array.from(list.querySelectorAll("button.tqa-entry")).map((b) => b.innerText.trim()));
"""
# Click the entry whose title starts so (read and clicked at once: the list may be redrawn).
CLICK = """
const button = Array.from(document.querySelectorAll("#study-list button.tqa-entry"))
  .find((b) => b.innerText.trim().startsWith(arguments[0]));
if (button) button.click();
return Boolean(button);
"""


def entries(page, kind: int = 0) -> list[str]:
    """The entries listed under the tab's `kind`-th heading (0 names, 1 works, 2 terms)."""
    lists = page.execute_script(LISTED)
    return lists[kind] if len(lists) > kind else []


def open_index(page):
    show_tab(page, "study")
    wait(page).until(lambda p: any(e.startswith(PERSON) for e in entries(p)))


def narrow(page, words: str) -> None:
    box = page.find_element(By.CSS_SELECTOR, "#study-filter textarea, #study-filter input")
    box.clear()
    box.send_keys(words + Keys.TAB)
    wait(page).until(lambda p: all(words.casefold() in e.casefold() for e in entries(p)))


def open_entry(page, title_start: str):
    results = page.find_element(By.ID, "study-results")
    assert page.execute_script(CLICK, title_start)
    wait(page).until(lambda _: title_start in results.text and results.find_elements(By.CSS_SELECTOR, ".tqa-card"))
    return results


def test_the_tab_lists_names_works_and_terms_with_counts(page):
    open_index(page)

    names = entries(page, 0)
    assert names == sorted(names, key=str.casefold)  # A–Я
    assert f"{PERSON} (2)" in names and any(e.startswith("Пай Л.") for e in names)
    assert any("Өзгеруші қоғамдағы саяси тәртіп" in e and "1968" in e for e in entries(page, 1))
    assert any(e.lower().startswith("саяси модернизация") for e in entries(page, 2))


def test_filter_open_pin_and_export_an_entry(page, downloads: Path):
    open_index(page)
    narrow(page, "Хантинг")
    assert entries(page, 0) == [f"{PERSON} (2)"]

    results = open_entry(page, PERSON)
    cards = results.find_elements(By.CSS_SELECTOR, ".tqa-card")
    assert len(cards) == 2
    assert all("Хантингтон" in card.find_element(By.CSS_SELECTOR, ".tqa-text").text for card in cards)
    before = pinned_count(page)
    pin(page, results, 0)
    assert pinned_count(page) == before + 1

    show_tab(page, "collection")
    saved = downloads / "thesis-qa-collection.docx"
    saved.unlink(missing_ok=True)
    page.find_element(By.ID, "download-docx").click()
    wait(page).until(lambda _: saved.is_file() and saved.stat().st_size > 0)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(saved.read_bytes())).paragraphs]
    index = paragraphs[paragraphs.index("Есімдер көрсеткіші") + 1 :]
    assert f"{PERSON} — 1" in index and index == sorted(index, key=str.casefold)  # every name of the excerpt, A–Я


def test_a_term_opens_its_defining_sentence_marked(page):
    open_index(page)
    narrow(page, "феномен")
    results = open_entry(page, "Модернизация феномені")
    marked = results.find_element(By.CSS_SELECTOR, ".tqa-card .tqa-text mark, .tqa-card .tqa-text strong").text
    assert "Модернизация" in marked and "механизмі" in marked


def test_a_what_is_question_shows_the_thesis_own_definition_first(page):
    answer = ask(page, "Модернизация феномені дегеніміз не?")

    first = answer.find_element(By.CSS_SELECTOR, ".tqa-card")
    assert first.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, ".tqa-head").text.startswith("Анықтама:")
    assert "Модернизация феномені – бұл" in first.text
    assert first.find_elements(By.CSS_SELECTOR, "button.tqa-pin")


def test_the_api_gives_the_index_of_names_and_the_glossary(client):
    names = client.predict("", api_name="/names")
    huntington = next(entry for entry in names if entry["name"] == PERSON)
    assert huntington["kind"] == "person" and set(huntington["forms"]) == {"С.Хантингтонның", "С.Хантингтон"}
    assert all(set(place) == {"id", "page"} for place in huntington["passages"])
    assert any(entry["kind"] == "work" and entry["year"] == "1968" for entry in names)
    assert client.predict("no-such-document.txt", api_name="/names") == []

    glossary = client.predict("thesis_kk.txt", api_name="/glossary")
    defined = [entry for entry in glossary if entry["term"].lower() == "саяси модернизация"]
    assert len(defined) == 2 and all(entry["passage"]["id"].startswith("thesis_kk.txt#") for entry in defined)


@pytest.mark.parametrize("width, height", [(390, 844)])
def test_on_a_phone_the_index_fits_the_screen_and_opens(browser, server_url, width, height):
    on_screen(browser, width, height)
    try:
        page = as_new_person(browser, server_url)
        open_index(page)
        results = open_entry(page, PERSON)
        assert page.execute_script("return document.documentElement.scrollWidth") <= width
        button = results.find_element(By.CSS_SELECTOR, "button.tqa-pin")
        assert button.size["height"] >= 24 and button.is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
