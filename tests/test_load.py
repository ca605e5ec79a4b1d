"""Every loader on small files the tests write, and the one-line failures."""

from __future__ import annotations

import codecs
import json
import zipfile

import pytest

from thesis_qa.errors import LoadError
from thesis_qa.ingest import load_document
from thesis_qa.ingest.structure import segment

KAZAKH = "Саяси модернизация – күрделі процесс.\nОл қоғамды өзгертеді."


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
def test_text_in_unicode_encodings_is_decoded(tmp_path, encoding, prefix):
    path = tmp_path / "thesis.txt"
    path.write_bytes(prefix + KAZAKH.encode(encoding))
    assert load_document(path).text == KAZAKH


def test_windows_1251_russian_is_detected(tmp_path):
    text = "Политическая модернизация — сложный процесс.\nОна меняет общество."
    path = tmp_path / "ru.txt"
    path.write_bytes(text.encode("cp1251"))
    assert load_document(path).text == text


def test_kazakh_in_the_kz1048_code_page_is_detected(tmp_path):
    path = tmp_path / "kk.txt"
    path.write_bytes(KAZAKH.encode("kz1048"))
    assert load_document(path).text == KAZAKH


def test_windows_line_endings_become_newlines(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(KAZAKH.replace("\n", "\r\n").encode())
    assert load_document(path).text == KAZAKH


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "no text found"),
        ("blank.txt", b"  \n\t \n", "no text found"),
        ("garbage.txt", bytes(range(256)) * 4, "binary data"),
        ("latin.txt", "\u00e9t\u00e9 \u00e0 Paris".encode("latin-1") + b"\xff\xfe\x81", "unknown text encoding"),
        ("thesis.rtf", b"{\\rtf1 text}", "unsupported file type"),
        ("fake.docx", b"not a zip at all", "not a Word .docx file"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj <<", "damaged PDF"),
        ("bad.jsonl", b'{"id": 1, "text": "ok"}\nnot json\n', "line 2: invalid JSON"),
        ("notext.jsonl", b'{"id": 1, "title": "no text"}\n', "line 1: expected an object"),
    ],
)
def test_unreadable_files_fail_with_one_line_naming_the_file(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError) as caught:
        load_document(path)
    message = str(caught.value)
    assert message.startswith(name) and reason in message and "\n" not in message


def test_missing_and_oversized_files_are_refused(tmp_path):
    with pytest.raises(LoadError, match="cannot open"):
        load_document(tmp_path / "absent.txt")
    big = tmp_path / "big.txt"
    big.write_text("сөз " * 1000, encoding="utf-8")
    with pytest.raises(LoadError, match="over the 0 MB limit"):
        load_document(big, max_bytes=100)


def test_markdown_headings_name_the_sections(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Кіріспе\n\nБірінші абзац мұнда.\n\n## Мақсаты\n\nЕкінші абзац мұнда.\n", encoding="utf-8")
    passages = segment(load_document(path))
    assert [(p.section, p.text) for p in passages] == [
        ("Кіріспе", "Кіріспе"),  # each heading is a passage too
        ("Кіріспе", "Бірінші абзац мұнда."),
        ("Кіріспе › Мақсаты", "Мақсаты"),
        ("Кіріспе › Мақсаты", "Екінші абзац мұнда."),
    ]


def test_docx_headings_come_from_styles(make_docx):
    path = make_docx(
        [
            ("Heading 1", "1. Теориялық негіздер"),
            ("Heading 2", "1.1. Саяси модернизация"),
            ("Normal", "Саяси модернизация – күрделі процесс. Ол қоғамды өзгертеді."),
            ("Heading 2", "1.2. Даму шарттары"),
            ("Normal", "Даму бірнеше шартқа байланысты."),
        ]
    )
    body = [p for p in segment(load_document(path)) if p.kind != "heading"]
    chapter = "1. Теориялық негіздер"
    assert [(p.section, p.text) for p in body] == [
        (f"{chapter} › 1.1. Саяси модернизация", "Саяси модернизация – күрделі процесс. Ол қоғамды өзгертеді."),
        (f"{chapter} › 1.2. Даму шарттары", "Даму бірнеше шартқа байланысты."),
    ]
    assert body[0].sentences == ((0, 37), (38, 59))


def test_pdf_passages_keep_their_page_numbers(make_pdf):
    path = make_pdf(["Modernization began in the fifties.", "Huntington wrote about order in 1968."])
    passages = segment(load_document(path))
    assert [(p.page, p.page_index, p.text) for p in passages] == [
        ("1", 1, "Modernization began in the fifties."),
        ("2", 2, "Huntington wrote about order in 1968."),
    ]


def test_pdf_without_a_text_layer_says_ocr_is_unsupported(make_pdf):
    with pytest.raises(LoadError, match="no text found; OCR is not supported"):
        load_document(make_pdf([""], name="scan.pdf"))


def test_jsonl_passages_keep_their_titles_and_their_ids_as_source_ids(tmp_path):
    path = tmp_path / "pool.jsonl"
    records = [
        {"id": "kz:1", "text": "Алматы – ірі қала.", "title": "Қала"},
        {"id": "kz:2", "text": "Астана – астана."},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    passages = segment(load_document(path))
    assert [(p.id, p.source_id, p.text, p.section) for p in passages] == [
        ("pool.jsonl#0", "kz:1", "Алматы – ірі қала.", "Қала"),
        ("pool.jsonl#1", "kz:2", "Астана – астана.", ""),
    ]


TEXT_BOX = (
    '<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    '<mc:Choice Requires="wps"><w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
    'wordprocessingDrawing"><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:graphicData><wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
    "<wps:txbx><w:txbxContent><w:p><w:r><w:t>Қорапшадағы мәтін.</w:t></w:r></w:p></w:txbxContent></wps:txbx>"
    "</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    '<mc:Fallback><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent><w:p><w:r>'
    "<w:t>Қорапшадағы мәтін.</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
    "</mc:AlternateContent></w:r>"
)


def test_docx_text_boxes_are_read_once_as_their_own_paragraph(make_docx, tmp_path):
    path = make_docx([("Normal", "Абзацтың мәтіні.")])
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    xml = parts["word/document.xml"].decode()
    parts["word/document.xml"] = xml.replace("</w:t></w:r>", "</w:t></w:r>" + TEXT_BOX, 1).encode()
    boxed = tmp_path / "boxed.docx"
    with zipfile.ZipFile(boxed, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    assert load_document(boxed).text == "Абзацтың мәтіні.\n\nҚорапшадағы мәтін."
