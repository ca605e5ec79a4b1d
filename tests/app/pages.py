"""What a person does on the page, for the browser tests: ask, look up, upload, choose a
document, remove an upload, and what the page then shows."""

from __future__ import annotations

from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

WAIT_S = 60
UPLOAD_WAIT_S = 240  # a worker may have to start (load the model) first
KAZAKH_QUESTION = "Кулик сипаттаған тәртіптің белгілері қандай?"


def wait(page: WebDriver, seconds: float = WAIT_S) -> WebDriverWait:
    return WebDriverWait(page, seconds)


def open_page(page: WebDriver, url: str) -> WebDriver:
    """Load the app and wait until it has opened for this browser (labels and documents set)."""
    page.get(url)
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#tqa-header h1")))
    wait(page).until(lambda p: p.execute_script("return document.documentElement.dataset.tqaLang"))
    return page


def ask(page: WebDriver, question: str) -> WebElement:
    """Type a question, press Enter, and return the answer once it is shown."""
    answers_before = len(page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]"))
    box = page.find_element(By.CSS_SELECTOR, "#question textarea")
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    wait(page).until(lambda p: len(p.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")) > answers_before)
    return page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")[-1]


def look_up(page: WebDriver, word: str) -> WebElement:
    results = page.find_element(By.CSS_SELECTOR, "#lookup-results")
    before = results.text
    box = page.find_element(By.CSS_SELECTOR, "#lookup textarea, #lookup input")
    box.clear()
    box.send_keys(word + Keys.ENTER)
    wait(page).until(lambda _: results.text and results.text != before)
    return results


def choose_file(page: WebDriver, path: Path) -> None:
    page.find_element(By.CSS_SELECTOR, "input[type=file][data-testid$=upload-button]").send_keys(str(path))


def upload(page: WebDriver, path: Path) -> str:
    """Upload a file and return the line the page shows for it once it is indexed or refused
    (a name the library holds is changed: "thesis_kk.txt" may come back as "thesis_kk (2).txt")."""
    earlier = len(_finished_lines(page, path.stem))
    choose_file(page, path)
    return upload_outcome(page, path.stem, earlier)


def upload_outcome(page: WebDriver, stem: str, earlier: int = 0, seconds: float = UPLOAD_WAIT_S) -> str:
    """The newest finished line ("✓ …", "⚠ …", "✕ …") about `stem` once there are more than
    `earlier` of them, or the refusal shown at once."""

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
    """The labels a dropdown offers (it is opened and closed again)."""
    box = page.find_element(By.CSS_SELECTOR, f"#{elem_id} input")
    box.click()
    labels = [li.get_attribute("aria-label") for li in page.find_elements(By.CSS_SELECTOR, f"#{elem_id} li")]
    box.send_keys(Keys.ESCAPE)
    page.find_element(By.ID, "tqa-header").click()
    return labels


def choose(page: WebDriver, elem_id: str, label: str) -> None:
    """Pick the option whose label starts with `label` in a dropdown (again if the page
    redrew the list meanwhile: it follows uploads in progress every second)."""

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
