"""Export pinned passages (a lecturer's collection) as Markdown or as a Word document.

Each passage is quoted under a heading naming the question it answered (consecutive passages
of one question share it), with its answer in bold (the bounded mark of
`highlight.answer_marks`, or for a lookup the words looked up) and its reference under it:
document, section, paragraph, printed page, question. Line breaks of the text (list items
"●", "─") are kept.

All text comes from documents and users: control and format characters are dropped
(`highlight.visible_text`, which also keeps the .docx XML valid), and in Markdown everything
that would be markup (emphasis, links, HTML, a "#" or "1." opening a line) is escaped, so a
`<script>` or `[x](javascript:…)` inside a passage reads as the text it is.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby, pairwise
from typing import Any

from thesis_qa.document import Passage
from thesis_qa.retrieval.highlight import Span, answer_marks, visible_text
from thesis_qa.study.names import names

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# What turns text into markup in CommonMark/GFM mid-line: escapes, code, emphasis, links,
# HTML and entities, tables, strike-through, headings' closing "#". An underscore inside a
# word ("thesis_kk.txt") never starts emphasis, so it stays as it is.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>&|~#]|(?<![^\W_])_|_(?![^\W_]))")
# A number that opens an ordered list when it starts a line ("1." "2)").
_LIST_NUMBER = re.compile(r"\d{1,9}(?=[.)](\s|$))")
Run = tuple[str, bool]  # text, and whether it is bold


@dataclass(frozen=True)
class Labels:
    """The words of an export in the reader's language."""

    title: str
    document: str
    section: str
    paragraph: str
    page: str
    question: str
    toc_entry: str
    index_of_names: str = ""  # the heading of the index of names a .docx ends with


@dataclass(frozen=True)
class Excerpt:
    """A pinned passage: its text and place, what answers in it, the question it was pinned for.

    `highlights` are the answering sentences (none for a lookup), `terms` the question's or
    the looked-up words; `page` the printed page label."""

    doc: str
    text: str
    section: str = ""
    paragraph: int = 0
    page: str | None = None
    kind: str = "body"
    highlights: tuple[Span, ...] = ()
    terms: tuple[Span, ...] = ()
    question: str = ""

    @classmethod
    def from_json(cls, pin: Mapping[str, object]) -> Excerpt:
        """From a pin as stored (a `Hit.to_json()` plus "question"); values of a wrong type
        (a file edited by hand) are read as missing."""
        text = _str(pin.get("text"))
        page = pin.get("page")
        return cls(
            doc=_str(pin.get("doc")),
            text=text,
            section=_str(pin.get("section")),
            paragraph=_int(pin.get("paragraph")),
            page=None if page is None or page == "" else _str(page),
            kind=_str(pin.get("kind")) or "body",
            highlights=_spans(pin.get("highlights"), len(text)),
            terms=_spans(pin.get("terms"), len(text)),
            question=_str(pin.get("question")),
        )

    def bold(self) -> tuple[Span, ...]:
        """The spans set in bold: the bounded answer mark, or the looked-up words."""
        return answer_marks(self.text, self.highlights, self.terms) if self.highlights else self.terms

    def runs(self) -> list[list[Run]]:
        """The text as lines of (text, bold) runs: format controls dropped, runs of spaces
        and tabs collapsed, line breaks kept, blank lines dropped."""
        bold = self.bold()
        cuts = sorted({0, len(self.text), *(p for span in bold for p in span)})
        lines: list[list[Run]] = [[]]
        for a, b in pairwise(cuts):
            marked = any(x <= a and b <= y for x, y in bold)
            for i, piece in enumerate(visible_text(self.text[a:b]).split("\n")):
                if i:
                    lines.append([])
                lines[-1].append((re.sub(r"[ \t\r\f\v]+", " ", piece), marked))
        return [_stripped(line) for line in lines if "".join(text for text, _ in line).strip()]

    def section_label(self, labels: Labels) -> str:
        """The section title; "table of contents" for its entries; "" when there is none."""
        return self.section or (labels.toc_entry if self.kind == "toc" else "")

    def reference(self, labels: Labels) -> list[tuple[str, str]]:
        """(label, value) rows: document, section, paragraph, page, question (those known)."""
        rows = [
            (labels.document, self.doc),
            (labels.section, self.section_label(labels)),
            (labels.paragraph, str(self.paragraph) if self.paragraph else ""),
            (labels.page, self.page or ""),
            (labels.question, self.question),
        ]
        return [(label, _one_line(value)) for label, value in rows if _one_line(value)]


def to_markdown(excerpts: Sequence[Excerpt], labels: Labels) -> str:
    """The collection as Markdown: a title, a `##` heading per question, each passage quoted
    (lines kept as hard breaks, its answer in bold) with its reference as a list."""
    if not excerpts:
        return ""
    blocks = [f"# {_escape(labels.title)}"]
    for question, group in _by_question(excerpts):
        if question:
            blocks.append(f"## {_escape(question)}")
        for excerpt in group:
            quote = "\\\n".join(f"> {_markdown_line(line)}" for line in excerpt.runs())
            reference = "\n".join(f"- {_escape(label)}: {_escape(value)}" for label, value in excerpt.reference(labels))
            blocks += [quote or ">", reference]
    return "\n\n".join(blocks) + "\n"


def to_docx(excerpts: Sequence[Excerpt], labels: Labels) -> bytes:
    """The collection as a Word document: the title, a Heading 1 per question, each passage a
    "Quote" paragraph (lines as line breaks, its answer in bold runs), then its reference in
    small type, a row a line."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    document = Document()
    document.core_properties.title = _one_line(labels.title)
    document.add_heading(_one_line(labels.title), level=0)
    for question, group in _by_question(excerpts):
        if question:
            document.add_heading(_one_line(question), level=1)
        for excerpt in group:
            quote = document.add_paragraph(style="Quote")
            for number, line in enumerate(excerpt.runs()):
                if number:
                    quote.add_run().add_break()
                for text, bold in line:
                    quote.add_run(text).bold = bold or None
            reference = document.add_paragraph()
            for number, (label, value) in enumerate(excerpt.reference(labels)):
                if number:
                    reference.runs[-1].add_break()
                run = reference.add_run(f"{label}: {value}")
                run.font.size = Pt(9)
                run.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    _add_index(document, excerpts, labels)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add_index(document: Any, excerpts: Sequence[Excerpt], labels: Labels) -> None:
    """The index of names at the end, like a book's: a name, then the excerpts it stands in."""
    index = index_of_names(excerpts)
    if index and labels.index_of_names:
        document.add_heading(_one_line(labels.index_of_names), level=1)
        for name, numbers in index:
            document.add_paragraph(f"{name} — {', '.join(map(str, numbers))}")


def index_of_names(excerpts: Sequence[Excerpt]) -> list[tuple[str, list[int]]]:
    """The persons the excerpts name, A–Я, each with the numbers of the excerpts
    (in the order they are exported) it stands in, as a book's index gives pages."""
    order = [excerpt for _, group in _by_question(excerpts) for excerpt in group]
    passages = [
        Passage(str(n), e.doc, n, e.paragraph, 0, len(e.text), e.text, e.section, e.page, kind=e.kind)  # type: ignore[arg-type]
        for n, e in enumerate(order, start=1)
    ]
    people = (entry for entry in names(passages) if entry.kind == "person")
    return [(entry.name, [int(place.id) for place in entry.places]) for entry in people]


def _by_question(excerpts: Sequence[Excerpt]) -> list[tuple[str, list[Excerpt]]]:
    """Consecutive excerpts of one question together, in the collection's order."""
    return [(question, list(group)) for question, group in groupby(excerpts, key=lambda e: _one_line(e.question))]


def _markdown_line(line: list[Run]) -> str:
    """One line of runs as Markdown: escaped, bold between `**` (spaces kept outside them),
    a block marker at its start escaped."""
    out = ""
    for text, bold in line:
        escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
        if bold and escaped.strip():
            lead, core, trail = _split_spaces(escaped)
            escaped = f"{lead}**{core}**{trail}"
        out += escaped
    return _unblocked(out)


def _escape(value: str) -> str:
    """Text as Markdown that shows exactly this text, on one line, no format controls."""
    return _unblocked(_MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(value)))


def _unblocked(line: str) -> str:
    """A line that cannot open a list or a setext underline ("-", "+", "=", "1."): its
    marker escaped ("#", ">" and "*" are escaped everywhere)."""
    number = _LIST_NUMBER.match(line)
    if number:
        return f"{number.group()}\\{line[number.end() :]}"
    return "\\" + line if line[:1] in ("-", "+", "=") else line


def _one_line(value: str) -> str:
    return " ".join(visible_text(value).split())


def _split_spaces(text: str) -> tuple[str, str, str]:
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    return lead, core, text[len(lead) + len(core) :]


def _stripped(line: list[Run]) -> list[Run]:
    """A line without spaces at its ends (nor runs left empty)."""
    runs = [run for run in line if run[0]]
    while runs and not runs[0][0].strip():
        runs.pop(0)
    while runs and not runs[-1][0].strip():
        runs.pop()
    if runs:
        runs[0] = (runs[0][0].lstrip(), runs[0][1])
        runs[-1] = (runs[-1][0].rstrip(), runs[-1][1])
    return runs


def _str(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _spans(value: object, length: int) -> tuple[Span, ...]:
    """Valid [start, end] pairs within the text, in order."""
    if not isinstance(value, list | tuple):
        return ()
    spans = []
    for item in value:
        if isinstance(item, list | tuple) and len(item) == 2 and all(isinstance(x, int) for x in item):
            a, b = int(item[0]), int(item[1])
            if 0 <= a < b <= length:
                spans.append((a, b))
    return tuple(sorted(spans))
