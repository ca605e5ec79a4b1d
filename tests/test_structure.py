"""The section tree a reader sees, whatever the format: captions of figures and tables are
captions (never headings, never the section of the text after them), numbered lists and
bibliographies stay lists however long, formulas in capitals are no titles."""

from __future__ import annotations

import pytest
from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from thesis_qa.document import Block, Document, HeadingHint, Passage
from thesis_qa.ingest import load_document
from thesis_qa.ingest.structure import segment

CAPTIONS = [
    "Сурет 1 – Жүйенің жалпы архитектурасы",
    "Рис. 10.\n«Коррекция Фибоначчи»",  # a bare label and its title on the next line: one caption
    "Кесте 8",
    "Рис.2. Схема очереди",
    "Figure 1: System overview",
    "Таблица 2 — План продаж",
    "3.1-кесте – Облыстар",
    "2.1.1 сурет — Сөйлеуді тану кітапханаларының салыстырмалы талдауы",  # the number first
    "1.2.1 график - Тану сапасын жақсартудың тәсілдері",
    "1.3.2 кестенің жалғасы",  # a table going on over a page
    "Продолжение таблицы 4",
    "2.1-сурет − Тәуелді кітапханалар",  # a minus sign (U+2212) set as the dash
]


def _thesis_text() -> str:
    paragraphs = ["1.1. Әдістер", "Бірінші абзац әдістер туралы."]
    for n, caption in enumerate(CAPTIONS):
        paragraphs += [caption, f"Суреттен кейінгі {n + 1}-абзац осы бөлімде қалады."]
    return "\n\n".join(paragraphs)


def as_pdf_hints(lines: list[str], levels: dict[str, int] | None = None) -> list[Passage]:
    """The passages of `lines` (paragraphs) as a PDF would hint them: each line in `levels` a
    heading of its level, or, without `levels`, every line not ending in "." a chapter (set
    bold or large, whatever it is)."""
    text = "\n\n".join(lines)
    levels = levels or {line: 1 for line in lines if not line.endswith(".")}
    hints = tuple(HeadingHint(text.index(h), text.index(h) + len(h), level) for h, level in levels.items())
    return segment(Document("t.pdf", text, headings=hints))


def test_captions_are_their_own_kind_and_the_text_after_them_keeps_its_section():
    passages = segment(Document("t.txt", _thesis_text()))
    assert [p.text for p in passages if p.kind == "caption"] == CAPTIONS
    assert [p.text for p in passages if p.kind == "heading"] == ["1.1. Әдістер"]
    assert {p.section for p in passages if p.kind != "heading"} == {"1.1. Әдістер"}


def test_a_caption_set_over_lines_of_its_own_goes_on_while_it_is_unfinished():
    """A LaTeX PDF centres a caption's lines, each read as a paragraph: a bracket left open or
    a comma last says the next line is still the caption (its year, its source)."""
    lines = [
        "8. Инфографика",
        "Рис. 4: Опрос разработчиков об используемых ими технологиях (2021",
        "год)",
        "Рис. 5: Популярность кроссплатформенных фреймворков (2019–2021),",
        "источник: Statista.com",
        "Рис. 6: Доля рынка (2022)",
        "Текст после рисунков остаётся текстом.",
    ]

    passages = segment(Document("t.txt", "\n\n".join(lines)))

    assert [p.text for p in passages if p.kind == "caption"] == [
        "Рис. 4: Опрос разработчиков об используемых ими технологиях (2021\n\nгод)",
        "Рис. 5: Популярность кроссплатформенных фреймворков (2019–2021),\n\nисточник: Statista.com",
        "Рис. 6: Доля рынка (2022)",  # finished: the line after it is text
    ]


def test_a_caption_the_format_marks_as_a_heading_is_still_a_caption():
    """A PDF sets captions bold and centred like headings, a .docx may style them so."""
    text = "Кіріспе\n\nМәтін.\n\nРисунок 3 – Иерархическая структура\n\nСурет астындағы мәтін."
    start = text.index("Рисунок")
    hints = (HeadingHint(0, 7, 1), HeadingHint(start, text.index("\n\nСурет астындағы"), 2))
    passages = segment(Document("t.pdf", text, headings=hints))
    assert [(p.kind, p.section, p.text) for p in passages] == [
        ("heading", "Кіріспе", "Кіріспе"),
        ("body", "Кіріспе", "Мәтін."),
        ("caption", "Кіріспе", "Рисунок 3 – Иерархическая структура"),
        ("body", "Кіріспе", "Сурет астындағы мәтін."),
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Сурет 1 көрсеткендей, жүйе үш бөліктен тұрады.",
        "Рисунок 3 показывает рост пропускной способности.",
        "3.3.4 суретте – файлды жүктеу әдісі көрсетілген.",
    ],
)
def test_a_sentence_opening_with_a_figure_word_is_text(sentence):
    passages = segment(Document("t.txt", f"Кіріспе\n\n{sentence}"))
    assert [p.kind for p in passages if p.text == sentence] == ["body"]


def test_captions_in_the_pdf_a_student_exports(tmp_path, pdf_export):
    document = WordDocument()
    document.add_heading("1 Обзор предметной области", level=1)
    document.add_paragraph("Многоядерные системы с общей памятью широко распространены.")
    for caption in ("Рисунок 1 – Иерархическая структура системы", "Таблица 1 – План продаж"):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        words = paragraph.add_run(caption)
        words.bold, words.font.size = True, Pt(14)
        document.add_paragraph("Текст после подписи относится к тому же разделу.")
    document.save(str(tmp_path / "captions.docx"))
    passages = segment(load_document(pdf_export(tmp_path / "captions.docx")))
    assert [p.text for p in passages if p.kind == "caption"] == [
        "Рисунок 1 – Иерархическая структура системы",
        "Таблица 1 – План продаж",
    ]
    body = [p for p in passages if p.kind == "body"]
    assert body and {p.section for p in body} == {"1 Обзор предметной области"}


@pytest.mark.parametrize("title", ["ПАЙДАЛАНЫЛҒАН ӘДЕБИЕТТЕР ТІЗІМІ", "ПАЙДАЛАНҒАН ӘДЕБИЕТТЕР МЕН ДЕРЕКТЕР"])
def test_a_bibliography_numbered_past_nine_stays_a_bibliography(title):
    entries = [f"{n}. Автор {chr(0x410 + n)}. Кітап атауы. – Алматы, 20{n:02d}." for n in range(1, 13)]
    entries[9] = "10. Derrick J. et al. Quantitative relaxation of concurrent data structures. – 2013."
    text = "\n\n".join([title, *entries])
    passages = segment(Document("t.txt", text))
    assert [p.kind for p in passages] == ["heading"] + ["bibliography"] * 12


def test_a_chapter_typed_as_a_plain_numbered_line_is_one_when_its_first_section_follows():
    """A file that styles no heading: "1 Title" opens chapter 1 because "1.1 …" comes next;
    the numbered steps of a list stay text."""
    text = "\n\n".join([
        "КІРІСПЕ", "Кіріспе мәтіні.",
        "1 Сөйлеуді танудың теориялық негіздері", "1.1 Жүйелердің тарихы", "Тарих туралы мәтін.",
        "Жүйемен жұмыс кезеңдері", "1 Файлды жүктеу", "2 Тануды бастау",
        "2 Құралдар мен технологияларды талдау", "2.1 Кітапханалар", "Кітапханалар туралы мәтін.",
    ])  # fmt: skip
    passages = segment(Document("t.txt", text))
    assert {p.text: p.section for p in passages if p.kind == "body"} == {
        "Кіріспе мәтіні.": "КІРІСПЕ",
        "Тарих туралы мәтін.": "1 Сөйлеуді танудың теориялық негіздері › 1.1 Жүйелердің тарихы",
        "1 Файлды жүктеу": "1 Сөйлеуді танудың теориялық негіздері › 1.1 Жүйелердің тарихы › Жүйемен жұмыс кезеңдері",
        "2 Тануды бастау": "1 Сөйлеуді танудың теориялық негіздері › 1.1 Жүйелердің тарихы › Жүйемен жұмыс кезеңдері",
        "Кітапханалар туралы мәтін.": "2 Құралдар мен технологияларды талдау › 2.1 Кітапханалар",
    }


def test_an_entry_broken_over_two_paragraphs_stays_in_the_bibliography_and_appendices_follow_it():
    text = "\n\n".join([
        "ПАЙДАЛАНЫЛҒАН ӘДЕБИЕТТЕР ТІЗІМІ",
        "26 Yandex Cloud. Yandex SpeechKit. URL: https://yandex.cloud/speechkit",
        "27 NVIDIA.",  # the author pressed Enter inside the entry
        "Automatic Speech Recognition — NVIDIA NeMo. URL: https://docs.nvidia.com/nemo",
        "28 Kaz-RoBERTa: Kazakh RoBERTa Model. URL: https://huggingface.co/kaz-roberta",
        "А қосымша", "Қосымшаның мәтіні.",
    ])  # fmt: skip
    passages = segment(Document("t.txt", text))
    assert [p.text for p in passages if p.kind == "heading"] == ["ПАЙДАЛАНЫЛҒАН ӘДЕБИЕТТЕР ТІЗІМІ", "А қосымша"]
    assert {p.section for p in passages if "NVIDIA" in p.text} == {"ПАЙДАЛАНЫЛҒАН ӘДЕБИЕТТЕР ТІЗІМІ"}
    assert [(p.kind, p.section) for p in passages if p.text == "Қосымшаның мәтіні."] == [("body", "А қосымша")]


def test_an_appendix_numbers_its_sections_after_its_letter_and_its_reminders_open_none():
    """As a PDF hints them (all set bold, none numbered as it knows numbers): the appendix's
    title stands in it, "А.2.1" is a section of "А.2", and "А қосымшасының жалғасы" at a
    page's top is no heading."""
    lines = [
        "ҚОРЫТЫНДЫ", "Қорытынды мәтіні.", "А қосымшасы", "Техникалық тапсырма",
        "А.1 Жалпы сипаттама", "Жүйе туралы мәтін.", "А қосымшасының жалғасы", "А Қосымшаның жалғасы",
        "А.2 Мақсаты", "Мақсат туралы мәтін.", "А.2.1 Талаптар", "Талаптар мәтіні.",
    ]  # fmt: skip
    passages = as_pdf_hints(lines)
    assert {p.text: p.section for p in passages if p.kind != "heading"} == {
        "Қорытынды мәтіні.": "ҚОРЫТЫНДЫ",
        "Жүйе туралы мәтін.": "А қосымшасы › А.1 Жалпы сипаттама",
        "А қосымшасының жалғасы": "А қосымшасы › А.1 Жалпы сипаттама",
        "А Қосымшаның жалғасы": "А қосымшасы › А.1 Жалпы сипаттама",
        "Мақсат туралы мәтін.": "А қосымшасы › А.2 Мақсаты",
        "Талаптар мәтіні.": "А қосымшасы › А.2 Мақсаты › А.2.1 Талаптар",
    }
    assert [p.section for p in passages if p.text == "Техникалық тапсырма"] == ["А қосымшасы › Техникалық тапсырма"]


def test_a_list_is_read_with_its_introduction_and_ends_where_the_text_goes_on():
    """"Среди сегментов выделяются следующие:" says what its items answer: a question after
    one of them finds the item with it. A list without an introduction stays its items."""
    lines = [
        "Среди основных сегментов сбыта выделяются следующие:",
        "• военные предприятия, которые обрабатывают большие массивы данных;",
        "• научные центры и университеты.",
        "Далее рассмотрим цены.",
        "– отдельный пункт без введения;",
        "– ещё один пункт.",
    ]

    passages = segment(Document("t.txt", "\n\n".join(lines)))

    assert [p.text for p in passages] == ["\n\n".join(lines[:3]), *lines[3:]]


def test_a_code_listing_is_read_in_passages_of_several_lines_not_a_line_each():
    code = ["def search(s, game, nnet):", "if game.gameEnded(s): return -game.reward(s)", "visited.add(s)", "return -v"]
    items = ["1. Write<u8 и u16> для Tx и Serial;", "2. Read<u8 и u16> для Rx и Serial."]  # a list, not code
    text = "\n\n".join(["Б қосымшасы", "Бағдарлама коды:", *code, "Код осымен аяқталады. Трейттер:", *items])
    passages = segment(Document("t.txt", text))
    assert [p.text for p in passages if p.kind == "body"] == [
        "Бағдарлама коды:", "\n\n".join(code), "\n\n".join(["Код осымен аяқталады. Трейттер:", *items])
    ]  # fmt: skip


def test_a_title_set_like_a_chapter_inside_one_does_not_swallow_the_sections_after_it():
    """A PDF hints "Microsoft Visual Studio 2022" as a chapter (it is set large) between 2.1
    and 2.2: the next numbered section goes on with chapter 2, so it is a subtitle of 2.1."""
    lines = [
        "2 Технологиялық зерттеу", "2.1 Бағдарламалар", "Мәтін бір.", "Microsoft Visual Studio 2022", "Мәтін екі.",
        "2.2 C# тілі", "Мәтін үш.", "ҚОРЫТЫНДЫ", "Мәтін төрт.",
    ]  # fmt: skip
    levels = {"2 Технологиялық зерттеу": 1, "2.1 Бағдарламалар": 2, "Microsoft Visual Studio 2022": 1, "2.2 C# тілі": 2}
    passages = as_pdf_hints(lines, levels)
    assert {p.text: p.section for p in passages if p.kind == "body"} == {
        "Мәтін бір.": "2 Технологиялық зерттеу › 2.1 Бағдарламалар",
        "Мәтін екі.": "2 Технологиялық зерттеу › 2.1 Бағдарламалар › Microsoft Visual Studio 2022",
        "Мәтін үш.": "2 Технологиялық зерттеу › 2.2 C# тілі",
        "Мәтін төрт.": "ҚОРЫТЫНДЫ",
    }


def test_a_numbered_list_past_nine_stays_in_its_section():
    items = [f"{n}. Талап нөмірі {n} орындалуы тиіс." for n in range(1, 13)]
    items[8] = "9. Имплементация интерфейсов embedded-hal (неблокирующий вариант):"
    items[9] = "10. Имплементация интерфейсов embedded-hal (блокирующий вариант)"
    bullets = ["- Error,", "- ErrorType,", "- Write,", "- Read."]  # an item's own list between 9 and 10
    text = "\n\n".join(["2.2 Талаптар", *items[:9], *bullets, *items[9:], "2.3 Құралдар", "Құралдар туралы мәтін."])
    passages = segment(Document("t.txt", text))
    assert [p.text for p in passages if p.kind == "heading"] == ["2.2 Талаптар", "2.3 Құралдар"]
    assert {p.section for p in passages if p.text in items} == {"2.2 Талаптар"}


@pytest.mark.parametrize("formula", ["4 × 1 ГБ = 4 ГБ RAM", "44. T43 = {∅, {0}, {3}, {0, 3}}"])
def test_a_formula_on_its_own_line_is_no_title(formula):
    text = f"3.2 Жады моделі\n\nӘр жұмысшыға бір гигабайт беріледі:\n\n{formula}\n\nНәтижені сақтау маңызды."
    passages = segment(Document("t.txt", text))
    assert [p.text for p in passages if p.kind == "heading"] == ["3.2 Жады моделі"]


def test_a_listing_in_capitals_is_no_title():
    text = "Приложение Г\n\nenum class Priority {\nMAX, MIN\n}\n\nprivate val head = Node()"
    passages = segment(Document("t.txt", text))
    assert [p.text for p in passages if p.kind == "heading"] == ["Приложение Г"]


def test_a_chapter_title_in_capitals_over_two_lines_is_one_heading():
    text = "I. ТАҚЫРЫПТЫҢ ТЕОРИЯЛЫҚ ЖӘНЕ МЕТОДОЛОГИЯЛЫҚ\nМӘСЕЛЕЛЕРІ\n\nҚазіргі Қазақстан аумағы туралы мәтін."
    passages = segment(Document("t.txt", text))
    title = "I. ТАҚЫРЫПТЫҢ ТЕОРИЯЛЫҚ ЖӘНЕ МЕТОДОЛОГИЯЛЫҚ МӘСЕЛЕЛЕРІ"
    assert [(p.kind, p.section) for p in passages] == [("heading", title), ("body", title)]


def test_a_year_opening_a_line_of_a_reference_is_no_chapter():
    text = (
        "ПАЙДАЛАНЫЛҒАН ӘДЕБИЕТТЕР ТІЗІМІ\n\n170 Кляшторный С.Г. Рунические памятники // Вопросы истории. –\n\n"
        "1981.\n– № 2. – С. 61–73\n\n171 Халид Қ. Тауарих хамса. – Алматы, 1992."
    )
    passages = segment(Document("t.pdf", text))
    assert [p.kind for p in passages] == ["heading", "bibliography", "bibliography", "bibliography"]


def test_a_short_title_the_format_marks_is_kept():
    text = "3.3 Детали реализации\n\nОбщий текст.\n\n3.3.1 C++\n\nРеализация на C++."
    hints = (HeadingHint(0, 21, 2), HeadingHint(text.index("3.3.1"), text.index("3.3.1") + 9, 3))
    passages = segment(Document("t.docx", text, headings=hints))
    assert passages[-1].section == "3.3 Детали реализации › 3.3.1 C++"


@pytest.mark.parametrize("mark", ["Ð", "X"])
def test_a_lone_sign_the_format_marks_as_a_heading_titles_nothing(mark):
    text = f"2.2. Поиск топологий\n\nМножество открыто.\n\n{mark}\n\nЗаметим, что свойство сохраняется."
    hints = (HeadingHint(text.index(mark), text.index(mark) + 1, 3),)
    passages = segment(Document("t.pdf", text, headings=hints))
    assert {p.section for p in passages} == {"2.2. Поиск топологий"}


def test_a_bold_lead_in_the_pdf_sets_like_a_chapter_stays_in_its_numbered_section():
    lead_in = "Армян тіліндегі деректерге сипаттама: ХІІІ–ХV ғасырлар"
    text = f"II. ДЕРЕКТЕР\n\n2.1. Деректерді топтау\n\nКіріспе мәтін.\n\n{lead_in}\n\nАрмян деректері туралы мәтін."
    hints = (
        HeadingHint(0, len("II. ДЕРЕКТЕР"), 1),
        HeadingHint(text.index("2.1."), text.index("\n\nКіріспе"), 2),
        HeadingHint(text.index(lead_in), text.index(lead_in) + len(lead_in), 1),
    )
    passages = segment(Document("t.pdf", text, headings=hints))
    assert passages[-1].section == f"II. ДЕРЕКТЕР › 2.1. Деректерді топтау › {lead_in}"


def test_the_rest_of_a_reference_on_its_own_line_is_no_title():
    text = (
        "ПАЙДАЛАНЫЛҒАН ӘДЕБИЕТТЕР ТІЗІМІ\n\n269 Алимов Б. Материалы по истории. – Ташкент, 1998.\n– Т. VIII. – С. 74–97"
    )
    passages = segment(Document("t.pdf", text))
    assert [p.kind for p in passages] == ["heading", "bibliography"]


def test_the_labels_of_a_drawing_are_text_and_a_subtitle_is_followed_by_text():
    """A database diagram's labels come out of a PDF as short lines, each looking like a
    subtitle; they are followed by more labels, not by text, so they open no section."""
    labels = ["Attendances", "Id", "StudentId", "Departments *", "Subjects Id Name", "Payments * Id DateTime"]
    lines = ["2.6 Дерекқор", "Кестелер суретте.", *labels, "2.7 Сүзгілер", "Гаусс сүзгісі", "CLAHE (Contrast) — әдіс."]
    passages = segment(Document("t.txt", "\n\n".join(lines)))
    assert [p.text for p in passages if p.kind == "heading"] == ["2.6 Дерекқор", "2.7 Сүзгілер", "Гаусс сүзгісі"]
    assert {p.section for p in passages if p.text in labels} == {"2.6 Дерекқор"}


def test_sections_numbered_with_a_paragraph_sign_are_sections_and_a_colon_keeps_their_rank():
    lines = [
        "1 ДЕРЕКТЕРДІ ТАЛДАУ", "§1.1 Есептеу техникасына дейін", "Бірінші бөлімнің мәтіні.",
        "§1.2 Болашақ: орталықсыз деректер қорлары", "Екінші бөлімнің мәтіні.",
    ]  # fmt: skip
    passages = segment(Document("t.txt", "\n\n".join(lines)))
    assert {p.text: p.section for p in passages if p.kind == "body"} == {
        "Бірінші бөлімнің мәтіні.": "1 ДЕРЕКТЕРДІ ТАЛДАУ › §1.1 Есептеу техникасына дейін",
        "Екінші бөлімнің мәтіні.": "1 ДЕРЕКТЕРДІ ТАЛДАУ › §1.2 Болашақ: орталықсыз деректер қорлары",
    }


def test_chapters_numbered_with_a_dot_are_chapters_when_they_go_on_from_the_one_before():
    """"1. Негізгі бөлім" over "1.1. …" is chapter 1 (the file styles no heading); a document
    quoted inside chapter 2 numbered on its own ("4. Талаптар", "4.1. …") opens no chapter."""
    lines = [
        "КІРІСПЕ", "Кіріспе мәтіні.", "1. Негізгі бөлім", "1.1. Веб-қосымша негіздері", "Бірінші мәтін.",
        "2. Жобаны модельдеу бөлімі", "2.1. Техникалық тапсырма", "4. Жүйеге қойылатын талаптар",
        "4.1. Жалпы талаптар", "Талаптар мәтіні.",
    ]  # fmt: skip
    passages = segment(Document("t.txt", "\n\n".join(lines)))
    headings = [p.text for p in passages if p.kind == "heading"]
    assert "1. Негізгі бөлім" in headings and "4. Жүйеге қойылатын талаптар" not in headings
    assert {p.text: p.section for p in passages if p.kind == "body" and not p.text.startswith("4.")} == {
        "Кіріспе мәтіні.": "КІРІСПЕ",
        "Бірінші мәтін.": "1. Негізгі бөлім › 1.1. Веб-қосымша негіздері",
        "Талаптар мәтіні.": "2. Жобаны модельдеу бөлімі › 4.1. Жалпы талаптар",
    }


def test_a_section_about_a_table_is_a_section_and_a_bare_table_label_takes_no_chapter_as_its_title():
    lines = [
        "4.3 Дерекқор", "4.3.1 Таблица User", "Кесте пайдаланушылар туралы.", "Таблица 9",
        "5 Реализация", "5.1 Фреймворк", "Flask қолданылды.",
    ]  # fmt: skip
    passages = segment(Document("t.txt", "\n\n".join(lines)))
    assert [p.text for p in passages if p.kind == "caption"] == ["Таблица 9"]
    assert {p.text: p.section for p in passages if p.kind == "body"} == {
        "Кесте пайдаланушылар туралы.": "4.3 Дерекқор › 4.3.1 Таблица User",
        "Flask қолданылды.": "5 Реализация › 5.1 Фреймворк",
    }


def test_a_specification_numbered_with_dots_inside_a_chapter_numbered_without_stays_in_it():
    """A technical specification quoted in chapter 2 numbers its own parts "3.", "4." and
    the PDF sets them like chapters: numbered in another style than the chapters, they are
    subtitles of chapter 2, and chapter 3 goes on as chapter 3."""
    lines = [
        "2 ТЕХНИКАЛЫҚ ТАПСЫРМА", "Тапсырма мәтіні.", "3. Автоматтандыру нысандары", "Нысандар мәтіні.",
        "4. Жүйеге қойылатын талаптар", "Талаптар мәтіні.", "3 ЖОБАЛАУ", "Жобалау мәтіні.",
    ]  # fmt: skip
    passages = as_pdf_hints(lines)
    assert {p.text: p.section for p in passages if p.kind == "body"} == {
        "Тапсырма мәтіні.": "2 ТЕХНИКАЛЫҚ ТАПСЫРМА",
        "Нысандар мәтіні.": "2 ТЕХНИКАЛЫҚ ТАПСЫРМА › 3. Автоматтандыру нысандары",
        "Талаптар мәтіні.": "2 ТЕХНИКАЛЫҚ ТАПСЫРМА › 4. Жүйеге қойылатын талаптар",
        "Жобалау мәтіні.": "3 ЖОБАЛАУ",
    }


def test_a_title_page_is_read_as_one_paragraph_and_later_front_matter_keeps_its_titles():
    """A PDF sets the author's name, the title and "Научный руководитель:" on lines of their
    own, large or bold: the title page is one paragraph of text, so "who supervised it?"
    finds the label with the name after it, and "ТҮСІНДІРМЕ ЖАЗБА" in capitals heads nothing.
    A later page of front matter ("ЗАДАНИЕ") keeps its title in capitals, and so does the
    rest of the thesis."""
    title_page = [
        "ТҮСІНДІРМЕ ЖАЗБА", "Нурмаханова Алия Есимжанқызы", "Дипломдық жобаларды қорғауды автоматтандыру",
        "Научный руководитель:", "д.т.н. Намиот Дмитрий Евгеньевич", "Консультант | к.т.н. | А. А. Пазников",
    ]  # fmt: skip
    later = ["ЗАДАНИЕ", "Студент выполняет работу.", "АҢДАТПА", "Жұмыста веб-қосымша жасалды.", "КІРІСПЕ", "Кіріспе."]
    first_page = "\n\n".join(title_page)
    text = first_page + "\n" + "\n\n".join(later)
    titles = [line for line in [*title_page[:-1], *later] if line[-1] != "."]
    hints = tuple(HeadingHint(text.index(h), text.index(h) + len(h), 1) for h in titles)
    signatures = Block(text.index("Консультант"), len(first_page), "table")
    document = Document("t.pdf", text, page_starts=(0, len(first_page) + 1), headings=hints, blocks=(signatures,))
    passages = segment(document)
    assert [p.text for p in passages if p.kind == "heading"] == ["ЗАДАНИЕ", "АҢДАТПА", "КІРІСПЕ"]
    assert passages[0].text == first_page
    assert (passages[0].kind, passages[0].section, passages[0].page) == ("body", "", "1")
    assert [p.section for p in passages if p.text == "Студент выполняет работу."] == ["ЗАДАНИЕ"]


def test_numbered_lines_on_a_title_page_are_no_chapters():
    """A title page numbers a field of study ("09.03.04 – Программная инженерия") and a year
    of study ("2 курс, магистрант") like a section and a chapter, but no numbered title
    follows them on it: the page is still read whole, and the thesis's titles start at the
    abstract. (A first page that opens chapter II, then 2.1, is a chapter: test_pdf_structure.)"""
    title_page = [
        "ВИТЕБСКИЙ ГОСУДАРСТВЕННЫЙ УНИВЕРСИТЕТ", "09.03.04 – Программная инженерия", "МАГИСТЕРСКАЯ ДИССЕРТАЦИЯ",
        "Ашыров Алишер,", "2 курс, магистрант", "Научный руководитель:", "Трубников Юрий Валентинович", "Витебск, 2022",
    ]  # fmt: skip
    later = ["РЕФЕРАТ", "Магистерская диссертация 27 с., 7 рис.", "1 Введение", "Текст введения."]
    first_page = "\n\n".join(title_page)
    text = first_page + "\n" + "\n\n".join(later)
    titles = ["ВИТЕБСКИЙ ГОСУДАРСТВЕННЫЙ УНИВЕРСИТЕТ", "МАГИСТЕРСКАЯ ДИССЕРТАЦИЯ", "РЕФЕРАТ", "1 Введение"]
    hints = tuple(HeadingHint(text.index(h), text.index(h) + len(h), 1) for h in titles)
    passages = segment(Document("t.pdf", text, page_starts=(0, len(first_page) + 1), headings=hints))
    assert [p.text for p in passages if p.kind == "heading"] == ["РЕФЕРАТ", "1 Введение"]
    assert {p.section for p in passages if p.page == "1"} == {""}
    assert "".join(p.text for p in passages if p.page == "1").replace("\n", "") == first_page.replace("\n", "")


def test_a_referat_s_keywords_in_capitals_are_text():
    """ГОСТ 7.32 types a referat's keywords in capitals: a list of words, not a title."""
    keywords = "ОПЕРАЦИОННАЯ СИСТЕМА, ЗАГРУЗЧИК, BIOS, ПРЕРЫВАНИЕ, ЯДРО, ЧТЕНИЕ ДИСКА."
    lines = ["РЕФЕРАТ", "Магистерская диссертация 27 с.", keywords, "Объект исследования – операционные системы."]
    passages = segment(Document("t.txt", "\n\n".join([*lines, "ВВЕДЕНИЕ", "Текст введения."])))
    assert [p.text for p in passages if p.kind == "heading"] == ["РЕФЕРАТ", "ВВЕДЕНИЕ"]
    assert [p.section for p in passages if p.text == keywords] == ["РЕФЕРАТ"]


def test_a_first_page_of_prose_is_no_title_page():
    """A foreword opening on page 1 keeps its title: the page holds more than a title page does."""
    foreword = " ".join(["Бұл еңбек көп жылғы зерттеудің нәтижесі болып табылады және оқырманға арналған."] * 20)
    text = f"АЛҒЫ СӨЗ\n\n{foreword}\n\nКІРІСПЕ\n\nКіріспе мәтіні."
    hints = tuple(HeadingHint(text.index(h), text.index(h) + len(h), 1) for h in ("АЛҒЫ СӨЗ", "КІРІСПЕ"))
    passages = segment(Document("t.pdf", text, page_starts=(0, text.index("КІРІСПЕ")), headings=hints))
    assert [p.text for p in passages if p.kind == "heading"] == ["АЛҒЫ СӨЗ", "КІРІСПЕ"]
    assert {p.section for p in passages if p.text.startswith("Бұл еңбек")} == {"АЛҒЫ СӨЗ"}


def test_without_pages_the_title_page_s_lines_are_text_and_its_capitals_stay_headings():
    """A source without pages shows no title page to read whole: its lines are text up to the
    first abstract, and a title in capitals on it still heads them."""
    lines = [
        "ТҮСІНДІРМЕ ЖАЗБА", "Нурмаханова Алия Есимжанқызы", "Дипломдық жобаларды қорғауды автоматтандыру",
        "АҢДАТПА", "Жұмыста веб-қосымша жасалды.", "КІРІСПЕ", "Кіріспе мәтіні.", "Негізгі нәтижелер", "Нәтиже.",
    ]  # fmt: skip
    passages = as_pdf_hints(lines)
    headings = ["ТҮСІНДІРМЕ ЖАЗБА", "АҢДАТПА", "КІРІСПЕ", "Негізгі нәтижелер"]
    assert [p.text for p in passages if p.kind == "heading"] == headings
    assert [p.section for p in passages if p.text == "Нурмаханова Алия Есимжанқызы"] == ["ТҮСІНДІРМЕ ЖАЗБА"]
