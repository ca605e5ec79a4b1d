"""HTML for answers, lookups and upload jobs: one card per passage, all text escaped before it
is marked, format controls removed.

Everything that comes from a document or a user (passage text, section titles, document
names, questions) goes through `html.escape` or `thesis_qa.highlight.render_html`, so a
`<script>` in a thesis or a question shows as text. Every fragment then passes `visible`,
which drops control and format characters (a right-to-left override would show "evil" as
"live"); markup is plain ASCII, so that cannot change its structure. Each fragment is one
line: Markdown renderers then take it as a raw HTML block and runs of spaces collapse.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from thesis_qa.document import Passage
from thesis_qa.highlight import render_html
from thesis_qa.jobs import JobStatus
from thesis_qa.language import Language
from thesis_qa.search import Hit
from thesis_qa_app.texts import error_text, text

if TYPE_CHECKING:
    from thesis_qa_app.answers import Reply

Neighbours = Callable[[Passage], tuple[list[Passage], list[Passage]]]
_BAR_CELLS = 10
_SHOWN_CONFIDENCE = 0.99  # a probability is never shown as certain

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
.tqa-closest > summary { cursor: pointer; color: var(--body-text-color-subdued); }
.tqa-jobs { margin: .2em 0; padding-left: 1.1em; }
mark.answer { background: #fff1a8; color: inherit; padding: 0 1px; border-radius: 2px; }
mark.term { background: #cde8ff; color: inherit; font-weight: 600; padding: 0 1px; border-radius: 2px; }
.dark mark.answer { background: #6b5a00; }
.dark mark.term { background: #114a7a; }
"""


def visible(text_: str) -> str:
    """`text_` without control and format characters (bidi overrides, zero-width marks),
    newlines and tabs kept."""
    return "".join(ch for ch in text_ if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def one_line(markup: str) -> str:
    """Collapse every run of whitespace (tabs, newlines, repeated spaces) to one space."""
    return " ".join(markup.split())


def _fragment(markup: str) -> str:
    return visible(one_line(markup))


def question_html(question: str) -> str:
    """The user's message as shown in the chat."""
    return _fragment(f'<p class="tqa-note">{html.escape(question)}</p>')


def note_html(message: str) -> str:
    return _fragment(f'<p class="tqa-note">{html.escape(message)}</p>')


def answer_html(reply: Reply, neighbours: Neighbours) -> str:
    """The chat reply: a header and one card per hit; when the documents do not answer, that,
    plainly, with the closest passages folded away; or the reason there is nothing."""
    if reply.code:
        return note_html(reply.message)
    lang, answer = reply.language, reply.answer
    if answer is None or not answer.hits:
        return note_html(text("nothing_found", lang))
    cards = "".join(card_html(hit, rank, lang, neighbours(hit.passage)) for rank, hit in enumerate(answer.hits, 1))
    if not answer.answered:
        head = html.escape(text("not_answered", lang))
        summary = html.escape(text("closest", lang, n=len(answer.hits)))
        folded = f'<details class="tqa-closest"><summary>{summary}</summary>{cards}</details>'
        return _fragment(f'<div class="tqa-answer"><p class="tqa-head">{head}</p>{folded}</div>')
    header = html.escape(text("answer_header", lang, n=len(answer.hits)))
    return _fragment(f'<div class="tqa-answer"><p class="tqa-head">{header}</p>{cards}</div>')


def lookup_html(reply: Reply) -> str:
    """Compact cards for a quick lookup, the looked-up word marked."""
    if reply.code:
        return note_html(reply.message)
    lang = reply.language
    if not reply.hits:
        return note_html(text("nothing_found", lang))
    header = html.escape(text("lookup_header", lang, word=reply.question.strip(), n=len(reply.hits)))
    cards = "".join(
        f'<div class="tqa-card tqa-lookup"><p class="tqa-where">{where_html(hit.passage, lang)}</p>'
        f'<p class="tqa-text">{passage_html(hit)}</p></div>'
        for hit in reply.hits
    )
    return _fragment(f'<div class="tqa-answer"><p class="tqa-head">{header}</p>{cards}</div>')


def card_html(hit: Hit, rank: int, lang: Language, context: tuple[list[Passage], list[Passage]]) -> str:
    where = where_html(hit.passage, lang)
    return (
        '<div class="tqa-card">'
        f'<p class="tqa-where"><span class="tqa-rank">{rank}.</span> {where} · {confidence_html(hit.score, lang)}</p>'
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
    place = [html.escape(part) for part in parts if part]
    return " · ".join([*place, f'<span class="tqa-doc">{html.escape(passage.doc)}</span>'])


def confidence_html(score: float, lang: Language) -> str:
    """A ten-cell bar and a percentage: the probability that the passage holds the answer
    (`Hit.score`), never shown as 100 %."""
    share = min(max(float(score), 0.0), _SHOWN_CONFIDENCE)
    filled = round(share * _BAR_CELLS)
    bar = "▰" * filled + "▱" * (_BAR_CELLS - filled)
    label = html.escape(text("confidence", lang))
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


def jobs_html(statuses: list[JobStatus], lang: Language) -> str:
    """The owner's uploads in progress and just finished, one line each."""
    if not statuses:
        return ""
    items = "".join(f"<li>{html.escape(job_line(status, lang))}</li>" for status in reversed(statuses))
    return _fragment(f'<ul class="tqa-jobs">{items}</ul>')


def job_line(status: JobStatus, lang: Language) -> str:
    """ "⏳ …queued, position 2, about 3 min", "✓ …indexed", "⚠ why it failed"…"""
    job = status.job
    if job.state in ("queued", "running"):
        return "⏳ " + _active_line(status, lang)
    if job.state == "done" and "publish" in job.meta:
        return "✓ " + text("publish_done", lang, name=job.result.get("name", job.name))
    if job.state == "done":
        return "✓ " + text("upload_done", lang, name=job.name, passages=job.result.get("passages", 0))
    if job.state == "cancelled":
        return "✕ " + text("job_cancelled", lang, name=job.name)
    error = job.error
    return "⚠ " + error_text(lang, error.code if error else "error", error.params if error else {}, str(error or ""))


def _active_line(status: JobStatus, lang: Language) -> str:
    job, name = status.job, status.job.name
    if job.state == "queued":
        return text("job_queued", lang, name=name, position=status.position, eta=_eta(status.eta_s, lang))
    if "publish" in job.meta:
        return text("publish_queued", lang, name=name)
    if not job.total:
        return text("job_reading", lang, name=name)
    percent = int(status.progress * 100)
    return text("job_running", lang, name=name, percent=percent, eta=_eta(status.eta_s, lang))


def _eta(seconds: float | None, lang: Language) -> str:
    if seconds is None or seconds < 60:
        return text("eta_soon", lang)
    return text("eta_minutes", lang, n=round(seconds / 60))
