"""The app's pieces on their own, no server: file names, texts, cards, the Markdown export,
API arguments, and the launch settings."""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from thesis_qa.config import Settings
from thesis_qa.document import Passage
from thesis_qa.limits import CONCURRENT_QUESTIONS, MAX_PASTED_CHARS, MAX_QUESTION_CHARS
from thesis_qa.retrieval.answer import Answer, judge
from thesis_qa.retrieval.lookup import Lookup
from thesis_qa.retrieval.search import Hit
from thesis_qa.service.accounts import Accounts, UsersFile
from thesis_qa.service.intake import Intake
from thesis_qa.service.jobs import Job, JobStatus
from thesis_qa.service.owners import MAX_PINS, safe_name
from thesis_qa.service.progressive import Reach
from thesis_qa.service.workspace import Workspace
from thesis_qa_app import collection, collector_paused
from thesis_qa_app.answers import BadArgument, Reply, parse_k, read_question
from thesis_qa_app.render import answer_html, filter_html, job_line, lookup_html, partial_html, question_html
from thesis_qa_app.texts import ERRORS, GRADIO_TEXTS, TEXTS, browser_language, error_text, text
from thesis_qa_app.ui import build_app, launch_options

HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)">'


def reply(question: str, lang: str, hits: list[Hit]) -> Reply:
    return Reply(question, lang, judge(question, hits))


def hit(text: str = "Бірінші сөйлем.  Екінші\tсөйлем.", **fields: object) -> Hit:
    passage = Passage(
        id="a.pdf#3", doc="a.pdf", order=3, paragraph=12, start=0, end=len(text), text=text,
        section="КІРІСПЕ › Зерттеудің өзектілігі", page=5, sentences=((0, 15), (17, len(text))),
    )  # fmt: skip
    passage = replace(passage, **fields)
    return Hit(passage, 0.81, highlights=((17, len(text)),), terms=((0, 7),))


def no_context(passage: Passage) -> tuple[list[Passage], list[Passage]]:
    return [], []


def cards(answer: Reply, neighbours=no_context) -> str:
    return answer_html(answer, neighbours, [f"t-{i}" for i in range(len(answer.hits))])


def found(word: str, lang: str, hits: list[Hit], count: int | None = None) -> Reply:
    return Reply(word, lang, lookup=Lookup(word, (word.lower(),), len(hits) if count is None else count, hits))


def pinned(*replies: Reply) -> list[collection.Pin]:
    """Every card of the replies pinned, in order (a passage pinned twice kept once)."""
    pins: list[collection.Pin] = []
    for shown_reply in replies:
        shown, tokens = collection.remember({}, shown_reply.hits, shown_reply.question)
        for token in tokens:
            pins = collection.add(pins, shown[token]) or pins
    return pins


def markdown(pins: list[collection.Pin], lang: str) -> str:
    name, media_type, content = collection.export(pins, "md", lang)
    assert (name, media_type) == ("thesis-qa-collection.md", "text/markdown;charset=utf-8")
    return content.decode("utf-8")


@pytest.mark.parametrize(
    ("uploaded", "cited"),
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\Windows\\evil.docx", "evil.docx"),
        ("/etc/passwd", "passwd"),
        ("..", "document"),
        ("тезис\x00\n.pdf", "тезис.pdf"),
        ("а" * 300 + ".docx", "а" * 115 + ".docx"),
    ],
)
def test_an_uploaded_file_is_cited_by_its_base_name_only(uploaded, cited):
    assert safe_name(uploaded) == cited


def test_every_text_and_error_exists_in_kazakh_russian_and_english():
    for entry in [*TEXTS.values(), *ERRORS.values(), *GRADIO_TEXTS.values()]:
        assert set(entry) == {"kk", "ru", "en"}
        assert all(entry.values())


def test_no_english_count_reads_as_a_plural_of_one():
    """ "The collection holds 1 passages": an English text counting {n} words it so that one
    reads right (Kazakh nouns after a number stay singular; the Russian texts put the count
    after a colon or in brackets)."""
    plural_of_one = re.compile(r"\b1 (?!\w+ss\b)\w+s\b|\ball 1\b")
    wrong = {key: entry["en"] for key, entry in TEXTS.items() if plural_of_one.search(text(key, "en", n=1))}
    assert wrong == {}


def test_an_error_is_explained_in_the_users_language():
    assert error_text("kk", "load_too_big", {"name": "a.pdf", "limit_mb": 20}) == "«a.pdf» тым үлкен: шегі 20 МБ."
    assert "Подходят: .txt .md .docx .pdf .jsonl" in error_text("ru", "load_unsupported", {"name": "a.exe"})
    assert "(disk full)" in error_text("en", "something_new", {}, detail="disk full")


@pytest.mark.parametrize(
    ("header", "language"), [("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("en-US,en", "en"), ("de-DE", "kk"), ("", "kk")]
)
def test_the_interface_starts_in_the_browsers_language(header, language):
    assert browser_language(header) == language


def test_a_card_shows_the_text_first_then_place_relevance_and_its_pin():
    html = cards(reply("сұрақ", "kk", [hit()]))

    text = '<p class="tqa-text" lang="kk"><mark class="term">Бірінші</mark> сөйлем. '
    where = (
        '<span class="tqa-place" title="КІРІСПЕ › Зерттеудің өзектілігі">Зерттеудің өзектілігі</span> · '
        '<span class="tqa-para">¶ 12</span> · <span class="tqa-page">5-бет</span> · <span class="tqa-doc">a.pdf</span>'
    )
    assert html.index(text) < html.index(where) < html.index('<button type="button" class="tqa-pin" value="t-0">')
    assert "сенімділік 81%" in html
    assert '<span class="tqa-sep"></span><mark class="answer">Екінші сөйлем.</mark>' in html
    assert "\t" not in html
    assert "  " not in html


def test_an_estimated_page_is_shown_as_one_on_cards_lookups_and_the_export():
    """A .docx no Word paginated has its pages estimated from its contents list ("≈5"):
    everywhere the page is shown it reads as an estimate, and a card's page says why."""
    estimated = hit(page="≈5", doc="a.docx")
    why = "Страница примерная, рассчитана по оглавлению: в файле не сохранена разбивка на страницы"
    page = f'<span class="tqa-page" title="{why}">с. ≈5</span>'

    assert page in cards(reply("вопрос", "ru", [estimated]))
    assert page in lookup_html(found("Хантингтон", "ru", [estimated]), ["t-0"])
    assert "- Страница: ≈5" in markdown(pinned(reply("вопрос", "ru", [estimated])), "ru")
    assert '<span class="tqa-page">с. 5</span>' in cards(reply("вопрос", "ru", [hit()]))  # a printed one: no title


def test_an_upload_indexed_up_to_an_estimated_page_says_it_is_an_estimate():
    job = Job("owner", "notes.docx", 1, dict, state="running", reach=Reach(15, 40, 0.3, estimated=True))

    line = partial_html([JobStatus(job, 0, 10.0)], "en")

    assert "indexed up to page ≈15 of ≈40 so far" in line


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_reindexing_job_says_it_takes_up_its_kept_text_not_that_it_reads_a_file(lang):
    reindexing = Job("owner", "notes.docx", 1, dict, meta={"reindex": object()}, state="running")
    reading = Job("owner", "notes.docx", 1, dict, state="running")
    said = {key: "⏳ " + text(key, lang, name="notes.docx") for key in ("job_reindex_reading", "job_reading")}

    assert job_line(JobStatus(reindexing, 0, None), lang) == said["job_reindex_reading"]
    assert job_line(JobStatus(reading, 0, None), lang) == said["job_reading"]


@pytest.mark.parametrize(
    ("lang", "pages", "said"),
    [("kk", [2, 3, 4, 7], "2–4, 7 беттерде"), ("ru", [2, 3, 4, 7], "страницах 2–4, 7"), ("en", [3], "Page 3 holds")],
)
def test_an_upload_with_scanned_pages_is_done_and_says_which_pages_are_not_searchable(lang, pages, said):
    scanned = Job("owner", "notes.pdf", 1, dict, state="done", result={"passages": 40, "image_pages": pages})
    clean = Job("owner", "notes.pdf", 1, dict, state="done", result={"passages": 40, "image_pages": []})
    line, clean_line = job_line(JobStatus(scanned, 0, None), lang), job_line(JobStatus(clean, 0, None), lang)

    assert line.startswith(clean_line + " ") and said in line
    assert said not in clean_line


def test_a_table_of_contents_entry_is_labelled_as_such():
    html = cards(reply("вопрос", "ru", [hit(kind="toc", section="", paragraph=0, page=None)]))

    assert 'title="Оглавление">Оглавление</span> · <span class="tqa-doc">a.pdf</span>' in html


def test_document_text_section_and_name_are_escaped_in_cards():
    text = f"Мәтін {HOSTILE}"
    hostile = hit(text, section=HOSTILE, doc=HOSTILE + ".txt")
    answer = reply(HOSTILE, "en", [hostile])

    for html in (
        cards(answer, lambda p: ([hit(HOSTILE).passage], [])),
        lookup_html(found(HOSTILE, "en", [hostile]), ["x"]),
    ):
        assert "<script" not in html
        assert "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_lookup_says_how_many_passages_hold_the_word_and_how_many_are_shown():
    html = lookup_html(found("Хантингтон", "ru", [hit()], count=40), ["t-0"])

    assert "«Хантингтон»: встречается во фрагментах: 40 (показаны первые 1)" in html
    assert html.count('class="tqa-pin"') == 1


def test_a_lookup_that_finds_nothing_says_so():
    html = lookup_html(found("Маркс", "en", []), [])

    assert html == '<p class="tqa-note">“Маркс” does not occur in the documents.</p>'


def test_under_a_document_filter_a_refusal_and_a_word_not_found_say_so_and_offer_every_document():
    refused = Reply("Кім?", "en", judge("Кім?", [hit()], threshold=1.0), doc="a.pdf")
    none = Reply("Маркс", "en", lookup=Lookup("Маркс", ("маркс",), 0, []), doc="a.pdf")

    assert "“Маркс” does not occur in “a.pdf” (only that document was searched)." in lookup_html(none, [])
    assert '<button type="button" class="tqa-unfilter" value="lookup:">Search all documents</button>' in lookup_html(
        none, []
    )
    shown = cards(refused)
    assert "“a.pdf” does not answer this (only that document was searched)." in shown
    assert '<button type="button" class="tqa-unfilter" value="chat:Кім?">Search all documents</button>' in shown


def test_the_filter_shown_by_the_question_box_escapes_the_document_name():
    shown = filter_html(HOSTILE, "ru")

    assert "Только в документе «<span" in shown and "&lt;script&gt;" in shown and "<script>" not in shown
    assert '<button type="button" class="tqa-unfilter" value=":">✕ Снять фильтр</button>' in shown
    assert filter_html("", "ru") == ""


def test_a_long_pasted_text_is_asked_by_its_last_question_and_a_text_without_one_is_cut_between_words():
    question = "Кулик сипаттаған тәртіптің белгілері қандай?"
    paragraph = "Саяси модернизация дәстүрлі қоғамнан қазіргі қоғамға өтуді білдіреді. " * 30

    assert read_question(question, "en") == (question, "")
    asked, note = read_question(paragraph + question, "en")
    assert asked == question and note.startswith(f"The text is long (length {len(paragraph + question)};")
    cut, note = read_question(paragraph.replace(".", ","), "kk")
    assert len(cut) <= MAX_QUESTION_CHARS and f"«…{' '.join(cut.split()[-6:])}»" in note
    _, note = read_question("сөз " * MAX_PASTED_CHARS, "ru")
    assert note.endswith(f"Прочитаны только первые {MAX_PASTED_CHARS} символов.")


def test_cleared_pins_come_back_before_those_pinned_since_each_once():
    pins = pinned(reply("сұрақ", "kk", [hit(id=f"a.pdf#{n}") for n in range(3)]))

    restored = collection.restore([pins[1], {**pins[0], "id": "a.pdf#new"}], pins)

    assert [pin["id"] for pin in restored] == ["a.pdf#0", "a.pdf#1", "a.pdf#2", "a.pdf#new"]


def test_the_collection_exports_references_and_the_question():
    answer = reply("Зерттеудің өзектілігі неде?", "kk", [hit()])

    exported = markdown(pinned(answer, answer), "ru")

    assert exported.count("> ") == 1  # pinning a passage twice keeps one copy
    assert "## Зерттеудің өзектілігі неде?" in exported
    assert "> Бірінші сөйлем. **Екінші сөйлем.**" in exported
    for line in (
        "- Документ: a.pdf",
        "- Раздел: КІРІСПЕ › Зерттеудің өзектілігі",
        "- Абзац: 12",
        "- Страница: 5",
        "- Вопрос: Зерттеудің өзектілігі неде?",
    ):
        assert line in exported


def test_pins_move_up_and_down_and_are_removed_one_by_one():
    pins = pinned(reply("сұрақ", "kk", [hit(id=f"a.pdf#{n}") for n in range(3)]))
    ids = lambda pins: [pin["id"] for pin in pins]  # noqa: E731

    assert ids(collection.change(pins, "up", "a.pdf#2")) == ["a.pdf#0", "a.pdf#2", "a.pdf#1"]
    assert ids(collection.change(pins, "down", "a.pdf#2")) == ["a.pdf#0", "a.pdf#1", "a.pdf#2"]
    assert ids(collection.change(pins, "remove", "a.pdf#1")) == ["a.pdf#0", "a.pdf#2"]
    assert ids(collection.change(pins, "remove", "a.pdf#9")) == ids(pins)
    assert ids(collection.change(pins, "explode", "a.pdf#1")) == ids(pins)


def test_a_full_collection_takes_no_more_pins():
    pins = pinned(reply("сұрақ", "kk", [hit(id=f"a.pdf#{n}") for n in range(MAX_PINS)]))

    assert len(pins) == MAX_PINS
    assert collection.add(pins, {**pins[0], "id": "a.pdf#new"}) is None


def test_a_session_remembers_its_last_cards_only():
    shown: collection.Shown = {}
    for _ in range(collection.MAX_SHOWN // 10 + 5):
        shown, tokens = collection.remember(shown, [hit() for _ in range(10)], "сұрақ")

    assert len(shown) == collection.MAX_SHOWN
    assert set(tokens) <= set(shown)


def test_the_app_serves_locally_without_login_by_default(tmp_path: Path):
    accounts = Accounts(UsersFile(tmp_path / "users.json"))
    options = launch_options(Settings(index_dir=tmp_path, cache_dir=tmp_path), accounts)

    assert options["server_name"] == "127.0.0.1"
    assert options["server_port"] == 7860
    assert options["share"] is False
    assert options["auth"] is None
    assert options["max_file_size"] == "20mb"


def test_a_login_is_asked_only_when_user_and_password_are_both_set(tmp_path: Path):
    settings = Settings(index_dir=tmp_path, cache_dir=tmp_path)
    both = Accounts(UsersFile(tmp_path / "users.json"), ("lecturer", "s3cret-пароль"))
    user_only = Accounts(UsersFile(tmp_path / "users.json"), ("lecturer", ""))

    assert launch_options(settings, both)["auth"] == both.verify
    assert both.verify("lecturer", "s3cret-пароль") and not both.verify("lecturer", "s3cret")
    assert launch_options(settings, user_only)["auth"] is None


def test_every_queued_event_of_the_app_sets_how_many_of_it_run_at_once(
    tmp_path: Path, thesis_library_folder: Path, cache_dir: Path
):
    shutil.copytree(thesis_library_folder, tmp_path / "index" / "thesis")
    settings = Settings(index_dir=tmp_path / "index", cache_dir=cache_dir)
    workspace = Workspace(settings)
    intake = Intake(workspace)  # its queue's threads wait for jobs until closed
    try:
        app = build_app(workspace, intake, Accounts(UsersFile(tmp_path / "users.json")), settings)
    finally:
        intake.close()

    # Closing the page calls `leave` at once, never through the queue.
    queued = [fn for fn in app.fns.values() if fn.queue and all(event != "unload" for _, event in fn.targets)]
    limits = {fn.name: fn.concurrency_limit for fn in queued}
    assert limits["start"] == limits["ask"] == limits["documents"] == CONCURRENT_QUESTIONS
    assert limits["upload"] == 4
    assert "default" not in limits.values()  # no queue() call sets one: the event would run one at a time


# A fresh interpreter: this one has imported Gradio already.
SERVE_IMPORT = """
from thesis_qa_app.gradio_import import trim_gradio_import
trim_gradio_import()
import gradio as gr
import gradio.component_meta as meta
with gr.Blocks() as blocks:
    box = gr.Textbox()
    box.change(lambda text: text, box, box)
print(meta.create_or_modify_pyi.__name__, len(blocks.fns))
"""
# Every event listener's docstring of every component, as Gradio filled it in.
LISTENER_DOCS = """
import sys
if sys.argv[1] == "trimmed":
    from thesis_qa_app.gradio_import import trim_gradio_import
    trim_gradio_import()
import gradio as gr
import gradio.events
import jinja2
from gradio.components import Component
components = sorted((c for c in vars(gr).values() if isinstance(c, type) and issubclass(c, Component)), key=str)
docs = [getattr(c, str(e)).__doc__ for c in components for e in c.EVENTS if hasattr(c, str(e))]
print(len(docs), hash("".join(docs)), "{{" in "".join(docs), gradio.events.Template is jinja2.Template)
"""


def test_the_server_imports_gradio_without_rewriting_its_stubs_and_its_components_still_work():
    command = [sys.executable, "-c", SERVE_IMPORT]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["_no_stub", "1"]


def test_the_server_compiles_each_docstring_template_once_and_the_docstrings_read_the_same():
    plain, trimmed = (
        subprocess.run([sys.executable, "-c", LISTENER_DOCS, way], check=True, capture_output=True, text=True,
                       timeout=120, env={**os.environ, "PYTHONHASHSEED": "0"}).stdout
        for way in ("plain", "trimmed")
    )  # fmt: skip

    count, docs, placeholders_left, compiled_anew = trimmed.split()
    assert plain.split() == [count, docs, placeholders_left, "True"]
    assert compiled_anew == "False"
    assert int(count) > 200 and placeholders_left == "False"


def test_the_start_runs_without_the_garbage_collector_and_freezes_what_it_made():
    try:
        with collector_paused():
            paused = not gc.isenabled()
            made = [[] for _ in range(1_000)]

        assert paused and gc.isenabled()
        assert gc.get_freeze_count() >= len(made)
    finally:
        gc.unfreeze()


def test_a_collector_paused_by_the_caller_stays_paused():
    gc.disable()
    try:
        with collector_paused():
            pass

        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


BIDI = "evil\u202eelif.exe \u200bҚазақ\u2066 тілі\u2069"


def test_format_controls_are_removed_from_what_is_shown_and_exported():
    shown_hit = hit(f"Мәтін {BIDI}.", section=BIDI)
    answer = reply(BIDI, "kk", [shown_hit])
    looked_up = lookup_html(found(BIDI, "kk", [shown_hit]), ["t"])

    for shown in (question_html(BIDI), cards(answer), looked_up, markdown(pinned(answer), "kk")):
        assert not any(unicodedata.category(ch) in ("Cf", "Cc") for ch in shown.replace("\n", ""))
        assert "evilelif.exe" in shown and "Қазақ тілі" in shown


def test_the_markdown_export_shows_hostile_text_as_text():
    text = "Кіріспе <script>alert(1)</script> [сілтеме](javascript:alert(2)) <b>қалың</b>. Екі ** жұлдыз ** бар сөйлем."
    second = text.index("Екі")
    passage = hit(text, section="<img src=x onerror=alert(3)>", sentences=((0, second - 1), (second, len(text))))
    pin = {**passage.to_json(), "highlights": [[second, len(text)]], "question": "<a href='javascript:x'>?</a>"}

    rendered = MarkdownIt("commonmark").render(markdown([pin], "en"))

    assert "<script" not in rendered and "<img" not in rendered and "<b>" not in rendered
    assert "<a " not in rendered  # neither the [link](javascript:…) nor the question's <a> is a link
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert rendered.count("<strong>") == 1
    assert "<strong>Екі ** жұлдыз ** бар сөйлем.</strong>" in rendered


def test_an_unanswered_question_says_so_and_folds_the_closest_passages():
    html = cards(Reply("Марста өмір бар ма?", "ru", Answer("Марста өмір бар ма?", [hit()], answered=False)))

    assert "В диссертации нет ответа на этот вопрос." in html
    assert '<details class="tqa-closest"><summary>Ближайшие фрагменты (1): проверьте сами</summary>' in html


def test_confidence_is_never_shown_as_certain():
    assert "сенімділік 99%" in cards(reply("сұрақ", "kk", [replace(hit(), score=1.0)]))


@pytest.mark.parametrize(
    ("value", "parsed"), [(None, 3), (1, 1), (5.0, 5), (50, 50), ("7", None), (0, None), (51, None), (2.5, None),
                          (float("nan"), None), (float("inf"), None), (True, None), ([3], None)],
)  # fmt: skip
def test_k_from_a_program_is_a_whole_number_from_1_to_50(value, parsed):
    if parsed is None:
        with pytest.raises(BadArgument):
            parse_k(value, 3)
    else:
        assert parse_k(value, 3) == parsed


# Raised only where the app never shows them: the CLI's settings and accounts, base classes.
# Raised before a page exists (starting the server, the CLI) or only as a base class's default.
NOT_SHOWN_IN_THE_APP = {"query_engine", "account", "bad_argument", "error", "load", "model", "quota", "store",
                        "missing_extra", "bad_setting"}  # fmt: skip


def test_every_error_code_the_library_or_the_app_raises_has_a_message():
    root = Path(__file__).resolve().parents[2]
    sources = [*root.joinpath("src").rglob("*.py"), *root.joinpath("app").glob("*.py")]
    raised = set()
    for path in sources:
        raised |= set(re.findall(r'\bcode\s*=\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert raised - NOT_SHOWN_IN_THE_APP - set(ERRORS) == set()
