"""The app's pieces on their own, no server: file names, texts, cards, the Markdown export,
API arguments, and the launch settings."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from thesis_qa.accounts import Accounts
from thesis_qa.answer import Answer, judge
from thesis_qa.config import Settings
from thesis_qa.document import Passage
from thesis_qa.owners import safe_name
from thesis_qa.search import Hit
from thesis_qa_app.answers import BadArgument, Reply, parse_k
from thesis_qa_app.collection import add_pins, pinnable, to_markdown
from thesis_qa_app.render import answer_html, lookup_html, question_html
from thesis_qa_app.texts import ERRORS, TEXTS, browser_language, error_text
from thesis_qa_app.ui import launch_options

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
    for entry in [*TEXTS.values(), *ERRORS.values()]:
        assert set(entry) == {"kk", "ru", "en"}
        assert all(entry.values())


def test_an_error_is_explained_in_the_users_language():
    assert error_text("kk", "load_too_big", {"name": "a.pdf", "limit_mb": 20}) == "«a.pdf» тым үлкен: шегі 20 МБ."
    assert "Подходят: .txt .md .docx .pdf .jsonl" in error_text("ru", "load_unsupported", {"name": "a.exe"})
    assert "(disk full)" in error_text("en", "something_new", {}, detail="disk full")


@pytest.mark.parametrize(
    ("header", "language"), [("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("en-US,en", "en"), ("de-DE", "kk"), ("", "kk")]
)
def test_the_interface_starts_in_the_browsers_language(header, language):
    assert browser_language(header) == language


def test_a_card_shows_place_relevance_and_marks_with_whitespace_collapsed():
    html = answer_html(reply("сұрақ", "kk", [hit()]), no_context)

    assert 'КІРІСПЕ › Зерттеудің өзектілігі · ¶ 12 · 5-бет · <span class="tqa-doc">a.pdf</span>' in html
    assert "сенімділік 81%" in html
    assert '<mark class="term">Бірінші</mark>' in html
    assert '<mark class="answer">Екінші сөйлем.</mark>' in html
    assert "\t" not in html
    assert "  " not in html


def test_a_table_of_contents_entry_is_labelled_as_such():
    html = answer_html(reply("вопрос", "ru", [hit(kind="toc", section="", paragraph=0, page=None)]), no_context)

    assert 'Оглавление · <span class="tqa-doc">a.pdf</span>' in html


def test_document_text_section_and_name_are_escaped_in_cards():
    text = f"Мәтін {HOSTILE}"
    answer = reply(HOSTILE, "en", [hit(text, section=HOSTILE, doc=HOSTILE + ".txt")])

    for html in (answer_html(answer, lambda p: ([hit(HOSTILE).passage], [])), lookup_html(answer)):
        assert "<script" not in html
        assert "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_collection_exports_references_and_the_question():
    answer = reply("Зерттеудің өзектілігі неде?", "kk", [hit()])
    pins = add_pins([], pinnable(answer), ["0"])

    markdown = to_markdown(add_pins(pins, pinnable(answer), ["0"]), "ru")

    assert markdown.count("## ") == 1  # pinning a passage twice keeps one copy
    assert "> Бірінші сөйлем. **Екінші сөйлем.**" in markdown
    for line in (
        "- Документ: a.pdf",
        "- Раздел: КІРІСПЕ › Зерттеудің өзектілігі",
        "- Абзац: 12",
        "- Страница: 5",
        "- Вопрос: Зерттеудің өзектілігі неде?",
    ):
        assert line in markdown


def test_the_app_serves_locally_without_login_by_default(tmp_path: Path):
    options = launch_options(Settings(index_dir=tmp_path, cache_dir=tmp_path), Accounts(tmp_path / "users.json"))

    assert options["server_name"] == "127.0.0.1"
    assert options["server_port"] == 7860
    assert options["share"] is False
    assert options["auth"] is None
    assert options["max_file_size"] == "20mb"


def test_a_login_is_asked_only_when_user_and_password_are_both_set(tmp_path: Path):
    settings = Settings(index_dir=tmp_path, cache_dir=tmp_path)
    both = Accounts(tmp_path / "users.json", ("lecturer", "s3cret-пароль"))
    user_only = Accounts(tmp_path / "users.json", ("lecturer", ""))

    assert launch_options(settings, both)["auth"] == both.verify
    assert both.verify("lecturer", "s3cret-пароль") and not both.verify("lecturer", "s3cret")
    assert launch_options(settings, user_only)["auth"] is None


BIDI = "evil\u202eelif.exe \u200bҚазақ\u2066 тілі\u2069"


def test_format_controls_are_removed_from_what_is_shown_and_exported():
    answer = reply(BIDI, "kk", [hit(f"Мәтін {BIDI}.", section=BIDI)])
    pins = add_pins([], pinnable(answer), ["0"])

    for shown in (question_html(BIDI), answer_html(answer, no_context), lookup_html(answer), to_markdown(pins, "kk")):
        assert not any(unicodedata.category(ch) in ("Cf", "Cc") for ch in shown.replace("\n", ""))
        assert "evilelif.exe" in shown and "Қазақ тілі" in shown


def test_the_markdown_export_shows_hostile_text_as_text():
    text = "Кіріспе <script>alert(1)</script> [сілтеме](javascript:alert(2)) <b>қалың</b>. Екі ** жұлдыз ** бар сөйлем."
    second = text.index("Екі")
    passage = hit(text, section="<img src=x onerror=alert(3)>", sentences=((0, second - 1), (second, len(text))))
    pin = {**passage.to_json(), "highlights": [[second, len(text)]], "question": "<a href='javascript:x'>?</a>"}

    rendered = MarkdownIt("commonmark").render(to_markdown([pin], "en"))

    assert "<script" not in rendered and "<img" not in rendered and "<b>" not in rendered
    assert "<a " not in rendered  # neither the [link](javascript:…) nor the question's <a> is a link
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert rendered.count("<strong>") == 1
    assert "<strong>Екі ** жұлдыз ** бар сөйлем.</strong>" in rendered


def test_an_unanswered_question_says_so_and_folds_the_closest_passages():
    html = answer_html(
        Reply("Марста өмір бар ма?", "ru", Answer("Марста өмір бар ма?", [hit()], answered=False)), no_context
    )

    assert "В диссертации нет ответа на этот вопрос." in html
    assert '<details class="tqa-closest"><summary>Ближайшие фрагменты (1): проверьте сами</summary>' in html


def test_confidence_is_never_shown_as_certain():
    assert "сенімділік 99%" in answer_html(reply("сұрақ", "kk", [replace(hit(), score=1.0)]), no_context)


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
NOT_SHOWN_IN_THE_APP = {"query_engine", "account", "bad_argument", "error", "load", "model", "quota", "store"}


def test_every_error_code_the_library_or_the_app_raises_has_a_message():
    root = Path(__file__).resolve().parents[2]
    sources = [*root.joinpath("src").rglob("*.py"), *root.joinpath("app").glob("*.py")]
    raised = set()
    for path in sources:
        raised |= set(re.findall(r'\bcode\s*=\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert raised - NOT_SHOWN_IN_THE_APP - set(ERRORS) == set()
