"""Word theses as the reader sees them: equations in their sentence, Word's numbering as
printed, figure labels left out, and the page each passage was printed on. Each file is
written from its XML (`word_xml`), in the shape real theses have it."""

from __future__ import annotations

import json
import re

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from docx import Document as WordDocument
from word_xml import (
    PAGE_BREAK,
    RENDERED_BREAK,
    abstract_list,
    contents_field,
    figure_with_labels,
    fraction,
    level,
    list_instance,
    math,
    nary,
    paragraph,
    radical,
    section_end,
    subscript,
    superscript,
    text_box,
    write_docx,
)

from thesis_qa.cli import main
from thesis_qa.ingest import load_document
from thesis_qa.ingest.structure import segment


def _passages(path):
    return segment(load_document(path))


def _passage_with(passages, words: str):
    return next(p for p in passages if words in p.text)


# --- equations ----------------------------------------------------------------------------


def test_an_inline_equation_stays_in_its_sentence(tmp_path):
    body = paragraph("Метод ", math("get", subscript("Q", "i")), " возвращает объект интерфейса ", math("N"), ".")
    doc = load_document(write_docx(tmp_path / "inline.docx", body))
    assert doc.text == "Метод getQ_i возвращает объект интерфейса N."


def test_display_equations_read_as_linear_text(tmp_path):
    body = "".join(
        [
            paragraph(math("N=", fraction("a", "b"), display=True)),
            paragraph(math("G=", fraction("1", "2πσ"), superscript("e", "-x+y"), display=True)),
            paragraph(math("S=", nary("∑", "i=1", "n", subscript("x", "i")), display=True)),
            paragraph(math("d=", radical(superscript("x", "2"), "+", superscript("y", "2")), display=True)),
        ]
    )
    doc = load_document(write_docx(tmp_path / "display.docx", body))
    assert doc.text.split("\n\n") == ["N=a/b", "G=1/(2πσ)e^(-x+y)", "S=∑_(i=1)^n x_i", "d=√(x^2+y^2)"]


# --- numbering ----------------------------------------------------------------------------

_CHAPTERS = abstract_list(
    0,
    level(0, "%1"),
    level(1, "%1.%2"),
    level(2, "%1.%2.%3"),
)


def test_heading_numbers_are_the_ones_word_prints(tmp_path):
    body = "".join(
        [
            paragraph("Обзор", style="Heading1", num=(1, 0)),
            paragraph("Механизмы", style="Heading2", num=(1, 1)),
            paragraph("Алгоритмы", style="Heading1", num=(1, 0)),
            paragraph("Оптимизация", style="Heading2", num=(1, 1)),
            paragraph("Вставка", style="Heading3", num=(1, 2)),
            paragraph("Текст раздела о вставке."),
        ]
    )
    passages = _passages(write_docx(tmp_path / "numbers.docx", body, _CHAPTERS + list_instance(1, 0)))
    assert _passage_with(passages, "Текст раздела").section == "2 Алгоритмы › 2.1 Оптимизация › 2.1.1 Вставка"


def test_outline_levels_a_template_set_on_every_paragraph_mark_no_headings(tmp_path):
    """A file whose every paragraph carries an outline level (a converted template): the
    heading styles still make the sections, the body text stays text."""
    outlined = '<w:outlineLvl w:val="0"/>'
    body = "".join(
        [
            paragraph("1 Теория", style="Heading1"),
            paragraph("Бірінші абзац теория туралы.", props=outlined),
            paragraph("Екінші абзац.", props=outlined),
            paragraph("1.1 Әдістер", style="Heading2"),
            paragraph("Әдістер туралы абзац.", props=outlined),
            paragraph("1. Тізімнің бірінші тармағы;", props=outlined),
        ]
    )
    passages = _passages(write_docx(tmp_path / "outlined.docx", body))
    assert [p.text for p in passages if p.kind == "heading"] == ["1 Теория", "1.1 Әдістер"]
    assert _passage_with(passages, "Әдістер туралы").section == "1 Теория › 1.1 Әдістер"


def test_an_outline_level_marks_a_heading_where_few_paragraphs_carry_one(tmp_path):
    body = "".join(
        [
            paragraph("Кіріспе", props='<w:outlineLvl w:val="0"/>'),
            *(paragraph(f"Кіріспенің {n}-абзацы.") for n in range(1, 4)),
        ]
    )
    passages = _passages(write_docx(tmp_path / "outline.docx", body))
    assert [p.text for p in passages if p.kind == "heading"] == ["Кіріспе"]


def test_an_item_before_any_of_its_parent_level_counts_the_parent_as_shown(tmp_path):
    """Word numbers a list whose first item is at level 2 ("1.3.") as if level 1 had shown
    its start: the next level-1 item is "2.", as the author saw it."""
    chapters = abstract_list(0, level(0, "%1."), level(1, "%1.%2.", start=3))
    body = "".join(
        [
            paragraph("Құжаттама процесіне шолу", num=(1, 1)),
            paragraph("Шолу мәтіні."),
            paragraph("Жобаны модельдеу бөлімі", num=(1, 0)),
            paragraph("Модельдеу мәтіні."),
        ]
    )
    passages = _passages(write_docx(tmp_path / "numbers.docx", body, chapters + list_instance(1, 0)))
    assert [p.text for p in passages if p.text.endswith(("шолу", "бөлімі"))] == [
        "1.3. Құжаттама процесіне шолу", "2. Жобаны модельдеу бөлімі"
    ]  # fmt: skip


def test_start_values_restarts_overrides_and_legal_numbers(tmp_path):
    appendix = abstract_list(
        1,
        level(0, "Приложение %1.", fmt="upperLetter", start=3),
        level(1, "%1.%2", extra='<w:isLgl/><w:lvlRestart w:val="0"/>'),
    )
    body = "".join(
        [
            paragraph("Код", num=(2, 0)),
            paragraph("Листинг", num=(2, 1)),
            paragraph("Журнал", num=(2, 0)),
            paragraph("Вывод", num=(2, 1)),  # lvlRestart 0: runs on from 1 to 2
            paragraph("Снова", num=(3, 0)),  # the same list restarted at A by an override
        ]
    )
    numbering = appendix + list_instance(2, 1) + list_instance(3, 1, {0: 1})
    doc = load_document(write_docx(tmp_path / "appendix.docx", body, numbering))
    assert doc.text.split("\n\n") == [
        "Приложение C. Код",
        "3.1 Листинг",  # isLgl: "3.1", not "C.1"
        "Приложение D. Журнал",
        "4.2 Вывод",
        "Приложение A. Снова",
    ]


def test_a_numbered_bibliography_past_nine_stays_bibliography(tmp_path):
    entries = [f"Автор {chr(0x410 + i)}. Название книги. – М., 20{i:02d}." for i in range(12)]
    entries[9] = "Derrick J. et al. Quantitative relaxation of concurrent data structures. – 2013."
    body = "".join(
        [
            paragraph("СПИСОК ИСПОЛЬЗОВАННЫХ ИСТОЧНИКОВ", style="Heading1"),
            *(paragraph(entry, num=(1, 0)) for entry in entries),
        ]
    )
    numbering = abstract_list(0, level(0, "%1.")) + list_instance(1, 0)
    passages = _passages(write_docx(tmp_path / "bibliography.docx", body, numbering))
    listed = [p for p in passages if p.kind == "bibliography"]
    assert len(listed) == 12 and not [p for p in passages if p.kind == "body"]
    assert listed[9].text.startswith("10. Derrick J. et al.")
    assert [p.kind for p in passages].count("heading") == 1


# --- drawings -----------------------------------------------------------------------------


def test_labels_inside_a_figure_are_left_out_a_lone_text_box_is_read(tmp_path):
    body = "".join(
        [
            paragraph("Схема очереди:", figure_with_labels("MAX, MIN", "Поток 1")),
            paragraph("Примечание:", text_box("Очередь защищена блокировкой.")),
        ]
    )
    doc = load_document(write_docx(tmp_path / "figure.docx", body))
    assert doc.text == "Схема очереди:\n\nПримечание:\n\nОчередь защищена блокировкой."


# --- pages --------------------------------------------------------------------------------


def _paged_thesis() -> str:
    """Two roman front-matter pages (title, contents), then a section numbered from 3 with
    pages Word broke by itself (rendered breaks), by an explicit break and by "page break
    before" on a heading."""
    return "".join(
        [
            paragraph("Титульный лист диссертации."),
            paragraph(RENDERED_BREAK, "Аннотация работы на второй странице.", props=section_end(1, "lowerRoman")),
            paragraph(RENDERED_BREAK, "Введение", style="Heading1"),
            paragraph(
                "Первый абзац введения на третьей странице. Его последняя строка",
                RENDERED_BREAK,
                " уходит дальше. Второе предложение на четвёртой.",
            ),
            paragraph("Абзац на четвёртой странице.", PAGE_BREAK),
            paragraph(RENDERED_BREAK, "Абзац на пятой странице после явного разрыва."),
            paragraph("Заключение", style="Heading1", props="<w:pageBreakBefore/>"),
            paragraph("Итоги работы на шестой странице."),
            section_end(3),
        ]
    )


def test_each_passage_has_the_page_word_printed_it_on(tmp_path):
    passages = _passages(write_docx(tmp_path / "paged.docx", _paged_thesis()))
    expected = {
        "Титульный лист диссертации.": (1, "i"),
        "Аннотация работы на второй странице.": (2, "ii"),
        "Введение": (3, "3"),
        "Первый абзац введения на третьей странице.": (3, "3"),  # with the sentence Word cut at "строка"
        "Второе предложение на четвёртой.": (4, "4"),  # the paragraph ran on to the next page
        "Абзац на четвёртой странице.": (4, "4"),
        "Абзац на пятой странице после явного разрыва.": (5, "5"),  # explicit and rendered: one page
        "Заключение": (6, "6"),
        "Итоги работы на шестой странице.": (6, "6"),
    }
    for words, page in expected.items():
        passage = _passage_with(passages, words)
        assert (passage.page_index, passage.page) == page, words


@pytest.mark.parametrize(
    "contents", [[], [("Вторая страница", 2)]], ids=["no contents list", "a contents list naming one page"]
)
def test_a_file_no_word_has_paginated_gets_no_pages(tmp_path, contents):
    """LibreOffice and other editors write no rendered breaks: explicit breaks alone would
    cite wrong pages, and a contents list pinning fewer than two pages cannot tell how long
    a page is, so there are none."""
    lines = [paragraph(f"{title} {'.' * 10} {page}") for title, page in contents]
    body = "".join([*lines, paragraph("Первая страница.", PAGE_BREAK), paragraph("Вторая страница")])
    passages = _passages(write_docx(tmp_path / "unpaged.docx", body))
    assert {(p.page, p.page_index) for p in passages} == {(None, None)}


# A thesis of 11 pages: the title page, the contents, then four chapters, each opening a
# page, four paragraphs of the same length to a page.
_CHAPTERS_ON_PAGES = {"1 Обзор литературы": 3, "2 Методы исследования": 5, "3 Результаты": 8, "Заключение": 10}
_LAST_PAGE = 11


def _thesis_with_contents(contents: str, word_paginated: bool) -> str:
    """The thesis with its contents list as a Word field or as typed lines with dot leaders;
    with the breaks Word renders where each page starts when `word_paginated`, else none (as
    LibreOffice saves it)."""
    rendered = RENDERED_BREAK if word_paginated else ""
    entries = list(_CHAPTERS_ON_PAGES.items())
    if contents == "field":
        listed = contents_field(entries)
    else:
        listed = "".join(paragraph(f"{title} {'.' * 20} {page}") for title, page in entries)
    body = [paragraph("Титульный лист диссертации.", PAGE_BREAK), paragraph(rendered, "СОДЕРЖАНИЕ"), listed]
    ends = [*list(_CHAPTERS_ON_PAGES.values())[1:], _LAST_PAGE + 1]
    for (title, page), end in zip(_CHAPTERS_ON_PAGES.items(), ends, strict=True):
        body.append(paragraph(rendered, title, style="Heading1", props="<w:pageBreakBefore/>"))
        for n in range(4 * (end - page)):
            opening = rendered if n and n % 4 == 0 else ""
            body.append(paragraph(opening, f"Страница {page + n // 4:02d}, абзац {n % 4}. " + "Текст работы. " * 20))
    return "".join(body)


@pytest.mark.parametrize("contents", ["field", "typed"])
def test_a_file_no_word_paginated_gets_pages_estimated_from_its_contents_list(tmp_path, contents):
    """Saved by LibreOffice (no rendered breaks), a thesis still gets pages: each heading its
    contents list pins opens the page the list prints, the pages between are spread over the
    text by its length. Every such page is marked as an estimate ("≈8")."""
    passages = _passages(write_docx(tmp_path / "libreoffice.docx", _thesis_with_contents(contents, False)))

    assert all(p.page and p.page.startswith("≈") for p in passages)
    chapters = [(p.text, p.page) for p in passages if p.text in _CHAPTERS_ON_PAGES]
    assert chapters == [(title, f"≈{page}") for title, page in _CHAPTERS_ON_PAGES.items()]
    numbers = [int(p.page.removeprefix("≈")) for p in passages if p.text.startswith("Страница")]
    assert numbers == sorted(numbers)  # the pages grow with the text
    assert set(numbers) == set(range(3, _LAST_PAGE + 1))  # none left out
    for passage in passages:
        if passage.text.startswith("Страница"):  # "Страница 06, …" was printed on page 6
            assert passage.page == f"≈{int(passage.text[9:11])}", passage.text


def _table(document, rows: list[tuple[str, str]]) -> None:
    table = document.add_table(rows=len(rows), cols=2)
    for row, cells in zip(table.rows, rows, strict=True):
        row.cells[0].text, row.cells[1].text = cells


def test_a_contents_list_laid_out_as_a_table_is_read_as_contents(tmp_path):
    """Some templates lay the contents out as a borderless table: under "МАЗМҰНЫ", each row a
    title and its page, it is the contents list; a table of numbers elsewhere stays a table."""
    document = WordDocument()
    document.add_paragraph("МАЗМҰНЫ")
    _table(document, [("КІРІСПЕ", "3"), ("1 Теориялық негіздер", "4"), ("1.1 Тарихы", "4"), ("ҚОРЫТЫНДЫ", "6")])
    document.add_paragraph("КІРІСПЕ")
    document.add_paragraph("Кіріспе мәтіні.")
    document.add_paragraph("Кесте 1 – Кезеңдер")
    _table(document, [("Бірінші кезең", "10"), ("Екінші кезең", "20"), ("Үшінші кезең", "30")])
    document.save(str(tmp_path / "contents.docx"))

    passages = _passages(tmp_path / "contents.docx")
    assert [p.text for p in passages if p.kind == "toc"] == [
        "КІРІСПЕ\t3", "1 Теориялық негіздер\t4", "1.1 Тарихы\t4", "ҚОРЫТЫНДЫ\t6"
    ]  # fmt: skip
    assert [p.kind for p in passages if "кезең" in p.text] == ["table"]


def test_the_command_line_and_its_json_cite_an_estimated_page_as_one(tmp_path, cli_env):
    path = write_docx(tmp_path / "libreoffice.docx", _thesis_with_contents("typed", False))
    runner = CliRunner(env=cli_env)

    assert runner.invoke(main, ["index", str(path), "--index", "estimated"], catch_exceptions=False).exit_code == 0
    asked = ["ask", "Страница 06, абзац 2", "--index", "estimated"]
    payload = json.loads(runner.invoke(main, [*asked, "--json"], catch_exceptions=False).output)
    assert payload["results"][0]["page"] == "≈6"
    assert "p. ≈6" in runner.invoke(main, asked, catch_exceptions=False).output.split("\n\n")[1]


def test_a_file_word_paginated_keeps_the_pages_word_printed_unmarked(tmp_path):
    """The same thesis as Word saves it (rendered breaks): its own pages, not estimates."""
    passages = _passages(write_docx(tmp_path / "word.docx", _thesis_with_contents("field", True)))

    assert [p.page for p in passages if p.text in _CHAPTERS_ON_PAGES] == [str(n) for n in _CHAPTERS_ON_PAGES.values()]
    for passage in passages:
        if passage.text.startswith("Страница"):
            assert passage.page == str(int(passage.text[9:11])), passage.text
    assert passages[0].page == "1"


def test_pages_word_did_not_mark_inside_the_contents_come_back_from_its_entries(tmp_path):
    """Word renders no break inside a contents field: the page its entries print for the
    first heading puts the contents' own pages back."""
    entries = [(f"{n} Глава номер {n}", 3 + n) for n in range(1, 60)]
    body = "".join(
        [
            paragraph("Титульный лист."),
            paragraph(RENDERED_BREAK, "СОДЕРЖАНИЕ"),
            contents_field(entries),
            *(
                paragraph(RENDERED_BREAK, f"{n} Глава номер {n}", style="Heading1") + paragraph(f"Текст главы {n}.")
                for n in range(1, 60)
            ),
        ]
    )
    passages = _passages(write_docx(tmp_path / "contents.docx", body))
    headings = [p for p in passages if p.kind == "heading" and p.text.startswith(("1 ", "2 ", "59 "))]
    assert [(p.text, p.page) for p in headings] == [
        ("1 Глава номер 1", "4"),
        ("2 Глава номер 2", "5"),
        ("59 Глава номер 59", "62"),
    ]
    contents = [p for p in passages if p.kind == "toc"]
    assert contents[0].page == "2" and contents[-1].page == "3"  # the contents took two pages


def test_pages_agree_with_the_pdf_libreoffice_prints(tmp_path, pdf_export):
    """The same file printed: every passage's text is on the PDF page the passage names
    (pages broken where both Word and LibreOffice break them: explicit breaks, a new
    section, "page break before")."""
    body = "".join(
        [
            paragraph("Титульный лист диссертации.", PAGE_BREAK),
            paragraph(RENDERED_BREAK, "Аннотация работы.", props=section_end(1, "lowerRoman")),
            paragraph(RENDERED_BREAK, "Введение", style="Heading1"),
            paragraph("Абзац введения.", PAGE_BREAK),
            paragraph(RENDERED_BREAK, "Абзац после явного разрыва."),
            paragraph(RENDERED_BREAK, "Заключение", style="Heading1", props="<w:pageBreakBefore/>"),
            paragraph("Итоги работы."),
            section_end(3),
        ]
    )
    path = write_docx(tmp_path / "printed.docx", body)
    pdf = pdfium.PdfDocument(pdf_export(path))
    printed = [_letters(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
    passages = _passages(path)
    assert len(pdf) == max(p.page_index for p in passages)
    for passage in passages:
        assert _letters(passage.text) in printed[passage.page_index - 1], passage.text


def _letters(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


def test_lists_linked_through_a_list_style_count_together(tmp_path):
    """Chapters and sections numbered by two lists that both stand for one list style
    (`w:styleLink` / `w:numStyleLink`): Word prints 2.1.1 under chapter 2, not 1.1.1."""
    defining = _CHAPTERS.replace("<w:lvl ", '<w:styleLink w:val="Headings"/><w:lvl ', 1)
    linking = '<w:abstractNum w:abstractNumId="1"><w:numStyleLink w:val="Headings"/></w:abstractNum>'
    body = "".join(
        [
            paragraph("Обзор", style="Heading1", num=(1, 0)),
            paragraph("Алгоритмы", style="Heading1", num=(1, 0)),
            paragraph("Оптимизация", style="Heading2", num=(2, 1)),
            paragraph("Вставка", style="Heading3", num=(2, 2)),
        ]
    )
    numbering = defining + linking + list_instance(1, 0) + list_instance(2, 1)
    doc = load_document(write_docx(tmp_path / "linked.docx", body, numbering))
    assert doc.text.split("\n\n") == ["1 Обзор", "2 Алгоритмы", "2.1 Оптимизация", "2.1.1 Вставка"]


def test_a_paragraph_naming_only_its_list_takes_the_level_from_its_style(tmp_path):
    section_style = (
        '<w:style w:type="paragraph" w:styleId="Section"><w:name w:val="Section"/><w:pPr>'
        '<w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
    )
    body = "".join(
        [
            paragraph("Обзор", num=(1, 0)),
            paragraph("Механизмы", style="Section"),
            paragraph("Блокировки", style="Section", props='<w:numPr><w:numId w:val="1"/></w:numPr>'),
        ]
    )
    doc = load_document(write_docx(tmp_path / "ilvl.docx", body, _CHAPTERS + list_instance(1, 0), section_style))
    assert doc.text.split("\n\n") == ["1 Обзор", "1.1 Механизмы", "1.2 Блокировки"]
