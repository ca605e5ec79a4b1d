"""Two students on one server, each in a real browser of their own: an upload is its owner's
alone (answers, lookup, selector, /documents), never replaces a library document, can be
removed or cancelled from the page, stops when its anonymous owner leaves, and expires."""

from __future__ import annotations

import json
import time

import pytest
from conftest import uploads_on_disk
from gradio_client import Client
from pages import ask, choose, choose_file, cited, documents, look_up, open_page, upload, upload_outcome, wait
from selenium.webdriver.common.by import By

from thesis_qa_app.identity import COOKIE

ABAI = "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.\n\nОл қазақ ақыны, ағартушы."
RECIPE = "Нан пісіру үшін ұн, су, тұз және ашытқы керек.\n\nҚамырды бір сағат ашытып, пешке саламыз."


def large_text() -> str:
    return "\n\n".join(f"Абзац {i}. Саяси жүйе {i} жылы өзгерді, қоғам жаңа институттар құрды." for i in range(6000))


def api_as(page, server_url: str) -> Client:
    """A program calling the API with the browser's own cookie (as that browser's owner)."""
    token = page.get_cookie(COOKIE)["value"]
    return Client(server_url, headers={"Cookie": f"{COOKIE}={token}"}, verbose=False)


def test_an_upload_is_invisible_to_another_browser(page, other_page, server_url, tmp_path):
    path = tmp_path / "abai-private.txt"
    path.write_text(ABAI, encoding="utf-8")
    assert upload(page, path).startswith("✓")

    assert "abai-private.txt" in documents(page)
    assert "abai-private.txt" not in documents(open_page(other_page, server_url))
    assert "abai-private.txt" not in cited(ask(other_page, "Абай Құнанбайұлы қай жылы туған?"))
    assert "abai-private.txt" not in cited(look_up(other_page, "Құнанбайұлы"))
    assert "abai-private.txt" in api_as(page, server_url).predict(api_name="/documents")
    assert "abai-private.txt" not in api_as(other_page, server_url).predict(api_name="/documents")
    answer = api_as(other_page, server_url).predict("Абай Құнанбайұлы қай жылы туған?", 10, "", api_name="/ask")
    assert {hit["doc"] for hit in answer["results"]} == {"thesis_kk.txt"}
    named = api_as(other_page, server_url).predict("Абай", 3, "abai-private.txt", api_name="/ask")
    assert named["code"] == "doc_unknown"


def test_an_upload_named_like_the_library_document_does_not_replace_it(page, other_page, server_url, tmp_path):
    path = tmp_path / "thesis_kk.txt"
    path.write_text(RECIPE, encoding="utf-8")

    assert "thesis_kk (2).txt" in upload(page, path)
    assert documents(page)[0] == "thesis_kk.txt" and "thesis_kk (2).txt" in documents(page)
    open_page(other_page, server_url)
    answer = ask(other_page, "Саяси модернизация дегеніміз не?")
    assert cited(answer)[0] == "thesis_kk.txt" and "модернизация" in answer.text
    assert set(cited(look_up(other_page, "Хантингтон"))) == {"thesis_kk.txt"}
    assert cited(look_up(page, "Хантингтон"))[0] == "thesis_kk.txt"  # the owner's lookup too


def test_a_removed_upload_is_gone_from_disk(page, server, tmp_path):
    path = tmp_path / "remove-me.txt"
    path.write_text(ABAI, encoding="utf-8")
    upload(page, path)
    assert len(uploads_on_disk(server, "remove-me.txt")) == 1

    choose(page, "mine", "remove-me.txt")
    page.find_element(By.ID, "remove").click()

    wait(page).until(lambda p: "remove-me.txt" in p.find_element(By.ID, "upload-message").text)
    assert uploads_on_disk(server, "remove-me.txt") == []
    wait(page).until(lambda p: "remove-me.txt" not in documents(p))


def test_an_anonymous_upload_past_its_lifetime_is_gone(page, server, server_url, tmp_path):
    path = tmp_path / "old.txt"
    path.write_text(ABAI, encoding="utf-8")
    upload(page, path)
    [folder] = uploads_on_disk(server, "old.txt")
    record = json.loads((folder / "upload.json").read_text(encoding="utf-8"))
    record["created"] -= 25 * 3600  # uploaded a day and an hour ago (the lifetime is 24 h)
    (folder / "upload.json").write_text(json.dumps(record), encoding="utf-8")

    assert "old.txt" not in documents(open_page(page, server_url))
    assert not folder.exists()


def test_an_upload_in_progress_shows_its_place_and_can_be_cancelled_from_the_page(page, server, tmp_path):
    path = tmp_path / "big-draft.txt"
    path.write_text(large_text(), encoding="utf-8")
    choose_file(page, path)
    jobs = page.find_element(By.ID, "upload-jobs")
    wait(page, 240).until(lambda _: "big-draft.txt" in jobs.text and "%" in jobs.text)
    assert "индекстелуде" in jobs.text and ("қалды" in jobs.text)

    choose(page, "mine", "big-draft.txt ⏳")
    page.find_element(By.ID, "remove").click()

    assert upload_outcome(page, "big-draft", seconds=60).startswith("✕")
    wait(page).until(lambda _: uploads_on_disk(server, "big-draft.txt") == [])


def test_closing_the_page_stops_an_anonymous_upload(page, server, tmp_path):
    path = tmp_path / "left-behind.txt"
    path.write_text(large_text(), encoding="utf-8")
    choose_file(page, path)
    wait(page, 240).until(lambda p: "left-behind.txt" in p.find_element(By.ID, "upload-jobs").text)
    assert uploads_on_disk(server, "left-behind.txt")

    page.get("about:blank")  # the student closes the tab

    deadline = time.monotonic() + 120  # the server notices within a heartbeat (15 s), then waits 20 s
    while uploads_on_disk(server, "left-behind.txt") and time.monotonic() < deadline:
        time.sleep(1)
    assert uploads_on_disk(server, "left-behind.txt") == []


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        (
            "setup.exe",
            10,
            "«setup.exe»: бұл файл түрі қолдау таппайды. Мына түрлер қабылданады: .txt .md .docx .pdf .jsonl.",
        ),
        ("huge.pdf", 21 * 2**20, "«huge.pdf» тым үлкен: шегі 20 МБ."),
    ],
    ids=["type", "size"],
)
def test_a_wrong_type_or_size_gets_the_apps_message_not_gradios(page, server, tmp_path, name, size, message):  # noqa: PLR0917
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.truncate(size)

    choose_file(page, path)

    check = page.find_element(By.ID, "upload-check")
    wait(page).until(lambda _: check.text)
    assert check.text == "⚠ " + message
    time.sleep(1)
    assert not page.find_elements(By.CSS_SELECTOR, ".toast-body")
    assert uploads_on_disk(server, name) == []
