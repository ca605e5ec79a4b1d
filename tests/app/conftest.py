"""Fixtures for the app: the real server in a child process (`thesis-qa serve`, the bundled
model, a private index of the bundled thesis), a gradio_client for its API, and one headless
Chromium for the session."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from pages import as_new_person, on_screen

from thesis_qa_app.identity import COOKIE

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
NODE_PACKAGES = Path(__file__).parent  # package.json pins axe-core; node_modules/ stays out of git
START_TIMEOUT_S = 240
WAIT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THESIS_QA_")}
    env.update(
        THESIS_QA_INDEX_DIR=str(tmp / "index"),
        THESIS_QA_CACHE_DIR=os.environ.get("THESIS_QA_CACHE_DIR") or str(tmp / "model-cache"),
        THESIS_QA_HOST="127.0.0.1",
        THESIS_QA_PORT=str(port),
        GRADIO_TEMP_DIR=str(tmp / "gradio"),
        TMPDIR=str(tmp),  # the app's Markdown exports
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    return env


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "gradio_api/info", timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):  # up, and asking for a login
                return
            time.sleep(0.5)
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the server did not answer within {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@dataclass(frozen=True)
class Server:
    """A running `thesis-qa serve`: where it answers, its process, its settings."""

    url: str
    pid: int
    env: dict[str, str]
    log: Path


@contextmanager
def running_server(tmp: Path, port: int | None = None, **settings: str) -> Iterator[Server]:
    """Start `thesis-qa serve` in a child process (extra THESIS_QA_* `settings`), on `port` or
    a free one, wait until it answers, stop it afterwards."""
    port = port or free_port()
    env = {**_server_env(tmp, port), **settings}
    log = tmp / f"server-{port}.log"
    command = [sys.executable, "-c", "from thesis_qa.cli import main; main()", "serve"]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}/", process.pid, env, log)
    try:
        _wait_until_up(server.url, process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, thesis_library_folder: Path, cache_dir: Path) -> Iterator[Server]:
    """A real `thesis-qa serve` for the session, over a private copy of the bundled thesis's
    index as the app builds it on its first run (built once a session; the server finds it
    current and opens it) and the model the tests expanded (expanded once a session too)."""
    tmp = tmp_path_factory.mktemp("server")
    shutil.copytree(thesis_library_folder, tmp / "index" / "thesis")
    with running_server(tmp, THESIS_QA_CACHE_DIR=str(cache_dir)) as started:
        yield started


@pytest.fixture(scope="session")
def server_url(server: Server) -> str:
    return server.url


@pytest.fixture(scope="session")
def client(server_url: str):
    from gradio_client import Client

    return Client(server_url, verbose=False)


@pytest.fixture(scope="session")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


def chromium(profile: Path, downloads: Path):
    """A headless Chromium of its own (its own profile, so its own cookies: another person),
    1280x900, Kazakh first in Accept-Language, no outside network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Chromium is needed: apt-get install chromium chromium-driver (scripts/test does)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "kk,ru,en"})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # to see every request the page makes
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path):
    """One headless Chromium for the session: student A."""
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"), downloads)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def other_browser(tmp_path_factory: pytest.TempPathFactory):
    """A second, unrelated Chromium: student B, on another computer as far as the server knows."""
    driver = chromium(tmp_path_factory.mktemp("chromium-profile-b"), tmp_path_factory.mktemp("downloads-b"))
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script (npm, MPL-2.0), installed next to this file by `.ci/run`, or here
    on first use."""
    script = NODE_PACKAGES / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is needed to install axe-core for the accessibility check: apt-get install npm")
        command = [npm, "ci", "--prefix", str(NODE_PACKAGES), "--no-audit", "--no-fund"]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
    return script.read_text(encoding="utf-8")


@pytest.fixture
def page(browser, server_url: str):
    """A fresh page of the app for someone new (an empty chat: a conversation is kept with its
    owner), fully loaded."""
    return as_new_person(browser, server_url)


SCREENS = {"phone": (390, 844), "desktop": (1366, 900)}


@pytest.fixture(params=SCREENS)
def screen_page(request: pytest.FixtureRequest, browser, server_url: str):
    """`page` on a phone (390x844) and on a desktop (1366x900)."""
    on_screen(browser, *SCREENS[request.param])
    try:
        yield as_new_person(browser, server_url)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture
def other_page(other_browser, server_url: str):
    """Another person's page (their own browser, and new: no conversation kept from before)."""
    return as_new_person(other_browser, server_url)


def library_copy(server: Server, tmp: Path) -> dict[str, str]:
    """Settings for another server over a copy of `server`'s library (never its folders: a
    server starting up tidies its index folder, and `server` may be busy in it) and the model
    `server` uses (expanded once: read-only from then on)."""
    shutil.copytree(Path(server.env["THESIS_QA_INDEX_DIR"]) / "thesis", tmp / "index" / "thesis")
    return {"THESIS_QA_INDEX_DIR": str(tmp / "index"), "THESIS_QA_CACHE_DIR": server.env["THESIS_QA_CACHE_DIR"]}


def torch_mapped(pid: int) -> bool:
    """Whether the process has torch's libraries mapped: it imported torch (the passage model)."""
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


def owner_folders(server: Server) -> Path:
    """Where the server keeps every owner's uploads."""
    return Path(server.env["THESIS_QA_INDEX_DIR"]) / "thesis.owners"


def uploads_on_disk(server: Server, name: str) -> list[Path]:
    """Upload folders of any owner whose upload is called `name`."""
    found = owner_folders(server).glob("*/up-*/upload.json")
    return [f.parent for f in found if json.loads(f.read_text(encoding="utf-8"))["name"] == name]


def queue_call(  # noqa: PLR0917
    url: str,
    api_name: str,
    data: list[object],
    cookie: str,
    event_data: dict[str, object] | None = None,
    session: str | None = None,
    login: str = "",
) -> dict[str, object]:
    """Call one of the page's events directly through Gradio's queue, by its fn_index, as the
    browser holding `cookie` would (or anyone who copied the page's requests), in a session
    of its own (or in `session`), logged in with the cookies `login` when given."""
    cookies = "; ".join(filter(None, [f"{COOKIE}={cookie}", login]))
    with urllib.request.urlopen(urllib.request.Request(url + "config", headers={"Cookie": cookies})) as response:
        config = json.load(response)
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
    session = session or secrets.token_hex(8)
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": event_data, "trigger_id": None}
    headers = {"Content-Type": "application/json", "Cookie": cookies}
    urllib.request.urlopen(urllib.request.Request(url + "gradio_api/queue/join", json.dumps(body).encode(), headers))
    stream = urllib.request.Request(url + f"gradio_api/queue/data?session_hash={session}", headers=headers)
    with urllib.request.urlopen(stream, timeout=60) as events:
        for line in events:
            message = json.loads(line.decode().removeprefix("data:")) if line.startswith(b"data:") else {}
            if message.get("msg") == "process_completed":
                return message
    raise AssertionError("no answer from the queue")
