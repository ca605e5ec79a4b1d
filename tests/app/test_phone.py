"""The page on a phone (390x844): one scrolling page, no box scrolling inside it; cards show
their text first and then where it stands; lookup, the collection and uploads
one tap away from the top. Also the README's screenshots, desktop and phone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

import pytest
from pages import KAZAKH_QUESTION, ask, look_up, open_page, pin, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
# The nearest ancestor that scrolls its own content (a box inside the page), if any.
SCROLLING_ANCESTOR = """
for (let el = arguments[0].parentElement; el && el !== document.body; el = el.parentElement) {
  const overflow = getComputedStyle(el).overflowY;
  if ((overflow === "auto" || overflow === "scroll") && el.scrollHeight > el.clientHeight + 1) {
    return el.id || el.className || el.tagName;
  }
}
return null;
"""
IN_VIEW = """
const r = arguments[0].getBoundingClientRect();
return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;
"""


@contextmanager
def screen(browser: WebDriver, metrics: dict[str, object]) -> Iterator[WebDriver]:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield browser
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture
def phone(browser, server_url):
    with screen(browser, PHONE):
        yield open_page(browser, server_url)


def reachable_by_scrolling_the_page(page: WebDriver, element: WebElement) -> bool:
    """No box scrolls around `element`, and scrolling the page brings it into view."""
    if page.execute_script(SCROLLING_ANCESTOR, element) is not None:
        return False
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    return page.execute_script(IN_VIEW, element)


def test_the_question_box_the_first_card_and_the_lookup_field_need_no_nested_scroll(phone):
    answer = ask(phone, KAZAKH_QUESTION)
    question = phone.find_element(By.CSS_SELECTOR, "#question textarea")
    first_text = answer.find_element(By.CSS_SELECTOR, ".tqa-card .tqa-text")
    lookup = phone.find_element(By.CSS_SELECTOR, "#lookup textarea, #lookup input")

    for element in (question, first_text, lookup):
        assert phone.execute_script(SCROLLING_ANCESTOR, element) is None
        assert reachable_by_scrolling_the_page(phone, element)
    assert phone.execute_script("return document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_the_question_box_stays_on_screen_while_reading(phone):
    for question in (KAZAKH_QUESTION, "Саяси модернизация дегеніміз не?"):
        ask(phone, question)
    phone.execute_script("window.scrollTo(0, document.body.scrollHeight / 3)")

    assert phone.execute_script(IN_VIEW, phone.find_element(By.CSS_SELECTOR, "#question textarea"))


def test_a_card_shows_its_text_first_and_then_where_it_stands(phone):
    card = ask(phone, KAZAKH_QUESTION).find_element(By.CSS_SELECTOR, ".tqa-card")
    text = card.find_element(By.CSS_SELECTOR, ".tqa-text")
    where = card.find_element(By.CSS_SELECTOR, ".tqa-where")

    assert text.rect["y"] + text.rect["height"] <= where.rect["y"]
    assert card.find_element(By.CSS_SELECTOR, "button.tqa-pin").is_displayed()


@pytest.mark.parametrize(("link", "field"), [(1, "#lookup textarea, #lookup input"), (3, "#upload")])
def test_the_menu_at_the_top_leads_to_lookup_and_uploads(phone, link, field):
    ask(phone, KAZAKH_QUESTION)
    phone.execute_script("window.scrollTo(0, 0)")

    phone.find_elements(By.CSS_SELECTOR, "#tqa-nav a")[link].click()

    target = phone.find_element(By.CSS_SELECTOR, field)
    wait(phone).until(lambda p: target.is_displayed() and p.execute_script(IN_VIEW, target))


def test_the_readme_screenshots(browser, server_url):
    """The page as the README shows it: an answer, a lookup, a pinned passage (desktop), and
    an answer on a phone. THESIS_QA_SCREENSHOTS=docs writes docs/screenshot.png and
    docs/screenshot-phone.png."""
    folder = os.environ.get("THESIS_QA_SCREENSHOTS")
    with screen(browser, DESKTOP):
        page = open_page(browser, server_url)
        answer = ask(page, KAZAKH_QUESTION)
        pin(page, answer, 0)
        look_up(page, "Хантингтон")
        assert answer.find_elements(By.CSS_SELECTOR, "mark.answer")
        if folder:
            save(page, Path(folder) / "screenshot.png")
    with screen(browser, PHONE):
        page = open_page(browser, server_url)
        answer = ask(page, KAZAKH_QUESTION)
        assert answer.find_elements(By.CSS_SELECTOR, "mark.answer")
        if folder:
            save(page, Path(folder) / "screenshot-phone.png")


def save(page: WebDriver, path: Path) -> None:
    """A PNG of what the screen shows, reduced to 256 colours to stay small."""
    from PIL import Image

    time.sleep(1.0)  # let the scroll to the answer and the pin's notice settle
    image = Image.open(BytesIO(page.get_screenshot_as_png())).convert("RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=256).save(path, optimize=True)
