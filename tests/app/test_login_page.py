"""The login page, ours (Gradio's is English only): in the browser's language or the one
chosen on it, every word in that language, refusals said and announced, axe-core clean in
kk/ru/en, and every tap target at least 44x44 px on a phone."""

from __future__ import annotations

import re

import pytest
from conftest import chromium, library_copy, running_server
from pages import on_screen, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from test_accessibility import EVERY_WORD, NAMES, serious_violations
from test_reading import TAP_TARGETS

from thesis_qa.service.accounts import Accounts, UsersFile
from thesis_qa_app.texts import TEXTS, error_text

NAME, PASSWORD = "aigerim", "Абай-1845-ақын"


@pytest.fixture(scope="module")
def login_server(tmp_path_factory, server):
    """A server with one account, over a copy of the main server's library."""
    tmp = tmp_path_factory.mktemp("login-server")
    settings = library_copy(server, tmp)
    Accounts(UsersFile(tmp / "index" / "users.json")).add(NAME, PASSWORD)
    with running_server(tmp, **settings) as started:
        yield started


@pytest.fixture
def visitor(tmp_path):
    """A fresh Chromium (Kazakh first in its Accept-Language), not logged in."""
    driver = chromium(tmp_path / "profile", tmp_path / "downloads")
    yield driver
    driver.quit()


def login_page(page, url: str, lang: str = "") -> None:
    page.get(url + (f"?lang={lang}" if lang else ""))
    wait(page).until(lambda p: p.find_elements(By.ID, "login-form"))


def submit(page, name: str, password: str) -> None:
    page.find_element(By.ID, "username").send_keys(name)
    page.find_element(By.ID, "password").send_keys(password + Keys.ENTER)


@pytest.mark.parametrize(("accept", "lang"), [("kk-KZ,kk", "kk"), ("ru-RU,ru;q=0.9,en;q=0.5", "ru"), ("en-GB", "en")])
def test_the_login_page_speaks_the_browsers_language(visitor, login_server, accept, lang):
    visitor.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": "Chromium", "acceptLanguage": accept})

    login_page(visitor, login_server.url)

    assert visitor.execute_script("return document.documentElement.lang") == lang
    assert visitor.find_element(By.CSS_SELECTOR, "label[for=password]").text == TEXTS["login_password"][lang]
    assert visitor.find_element(By.CSS_SELECTOR, "#login-form button").text == TEXTS["login_submit"][lang]


def test_a_wrong_password_is_said_in_the_chosen_language_and_announced(visitor, login_server):
    login_page(visitor, login_server.url)
    visitor.find_element(By.CSS_SELECTOR, "#login-language a[lang=ru]").click()
    wait(visitor).until(lambda p: p.execute_script("return document.documentElement.lang") == "ru")

    submit(visitor, NAME, "не-её-пароль")

    said = visitor.find_element(By.ID, "login-error")
    wait(visitor, 30).until(lambda _: said.text == error_text("ru", "login_wrong", {}))
    assert said.get_attribute("role") == "alert"
    assert visitor.find_element(By.ID, "password").get_attribute("aria-invalid") == "true"
    assert visitor.switch_to.active_element.get_attribute("id") == "password"
    assert not visitor.find_elements(By.ID, "tqa-header")


def test_an_empty_form_is_not_sent_and_says_what_is_missing(visitor, login_server):
    login_page(visitor, login_server.url, "en")

    visitor.find_element(By.CSS_SELECTOR, "#login-form button").click()

    assert visitor.find_element(By.ID, "login-error").text == TEXTS["login_missing"]["en"]
    assert visitor.switch_to.active_element.get_attribute("id") == "username"


def test_the_right_password_opens_the_app_in_the_language_chosen_at_login(visitor, login_server):
    login_page(visitor, login_server.url, "ru")  # a Kazakh browser; Russian chosen on the page

    submit(visitor, NAME, PASSWORD)

    wait(visitor).until(lambda p: p.find_elements(By.ID, "tqa-header"))
    wait(visitor).until(lambda p: NAME in p.find_element(By.ID, "tqa-header").text)
    wait(visitor).until(lambda p: p.find_element(By.ID, "ask").text == TEXTS["ask"]["ru"])
    visitor.get(login_server.url + "logout")
    wait(visitor).until(lambda p: p.find_elements(By.ID, "login-form"))


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_login_page_has_no_accessibility_violation_above_minor(visitor, login_server, axe_source, lang):
    login_page(visitor, login_server.url, lang)
    submit(visitor, NAME, "wrong")  # with its refusal shown
    wait(visitor, 30).until(lambda p: p.find_element(By.ID, "login-error").text.strip(". …"))

    assert serious_violations(visitor, axe_source, worst=("moderate", "serious", "critical")) == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_kazakh_and_russian_login_pages_hold_no_english_word(visitor, login_server, lang):
    login_page(visitor, login_server.url, lang)
    submit(visitor, NAME, "wrong")
    wait(visitor, 30).until(lambda p: p.find_element(By.ID, "login-error").text == error_text(lang, "login_wrong", {}))
    visitor.execute_script("document.getElementById('login-language').id = 'language'")  # named in its own language

    words = set(re.findall(r"[A-Za-z]{2,}", visitor.execute_script(EVERY_WORD) + visitor.title))

    assert words - NAMES == set()


def test_every_tap_target_of_the_login_page_is_at_least_44_px_on_a_phone(visitor, login_server):
    on_screen(visitor, 390, 844)
    login_page(visitor, login_server.url)

    seen = visitor.execute_script(TAP_TARGETS)

    assert len(seen) >= 6  # two fields, the button, three languages
    assert [target for target in seen if min(target[2:]) < 44] == []
    assert visitor.execute_script("return document.documentElement.scrollWidth <= innerWidth")
