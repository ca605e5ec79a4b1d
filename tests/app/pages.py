"""What a person does on the page, for the browser tests: ask, look up, pin, reorder and
export the collection, upload, choose a document, remove an upload, and what the page then
shows."""

from __future__ import annotations

from pathlib import Path

from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

WAIT_S = 60
UPLOAD_WAIT_S = 240  # a worker may have to start (load the model) first
KAZAKH_QUESTION = "Кулик сипаттаған тәртіптің белгілері қандай?"
PHONE_WIDTH = 640  # the page's layout for phones applies up to this width


def wait(page: WebDriver, seconds: float = WAIT_S) -> WebDriverWait:
    """Wait for a condition, again when the page redrew what it was looking at."""
    return WebDriverWait(page, seconds, ignored_exceptions=(StaleElementReferenceException,))


def open_page(page: WebDriver, url: str) -> WebDriver:
    """Load the app and wait until it has opened for this browser (labels and documents set)."""
    page.get(url)
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#tqa-header h1")))
    wait(page).until(lambda p: p.execute_script("return document.documentElement.dataset.tqaLang"))
    return page


def as_new_person(page: WebDriver, url: str) -> WebDriver:
    """Open the app as someone the server has not seen: the browser's cookie forgotten, so no
    uploads and an empty collection."""
    page.delete_all_cookies()
    return open_page(page, url)


def ask(page: WebDriver, question: str) -> WebElement:
    """Type a question, press Enter, and return the answer once it is shown."""
    answers_before = len(page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]"))
    box = page.find_element(By.CSS_SELECTOR, "#question textarea")
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    wait(page).until(lambda p: len(p.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")) > answers_before)
    return page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")[-1]


def tap(page: WebDriver, element: WebElement) -> None:
    """Bring `element` to the middle of the screen (on a phone, not under the question box
    that stays at the bottom) and click it."""

    def tapped(p: WebDriver) -> bool:
        p.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        try:
            element.click()
        except ElementClickInterceptedException:  # the page was still scrolling to an answer
            return False
        return True

    wait(page).until(tapped)


def show_tab(page: WebDriver, name: str) -> None:
    """Select the side tab `name` ("lookup", "collection", "documents") unless it is selected."""

    def selected(p: WebDriver) -> bool:
        button = p.find_element(By.ID, f"tab-{name}-button")
        if button.get_attribute("aria-selected") == "true":
            return True
        button.click()
        return False

    wait(page).until(selected)


def look_up(page: WebDriver, word: str) -> WebElement:
    show_tab(page, "lookup")
    results = page.find_element(By.CSS_SELECTOR, "#lookup-results")
    before = results.text
    box = page.find_element(By.CSS_SELECTOR, "#lookup textarea, #lookup input")
    box.clear()
    box.send_keys(word + Keys.ENTER)
    wait(page).until(lambda _: results.text and results.text != before)
    return results


def pinned_count(page: WebDriver) -> int:
    """How many passages the collection holds, as its tab says ("Жинақ (3)")."""
    label = page.find_element(By.ID, "tab-collection-button").text
    return int(label.rsplit("(", 1)[1].rstrip(")"))


def pin(page: WebDriver, cards: WebElement, index: int) -> None:
    """Press the pin button of card `index` of an answer or a lookup; wait until it is kept."""
    before = pinned_count(page)
    tap(page, cards.find_elements(By.CSS_SELECTOR, "button.tqa-pin")[index])
    wait(page).until(lambda p: pinned_count(p) == before + 1)


def collection_items(page: WebDriver) -> list[WebElement]:
    show_tab(page, "collection")
    return page.find_elements(By.CSS_SELECTOR, "#collection li.tqa-item")


def change_pin(page: WebDriver, index: int, action: str) -> None:
    """Press "up", "down" or "remove" on item `index` of the collection; wait for the list."""
    before = [item.text for item in collection_items(page)]
    collection_items(page)[index].find_element(By.CSS_SELECTOR, f"button[data-action={action}]").click()
    wait(page).until(lambda p: [item.text for item in collection_items(p)] != before)


def clear_collection(page: WebDriver) -> None:
    """Empty the collection (it is kept with its owner across pages)."""
    show_tab(page, "collection")
    button = page.find_element(By.ID, "clear")
    if button.is_enabled():
        tap(page, button)
        wait(page).until(lambda p: [e for e in p.find_elements(By.ID, "clear-yes") if e.is_displayed()])
        tap(page, page.find_element(By.ID, "clear-yes"))
    wait(page).until(lambda p: pinned_count(p) == 0)


def on_screen(page: WebDriver, width: int, height: int) -> None:
    """Make the page `width`x`height` CSS pixels, as a phone at 640 px or less (touch, no
    scrollbars), as a desktop window above."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width <= PHONE_WIDTH}
    page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def choose_file(page: WebDriver, path: Path) -> None:
    show_tab(page, "documents")
    page.find_element(By.CSS_SELECTOR, "input[type=file][data-testid$=upload-button]").send_keys(str(path))


def upload(page: WebDriver, path: Path) -> str:
    """Upload a file and return the line the page shows for it once it is indexed or refused
    (a name the library holds is changed: "thesis_kk.txt" may come back as "thesis_kk (2).txt")."""
    show_tab(page, "documents")  # a tab's content is only drawn once it has been shown
    earlier = len(_finished_lines(page, path.stem))
    choose_file(page, path)
    return upload_outcome(page, path.stem, earlier)


def upload_outcome(page: WebDriver, stem: str, earlier: int = 0, seconds: float = UPLOAD_WAIT_S) -> str:
    """The newest finished line ("✓ …", "⚠ …", "✕ …") about `stem` once there are more than
    `earlier` of them, or the refusal shown at once."""

    show_tab(page, "documents")

    def finished(p: WebDriver) -> str | None:
        refusal = p.find_element(By.ID, "upload-message").text
        if "⚠" in refusal and stem in refusal:
            return refusal
        lines = _finished_lines(p, stem)
        return lines[0] if len(lines) > earlier else None  # the newest job is listed first

    return wait(page, seconds).until(finished)


def _finished_lines(page: WebDriver, stem: str) -> list[str]:
    lines = page.find_element(By.ID, "upload-jobs").text.splitlines()
    return [line for line in lines if stem in line and line[:1] in "✓⚠✕"]


def options(page: WebDriver, elem_id: str) -> list[str]:
    """The labels a dropdown of the documents tab offers (it is opened and closed again)."""
    show_tab(page, "documents")
    box = page.find_element(By.CSS_SELECTOR, f"#{elem_id} input")
    box.click()
    labels = [li.get_attribute("aria-label") for li in page.find_elements(By.CSS_SELECTOR, f"#{elem_id} li")]
    box.send_keys(Keys.ESCAPE)
    page.find_element(By.ID, "tqa-header").click()
    return labels


def choose(page: WebDriver, elem_id: str, label: str) -> None:
    """Pick the option whose label starts with `label` in a dropdown of the documents tab
    (again if the page redrew the list meanwhile: it follows uploads in progress every second)."""
    show_tab(page, "documents")

    def picked(p: WebDriver) -> bool:
        try:
            p.find_element(By.CSS_SELECTOR, f"#{elem_id} input").click()
            for li in p.find_elements(By.CSS_SELECTOR, f"#{elem_id} li"):
                if li.get_attribute("aria-label").startswith(label):
                    li.click()
                    return True
        except StaleElementReferenceException:
            pass
        return False

    wait(page).until(picked)


def documents(page: WebDriver) -> list[str]:
    """The document selector's names (without "all documents")."""
    return options(page, "document")[1:]


def cited(answer: WebElement) -> list[str]:
    """The document each card of an answer or a lookup cites."""
    return [doc.get_attribute("textContent") for doc in answer.find_elements(By.CSS_SELECTOR, ".tqa-doc")]
