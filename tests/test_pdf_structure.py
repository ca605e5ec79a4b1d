"""The section tree of a thesis exported to PDF, as the reader sees it: a title page, the
front and back matter set in a section's type, contents lists with LaTeX's spaced dot
leaders, bold lines in body type, chapters numbered in roman over two lines with "1.", "2."
items inside a section, and two ruled tables on one page. Each PDF is exported here by
LibreOffice from a .docx written with python-docx."""

from __future__ import annotations

import pytest
from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

from thesis_qa.document import Document, HeadingHint
from thesis_qa.ingest import load_document
from thesis_qa.ingest.structure import segment

TEXT = [
    "Зерттеу жұмысы үш бөлімнен тұрады және әр бөлім өз мәселесін қарастырады.",
    "Бұл тарауда алынған нәтижелер келесі тарауда салыстырылады және талданады.",
    "Мәліметтер жинағы жылдар бойынша топтастырылып, кестеге енгізілді.",
    "Қорытындылай келе, ұсынылған әдіс алдыңғы әдістерден тиімдірек болды.",
]


def line(document, text: str, size: float, bold: bool = False, center: bool = False):
    """A paragraph of `text` in `size` points, as authors set their titles by hand."""
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.font.size = bold, Pt(size)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def exported(document, folder, pdf_export) -> list:
    path = folder / "thesis.docx"
    document.save(str(path))
    return segment(load_document(pdf_export(path)))


def body_sections(passages: list) -> dict[str, str]:
    return {p.text: p.section for p in passages if p.kind in ("body", "bibliography")}


# --- front and back matter (issue 27: КІРІСПЕ under the title, the conclusion under chapter 2) ---

MATTER = {
    "kk": ("КІРІСПЕ", "ҚОРЫТЫНДЫ", "ПАЙДАЛАНЫЛҒАН ӘДЕБИЕТТЕР ТІЗІМІ"),
    "ru": ("Введение", "Заключение", "Список использованных источников"),
}


@pytest.mark.parametrize("language", sorted(MATTER))
def test_front_and_back_matter_in_a_section_s_type_are_chapters(tmp_path, pdf_export, language):
    introduction, conclusion, bibliography = MATTER[language]
    document = WordDocument()
    line(document, "Тарих пен табиғат: салыстырмалы зерттеу", 20, bold=True, center=True)
    line(document, "Магистрлік диссертация", 14, center=True).runs[0].add_break(WD_BREAK.PAGE)
    line(document, introduction, 14, bold=True, center=True)
    document.add_paragraph(TEXT[0])
    for number in (1, 2):
        line(document, f"{number} ТАРАУДЫҢ АТАУЫ {number}", 16, bold=True)
        line(document, f"{number}.1 Бөлімнің атауы {number}", 14, bold=True)
        document.add_paragraph(TEXT[number])
    line(document, conclusion, 14, bold=True, center=True)
    document.add_paragraph(TEXT[3])
    line(document, bibliography, 14, bold=True, center=True)
    document.add_paragraph("Әлиев Б. Қазақ тарихы. – Алматы: Ғылым, 2001. – 200 б.")

    sections = body_sections(exported(document, tmp_path, pdf_export))
    assert sections[TEXT[0]] == introduction
    assert sections[TEXT[2]] == "2 ТАРАУДЫҢ АТАУЫ 2 › 2.1 Бөлімнің атауы 2"
    assert sections[TEXT[3]] == conclusion
    assert sections["Әлиев Б. Қазақ тарихы. – Алматы: Ғылым, 2001. – 200 б."] == bibliography


# --- contents with spaced dot leaders ------------------------------------------------------


def test_a_contents_list_with_spaced_dot_leaders_is_contents(tmp_path, pdf_export):
    document = WordDocument()
    line(document, "Содержание", 16, bold=True, center=True)
    titles = ["1 Обзор литературы", "1.1 Известные методы", "1.2 Постановка задачи", "2 Реализация"]
    for page, title in enumerate(titles, start=3):
        document.add_paragraph(f"{title} " + ". " * (40 - len(title) // 2) + str(page))
    document.paragraphs[-1].runs[0].add_break(WD_BREAK.PAGE)
    for title, text in zip(titles, TEXT, strict=True):
        line(document, title, 16 if "." not in title else 14, bold=True)
        document.add_paragraph(text)

    passages = exported(document, tmp_path, pdf_export)
    assert [p.text.split(" .")[0] for p in passages if p.kind == "toc"] == titles
    assert [p.text for p in passages if p.kind == "heading" and p.text[0].isdigit()] == titles
    assert body_sections(passages)[TEXT[2]] == "1 Обзор литературы › 1.2 Постановка задачи"


# --- bold lines in body type ------------------------------------------------------------------


def test_a_bold_line_in_body_type_is_a_subtitle_and_a_bold_term_opens_no_heading(tmp_path, pdf_export):
    document = WordDocument()
    document.styles["Normal"].font.size = Pt(14)
    line(document, "1 Топологии", 18, bold=True)
    line(document, "1.1 Решетки топологий", 14, bold=True)
    document.add_paragraph(TEXT[0])
    line(document, "Топологии на множестве из двух точек:", 14, bold=True)
    document.add_paragraph(TEXT[1])
    term = document.add_paragraph()
    term.add_run("CPQ").bold = True
    term.add_run(" – ослабленная очередь с приоритетами.")

    passages = exported(document, tmp_path, pdf_export)
    subtitle = "1 Топологии › 1.1 Решетки топологий › Топологии на множестве из двух точек"
    assert body_sections(passages)[TEXT[1]] == subtitle
    assert [p.text for p in passages if p.kind == "heading"][-1] == "Топологии на множестве из двух точек:"
    assert [p.section for p in passages if p.text.startswith("CPQ")] == [subtitle]


# --- chapters numbered in roman, items numbered inside a section ------------------------------


def test_a_roman_chapter_over_two_lines_and_numbered_items_inside_its_section(tmp_path, pdf_export):
    document = WordDocument()
    document.styles["Normal"].font.size = Pt(11)
    for chapter, (first, second) in (
        ("II", ("ДЕРЕКТЕРДІҢ ТҮРЛЕРІ", "ЖӘНЕ СИПАТТАМАСЫ")),
        ("III", ("ЗЕРТТЕУ", "ТАРИХЫ")),
    ):
        title = line(document, f"{chapter}. {first}", 10.5, center=True)
        title.runs[0].add_break(WD_BREAK.LINE)
        title.add_run(second).font.size = Pt(10.5)
        line(document, f"{len(chapter)}.1. Жазба деректер тобы", 10.5, bold=True, center=True)
        document.add_paragraph(TEXT[0] if chapter == "II" else TEXT[3])
        if chapter == "II":
            for number, item in ((1, "Шежірелердегі мәліметтер"), (2, "Аңыздардағы мәліметтер")):
                line(document, f"{number}. {item}", 11, bold=True)
                document.add_paragraph(TEXT[number])
            document.paragraphs[-1].runs[0].add_break(WD_BREAK.PAGE)

    sections = body_sections(exported(document, tmp_path, pdf_export))
    chapter_2 = "II. ДЕРЕКТЕРДІҢ ТҮРЛЕРІ ЖӘНЕ СИПАТТАМАСЫ › 2.1. Жазба деректер тобы"
    assert sections[TEXT[0]] == chapter_2
    assert sections[TEXT[2]] == f"{chapter_2} › 2. Аңыздардағы мәліметтер"
    assert sections[TEXT[3]] == "III. ЗЕРТТЕУ ТАРИХЫ › 3.1. Жазба деректер тобы"


# --- ruled tables ----------------------------------------------------------------------------


def test_the_text_between_two_ruled_tables_on_a_page_is_no_table(tmp_path, pdf_export):
    document = WordDocument()
    line(document, "4 Бизнес-план", 16, bold=True)
    line(document, "4.3 Маркетинговая стратегия", 14, bold=True)
    for number, title in ((1, "4.4 Производственный план"), (2, None)):
        table = document.add_table(rows=3, cols=3)
        table.style = "Table Grid"
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                cell.text = f"Ячейка {number}.{r}.{c}"
        if title:
            document.add_paragraph(TEXT[1])
            line(document, title, 14, bold=True)
            document.add_paragraph(TEXT[2])

    passages = exported(document, tmp_path, pdf_export)
    assert "4.4 Производственный план" in [p.text for p in passages if p.kind == "heading"]
    assert body_sections(passages)[TEXT[2]] == "4 Бизнес-план › 4.4 Производственный план"


def test_a_bullet_item_wrapped_under_its_text_is_one_passage(tmp_path, pdf_export):
    """List items whose lines are indented under their text, on a page whose other paragraphs
    start at the margin: each wrapped line goes on its item (ru-mcts's MCTS phases were cut
    into one passage a line). One is Word's own bullet list (its bullet a Symbol-font glyph,
    read as "•"), one a bullet typed before a tab with a hanging indent."""
    phase = (
        "фаза, обратное распространение. На этом этапе информация о сыгранной партии распространяется "
        "вверх по дереву, обновляя информацию в каждом из ранее пройденных узлов. Каждый из этих узлов "
        "увеличивает показатель количества игр, а узлы победителя также и количество побед."
    )
    document = WordDocument()
    line(document, "3 Алгоритм", 16, bold=True)
    for text in TEXT * 2:
        document.add_paragraph(f"{text} {text} {text}")
    document.add_paragraph(f"Третья {phase}", style="List Bullet")
    typed = document.add_paragraph(f"•\tЧетвертая {phase}")
    typed.paragraph_format.left_indent, typed.paragraph_format.first_line_indent = Cm(1.5), Cm(-0.6)
    document.add_paragraph(TEXT[3])

    passages = [p.text for p in exported(document, tmp_path, pdf_export)]
    assert f"• Третья {phase}" in passages
    assert f"• Четвертая {phase}" in passages


def test_a_foreword_set_larger_than_the_body_is_body_text_under_its_title(tmp_path, pdf_export):
    """A monograph's foreword in a larger type than its chapters (kk-khan's had become five
    headings, each a whole paragraph): its paragraphs are body text filed under its title,
    also where one runs on from the page before."""
    foreword = [
        f"{TEXT[0]} {TEXT[1]} Ғылыми жетекшімнің кеңестері көп мәселені дұрыс шешуге көмектесті. {TEXT[2]}",
        f"{TEXT[3]} {TEXT[1]} Осы тақырыппен болашақта айналысатын мамандарға көмегі көп болар. {TEXT[0]}",
    ]
    document = WordDocument()
    line(document, "АЛҒЫ СӨЗ", 16, bold=True)
    for paragraph in foreword * 3:  # over a page, so a paragraph runs on to the next
        line(document, paragraph, 13)
    line(document, "КІРІСПЕ", 16, bold=True)
    for text in TEXT * 12:
        document.add_paragraph(f"{text} {text}")

    passages = exported(document, tmp_path, pdf_export)
    assert not [p.text for p in passages if p.kind == "heading" and len(p.text) > 100]
    assert {p.section for p in passages if p.text.startswith(TEXT[0]) or p.text.startswith(TEXT[3])} >= {"АЛҒЫ СӨЗ"}
    assert all(p.section in ("АЛҒЫ СӨЗ", "КІРІСПЕ") for p in passages if p.kind == "body")


# --- pure logic: what the PDF reader hands the segmenter ---------------------------------------


def test_a_bare_figure_label_does_not_take_the_numbered_heading_after_it():
    text = "5.1 Cube\n\nТекст раздела.\n\nРис. 5: .\n\n5.2 Сравнение итераций\n\nСравним итерации обучения."
    start = text.index("5.2")
    hints = (HeadingHint(0, 8, 2), HeadingHint(start, start + len("5.2 Сравнение итераций"), 2))
    passages = segment(Document("t.pdf", text, headings=hints))
    assert [p.text for p in passages if p.kind == "caption"] == ["Рис. 5: ."]
    assert passages[-1].section == "5.2 Сравнение итераций"


def test_a_maths_sign_and_its_index_title_nothing():
    text = "2.2. Поиск топологий\n\nМножество открыто.\n\nÐ𝑛\n\nЗаметим, что свойство сохраняется."
    start = text.index("Ð")
    passages = segment(Document("t.pdf", text, headings=(HeadingHint(start, start + 3, 3),)))
    assert {p.section for p in passages} == {"2.2. Поиск топологий"}


def test_chapters_numbered_by_a_bare_roman_numeral_are_chapters(tmp_path, pdf_export):
    document = WordDocument()
    line(document, "1 Алғы сөз", 16, bold=True)
    document.add_paragraph(TEXT[0])
    for numeral, text in (("II", TEXT[1]), ("ІV", TEXT[2])):  # as stories set them: body type, centred
        line(document, numeral, 11, center=True)
        document.add_paragraph(text)

    sections = body_sections(exported(document, tmp_path, pdf_export))
    assert (sections[TEXT[1]], sections[TEXT[2]]) == ("II", "ІV")


def test_items_in_capitals_after_bullets_are_no_title():
    text = "1.2.4 Қауіпсіздік\n\nRBAC рөлдері:\n\n• ADMIN\n\n• DOCTOR\n\nӘр рөлдің өз құқықтары бар."
    passages = segment(Document("t.docx", text, headings=(HeadingHint(0, 17, 3),)))
    assert [p.text for p in passages if p.kind == "heading"] == ["1.2.4 Қауіпсіздік"]
    assert {p.section for p in passages} == {"1.2.4 Қауіпсіздік"}
