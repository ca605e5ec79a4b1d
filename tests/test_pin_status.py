"""The pin status a page shows after a pin (thesis_qa_app.handlers.Handlers.pin) is HTML: the
section title it names comes from a document, so it is escaped like every document text."""

from __future__ import annotations

import secrets
from types import SimpleNamespace

import pytest
from uploads import library_workspace

from thesis_qa.service.intake import Intake
from thesis_qa_app.handlers import Handlers

HOSTILE = '<img src=x onerror="alert(1)">Кіріспе & <b>мақсат</b>'
PARTS = ("collection", "collection_tab", "download_md", "download_docx", "clear", "pin_status")


@pytest.fixture
def handlers(tmp_path, thesis_index_folder, embedder, cache_dir):
    workspace = library_workspace(tmp_path, thesis_index_folder, embedder, cache_dir)
    intake = Intake(workspace)  # never started: no uploads in progress
    yield Handlers(workspace, intake, None, workspace.settings, SimpleNamespace(**{p: p for p in PARTS}))
    intake.close()


def test_a_pinned_card_s_hostile_section_title_is_said_escaped(handlers):
    *_, shown = handlers.chat("Хантингтон не айтты?", 3, "", "kk", [], [], {}, secrets.token_hex(16), None)
    token, pin = next(iter(shown.items()))
    shown = {token: {**pin, "section": f"1 ТАРАУ › {HOSTILE}"}}  # as a document could title it

    status = handlers.pin(SimpleNamespace(value=token), shown, "kk", None)["pin_status"]

    assert "<img" not in status and "<b>" not in status
    assert "&lt;img src=x onerror=\"alert(1)\"&gt;Кіріспе &amp; &lt;b&gt;мақсат&lt;/b&gt;" in status
