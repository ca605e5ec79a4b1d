"""PDFs as authors make them: letter-spaced and justified lines, mathematical letters outside
the BMP, hyphens PDFium marks at line ends, tables whose cells wrap, Kazakh typed with Latin
look-alikes, and text layers that are not text at all. Each PDF is built here (LibreOffice
exports a .docx, or a hand-made file) with the defect in it."""

from __future__ import annotations

import docx
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from samples import minimal_pdf, unmapped_pdf

from thesis_qa.cli import main
from thesis_qa.document import Document
from thesis_qa.errors import LoadError
from thesis_qa.ingest import load_document
from thesis_qa.ingest.hyphens import Dehyphenator
from thesis_qa.ingest.structure import segment
from thesis_qa.retrieval.lookup import look_up
from thesis_qa.retrieval.search import Searcher
from thesis_qa.service.indexing import build_index
from thesis_qa.service.worker import index_upload
from thesis_qa.text.keys import terms

KAZAKH = (
    "Әбілхайыр хан Дешті Қыпшақтың шығыс бөлігін билеген, оның мемлекеті көшпелі өзбектер "
    "мемлекеті деп аталды. Қазақ хандығы он бесінші ғасырдың ортасында құрылып, үш жүзді "
    "біріктірді және ұзақ уақыт бойы дербес саясат жүргізді."
)
KAZAKH_2 = (
    "Керей мен Жәнібек сұлтандар Моғолстанның батыс шетіне көшіп, Шу мен Талас өзендерінің "
    "бойында жаңа мемлекеттің негізін қалады; бұл оқиға тарихшылардың еңбектерінде жиі аталады."
)


def pdfium_text(path) -> str:
    """The text PDFium itself gives for every page (what the fixture's defect looks like)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        return "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def saved(document, folder):
    """Where a python-docx `document` is saved, as doc.docx in `folder`."""
    path = folder / "doc.docx"
    document.save(str(path))
    return path


def spaced(paragraph, text: str, twentieths: int) -> None:
    """A run of `text` with its characters spaced `twentieths` of a point apart (Word's
    Font > Advanced > Spacing: expanded when positive, condensed when negative)."""
    run = paragraph.add_run(text)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(twentieths))
    run._r.get_or_add_rPr().append(spacing)


def body_text(doc: Document) -> str:
    return " ".join(p.text for p in segment(doc) if p.kind == "body")


# --- words from where the characters stand ---------------------------------------------------


@pytest.mark.parametrize("twentieths", [40, 60, -10])
def test_letter_spaced_and_justified_lines_come_out_as_their_words(pdf_export, tmp_path, twentieths):
    document = docx.Document()
    for text in (KAZAKH, KAZAKH_2):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        spaced(paragraph, text, twentieths)
    path = pdf_export(saved(document, tmp_path))
    if twentieths > 0:  # what PDFium makes of it: a space between every two letters
        assert "Ә б і л х а й ы р" in pdfium_text(path)

    words = body_text(load_document(path)).split()

    assert words == f"{KAZAKH} {KAZAKH_2}".split()


def test_justified_text_keeps_its_words_and_no_letter_stands_alone(pdf_export, tmp_path):
    document = docx.Document()
    for shift in range(6):
        paragraph = document.add_paragraph(" ".join(["Бұл"] * shift + [KAZAKH, KAZAKH_2]))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    words = body_text(load_document(pdf_export(saved(document, tmp_path)))).split()

    assert [w for w in words if len(w) == 1 and w.isalpha()] == []
    assert set(words) == {*KAZAKH.split(), *KAZAKH_2.split(), "Бұл"}


# --- any Unicode ---------------------------------------------------------------------------


def test_mathematical_letters_outside_the_bmp_are_read_whole_and_found_as_plain_letters(pdf_export, tmp_path):
    document = docx.Document()
    document.add_paragraph("Айнымалы 𝑁 мен 𝑠𝑖𝑛 функциясы.")
    document.add_paragraph("Ол 𝔏 алгебрасында анықталған.")
    document.add_paragraph("Мәтіннің үшінші жолы.")

    doc = load_document(pdf_export(saved(document, tmp_path)))

    assert "Айнымалы 𝑁 мен 𝑠𝑖𝑛 функциясы." in doc.text
    assert "Ол 𝔏 алгебрасында анықталған." in doc.text  # a fallback font's letter, drawn last, in its place
    doc.text.encode("utf-8")  # no half of a surrogate pair left
    sentence = next(p.text for p in segment(doc) if "𝑠𝑖𝑛" in p.text)
    assert {t.key for t in terms("sin")} <= {t.key for t in terms(sentence)}


def test_math_letters_and_latin_look_alikes_fold_into_the_keys_only():
    assert [t.key for t in terms("𝑠𝑖𝑛 𝑓𝑢𝑛𝑐𝑡𝑖𝑜𝑛")] == [t.key for t in terms("sin function")]
    written = "Əбілхайыр хан жəне Mемлекет, Kaзaқ, iлiм, һәм hәм"
    typed = "Әбілхайыр хан және Мемлекет, Казақ, ілім, һәм һәм"
    assert [t.key for t in terms(written, "kk")] == [t.key for t in terms(typed, "kk")]
    assert next(written[t.start : t.end] for t in terms(written, "kk")) == "Əбілхайыр"  # shown as written
    assert [t.key for t in terms("Huntington and Harvard")] == ["huntin", "harvar"]  # English untouched


# --- hyphens ---------------------------------------------------------------------------------


def test_line_end_hyphens_join_words_cut_by_the_line_and_keep_real_compounds(pdf_export, tmp_path):
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.left_margin, section.right_margin = Cm(8), Cm(1.5), Cm(1.5)
    words = "Қисықтар арасынан С-подобным кривым деп аталатын мемле\u00adкеттік құры\u00adлымның тари\u00adхы бар"
    for shift in range(6):
        paragraph = document.add_paragraph(" ".join(["ааа"] * shift + words.split()))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    path = pdf_export(saved(document, tmp_path))
    raw = pdfium_text(path)
    assert "С\ufffeподобным" in raw and any(f"{a}\ufffe{b}" in raw for a, b in (("мемле", "кет"), ("құры", "лым")))

    doc = load_document(path)

    assert not set(doc.text) & {"\ufffe", "\u00ad", "\x02"}
    assert doc.text.count("С-подобным") == 6 and "Сподобным" not in doc.text
    assert doc.text.count("мемлекеттік құрылымның тарихы") == 6


@pytest.mark.parametrize(
    ("left", "right", "kept"),
    [
        ("С", "подобным", True),  # one letter: no typesetter leaves it alone at a line end
        ("IT", "компании", True),  # capitals before lowercase
        ("web", "сервис", True),  # Latin before Cyrillic
        ("бір", "бірімен", True),  # a doubled word
        ("мемле", "кеттік", False),
        ("ГОСУ", "ДАРСТВЕННЫЙ", False),  # a heading in capitals, cut
        ("Санкт", "Петербург", True),  # two names: no cut word goes on with a capital
        ("(Модель-Көрініс", "Контроллер)", True),
        ("internalQueues[secondQueue", "Index]", False),  # an identifier in camel case, cut
    ],
)
def test_the_shape_around_a_line_end_hyphen_decides_when_the_document_cannot(left, right, kept):
    assert Dehyphenator([]).keeps_hyphen(left, right) is kept


def test_a_dash_bullet_a_font_draws_as_a_combining_stroke_reads_as_a_dash(tmp_path, pdf_export):
    """Some Word fonts map their "–" bullet to U+0336 (a combining long stroke): at a line's
    start it marks no letter, and it is read as the dash it shows."""
    document = docx.Document()
    document.add_paragraph("Жобаның міндеттері:")
    for item in ("хаттамаларды толтыру әдістерін зерттеу;", "жүйеге қойылатын талаптарды әзірлеу."):
        document.add_paragraph("\u0336 " + item)
    pdf = pdf_export(saved(document, tmp_path))
    assert "\u0336 хаттамаларды" in pdfium_text(pdf)  # the defect, as PDFium gives it

    text = load_document(pdf).text
    assert "\u0336" not in text and "– хаттамаларды толтыру әдістерін зерттеу;" in text


def test_a_bibliography_set_flush_is_cut_at_each_entry(tmp_path, pdf_export):
    """Entries numbered without dots, set flush (here one paragraph, a line break after each),
    none ending in a full stop: each is its own passage, not one run."""
    entries = [
        f"{n} {title} // Сайттың электронды нұсқасы https://example.org/{n}"
        for n, title in enumerate(["Microsoft Visual Studio", "Overview to ASP.NET Core", "Bootstrap в примерах"], 1)
    ]
    document = docx.Document()
    document.add_paragraph("Жұмыстың қорытындысы осы бөлімде айтылды.")
    document.add_paragraph("ПАЙДАЛАНҒАН ӘДЕБИЕТТЕР")
    document.add_paragraph("\n".join(entries))
    passages = segment(load_document(pdf_export(saved(document, tmp_path))))

    assert [p.text for p in passages if p.kind == "bibliography"] == entries


# --- tables --------------------------------------------------------------------------------

LONG_CELL = "Көрсеткіштер мен олардың мағынасы туралы ұзын түсініктеме мәтіні, бірнеше жолға созылады"
TABLE = [
    ["Примечания к таблице", LONG_CELL, "12,5"],
    ["Мемлекеттік құрылым", "Хандық билік пен оның институттарының қалыптасуы туралы", "7"],
]


def test_a_ruled_table_is_rebuilt_cell_by_cell_however_its_cells_wrap(pdf_export, tmp_path):
    document = docx.Document()
    document.add_paragraph(KAZAKH)
    table = document.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    table.style = "Table Grid"
    for row, values in zip(table.rows, TABLE, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    document.add_paragraph(KAZAKH)

    passages = segment(load_document(pdf_export(saved(document, tmp_path))))

    rows = [line for p in passages if p.kind == "table" for line in p.text.split("\n") if line.strip()]
    assert rows == [" | ".join(values) for values in TABLE]


# --- text layers that are not text -------------------------------------------------------------


def test_a_cp1251_text_layer_read_as_latin1_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "mojibake.pdf"
    mojibake = "Московский государственный университет. Кафедра истории. " * 3
    path.write_bytes(minimal_pdf([mojibake.encode("cp1251").decode("latin-1")]))
    assert "Ìîñêîâñêèé" in pdfium_text(path)

    with pytest.raises(LoadError) as caught:
        load_document(path)

    assert caught.value.code == "load_unreadable_text_layer"
    assert "mojibake" in str(caught.value) and ".docx" in str(caught.value)


def test_glyphs_without_a_unicode_map_are_refused(tmp_path):
    path = tmp_path / "unmapped.pdf"
    path.write_bytes(unmapped_pdf("Political modernization is a long process of change in a society."))

    with pytest.raises(LoadError) as caught:
        load_document(path)

    assert caught.value.code == "load_unreadable_text_layer"
    assert "Unicode map" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "Political modernization began in the fifties; Huntington wrote about order in 1968.",
        "Les élèves étudient à Paris, où l'été est chaud. Ça a été déjà résumé par Gödel et Brønsted.",
        "Let f(x) = x² + 2x ± 1 and µ = ½ · 3 × 4 ÷ 2 at 5°; then ¼ + ¾ = 1 and f(0) = 1 for all x.",
    ],
)
def test_latin_script_theses_are_not_taken_for_mojibake(tmp_path, text):
    path = tmp_path / "latin.pdf"
    path.write_bytes(minimal_pdf([text]))

    assert text.split()[0] in load_document(path).text


# --- found as typed ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schwa_searcher(searcher_over) -> Searcher:
    """A text written as the Kazakh monograph is: Latin schwa for «ә»."""
    return searcher_over(
        "# Хандық дəуір\n\n"
        "Əбілхайыр хан көшпелі өзбектер мемлекетін басқарды жəне Сығанақты астана етті.\n\n"
        "Керей мен Жəнібек Моғолстанға көшіп, Қазақ хандығын құрды.\n",
        "khan.md",
    )


def test_a_name_typed_in_cyrillic_finds_it_written_with_latin_schwa(schwa_searcher):
    found = look_up([schwa_searcher], "Әбілхайыр", limit=10)

    assert [hit.passage.text[:9] for hit in found.hits] == ["Əбілхайыр"]
    rows = schwa_searcher.candidates("Әбілхайыр хан қай мемлекетті басқарды?").bm25
    best = schwa_searcher.index.passages[int(rows.argmax())]
    assert best.text.startswith("Əбілхайыр") and rows.max() > 0


# --- a thesis set in bold throughout -------------------------------------------------------------


def test_bold_marks_no_title_where_all_the_text_is_bold_and_dash_leaders_make_contents(pdf_export, tmp_path):
    """Every line in bold (the body too): the short last lines of paragraphs are no titles;
    contents lines led by dashes ("ВВЕДЕНИЕ-----3") are the contents, whose "Список
    литературы" opens no bibliography."""
    document = docx.Document()
    lines = ["ОГЛАВЛЕНИЕ", f"ВВЕДЕНИЕ{'-' * 60}2", f"1 Теория{'-' * 60}2", f"Список литературы{'-' * 50}3"]
    for line in lines:
        document.add_paragraph().add_run(line).bold = True
    document.add_page_break()
    document.add_paragraph().add_run("ВВЕДЕНИЕ").bold = True
    for text in (KAZAKH, KAZAKH_2, KAZAKH):
        document.add_paragraph().add_run(text).bold = True
    passages = segment(load_document(pdf_export(saved(document, tmp_path))))

    assert [p.text for p in passages if p.kind == "heading"] == ["ОГЛАВЛЕНИЕ", "ВВЕДЕНИЕ"]
    assert len([p for p in passages if p.kind == "toc"]) == 3
    assert {p.kind for p in passages if p.section == "ВВЕДЕНИЕ" and p.kind != "heading"} == {"body"}


def test_a_bold_lead_in_of_a_thesis_whose_chapters_are_set_in_body_type_is_a_subtitle(pdf_export, tmp_path):
    """Chapters and sections numbered and bold, all in the body's type size: a bold lead-in
    ("Функционалды талаптар:") is a subtitle of the section it stands in, not a chapter."""
    document = docx.Document()
    for text, bold in [
        ("1 Талдау", True), ("1.1 Шолу", True), (KAZAKH, False), ("1.2 Талаптар", True), (KAZAKH_2, False),
        ("Функционалды талаптар:", True), ("Жүйе сұрақтарға жауап береді.", False), ("2 Жобалау", True),
        ("2.1 Құрылым", True), ("Құрылым үш бөліктен тұрады.", False),
    ]:  # fmt: skip
        document.add_paragraph().add_run(text).bold = bold
    passages = segment(load_document(pdf_export(saved(document, tmp_path))))

    assert {p.text: p.section for p in passages if p.text.endswith("тұрады.") or p.text.endswith("береді.")} == {
        "Жүйе сұрақтарға жауап береді.": "1 Талдау › 1.2 Талаптар › Функционалды талаптар",
        "Құрылым үш бөліктен тұрады.": "2 Жобалау › 2.1 Құрылым",
    }


# --- pages a scan left without text -------------------------------------------------------------


def _picture(folder, size=(800, 1100)):
    """A grey page-sized picture with dark strokes, as a scanner makes of a signed page."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "#eeeeee")
    draw = ImageDraw.Draw(image)
    for y in range(100, size[1] - 100, 60):
        draw.line((80, y, size[0] - 80, y), fill="#333333", width=3)
    path = folder / f"scan-{size[0]}.png"
    image.save(path)
    return path


def test_a_page_a_scan_left_without_text_is_named_where_it_is_indexed(pdf_export, tmp_path, cli_env, embedder):
    """A signed title page pasted in as an image between two pages of text: its page is named
    as not searchable by the command line and in an upload's outcome (which the page shows,
    `test_pieces`); a small drawing on a page of text names none."""
    document = docx.Document()
    document.add_paragraph(KAZAKH)
    document.add_page_break()
    document.add_picture(str(_picture(tmp_path)), width=Cm(15))
    document.add_page_break()
    document.add_paragraph(KAZAKH_2)
    document.add_picture(str(_picture(tmp_path, (200, 150))), width=Cm(4))
    pdf = pdf_export(saved(document, tmp_path))

    assert load_document(pdf).image_pages == (2,)
    result = CliRunner(env=cli_env).invoke(main, ["index", str(pdf), "--index", "scanned"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "page 2 holds only an image" in result.output
    task = {"source": str(pdf), "name": "scanned.pdf", "index": str(tmp_path / "upload"), "max_bytes": 10**7,
            "max_passages": 1000, "quota_passages": 1000}  # fmt: skip
    assert index_upload(task, embedder, lambda message: None)["image_pages"] == [2]


# --- a failed build ------------------------------------------------------------------------------


def test_a_first_index_build_that_fails_leaves_no_folder_behind(tmp_path, embedder):
    broken = Document(name="broken.txt", text="Мәтін \ud835 мұнда. Тағы бір сөйлем бар.")  # half a pair

    with pytest.raises(UnicodeError):
        build_index(tmp_path / "index", [broken], embedder)

    assert not (tmp_path / "index").exists()
