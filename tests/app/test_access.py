"""Who may do what, enforced on the server: accounts keep their own uploads across logins, a
wrong password is refused, the page's private events called directly through the queue
cannot touch another owner's upload, an upload is not left where Gradio's file route serves
it, and `serve` will not face a network without logins."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from conftest import chromium, library_copy, queue_call, running_server, uploads_on_disk
from pages import choose, documents, open_page, options, upload, wait
from selenium.webdriver.common.by import By

from thesis_qa.service.accounts import Accounts, UsersFile
from thesis_qa_app.identity import COOKIE
from thesis_qa_app.texts import TEXTS, error_text

ABAI = "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.\n\nОл қазақ ақыны."
PASSWORDS = {"aigerim": "Абай-1845-ақын", "dana": "Шоқан-1835-ғалым"}


@pytest.mark.parametrize("flags", [["--host", "0.0.0.0"], ["--share"]], ids=["host", "share"])
def test_serve_will_not_face_a_network_without_logins(tmp_path, flags):
    env = {"THESIS_QA_INDEX_DIR": str(tmp_path / "index"), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-c", "from thesis_qa.cli import main; main()", "serve", *flags]

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and "--allow-anonymous" in done.stderr
    assert done.stdout == ""


@pytest.fixture(scope="module")
def accounts_server(tmp_path_factory, server):
    """A server with two student accounts, over a copy of the main server's library."""
    tmp = tmp_path_factory.mktemp("accounts-server")
    settings = library_copy(server, tmp)
    accounts = Accounts(UsersFile(tmp / "index" / "users.json"))
    for name, password in PASSWORDS.items():
        accounts.add(name, password)
    with running_server(tmp, **settings) as started:
        yield started


@pytest.fixture
def browsers(tmp_path):
    """Two fresh Chromiums: two people, no cookies yet."""
    drivers = [chromium(tmp_path / f"profile-{i}", tmp_path / f"downloads-{i}") for i in range(2)]
    yield drivers
    for driver in drivers:
        driver.quit()


def log_in(page, url: str, name: str, password: str) -> None:
    page.get(url)
    fields = wait(page).until(lambda p: p.find_elements(By.CSS_SELECTOR, "input"))
    user, secret = [f for f in fields if f.get_attribute("type") in ("text", "password")][:2]
    user.send_keys(name)
    secret.send_keys(password)
    page.find_element(By.CSS_SELECTOR, "button").click()
    # until the page answered: the app (logged in) or the refusal; navigating sooner cancels the login
    wait(page).until(lambda p: p.find_elements(By.ID, "tqa-header") or refusal(p))


def refusal(page) -> str:
    """What the login page says of a refused login (in the page's language)."""
    said = page.find_elements(By.ID, "login-error")
    return said[0].text if said and said[0].text not in ("", TEXTS["login_checking"]["kk"]) else ""


def test_each_account_sees_only_its_own_uploads_after_logging_in_again(accounts_server, browsers, tmp_path):
    aigerim, dana = browsers
    url = accounts_server.url
    log_in(aigerim, url, "aigerim", PASSWORDS["aigerim"])
    open_page(aigerim, url)
    assert "aigerim" in aigerim.find_element(By.ID, "tqa-header").text
    path = tmp_path / "aigerim-notes.txt"
    path.write_text(ABAI, encoding="utf-8")
    assert upload(aigerim, path).startswith("✓")

    aigerim.get(url + "logout")
    aigerim.delete_all_cookies()  # another day, another computer
    log_in(aigerim, url, "aigerim", PASSWORDS["aigerim"])
    assert "aigerim-notes.txt" in documents(open_page(aigerim, url))

    log_in(dana, url, "dana", PASSWORDS["dana"])
    assert "aigerim-notes.txt" not in documents(open_page(dana, url))


def test_a_wrong_password_is_refused(accounts_server, browsers):
    page = browsers[0]
    log_in(page, accounts_server.url, "aigerim", "not-her-password")

    assert refusal(page) == error_text("kk", "login_wrong", {})
    assert not page.find_elements(By.ID, "tqa-header")


def test_the_users_file_holds_no_password(accounts_server):
    raw = (Path(accounts_server.env["THESIS_QA_INDEX_DIR"]) / "users.json").read_text(encoding="utf-8")

    assert all(password not in raw for password in PASSWORDS.values())
    assert set(json.loads(raw)["users"]) == set(PASSWORDS)


def test_a_private_event_called_directly_cannot_remove_another_owners_upload(page, server, tmp_path):
    path = tmp_path / "kept.txt"
    path.write_text(ABAI, encoding="utf-8")
    upload(page, path)
    [folder] = uploads_on_disk(server, "kept.txt")

    for chosen in (f"u:{folder.name}", ""):
        queue_call(server.url, "ui_remove", [chosen, "kk"], cookie=secrets.token_urlsafe(32))

    assert folder.exists() and "kept.txt" in documents(page)


def test_publishing_an_upload_removed_on_another_computer_says_so_and_lists_what_is_left(
    accounts_server, browsers, tmp_path
):
    url, page = accounts_server.url, browsers[0]
    Accounts(UsersFile(Path(accounts_server.env["THESIS_QA_INDEX_DIR"]) / "users.json")).add(
        "aliya", "Сәтбаев-1899-ғалым", role="lecturer"
    )
    log_in(page, url, "aliya", "Сәтбаев-1899-ғалым")
    open_page(page, url)
    path = tmp_path / "to-publish.txt"
    path.write_text(ABAI, encoding="utf-8")
    assert upload(page, path).startswith("✓")
    choose(page, "mine", path.name)
    [folder] = uploads_on_disk(accounts_server, path.name)
    login = "; ".join(f"{c['name']}={c['value']}" for c in page.get_cookies())
    removed = queue_call(url, "ui_remove", [f"u:{folder.name}", "kk"], secrets.token_urlsafe(32), login=login)
    assert removed["success"] and not folder.exists()  # on another computer: this page is not told

    page.find_element(By.ID, "publish").click()

    said = "⚠ " + error_text("kk", "upload_unknown", {})
    wait(page).until(lambda p: p.find_element(By.ID, "upload-message").text == said)
    wait(page).until(lambda p: p.find_element(By.CSS_SELECTOR, "#mine input").get_attribute("value") == "")
    assert path.name not in " ".join(options(page, "mine"))


def test_an_upload_is_not_left_where_gradios_file_route_serves_it(server):
    token = secrets.token_urlsafe(32)
    path = post_file(server.url, "served.txt", ABAI.encode(), token)
    file_data = {"path": path, "orig_name": "served.txt", "meta": {"_type": "gradio.FileData"}}

    done = queue_call(server.url, "ui_upload", [file_data, "kk"], cookie=token)

    assert done["success"], done
    with pytest.raises(urllib.error.HTTPError) as fetched:
        urllib.request.urlopen(server.url + f"gradio_api/file={path}")
    assert fetched.value.code in (403, 404)
    assert not Path(path).exists()
    temp = Path(server.env["GRADIO_TEMP_DIR"])
    assert [p for p in temp.rglob("served.txt")] == []


def post_file(url: str, name: str, content: bytes, cookie: str, login: str = "") -> str:
    """Upload a file as the page does (Gradio's upload route), logged in with the cookies
    `login` when given; the server-side path it returns."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    cookies = "; ".join(filter(None, [f"{COOKIE}={cookie}", login]))
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookies}
    with urllib.request.urlopen(urllib.request.Request(url + "gradio_api/upload", body, headers)) as response:
        return json.load(response)[0]
