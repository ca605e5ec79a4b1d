"""What the page says of an upload that questions leave out (`Workspace.left_out`): why, and
what to do, in each language, its name (untrusted: the browser sent it) escaped."""

from __future__ import annotations

import pytest
from uploads import library_workspace, made_with_another_model, upload

from thesis_qa.errors import StoreError
from thesis_qa.service.owners import Owner
from thesis_qa_app import answers
from thesis_qa_app.render import filter_lifted_html, left_out_html
from thesis_qa_app.texts import ERRORS, TEXTS
from thesis_qa_app.widgets import listed

HOSTILE = '<img src=x onerror="alert(1)">.txt'
ABAI = "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген."


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("code", ["upload_other_model", "upload_unreadable"])
def test_an_upload_left_out_is_said_with_its_name_escaped(code, lang):
    why = StoreError("left out", code=code, name=HOSTILE)

    under_uploads = left_out_html([why], lang)
    lifted_filter = filter_lifted_html(HOSTILE, code, why.params, lang)

    for html in (under_uploads, lifted_filter):
        assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.txt" in html
    assert ERRORS[code][lang].split("{name}")[1][:20] in under_uploads
    assert TEXTS["searched_instead"][lang] in lifted_filter
    assert listed(HOSTILE, why, lang) == f"{HOSTILE} — {TEXTS['state_' + code][lang]}"  # Gradio shows a label as text


def test_a_program_asking_or_looking_up_in_an_upload_left_out_is_told_why(tmp_path, thesis_index_folder, embedder,
                                                                          cache_dir):  # fmt: skip
    """/ask and /lookup (and the page) with `doc` naming it: not "there is no such document"."""
    workspace, owner = library_workspace(tmp_path, thesis_index_folder, embedder, cache_dir), Owner.browser("c" * 43)
    made_with_another_model(upload(workspace, owner, "abai.txt", ABAI, tmp_path).folder)

    asked = answers.ask(workspace, "Абай қай жылы туған?", 3, "abai.txt", "en", owner=owner)
    looked = answers.look_up(workspace, "Абай", 3, "abai.txt", "ru", owner=owner)

    assert asked.to_json()["code"] == looked.to_json()["code"] == "upload_other_model"
    assert asked.message == ERRORS["upload_other_model"]["en"].format(name="abai.txt")
    assert looked.message == ERRORS["upload_other_model"]["ru"].format(name="abai.txt")
    assert answers.ask(workspace, "Абай", 3, "nothing.txt", "en", owner=owner).code == "doc_unknown"
