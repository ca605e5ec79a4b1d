"""A collection exported as Word and Markdown: a heading per question, each passage quoted with
its answer in bold, its reference under it, lines kept, hostile text shown as text."""

from __future__ import annotations

import io

import docx
from markdown_it import MarkdownIt

from thesis_qa.service.export import Excerpt, Labels, to_docx, to_markdown

LABELS = Labels("Passages", "Document", "Section", "Paragraph", "Page", "Question", "Contents")
LIST = "Белгілері:\n● бірінші тармақ;\n● екінші тармақ\n─ сызықша"
QUESTION = "Кулик сипаттаған тәртіптің белгілері қандай?"


def excerpt(text: str = LIST, answer: str = "● бірінші тармақ;", **fields: object) -> Excerpt:
    start = text.index(answer)
    values = {"doc": "thesis.pdf", "text": text, "section": "1 › 1.1. Теориялар", "paragraph": 21, "page": "iv",
              "highlights": ((start, start + len(answer)),), "question": QUESTION, **fields}  # fmt: skip
    return Excerpt(**values)


def word_document(excerpts: list[Excerpt]) -> docx.document.Document:
    return docx.Document(io.BytesIO(to_docx(excerpts, LABELS)))


def test_the_docx_has_a_heading_per_question_and_quotes_under_it():
    other = excerpt("Екінші сұрақтың жауабы осында.", "жауабы осында.", question="Екінші сұрақ?")
    document = word_document([excerpt(), excerpt(paragraph=22), other])

    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [("Title", "Passages"), ("Heading 1", QUESTION), ("Heading 1", "Екінші сұрақ?")]
    assert [p.style.name for p in document.paragraphs].count("Quote") == 3


def test_the_docx_sets_the_answer_in_bold_and_keeps_the_lines():
    [quote] = [p for p in word_document([excerpt()]).paragraphs if p.style.name == "Quote"]

    assert quote.text == LIST  # line breaks kept: "●" and "─" items on their own lines
    assert [run.text for run in quote.runs if run.bold] == ["● бірінші тармақ;"]


def test_the_docx_gives_the_reference_under_each_quote():
    paragraphs = word_document([excerpt()]).paragraphs
    quote = next(i for i, p in enumerate(paragraphs) if p.style.name == "Quote")

    assert paragraphs[quote + 1].text.splitlines() == [
        "Document: thesis.pdf",
        "Section: 1 › 1.1. Теориялар",
        "Paragraph: 21",
        "Page: iv",
        f"Question: {QUESTION}",
    ]


def test_control_characters_never_break_the_docx():
    hostile = excerpt("Мәтін\x00\x0b\u202e <w:p> & «тырнақша»\ud800.", "Мәтін", question="\x1b[31m?")

    [quote] = [p for p in word_document([hostile]).paragraphs if p.style.name == "Quote"]

    assert quote.text == "Мәтін <w:p> & «тырнақша»."


def test_the_markdown_keeps_lines_as_hard_breaks_and_the_answer_bold():
    rendered = MarkdownIt("commonmark").render(to_markdown([excerpt()], LABELS))

    assert f"<h2>{QUESTION}</h2>" in rendered
    assert "<br />\n<strong>● бірінші тармақ;</strong><br />\n● екінші тармақ<br />\n─ сызықша</p>" in rendered
    assert "<li>Page: iv</li>" in rendered


def test_markdown_block_markers_opening_a_line_stay_text():
    text = "Кіріспе\n- сызықша\n1. нөмір\n# тор\n==="
    rendered = MarkdownIt("commonmark").render(to_markdown([excerpt(text, "Кіріспе")], LABELS))

    assert "<ol" not in rendered and "<h1>#" not in rendered and rendered.count("<ul>") == 1  # the reference
    assert "- сызықша<br />\n1. нөмір<br />\n# тор<br />\n===" in rendered


def test_a_lookup_pin_sets_the_looked_up_words_in_bold():
    text = "Хантингтонның еңбегі мен Хантингтон."
    pin = Excerpt("thesis.pdf", text, terms=((0, 13), (25, 35)), question="Хантингтон")

    assert pin.runs() == [[("Хантингтонның", True), (" еңбегі мен ", False), ("Хантингтон", True), (".", False)]]


def test_a_stored_pin_with_wrong_values_is_read_as_missing():
    stored = {"doc": "a.txt", "text": "Мәтін.", "paragraph": "x", "page": 5, "highlights": [[0, 99], "x"]}

    pin = Excerpt.from_json(stored)

    assert (pin.paragraph, pin.page, pin.highlights, pin.question) == (0, "5", (), "")
