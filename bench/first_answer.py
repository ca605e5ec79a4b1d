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
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import common
from indexing_thesis import thesis_plan
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

LOG = common.SCRATCH / "first-answer-server.log"  # the server's output

sys.path.insert(0, str(common.ROOT / "tests"))
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SEARCHABLE = ("іздеуге болады", "✓")  # the Kazakh page's "searchable up to …", or whole already
PAGES = 250
WHOLE_TIMEOUT_S = 1800


def make_thesis(folder: Path, forms: list[str]) -> tuple[dict[str, Path], str]:
    """The thesis in each form, and a question its first chapter answers (its first sentence)."""
    from thesis_doc import export_pdf, write_thesis_docx

    folder.mkdir(parents=True, exist_ok=True)
    plan = thesis_plan(PAGES, common.EVAL)
    first = plan["chapters"][0]["sections"][0]["passages"][0]["text"]
    question = first.split(". ")[0][:200]
    docx = folder / "thesis250.docx"
    if not docx.exists():
        write_thesis_docx(plan, docx)
    files = {"docx": docx}
    if "pdf" in forms:
        pdf = folder / "thesis250.pdf"
        files["pdf"] = pdf if pdf.exists() else export_pdf(docx, folder)
    return files, question


def start_server(port: int, index_dir: Path) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("THESIS_QA_")},
        "THESIS_QA_CACHE_DIR": str(common.cache_dir()),
        "THESIS_QA_INDEX_DIR": str(index_dir),
        "THESIS_QA_PORT": str(port),
        "GRADIO_TEMP_DIR": str(common.SCRATCH / "first-answer-gradio"),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    log = LOG.open("w")
    return subprocess.Popen(
        [str(common.THESIS_QA), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


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


class Memory:
    """The peak resident memory of the server and of its workers, sampled in the background."""

    def __init__(self, server: int) -> None:
        self.server, self.peak_server, self.peak_workers, self.peak_total = server, 0.0, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            server = common.rss_mb(self.server).get("rss_mb", 0.0)
            workers = sum(common.rss_mb(pid).get("rss_mb", 0.0) for pid in common.descendants(self.server))
            self.peak_server = max(self.peak_server, server)
            self.peak_workers = max(self.peak_workers, workers)
            self.peak_total = max(self.peak_total, server + workers)

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        return {
            "server_peak_rss_mb": round(self.peak_server),
            "workers_peak_rss_mb": round(self.peak_workers),
            "server_and_workers_peak_rss_mb": round(self.peak_total),
        }


def show_documents(page: webdriver.Chrome) -> None:
    """The side tab with the upload field and the uploads list (drawn once shown)."""
    button = page.find_element(By.ID, "tab-documents-button")
    if button.get_attribute("aria-selected") != "true":
        button.click()


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and of every process it started that is still running."""
    total = 0.0
    for each in [pid, *common.descendants(pid)]:
        try:
            total += common.cpu_seconds(each)
        except OSError:
            continue
    return total


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
    files, question = make_thesis(common.SCRATCH / "first-answer-files", args.forms)
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(port, common.SCRATCH / "first-answer-index")
    profile = common.SCRATCH / "first-answer-chromium"
    shutil.rmtree(profile, ignore_errors=True)
    page = chromium(profile)
    runs = []
    try:
        common.wait_ready(url, server, LOG, timeout=900)
        for form in args.forms:
            memory, cpu_before = Memory(server.pid), tree_cpu_seconds(server.pid)
            run = {"form": form, **first_answer(page, url, files[form], question)}
            run["cpu_s_server_and_workers"] = round(tree_cpu_seconds(server.pid) - cpu_before, 1)
            run.update(memory.stop(), load_average_after=[round(x, 2) for x in os.getloadavg()])
            print(run)
            runs.append(run)
    finally:
        page.quit()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    common.write_result("first_answer", {"question": question, "runs": runs}, info, started)


if __name__ == "__main__":
    main()
