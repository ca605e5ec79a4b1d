"""A thesis-shaped document as students have them, in three forms of the same text: a Word
.docx (heading styles with Word's automatic numbering, a running header, a page-number
footer with a PAGE field, roman numbers on the front matter, a contents field, a table,
footnotes, a numbered bibliography, optional hyphens in long words), its PDF as LibreOffice
exports it, and a plain .txt.

The text is real Kazakh and Russian (`data/thesis_text.json`, see its `_source`); the plan
knows which chapter and section each paragraph belongs to and which passage answers each of
its questions, so the tests can check what every form yields.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from thesis_qa.service.evaluate import GoldQuery

DATA = Path(__file__).parent / "data" / "thesis_text.json"
RUNNING_HEADER = "Қазақстан тарихы мен табиғаты: магистрлік диссертация"
TITLE_PAGE = [
    "ӘЛ-ФАРАБИ АТЫНДАҒЫ ҚАЗАҚ ҰЛТТЫҚ УНИВЕРСИТЕТІ",
    "Тарих, табиғат және қоғам: салыстырмалы зерттеу",
    "Магистрлік диссертация",
    "Алматы, 2024",
]
INTRODUCTION, CONCLUSION = "КІРІСПЕ", "ҚОРЫТЫНДЫ"
BIBLIOGRAPHY = "ПАЙДАЛАНЫЛҒАН ӘДЕБИЕТТЕР ТІЗІМІ"
REFERENCES = [
    "Назарбаев Н.Ә. Тарих толқынында. – Алматы: Атамұра, 1999. – 296 б.",
    "Қозыбаев М.Қ. Тарих зердесі. – Алматы: Ғылым, 1998. – 280 б.",
    "Кляшторный С.Г., Султанов Т.И. Казахстан: летопись трех тысячелетий. – Алматы: Рауан, 1992. – 375 с.",
    "Стиглиц Дж. Цена неравенства. – Москва: Эксмо, 2015. – 512 с.",
]
# Footnotes: (chapter index, section index, paragraph index, note text); the reference sits
# in the middle of the paragraph's first sentence.
FOOTNOTES = [
    (0, 0, 0, "Бартольд В.В. Туркестан в эпоху монгольского нашествия. – Санкт-Петербург, 1900. – 45 с."),
    (1, 0, 1, "Жұмабаев Р.Қ. Омыртқалылар зоологиясы. – Алматы: Қазақ университеті, 2011. – 118 б."),
    (3, 1, 0, "Маастрихт-Ахен: материалы конференции по европейскому праву. – Брюссель, 2009. – 77 с."),
]
TABLE_CAPTION = "1-кесте – Облыстар мен олардың әкімшілік орталықтары"
TABLE = [
    ("Облыс", "Әкімшілік орталығы", "Құрылған жылы"),
    ("Ақмола облысы", "Көкшетау", "1939"),
    ("Ақтөбе облысы", "Ақтөбе", "1932"),
    ("Маңғыстау облысы", "Ақтау", "1973"),
    ("Түркістан облысы", "Түркістан", "1932"),
]
TABLE_AT = (2, 1)  # chapter and section after whose paragraphs the table stands


@dataclass(frozen=True)
class Paragraph:
    text: str
    section: tuple[str, ...]  # the chapter › section path the reader sees


@dataclass(frozen=True)
class ThesisPlan:
    paragraphs: list[Paragraph]
    questions: list[GoldQuery]

    def section_of(self, passage_text: str) -> tuple[str, ...] | None:
        """The section path of the plan paragraph holding `passage_text` (its first 60
        letters and digits, so line breaks and hyphens do not matter)."""
        key = _letters(passage_text)[:60]
        found = [p.section for p in self.paragraphs if key and key in _letters(p.text)]
        return found[0] if found else None


def _letters(text: str) -> str:
    return "".join(re.findall(r"\w", text.lower()))


def load_plan(scale: int = 1) -> tuple[dict, ThesisPlan]:
    """The text plan (chapters repeated `scale` times, renumbered, for a longer thesis) and
    what the tests expect from it."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    chapters = [chapter for _ in range(scale) for chapter in raw["chapters"]]
    plan = {**raw, "chapters": chapters}
    paragraphs = [Paragraph(t, (INTRODUCTION,)) for t in raw["introduction"]]
    questions = []
    for number, chapter in enumerate(chapters, start=1):
        heading = f"{number} {chapter['title']}"
        for sub, section in enumerate(chapter["sections"], start=1):
            path = (heading, f"{number}.{sub} {section['title']}")
            for passage in section["passages"]:
                paragraphs.append(Paragraph(passage["text"], path))
                if number <= len(raw["chapters"]):
                    questions.append(
                        GoldQuery(
                            id=f"q{len(questions) + 1}",
                            lang=chapter["lang"],
                            question=passage["question"],
                            anchors=(passage["anchor"],),
                        )
                    )
    paragraphs += [Paragraph(t, (CONCLUSION,)) for t in raw["conclusion"]]
    return plan, ThesisPlan(paragraphs, questions)


# --- plain text --------------------------------------------------------------------------


def thesis_txt(plan: dict) -> str:
    """The same text as a .txt: headings on their own lines, numbered as the reader sees
    them, paragraphs and table rows separated by blank lines, footnotes after their
    paragraph, the contents with dot leaders."""
    blocks = [*TITLE_PAGE, "МАЗМҰНЫ"]
    blocks += [f"{title} {'.' * 10} {page}" for title, _, page in _contents(plan)]
    blocks += [INTRODUCTION, *plan["introduction"]]
    for number, chapter in enumerate(plan["chapters"], start=1):
        blocks.append(f"{number} {chapter['title']}")
        for sub, section in enumerate(chapter["sections"], start=1):
            blocks.append(f"{number}.{sub} {section['title']}")
            for index, passage in enumerate(section["passages"]):
                blocks.append(passage["text"])
                blocks += [note for c, s, p, note in FOOTNOTES if (c, s, p) == (number - 1, sub - 1, index)]
            if (number - 1, sub - 1) == TABLE_AT:
                blocks += [TABLE_CAPTION, *(" | ".join(row) for row in TABLE)]
    blocks += [CONCLUSION, *plan["conclusion"], BIBLIOGRAPHY]
    blocks += [f"{n}. {ref}" for n, ref in enumerate(REFERENCES, start=1)]
    return "\n\n".join(blocks) + "\n"


def _contents(plan: dict) -> list[tuple[str, int, int]]:
    """(title as numbered, level, a plausible page) for the contents list."""
    entries = [(INTRODUCTION, 1, 3)]
    page = 4
    for number, chapter in enumerate(plan["chapters"], start=1):
        entries.append((f"{number} {chapter['title']}", 1, page))
        for sub, section in enumerate(chapter["sections"], start=1):
            entries.append((f"{number}.{sub} {section['title']}", 2, page))
            page += 1
    return [*entries, (CONCLUSION, 1, page), (BIBLIOGRAPHY, 1, page + 1)]


# --- Word --------------------------------------------------------------------------------


def write_thesis_docx(plan: dict, path: Path) -> Path:
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(12)
    normal.paragraph_format.first_line_indent = Cm(1.25)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    normal.paragraph_format.space_after = Pt(0)
    _heading_numbering(document)
    notes = _Footnotes(document)

    for line in TITLE_PAGE:
        p = document.add_paragraph(line, style="Title" if line == TITLE_PAGE[1] else None)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _contents_field(document, plan)
    _page_numbers(document.sections[0], "lowerRoman")
    body = document.add_section(WD_SECTION.NEW_PAGE)
    _page_numbers(body, "decimal")

    _unnumbered_heading(document, INTRODUCTION)
    for text in plan["introduction"]:
        document.add_paragraph(_optional_hyphens(text))
    for c, chapter in enumerate(plan["chapters"]):
        document.add_paragraph(chapter["title"], style="Heading 1").paragraph_format.page_break_before = True
        for s, section in enumerate(chapter["sections"]):
            document.add_paragraph(section["title"], style="Heading 2")
            for i, passage in enumerate(section["passages"]):
                note = next((n for cc, ss, pp, n in FOOTNOTES if (cc, ss, pp) == (c, s, i)), None)
                _body_paragraph(document, passage["text"], notes, note)
            if (c, s) == TABLE_AT:
                _table(document)
    _unnumbered_heading(document, CONCLUSION, page_break=True)
    for text in plan["conclusion"]:
        document.add_paragraph(_optional_hyphens(text))
    _unnumbered_heading(document, BIBLIOGRAPHY, page_break=True)
    for ref in REFERENCES:
        _numbered(document.add_paragraph(ref), num_id=_LIST_NUM)
    for section in document.sections:
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
        section.top_margin = section.bottom_margin = Cm(2)
    first = document.sections[0]  # the body section's header and footer are linked to these
    first.header.paragraphs[0].text = RUNNING_HEADER
    _page_field(first.footer.paragraphs[0])
    first.footer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    notes.save()
    document.save(str(path))
    return path


_HEADING_NUM, _LIST_NUM = 90, 91


def _w(tag: str, **attrs: str):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _heading_numbering(document) -> None:
    """Word's multilevel list linked to Heading 1-2 ("1", "1.1") and a "1." list."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    numbering = document.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        f'<w:pStyle w:val="Heading{i + 1}"/><w:suff w:val="space"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, text in enumerate(["%1", "%1.%2"])
    )
    abstracts = [
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{_HEADING_NUM}">'
        f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>',
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{_LIST_NUM}"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>',
    ]
    first_num = numbering.find(qn("w:num"))
    for xml in abstracts:
        abstract = parse_xml(xml)
        first_num.addprevious(abstract) if first_num is not None else numbering.append(abstract)
    for num_id in (_HEADING_NUM, _LIST_NUM):
        numbering.append(
            parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>')
        )
    for level, name in enumerate(["Heading 1", "Heading 2"]):
        _numbered(document.styles[name], _HEADING_NUM, level)


def _numbered(holder, num_id: int, level: int = 0) -> None:
    """Numbering on a paragraph or a style; `num_id` 0 switches a style's numbering off."""
    element = holder.element if hasattr(holder, "element") else holder._p
    num_pr = element.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


def _unnumbered_heading(document, text: str, page_break: bool = False) -> None:
    paragraph = document.add_paragraph(text, style="Heading 1")
    paragraph.paragraph_format.page_break_before = page_break
    _numbered(paragraph, 0)


def _optional_hyphens(text: str) -> str:
    """A soft hyphen in the middle of every long word, as Word's manual hyphenation leaves
    them: LibreOffice breaks lines there and prints a hyphen at the line end."""
    return re.sub(r"\w{10,}", lambda m: m.group(0)[:5] + "\u00ad" + m.group(0)[5:], text)


def _body_paragraph(document, text: str, notes: _Footnotes, note: str | None) -> None:
    text = _optional_hyphens(text)
    if note is None:
        document.add_paragraph(text)
        return
    words = text.split(" ")
    paragraph = document.add_paragraph(" ".join(words[:4]))
    notes.cite(paragraph, note)
    paragraph.add_run(" " + " ".join(words[4:]))


def _table(document) -> None:
    caption = document.add_paragraph(TABLE_CAPTION)
    caption.paragraph_format.first_line_indent = 0
    table = document.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    table.style = "Table Grid"
    for row, values in zip(table.rows, TABLE, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
            cell.paragraphs[0].paragraph_format.first_line_indent = 0
    document.add_paragraph("")


def _page_numbers(section, fmt: str) -> None:
    section._sectPr.append(_w("w:pgNumType", fmt=fmt, start="1"))


def _page_field(paragraph) -> None:
    field = _w("w:fldSimple", instr="PAGE")
    run = _w("w:r")
    text = _w("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _contents_field(document, plan: dict) -> None:
    """ "МАЗМҰНЫ" and a TOC field whose cached result lists the headings with page numbers."""
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Cm

    heading = document.add_paragraph("МАЗМҰНЫ", style="TOC Heading")
    heading.paragraph_format.page_break_before = True
    _numbered(heading, 0)  # the style is based on Heading 1, numbering included
    entries = _contents(plan)
    for index, (title, level, page) in enumerate(entries):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = 0
        paragraph.paragraph_format.left_indent = Cm(0.5 * (level - 1))
        paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(16.5), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        if index == 0:
            for kind, instr in (("begin", None), (None, ' TOC \\o "1-2" \\h \\z \\u '), ("separate", None)):
                run = paragraph.add_run()
                run._r.append(_w("w:fldChar", fldCharType=kind) if kind else _instr(instr))
        paragraph.add_run(f"{title}\t{page}")
        if index == len(entries) - 1:
            paragraph.add_run()._r.append(_w("w:fldChar", fldCharType="end"))


def _instr(text: str):
    element = _w("w:instrText")
    element.text = text
    return element


class _Footnotes:
    """word/footnotes.xml, written by hand: python-docx has no footnote API."""

    def __init__(self, document) -> None:
        self.document = document
        self.notes: list[str] = []

    def cite(self, paragraph, text: str) -> None:
        self.notes.append(text)
        run = paragraph.add_run()
        rpr = run._r.get_or_add_rPr()
        rpr.append(_w("w:vertAlign", val="superscript"))
        run._r.append(_w("w:footnoteReference", id=str(len(self.notes) + 1)))

    def save(self) -> None:
        from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part
        from docx.oxml.ns import nsdecls

        separators = "".join(
            f'<w:footnote w:type="{kind}" w:id="{i}"><w:p><w:r><w:{kind}/></w:r></w:p></w:footnote>'
            for i, kind in enumerate(["separator", "continuationSeparator"])
        )
        notes = "".join(
            f'<w:footnote w:id="{i}"><w:p><w:pPr><w:ind w:firstLine="0"/><w:jc w:val="both"/></w:pPr>'
            f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:rPr><w:sz w:val="20"/></w:rPr><w:t xml:space="preserve"> {_xml_escape(text)}</w:t></w:r>'
            "</w:p></w:footnote>"
            for i, text in enumerate(self.notes, start=2)
        )
        xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {nsdecls("w")}>'
        xml += separators + notes + "</w:footnotes>"
        package = self.document.part.package
        part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, xml.encode(), package)
        self.document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- PDF ---------------------------------------------------------------------------------

SOFFICE_PACKAGE = "libreoffice-writer-nogui"


def export_pdf(docx_path: Path, out_dir: Path) -> Path:
    """The PDF LibreOffice exports from `docx_path` (headless, as users' PDFs are made)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError(f"LibreOffice is missing: apt-get install {SOFFICE_PACKAGE}")
    profile = out_dir / "lo-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out_dir), str(docx_path)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return out_dir / (docx_path.stem + ".pdf")
