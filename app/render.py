"""HTML for answers and lookups: one card per passage, all text escaped before it is marked.

Everything that comes from a document or a user (passage text, section titles, document
names, questions) goes through `html.escape` or `thesis_qa.highlight.render_html`, so a
`<script>` in a thesis or a question shows as text. Each fragment is one line: Markdown
renderers then take it as a raw HTML block and runs of spaces in the source collapse.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from thesis_qa.document import Passage
from thesis_qa.highlight import render_html
from thesis_qa.language import Language
from thesis_qa.search import Hit
from thesis_qa_app.answers import Answer
from thesis_qa_app.texts import text

Neighbours = Callable[[Passage], tuple[list[Passage], list[Passage]]]
_BAR_CELLS = 10

CSS = """
.tqa-answer, .tqa-note { line-height: 1.5; }
.tqa-head { font-weight: 600; margin: 0 0 .4em; }
.tqa-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .55em .8em; margin: .5em 0; }
.tqa-where { font-size: .9em; color: var(--body-text-color-subdued); margin: 0 0 .3em; }
.tqa-rank { font-weight: 700; margin-right: .3em; }
.tqa-bar { letter-spacing: -1px; color: #2f7d32; }
.tqa-text { margin: .2em 0; }
.tqa-context p { margin: .3em 0; color: var(--body-text-color-subdued); }
.tqa-context strong { font-size: 1em; font-weight: 600; }
mark.answer { background: #fff1a8; color: inherit; padding: 0 1px; border-radius: 2px; }
mark.term { background: #cde8ff; color: inherit; font-weight: 600; padding: 0 1px; border-radius: 2px; }
.dark mark.answer { background: #6b5a00; }
.dark mark.term { background: #114a7a; }
"""


def one_line(markup: str) -> str:
    """Collapse every run of whitespace (tabs, newlines, repeated spaces) to one space."""
    return " ".join(markup.split())


def question_html(question: str) -> str:
    """The user's message as shown in the chat."""
    return one_line(f'<p class="tqa-note">{html.escape(question)}</p>')


def note_html(message: str) -> str:
    return one_line(f'<p class="tqa-note">{html.escape(message)}</p>')


def answer_html(answer: Answer, neighbours: Neighbours) -> str:
    """The chat reply: a header and one card per hit, or the reason there is none."""
    if answer.code:
        return note_html(answer.message)
    lang = answer.language
    if not answer.hits:
        return note_html(text("nothing_found", lang))
    cards = "".join(card_html(hit, rank, lang, neighbours(hit.passage)) for rank, hit in enumerate(answer.hits, 1))
    header = html.escape(text("answer_header", lang, n=len(answer.hits)))
    return one_line(f'<div class="tqa-answer"><p class="tqa-head">{header}</p>{cards}</div>')


def lookup_html(answer: Answer) -> str:
    """Compact cards for a quick lookup, the looked-up word marked."""
    if answer.code:
        return note_html(answer.message)
    lang = answer.language
    if not answer.hits:
        return note_html(text("nothing_found", lang))
    header = html.escape(text("lookup_header", lang, word=answer.question.strip(), n=len(answer.hits)))
    cards = "".join(
        f'<div class="tqa-card tqa-lookup"><p class="tqa-where">{where_html(hit.passage, lang)}</p>'
        f'<p class="tqa-text">{passage_html(hit)}</p></div>'
        for hit in answer.hits
    )
    return one_line(f'<div class="tqa-answer"><p class="tqa-head">{header}</p>{cards}</div>')


def card_html(hit: Hit, rank: int, lang: Language, context: tuple[list[Passage], list[Passage]]) -> str:
    where = where_html(hit.passage, lang)
    return (
        '<div class="tqa-card">'
        f'<p class="tqa-where"><span class="tqa-rank">{rank}.</span> {where} · {relevance_html(hit.score, lang)}</p>'
        f'<p class="tqa-text">{passage_html(hit)}</p>{context_html(context, lang)}</div>'
    )


def passage_html(hit: Hit) -> str:
    return one_line(render_html(hit.passage.text, hit.highlights, hit.terms))


def where_html(passage: Passage, lang: Language) -> str:
    """Section (or "table of contents"), ¶ paragraph, page when known, document: escaped."""
    parts = [passage.section or (text("toc_entry", lang) if passage.kind == "toc" else "")]
    if passage.paragraph:
        parts.append(f"¶ {passage.paragraph}")
    if passage.page is not None:
        parts.append(text("page", lang, page=passage.page))
    parts.append(passage.doc)
    return " · ".join(html.escape(part) for part in parts if part)


def relevance_html(score: float, lang: Language) -> str:
    """A ten-cell bar and a percentage, from a score that is higher-is-better, about 0..1."""
    share = min(max(float(score), 0.0), 1.0)
    filled = round(share * _BAR_CELLS)
    bar = "▰" * filled + "▱" * (_BAR_CELLS - filled)
    label = html.escape(text("relevance", lang))
    return f'<span class="tqa-bar" title="{label}">{bar}</span> {label} {round(share * 100)}%'


def context_html(context: tuple[list[Passage], list[Passage]], lang: Language) -> str:
    """The neighbouring passages, one click away."""
    before, after = context
    if not before and not after:
        return ""
    rows = [(text("before", lang), p) for p in before] + [(text("after", lang), p) for p in after]
    body = "".join(
        f"<p><strong>{html.escape(label)}:</strong> {one_line(html.escape(p.text))}</p>" for label, p in rows
    )
    summary = html.escape(text("context", lang))
    return f'<details class="tqa-context"><summary>{summary}</summary>{body}</details>'
