"""The Gradio app: a thin layer over `thesis_qa.service.workspace.Workspace` and `thesis_qa.service.intake.Intake`.

`launch(settings, accounts)` loads the model and opens the library once (one to be built is
built by a worker process meanwhile: the server never loads the passage model), starts the
upload intake (worker processes start with the first upload), then serves the page and the `/ask`,
`/lookup` and `/documents` endpoints until interrupted or terminated (`thesis_qa_app.ui`
builds the page).

Gradio writes uploads (and a few files of its own) under its temp folder; each server gets a
private one, `thesis-qa-<pid>-…` inside the folder Gradio would have used, removed at exit,
and those of servers that died are removed at the next start. Gradio is imported only after
it is set, since some of its modules read the folder once, at import; and without the work
a server never uses (`thesis_qa_app.gradio_import`: the `.pyi` stubs it would rewrite for
editors, half its import time, and its docstring templates compiled once each).
Until the page is built, Python's cyclic garbage collector waits (`collector_paused`).
"""

from __future__ import annotations

import ctypes
import gc
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from thesis_qa.config import Settings
from thesis_qa.errors import StoreError
from thesis_qa.service.accounts import Accounts
from thesis_qa.service.intake import Intake
from thesis_qa.service.workspace import Workspace
from thesis_qa_app.gradio_import import trim_gradio_import

__all__ = ["collector_paused", "launch"]

_M_ARENA_MAX = -8  # glibc's mallopt parameter
_TEMP_PREFIX = "thesis-qa-"  # thesis-qa-<pid>-<random>; earlier versions left thesis-qa-exports-<random>


def launch(settings: Settings, accounts: Accounts, notify: Callable[[str], None] = print) -> None:
    """Serve the app on settings.host:settings.port until interrupted (Ctrl-C or SIGTERM)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    _cap_malloc_arenas()
    signal.signal(signal.SIGTERM, _interrupt)
    with private_temp_folder() as temp:
        os.environ["GRADIO_TEMP_DIR"] = str(temp)
        with collector_paused():
            trim_gradio_import()
            from starlette.middleware import Middleware

            from thesis_qa_app.api import DirectAsk
            from thesis_qa_app.conversation import tidy
            from thesis_qa_app.guard import Door
            from thesis_qa_app.ui import build_app, launch_options

            notify(f"loading the model '{settings.model}' and opening the index '{settings.index}'…")
            workspace = Workspace(settings, notify=notify)
            intake = Intake(workspace)
            workspace.builder = intake.queue.run_alone  # the library is built in a worker process
            _open_library(workspace, notify)
            intake.start()
            try:
                tidy(workspace.uploads)  # conversations kept as an earlier version kept them, and their bound
            except StoreError as error:  # one owner's damaged record does not keep everyone out
                notify(f"at start, conversations not tidied: {error}")
            app = build_app(workspace, intake, accounts, settings)
            door = Door(settings, accounts, notify)
            options = launch_options(settings, accounts, door)
            # Raw `/ask` calls are answered inside the guard, outside Gradio's queue (api.DirectAsk).
            direct = Middleware(DirectAsk, workspace=workspace, accounts=accounts, door=door, default_k=settings.top_k)
            options["app_kwargs"]["middleware"].append(direct)
        try:
            app.launch(**options)
        finally:
            intake.close()


def _open_library(workspace: Workspace, notify: Callable[[str], None]) -> None:
    """Open the library before the first user arrives; one to be built (the first start on an
    empty index folder) is built by a worker process while the page is served already."""
    try:
        workspace.searcher  # noqa: B018
    except StoreError as error:
        if error.code != "store_building":
            raise
        notify(f"{error} by a worker process; questions are answered once it is ready")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block without Python's cyclic garbage collector, then keep what it made out of
    later collections (`gc.freeze`) and let the collector run again.

    Importing Gradio and building the page make ~330,000 objects that live as long as the
    server, and the collector would walk them again at each of its passes while they are
    made; without it, a warm `thesis-qa serve` answered its first question in 2.9 s instead
    of 4.0 (median of 6 starts of each, interleaved, bench/startup.py's way, at load 2.4).
    Frozen, they are skipped by every later pass too. The cyclic garbage of the start
    (~6,400 objects, ~1.4 MB, measured) is kept: a full pass to find it costs 0.24 s.
    Launching runs with the collector on: with all this frozen, its passes there are short."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def private_temp_folder() -> Iterator[Path]:
    """A temp folder for this server alone, removed when it stops; the folders of servers that
    are gone are removed first."""
    base = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    base.mkdir(parents=True, exist_ok=True)
    for folder in [*base.glob(_TEMP_PREFIX + "*"), *Path(tempfile.gettempdir()).glob(_TEMP_PREFIX + "exports-*")]:
        if not _owner_alive(folder.name):
            shutil.rmtree(folder, ignore_errors=True)
    temp = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}{os.getpid()}-", dir=base))
    try:
        yield temp
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _owner_alive(name: str) -> bool:
    """Whether the server that made the folder `thesis-qa-<pid>-…` still runs."""
    pid = name.removeprefix(_TEMP_PREFIX).split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the server as Ctrl-C does: workers stopped, temp folder removed."""
    raise KeyboardInterrupt


def _cap_malloc_arenas(arenas: int = 2) -> None:
    """Keep memory flat under many concurrent requests (glibc only; a no-op elsewhere).

    Gradio answers from a pool of threads, and glibc gives threads their own malloc arenas
    (up to 8 per core), which fragment: under 16 concurrent clients the server grew ~10 MB per
    500 questions without end; with two arenas it stays flat (README, "Reliability")."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        return
