"""Turn a `Document` into retrievable `Passage`s that know their section, paragraph and page.

`segment()` runs a pipeline of passes over the document's sentence units
(`sentences.split_units`), each handing the next a list of items in reading order (`items`: a
`Unit` of text, or a `Heading`, `TocEntry`, `InBlock` or `Caption` made of units):

1. `titles.apply_heading_hints`: units that overlap a heading a .docx/.md/.pdf marks become it.
2. `items.in_blocks`: units inside a block the loader marked (footnote, table, contents,
   bibliography) keep its kind.
3. `contents.cut_tables_of_contents`: the table of contents is found and cut into entries.
4. `captions.mark_captions`: captions of figures and tables ("Рисунок 3 – …", "Кесте 8",
   "Table 1") become `caption` passages, never headings, whatever the format hinted.
5. `titles.classify_headings`: headings are recognised (numbered "1.1.", UPPERCASE chapter
   titles opening a line, short title lines opening a paragraph, "1 Title" when "1.1 …"
   follows); an item of a numbered list that runs on past 9 stays an item (`listings`); a
   title page is text, read as one paragraph.
6. `assembly.Assembler`: the section path is tracked (chapters, appendices, subtitles, by the
   kinds of title `titles` tells apart) -> paragraphs under a bibliography heading become
   `bibliography` entries -> a code listing is one paragraph (`listings`) -> paragraphs that
   repeat earlier text are dropped (the bundled file holds its text twice) -> long
   paragraphs are cut into passages of a few sentences.

A .jsonl's ready passages skip the passes: each is kept as given (`assembly.presplit_passages`).
Every span is an exact slice of `Document.text`, and no passage is longer than
`DEFAULT_MAX_CHARS` unless one sentence is (sentences are bounded by `sentences.MAX_UNIT_CHARS`).
"""

from __future__ import annotations

from thesis_qa.document import Document, Passage
from thesis_qa.ingest.limits import check_passage_count
from thesis_qa.ingest.structure.assembly import MAX_PRESPLIT_CHARS, Assembler, presplit_passages
from thesis_qa.ingest.structure.captions import mark_captions
from thesis_qa.ingest.structure.contents import CONTENTS_TITLE, cut_tables_of_contents
from thesis_qa.ingest.structure.items import in_blocks
from thesis_qa.ingest.structure.titles import BIBLIOGRAPHY_TITLE, apply_heading_hints, classify_headings
from thesis_qa.text.sentences import split_units

__all__ = [
    "BIBLIOGRAPHY_TITLE",
    "CONTENTS_TITLE",
    "DEFAULT_MAX_CHARS",
    "MAX_PRESPLIT_CHARS",
    "SEGMENTER_VERSION",
    "segment",
]

# Bumped whenever a module of this package would cut a document into other passages (an index
# built by an older segmenter is stale).
# 2: printed page labels, footnote/table/bibliography kinds, project-assigned .jsonl ids,
# bounded sentences; the bundled thesis segments exactly as in 1.
# 3: every heading is also a passage of kind "heading" (structure questions land on it).
# 4: a Markdown heading's passage reads without its "#" marks.
# 5: captions are their own kind; a numbered list (bibliography) going past 9 stays a list;
# "4 × 1 ГБ = 4 ГБ RAM" is no capitals title.
# 6: contents with spaced dot leaders (". . . 12"); roman chapter labels ("II." over two lines);
# "1."-"3." inside a roman or earlier chapter are subtitles; maths letters title nothing; a
# bare roman numeral on its own line is a chapter; a line opening with a bullet is no title.
# 7: captions numbered first ("2.1.1 сурет —", "1.2.1 график -") and a table's continuation
# ("1.3.2 кестенің жалғасы", "Продолжение таблицы 4"); "3.3.4 суретте … көрсетілген." is text;
# "1 Title" is a chapter when "1.1 …" follows; a numbered line inside a bibliography is an
# entry; "А қосымша" is a top-level appendix, "А.1 …" a section of it, "А қосымшасының
# жалғасы" no heading; a code listing is one paragraph; "Пайдаланған әдебиеттер" is a bibliography.
# 8: a short line is a subtitle only when text follows it: a drawing's labels ("Attendances",
# "Id") and a formula's lines ("𝑉 ∈ T") open no section.
# 9: "§1.1 Title" is a numbered section (a colon in it keeps its rank); "2.1-сурет − …" with a
# minus sign for the dash is a caption; "А Қосымшаның жалғасы" opens no section.
# 10: "1. Title" over "1.1 …" is a chapter when it goes on from the chapter before; "4.3.1
# Таблица User" is a section, not a caption; a bare "Таблица 9" takes no "5 Title" as its title.
# 11: a heading numbered "3." inside a chapter numbered "2 …" (no dot) is a subtitle.
# 12: the lines of a title page (before the first abstract, contents or introduction) are text,
# its titles in capitals stay headings.
# 13: a caption set over lines of its own goes on while it leaves a bracket open or ends in a
#     comma ("Рис. 4: … (2021" + "год)", "Рис. 5: … (2019–2021)," + "источник: Statista.com").
# 14: a list is read with its introduction ("… выделяются следующие:" and its items): one
#     paragraph, cut into passages by length like any other.
# 15: a title page is read as one paragraph, its titles in capitals too ("Научный руководитель:"
#     with the name on the next line, "ТҮСІНДІРМЕ ЖАЗБА" with its author's).
# 16: one period between Latin letters ends no sentence ("ASP.NET"), nor "англ.", "рис.", "табл.".
# 17: a first page holding more than 1,200 characters is no title page (a foreword opening on
#     page 1 keeps its title and paragraphs).
# 18: a title page's table (the signatures) is read with the title page.
# 19: a numbered line on a title page ("2 курс, магистрант") ends it only when a numbered title
#     follows; a line in capitals listing keywords (three commas or more) is no title.
SEGMENTER_VERSION = "19"
DEFAULT_MAX_CHARS = 600


def segment(doc: Document, max_chars: int = DEFAULT_MAX_CHARS, max_passages: int | None = None) -> list[Passage]:
    """Passages of `doc` in reading order; `LoadError` (load_too_many_passages) past
    `max_passages`."""
    if doc.presplit:
        passages = presplit_passages(doc, max_chars)
    else:
        units = in_blocks(apply_heading_hints(split_units(doc.text, doc.tab_starts_paragraph), doc), doc.blocks)
        marked = mark_captions(doc.text, cut_tables_of_contents(doc.text, units))
        items = classify_headings(doc.text, marked, doc.page_index_at)
        passages = Assembler(doc, max_chars).run(items)
    if max_passages is not None:
        check_passage_count(doc.name, len(passages), max_passages)
    return passages
