"""The Gradio app: a thin layer over `thesis_qa.workspace.Workspace`.

`launch(settings)` loads the model and opens the index once, then serves the page and the
`/ask`, `/lookup` and `/documents` endpoints; `build_app(workspace, settings)` builds the
same app without serving it.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable

from thesis_qa.config import Settings
from thesis_qa.workspace import Workspace
from thesis_qa_app.ui import build_app, launch_options

__all__ = ["build_app", "launch"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def launch(settings: Settings, notify: Callable[[str], None] = print) -> None:
    """Serve the app on settings.host:settings.port until interrupted."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    _cap_malloc_arenas()
    notify(f"loading the model '{settings.model}' and opening the index '{settings.index}'…")
    workspace = Workspace(settings, notify=notify)
    workspace.searcher  # noqa: B018 - open (or build) the index before the first user arrives
    if settings.host not in _LOOPBACK and not (settings.user and settings.password):
        notify(f"warning: serving on {settings.host} without a login; set THESIS_QA_USER and THESIS_QA_PASSWORD")
    build_app(workspace, settings).launch(**launch_options(settings))


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
