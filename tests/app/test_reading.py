"""What a student reads, on a phone (390x844) and a desktop (1366x900): every card's whole
reference at any width, the document filter in sight and lifted in one tap (and lifted with a
note when its upload expires or is removed in another tab while the page is open), pins confirmed
aloud, a collection that is cleared only when asked twice and can be put back, long pasted
questions, the chat kept across a reload (each page, a browser tab, its own), and every tap
target at least 44x44 px on a phone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import Server, queue_call, uploads_on_disk
from pages import (
    KAZAKH_QUESTION,
    as_new_person,
    ask,
    choose,
    choose_file,
    cited,
    clear_collection,
    collection_items,
    documents,
    look_up,
    on_screen,
    open_page,
    options,
    pin,
    pinned_count,
    show_tab,
    tap,
    upload,
    wait,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from test_intake import large_text
from uploads import made_with_another_model

from thesis_qa.limits import MAX_QUESTION_CHARS
from thesis_qa_app.identity import COOKIE
from thesis_qa_app.texts import ERRORS, TEXTS
from thesis_qa_app.ui import PAGE_ID as OPENING_PAGE_ID

# Is the whole of an element inside another one's box, and does the other one show all its content?
WHOLLY_INSIDE = """
const [part, box] = [arguments[0].getBoundingClientRect(), arguments[1].getBoundingClientRect()];
return part.width > 0 && part.left >= box.left - 0.5 && part.right <= box.right + 0.5
  && part.top >= box.top - 0.5 && part.bottom <= box.bottom + 0.5
  && arguments[1].scrollWidth <= arguments[1].clientWidth + 1;
"""
# Is an element drawn (not a 1 px clip for screen readers only) and wholly on the screen?
ON_SCREEN = """
const r = arguments[0].getBoundingClientRect();
return r.width > 40 && r.height > 10 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
"""
REFERENCE_PARTS = (".tqa-place", ".tqa-para", ".tqa-doc", ".tqa-confidence")
PARAGRAPH = (
    "Саяси модернизация дәстүрлі қоғамнан қазіргі қоғамға өту барысында саяси жүйенің өзгеруін білдіреді. "
    "Бұл үдеріс экономикалық, әлеуметтік және мәдени өзгерістермен тығыз байланысты. "
)


def whole(page: WebDriver, part: WebElement, box: WebElement) -> bool:
    return page.execute_script(WHOLLY_INSIDE, part, box)


def paste(page: WebDriver, text: str) -> WebElement:
    """Put `text` in the question box as a paste would (at once, not key by key), send it and
    return the answer."""
    box = page.find_element(By.CSS_SELECTOR, "#question textarea")
    page.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}))", box, text
    )
    answers = len(page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]"))
    box.send_keys(Keys.END, Keys.ENTER)
    wait(page).until(lambda p: len(p.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")) > answers)
    return page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")[-1]


def asked(page: WebDriver) -> WebElement:
    """The last question as the chat shows it."""
    return page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=user]")[-1]


@pytest.mark.parametrize("width", [320, 390, 768, 1024, 1366, 1920])
def test_every_card_shows_its_whole_reference_at_any_width(browser, server_url, width):
    on_screen(browser, width, 900)
    try:
        page = as_new_person(browser, server_url)
        answer = ask(page, KAZAKH_QUESTION)
        cards = answer.find_elements(By.CSS_SELECTOR, ".tqa-card:has(.tqa-rank)")
        looked_up = look_up(page, "Хантингтон").find_elements(By.CSS_SELECTOR, ".tqa-card")

        assert len(cards) == 3 and looked_up
        for card in cards + looked_up:
            where = card.find_element(By.CSS_SELECTOR, ".tqa-where")
            parts = [card.find_elements(By.CSS_SELECTOR, f".tqa-where {part}") for part in REFERENCE_PARTS]
            expected = REFERENCE_PARTS if card in cards else REFERENCE_PARTS[:3]
            assert all(parts[: len(expected)]), card.text
            for found in parts[: len(expected)]:
                page.execute_script("arguments[0].scrollIntoView({block: 'center'})", found[0])
                assert whole(page, found[0], where), (width, found[0].text)
                assert whole(page, where, card)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_chosen_document_is_shown_by_the_question_box_and_the_lookup_field_and_searching_everything_is_one_tap(
    screen_page, make_docx
):
    page = screen_page
    path = make_docx([("Normal", "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.")], name="abai.docx")
    assert upload(page, path).startswith("✓ «abai.docx» индекстелді")
    mine = page.find_element(By.ID, "mine")  # labelled, not "Dropdown"
    assert mine.find_element(By.CSS_SELECTOR, "[data-testid=block-info]").text == "Менің құжаттарым"
    assert mine.find_element(By.TAG_NAME, "input").get_attribute("aria-label") == "Менің құжаттарым"
    choose(page, "document", "abai.docx")

    chat_filter = page.find_element(By.ID, "chat-filter")
    wait(page).until(lambda _: "abai.docx" in chat_filter.text)
    assert "abai.docx" in page.find_element(By.ID, "lookup-filter").get_attribute("textContent")

    refused = look_up(page, "Хантингтон")
    assert refused.text.startswith("«Хантингтон» «abai.docx» құжатында кездеспейді")
    tap(page, refused.find_element(By.CSS_SELECTOR, "button.tqa-unfilter"))
    wait(page).until(lambda _: "үзіндіде кездеседі" in refused.text)
    assert refused.find_elements(By.CSS_SELECTOR, ".tqa-card")
    wait(page).until(lambda _: not chat_filter.text)

    choose(page, "document", "abai.docx")
    wait(page).until(lambda _: "abai.docx" in chat_filter.text)
    answer = ask(page, KAZAKH_QUESTION)
    assert answer.text.startswith("«abai.docx» құжатында бұл сұраққа жауап жоқ")
    tap(page, answer.find_element(By.CSS_SELECTOR, "button.tqa-unfilter"))
    wait(page).until(lambda p: "thesis_kk.txt" in p.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")[-1].text)
    again = page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")[-1]
    assert "Кулик" in again.find_element(By.CSS_SELECTOR, ".tqa-card .tqa-text").text
    assert not chat_filter.text

    choose(page, "document", "abai.docx")
    wait(page).until(lambda _: "abai.docx" in chat_filter.text)
    tap(page, chat_filter.find_element(By.CSS_SELECTOR, "button.tqa-unfilter"))
    wait(page).until(lambda _: not chat_filter.text)
    show_tab(page, "documents")
    assert page.find_element(By.CSS_SELECTOR, "#document input").get_attribute("value") == "Барлық құжаттар"


def test_an_upload_that_expires_while_the_page_is_open_gives_way_to_all_documents(page, server, tmp_path):
    path = tmp_path / "expiring-notes.txt"
    path.write_text("Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.", encoding="utf-8")
    assert upload(page, path).startswith("✓")
    for plain in ("document", "mine"):  # lists to pick from: nothing to type, no keyboard on a phone
        assert page.find_element(By.CSS_SELECTOR, f"#{plain} input").get_attribute("readonly") is not None
    choose(page, "document", "expiring-notes.txt")
    chat_filter = page.find_element(By.ID, "chat-filter")
    wait(page).until(lambda _: "expiring-notes.txt" in chat_filter.text)

    [folder] = uploads_on_disk(server, "expiring-notes.txt")
    record = json.loads((folder / "upload.json").read_text(encoding="utf-8"))
    record["created"] -= 10 * 86400  # past its lifetime: the server's own expiry deletes it
    (folder / "upload.json").write_text(json.dumps(record), encoding="utf-8")
    ask(page, "Абай қашан туған?")

    gone = TEXTS["filter_gone"]["kk"].format(doc="expiring-notes.txt")
    wait(page).until(lambda _: chat_filter.text == gone)
    assert gone in page.find_element(By.ID, "lookup-filter").get_attribute("textContent")
    show_tab(page, "documents")
    assert page.find_element(By.CSS_SELECTOR, "#document input").get_attribute("value") == TEXTS["all_documents"]["kk"]
    answer = ask(page, KAZAKH_QUESTION)  # asked of every document, never refused by Gradio
    assert "Кулик" in answer.find_element(By.CSS_SELECTOR, ".tqa-card .tqa-text").text
    assert not page.find_elements(By.CSS_SELECTOR, "[data-testid=toast-body]")
    assert "expiring-notes.txt" not in documents(page)


def remove_in_another_tab(page: WebDriver, server_url: str, name: str) -> None:
    """Remove the upload `name` from another tab of the same browser (the same owner), then
    come back to this one, which still has it chosen."""
    first = page.current_window_handle
    page.switch_to.new_window("tab")
    try:
        open_page(page, server_url)
        choose(page, "mine", name)
        tap(page, page.find_element(By.ID, "remove"))
        wait(page).until(lambda p: p.find_element(By.ID, "upload-message").text.startswith(f"✓ «{name}»"))
    finally:
        page.close()
        page.switch_to.window(first)


def remove_elsewhere(page: WebDriver, server: Server, name: str) -> None:
    """Remove the upload `name` as another computer of the same person would (this page is
    neither hidden nor shown again, so it still has it chosen)."""
    [folder] = uploads_on_disk(server, name)
    token = next(c["value"] for c in page.get_cookies() if c["name"] == COOKIE)
    assert queue_call(server.url, "ui_remove", [f"u:{folder.name}", "kk"], cookie=token)["success"]


def uploaded_and_chosen(page: WebDriver, path: Path) -> WebElement:
    """Upload `path`, choose it as the document filter and in "My uploads"; the chat's filter."""
    path.write_text("Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.", encoding="utf-8")
    assert upload(page, path).startswith("✓")
    choose(page, "document", path.name)
    choose(page, "mine", path.name)
    chat_filter = page.find_element(By.ID, "chat-filter")
    wait(page).until(lambda _: path.name in chat_filter.text)
    return chat_filter


def chosen_upload(page: WebDriver) -> str:
    """What "My uploads" shows chosen."""
    show_tab(page, "documents")
    return page.find_element(By.CSS_SELECTOR, "#mine input").get_attribute("value")


@pytest.mark.parametrize("search", [ask, look_up])
def test_an_upload_removed_elsewhere_is_said_gone_and_every_document_searched(page, server, tmp_path, search):
    path = tmp_path / f"removed-elsewhere-{search.__name__}.txt"
    chat_filter = uploaded_and_chosen(page, path)

    remove_elsewhere(page, server, path.name)
    reply = search(page, KAZAKH_QUESTION if search is ask else "Хантингтон")

    gone = TEXTS["filter_gone"]["kk"].format(doc=path.name)
    assert reply.text.startswith(f"ℹ {gone}")
    assert set(cited(reply)) == {"thesis_kk.txt"}  # searched in every document, not refused
    if search is ask:
        assert "Кулик" in reply.find_element(By.CSS_SELECTOR, ".tqa-card .tqa-text").text
    else:
        assert "«Хантингтон»: 2 үзіндіде кездеседі" in reply.get_attribute("textContent")
    wait(page).until(lambda _: chat_filter.text == gone)
    show_tab(page, "documents")
    assert page.find_element(By.CSS_SELECTOR, "#document input").get_attribute("value") == TEXTS["all_documents"]["kk"]
    wait(page).until(lambda p: chosen_upload(p) == "")  # "My uploads" no longer offers it either
    assert path.name not in " ".join(options(page, "mine"))


def test_removing_an_upload_removed_elsewhere_says_it_no_longer_exists(page, server, tmp_path):
    path = tmp_path / "removed-twice.txt"
    uploaded_and_chosen(page, path)

    remove_elsewhere(page, server, path.name)
    tap(page, page.find_element(By.ID, "remove"))  # "My uploads" still shows it chosen here

    wait(page).until(lambda p: p.find_element(By.ID, "upload-message").text == "⚠ " + ERRORS["upload_unknown"]["kk"])
    assert chosen_upload(page) == "" and path.name not in " ".join(options(page, "mine"))


def test_a_page_shown_again_drops_an_upload_removed_in_another_tab(page, server_url, tmp_path):
    path = tmp_path / "removed-in-another-tab.txt"
    chat_filter = uploaded_and_chosen(page, path)

    remove_in_another_tab(page, server_url, path.name)  # nothing is being indexed: no refresh timer

    gone = TEXTS["filter_gone"]["kk"].format(doc=path.name)
    wait(page).until(lambda _: chat_filter.text == gone)  # before any question is asked
    assert chosen_upload(page) == "" and path.name not in " ".join(options(page, "mine"))
    assert path.name not in documents(page)


def reindexing_line(page: WebDriver, why: str) -> bool:
    """Whether the documents tab says, under the uploads, that one is being re-indexed (`why`, whole)."""
    show_tab(page, "documents")
    return f"⏳ {why}" in page.find_element(By.ID, "upload-jobs").text.splitlines()


def turn_held(page: WebDriver, tmp_path: Path) -> Path:
    """Start uploading a long draft (minutes of indexing, not waited for): the owner's next job
    waits behind it (thesis_qa.service.jobs)."""
    draft = tmp_path / "черновик.txt"
    draft.write_text(large_text(), encoding="utf-8")
    choose_file(page, draft)
    wait(page).until(lambda p: f"{draft.name} ⏳" in options(p, "mine"))
    return draft


def cancel(page: WebDriver, label: str) -> None:
    """Remove or cancel the first of "My uploads" whose label starts with `label`."""
    choose(page, "mine", label)
    tap(page, page.find_element(By.ID, "remove"))


@pytest.mark.parametrize("search", [ask, look_up])
def test_an_upload_indexed_with_another_model_is_reindexed_saying_so_meanwhile_then_answers(
    page, server, tmp_path, search
):
    path = tmp_path / f"another-model-{search.__name__}.txt"
    uploaded_and_chosen(page, path)
    [folder] = uploads_on_disk(server, path.name)
    draft = turn_held(page, tmp_path)
    made_with_another_model(folder)  # as the server finds it once its model changed

    why = ERRORS["upload_reindexing"]["kk"].format(name=path.name)
    wait(page).until(lambda p: reindexing_line(p, why))  # the page follows its owner's jobs every second
    listed = f"{path.name} — {TEXTS['state_upload_reindexing']['kk']}"
    assert listed in documents(page) and listed in options(page, "mine")
    query = KAZAKH_QUESTION if search is ask else "Хантингтон"
    assert why in search(page, query).text  # not "upload it again"
    assert f"{folder.name} was indexed with another model; re-indexing" in server.log.read_text()

    cancel(page, f"{draft.name} ⏳")  # its turn comes

    wait(page, 120).until(lambda p: not reindexing_line(p, why))
    assert path.name in documents(page) and listed not in documents(page)
    assert set(cited(search(page, "Абай қай жылы туған?" if search is ask else "Абай"))) == {path.name}
    assert f"{folder.name} re-indexed" in server.log.read_text()


def test_an_upload_being_reindexed_is_listed_so_in_russian_and_can_be_removed(page, server, tmp_path):
    path = tmp_path / "другая-модель.txt"
    path.write_text("Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.", encoding="utf-8")
    assert upload(page, path).startswith("✓")
    [folder] = uploads_on_disk(server, path.name)
    draft = turn_held(page, tmp_path)
    made_with_another_model(folder)

    page.find_element(By.CSS_SELECTOR, "#language input[value=ru]").click()  # the page is labelled again
    wait(page).until(lambda p: p.find_element(By.ID, "ask").text == TEXTS["ask"]["ru"])

    why = ERRORS["upload_reindexing"]["ru"].format(name=path.name)
    wait(page).until(lambda p: reindexing_line(p, why))
    listed = f"{path.name} — {TEXTS['state_upload_reindexing']['ru']}"
    assert listed in documents(page) and listed in options(page, "mine")
    shown = page.find_element(By.ID, "upload-jobs").text + " ".join(options(page, "mine"))
    assert set(re.findall(r"[A-Za-z]{2,}", shown)) <= {"txt"}  # no English on a Russian page
    cancel(page, listed)  # its re-indexing stops, and it is removed

    removed = "✓ " + TEXTS["removed"]["ru"].format(name=path.name)
    wait(page).until(lambda p: p.find_element(By.ID, "upload-message").text == removed)
    assert not reindexing_line(page, why) and path.name not in " ".join(options(page, "mine"))
    assert uploads_on_disk(server, path.name) == []
    wait(page).until(lambda p: path.name not in " ".join(documents(p)))  # the document list follows on the next tick
    cancel(page, f"{draft.name} ⏳")


def test_a_pin_is_confirmed_on_screen_and_to_screen_readers(screen_page):
    page = screen_page
    live = page.find_elements(By.CSS_SELECTOR, "#pin-status [aria-live=polite]")
    assert len(live) == 1  # there before anything is said, so what it says is announced

    pin(page, ask(page, KAZAKH_QUESTION), 0)

    status = page.find_element(By.ID, "pin-status")
    wait(page).until(lambda p: p.execute_script(ON_SCREEN, status))
    assert status.text.startswith("Жинаққа қосылды")
    assert live[0].text == status.text


def test_clearing_the_collection_asks_first_and_can_be_undone(screen_page):
    page = screen_page
    answer = ask(page, KAZAKH_QUESTION)
    pin(page, answer, 0)
    pin(page, answer, 1)
    pinned = [item.text for item in collection_items(page)]

    tap(page, page.find_element(By.ID, "clear"))
    wait(page).until(lambda p: [e for e in p.find_elements(By.ID, "clear-confirm") if e.is_displayed()])
    question = page.find_element(By.ID, "clear-confirm")
    assert "2 үзіндінің бәрін" in question.text and pinned_count(page) == 2
    tap(page, page.find_element(By.ID, "clear-no"))
    wait(page).until(lambda p: not [e for e in p.find_elements(By.ID, "clear-confirm") if e.is_displayed()])
    assert pinned_count(page) == 2

    clear_collection(page)
    assert "тазаланды (2 үзінді)" in page.find_element(By.ID, "pin-status").get_attribute("textContent")
    tap(page, page.find_element(By.ID, "undo"))
    wait(page).until(lambda p: pinned_count(p) == 2)
    assert [item.text for item in collection_items(page)] == pinned
    assert not [e for e in page.find_elements(By.ID, "undo") if e.is_displayed()]


def test_a_question_at_the_end_of_a_pasted_paragraph_is_the_one_answered(screen_page):
    page = screen_page
    text = PARAGRAPH * 8 + KAZAKH_QUESTION
    assert len(text) > MAX_QUESTION_CHARS

    answer = paste(page, text)

    question = asked(page)
    assert question.find_element(By.CSS_SELECTOR, ".tqa-note").text == KAZAKH_QUESTION
    assert f"({len(text)} таңба" in question.text and "соңғы сұрақ қойылды" in question.text
    assert "Кулик" in answer.find_element(By.CSS_SELECTOR, ".tqa-card .tqa-text").text


def test_a_long_text_without_a_question_is_shortened_and_the_page_says_where(screen_page):
    page = screen_page
    text = PARAGRAPH.replace(".", ",") * 9

    paste(page, text)

    question = asked(page)
    shown = question.find_element(By.CSS_SELECTOR, ".tqa-note").text
    assert len(shown) <= MAX_QUESTION_CHARS and text.startswith(shown) and text[len(shown)] == " "
    note = question.find_element(By.CSS_SELECTOR, ".tqa-asked-note").text
    assert f"{MAX_QUESTION_CHARS} таңбаға дейін қысқартылды" in note
    assert f"«…{' '.join(shown.split()[-6:])}»" in note


def test_the_chat_survives_a_reload_for_its_owner_only(screen_page, server_url, other_page):
    page = screen_page
    ask(page, KAZAKH_QUESTION)
    ask(page, "Ал екіншісі қандай?")
    before = [m.text for m in page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot], #chat [data-testid=user]")]

    open_page(page, server_url)

    wait(page).until(lambda p: len(p.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")) == 2)
    after = [m.text for m in page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot], #chat [data-testid=user]")]
    assert after == before
    pin(page, page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")[0], 0)  # its cards still pin
    assert not open_page(other_page, server_url).find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")


def test_two_pages_of_one_owner_each_keep_their_own_conversation(page, server_url):
    first = page.current_window_handle
    ask(page, KAZAKH_QUESTION)
    page.switch_to.new_window("tab")  # the same browser (the same owner), another tab
    try:
        open_page(page, server_url)
        assert not page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")
        ask(page, "Хантингтон кім?")

        open_page(page, server_url)  # each page, reloaded, shows its own
        wait(page).until(lambda p: questions(p) == ["Хантингтон кім?"])
        page.switch_to.window(first)
        open_page(page, server_url)
        wait(page).until(lambda p: questions(p) == [KAZAKH_QUESTION])
    finally:
        for handle in page.window_handles:
            if handle != first:
                page.switch_to.window(handle)
                page.close()
        page.switch_to.window(first)


PAGE_ID = "return sessionStorage.getItem('tqaPage')"


def test_a_duplicated_tab_gets_a_conversation_of_its_own_from_a_copy(page, server_url):
    """A page's script opens the duplicate: Chromium copies the opener's sessionStorage into a
    window a page opens, the same copy its "Duplicate tab" makes (headless Chromium has no tab
    strip to click), so the duplicate starts with the original's page id while the original
    stays open, as a duplicated tab does."""
    first = page.current_window_handle
    ask(page, KAZAKH_QUESTION)
    original = page.execute_script(PAGE_ID)
    page.execute_script("window.open(location.href, '_blank')")
    page.switch_to.window(next(h for h in page.window_handles if h != first))
    try:
        wait(page).until(lambda p: p.execute_script("return document.documentElement.dataset.tqaLang"))
        wait(page).until(lambda p: questions(p) == [KAZAKH_QUESTION])  # a copy of what it showed
        duplicate = page.execute_script(PAGE_ID)
        assert duplicate != original
        ask(page, "Хантингтон кім?")

        open_page(page, server_url)  # the duplicate, reloaded, keeps its own
        wait(page).until(lambda p: questions(p) == [KAZAKH_QUESTION, "Хантингтон кім?"])
        assert page.execute_script(PAGE_ID) == duplicate
        page.switch_to.window(first)
        open_page(page, server_url)  # and the original its own
        wait(page).until(lambda p: questions(p) == [KAZAKH_QUESTION])
        assert page.execute_script(PAGE_ID) == original
    finally:
        for handle in page.window_handles:
            if handle != first:
                page.switch_to.window(handle)
                page.close()
        page.switch_to.window(first)


# The page's own decision as it opens, as the page makes it; "not at once" if it had to wait.
DECIDE = f"const sent = ({OPENING_PAGE_ID})('auto'); return Array.isArray(sent) ? sent[1] : 'not at once'"
REMEMBER = "sessionStorage.setItem('tqaPage', arguments[0]); sessionStorage.removeItem('tqaPageLeft')"


def test_a_page_knows_at_once_whether_it_is_reloaded_or_a_duplicate(page):
    """From its tab's own storage, without asking other tabs: the page marks its id as left
    when it is hidden (a reload hides it first), so an unmarked id was copied from a page still
    open."""
    own = "a1" * 16
    page.execute_script(REMEMBER + "; sessionStorage.setItem('tqaPageLeft', arguments[0])", own)
    assert page.execute_script(DECIDE) == own  # reloaded: its own id again

    page.execute_script(REMEMBER, own)
    new, original = page.execute_script(DECIDE).split(":")
    assert original == own and new != own  # a duplicate: an id of its own, sent with the original's
    assert page.execute_script(PAGE_ID) == new
    assert page.execute_script("return sessionStorage.getItem('tqaPageLeft')") is None  # open: unmarked


def questions(page: WebDriver) -> list[str]:
    return [q.text for q in page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=user]")]


# Every control a finger may tap: buttons, links, tabs, the question box, the choices.
TAP_TARGETS = """
return Array.from(document.querySelectorAll(
  "button, a[href], [role=tab], summary, textarea, input:not([type=radio]):not([type=hidden]),"
  + "label:has(input[type=radio])"
)).filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden").map((el) => {
  const r = el.getBoundingClientRect();
  return [el.id || el.className.toString().slice(0, 40) || el.tagName, el.textContent.trim().slice(0, 30),
          Math.round(r.width), Math.round(r.height)];
});
"""


def test_every_tap_target_on_a_phone_is_at_least_44_px(browser, server_url):
    on_screen(browser, 390, 844)
    try:
        page = as_new_person(browser, server_url)
        answer = ask(page, KAZAKH_QUESTION)
        pin(page, answer, 0)
        pin(page, look_up(page, "Хантингтон"), 0)
        seen = []
        for tab in ("lookup", "collection", "documents"):
            show_tab(page, tab)
            seen += page.execute_script(TAP_TARGETS)

        assert len(seen) > 20
        assert [target for target in seen if min(target[2:]) < 44] == []
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_question_box_shows_its_whole_hint_on_a_phone(browser, server_url):
    on_screen(browser, 320, 700)
    try:
        page = as_new_person(browser, server_url)
        box = page.find_element(By.CSS_SELECTOR, "#question textarea")
        hint = box.get_attribute("placeholder")
        page.execute_script("arguments[0].value = arguments[1]", box, hint)  # laid out as the hint is

        assert hint and page.execute_script("return arguments[0].scrollHeight <= arguments[0].clientHeight + 1", box)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
