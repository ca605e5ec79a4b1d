"""From upload to the first answer: a real `thesis-qa serve` and a real headless Chromium. The
page uploads a 250-page Kazakh thesis (.docx; `--forms docx pdf` also its LibreOffice PDF) and
asks a question about its first chapter as soon as the page says part of it is searchable.

    .venv/bin/python bench/first_answer.py                     # ~3 minutes on an idle 2-core machine
    .venv/bin/python bench/first_answer.py --forms docx pdf    # both forms, one after the other

The thesis is `bench/indexing_thesis.py`'s (the tests' builder over the dev pool's Kazakh
passages, about 250 pages). For each form: seconds from choosing the file to the page's first
"searchable" line, to the first answer citing the upload, and to the upload being whole; the
lines the page showed; the server's and its workers' peak resident memory (sampled every
0.2 s) and their CPU seconds; the load average. Target: the first answer within 60 s of the
upload on an idle 2-core machine (issue 26).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import common
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

LOG = common.SCRATCH / "first-answer-server.log"  # the server's output

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SEARCHABLE = ("іздеуге болады", "✓")  # the Kazakh page's "searchable up to …", or whole already
PAGES = 250
WHOLE_TIMEOUT_S = 1800


def chromium(profile: Path) -> webdriver.Chrome:
    """A headless Chromium of its own, Kazakh first, no outside network (as tests/app's)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "kk,ru,en"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def show_documents(page: webdriver.Chrome) -> None:
    """The side tab with the upload field and the uploads list (drawn once shown)."""
    button = page.find_element(By.ID, "tab-documents-button")
    if button.get_attribute("aria-selected") != "true":
        button.click()


def jobs_text(page: webdriver.Chrome) -> str:
    return page.find_element(By.ID, "upload-jobs").text


def first_answer(page: webdriver.Chrome, url: str, path: Path, question: str) -> dict[str, object]:
    """Upload `path` as the page does, ask `question` once part of it is searchable; timings."""
    page.delete_all_cookies()  # someone new: no earlier uploads
    page.get(url)
    WebDriverWait(page, 120).until(lambda p: p.execute_script("return document.documentElement.dataset.tqaLang"))
    show_documents(page)
    chosen = page.find_element(By.CSS_SELECTOR, "input[type=file][data-testid$=upload-button]")
    start = time.monotonic()
    chosen.send_keys(str(path))
    WebDriverWait(page, 900, poll_frequency=0.2).until(lambda p: any(m in jobs_text(p) for m in SEARCHABLE))
    searchable_s, searchable_line = time.monotonic() - start, jobs_text(page)
    answers = len(page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]"))
    box = page.find_element(By.CSS_SELECTOR, "#question textarea")
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    WebDriverWait(page, 300, poll_frequency=0.1).until(
        lambda p: len(p.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")) > answers
    )
    answer_s = time.monotonic() - start
    answer = page.find_elements(By.CSS_SELECTOR, "#chat [data-testid=bot]")[-1].text
    show_documents(page)
    WebDriverWait(page, WHOLE_TIMEOUT_S, poll_frequency=1).until(lambda p: "✓" in jobs_text(p) or "⚠" in jobs_text(p))
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "searchable_s": round(searchable_s, 1),
        "first_answer_s": round(answer_s, 1),
        "whole_s": round(time.monotonic() - start, 1),
        "answer_cites_upload": path.name in answer,
        "page_said_when_searchable": " ".join(searchable_line.split()),
        "page_said_when_whole": " ".join(jobs_text(page).split()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", nargs="+", choices=["docx", "pdf"], default=["docx"])
    args = parser.parse_args()
    started, info = time.time(), common.machine()
    print(common.machine_line(info))
    files, question = common.thesis_files(common.SCRATCH / "first-answer-files", args.forms, PAGES)
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    server = common.start_serve(port, common.SCRATCH / "first-answer-index", LOG)
    profile = common.SCRATCH / "first-answer-chromium"
    shutil.rmtree(profile, ignore_errors=True)
    page = chromium(profile)
    runs = []
    try:
        common.wait_ready(url, server, LOG, timeout=900)
        for form in args.forms:
            memory, cpu_before = common.TreeMemory(server.pid, interval=0.2), common.tree_cpu_seconds(server.pid)
            run = {"form": form, **first_answer(page, url, files[form], question)}
            run["cpu_s_server_and_workers"] = round(common.tree_cpu_seconds(server.pid) - cpu_before, 1)
            memory.stop()
            run.update(memory.first_answer_peaks(), load_average_after=[round(x, 2) for x in os.getloadavg()])
            print(run)
            runs.append(run)
    finally:
        page.quit()
        common.stop_serve(server)
    common.write_result("first_answer", {"question": question, "runs": runs}, info, started)


if __name__ == "__main__":
    main()
