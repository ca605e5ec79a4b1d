"""HTML for answers, lookups, the collection and upload jobs: one card per passage, all text
escaped before it is marked, format controls removed.

Everything that comes from a document or a user (passage text, section titles, document
names, questions) goes through `html.escape` or `thesis_qa.retrieval.highlight.render_html`, so a
`<script>` in a thesis or a question shows as text. Every fragment then passes `visible`,
which drops control and format characters (a right-to-left override would show "evil" as
"live"); markup is plain ASCII, so that cannot change its structure. Each fragment is one
line: Markdown renderers then take it as a raw HTML block and runs of spaces collapse.

A card shows the passage's text first (in its own language, `lang`), its sentences apart, the
answer marked within bounds (`highlight.answer_marks`), then where it stands (section, ¶,
page, document, confidence: the line wraps rather than hide any of them on a narrow screen),
and a pin button whose value names the card in the session (never the passage
itself: the server looks the token up among what it showed).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from thesis_qa import (
    Hit,
    Language,
    Passage,
    answer_marks,
    dominant_language,
    render_html,
    sentence_breaks,
    visible_text,
)
from thesis_qa.document import ESTIMATED_PAGE, page_ranges
from thesis_qa.errors import ThesisQAError
from thesis_qa.service.export import Excerpt
from thesis_qa.service.jobs import JobStatus
from thesis_qa.service.progressive import Reach
from thesis_qa_app.texts import error_text, text

if TYPE_CHECKING:
    from thesis_qa_app.answers import Reply

Neighbours = Callable[[Passage], tuple[list[Passage], list[Passage]]]
_BAR_CELLS = 10
_SHOWN_CONFIDENCE = 0.99  # a probability is never shown as certain
SECTION_SEPARATOR = " › "

CSS = """
.tqa-answer, .tqa-note { line-height: 1.5; }
.tqa-head { font-weight: 600; margin: 0 0 .4em; }
.tqa-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .55em .8em; margin: .5em 0; }
.tqa-text { margin: .1em 0 .35em; }
.tqa-sep::before { content: "·" / ""; color: var(--tqa-quiet); font-weight: 700; margin: 0 .35em 0 .1em; }
.tqa-foot { display: flex; flex-wrap: wrap; align-items: center; gap: .3em .5em; }
.tqa-where { flex: 1 1 16em; min-width: 0; margin: 0; font-size: .88em; color: var(--tqa-quiet);
  overflow-wrap: anywhere; }
.tqa-where > span, .tqa-bar { white-space: nowrap; }
.tqa-where > .tqa-place, .tqa-where > .tqa-doc, .tqa-where > .tqa-confidence { white-space: normal; }
.tqa-filter { display: flex; flex-wrap: wrap; align-items: center; gap: .3em .6em; margin: .2em 0; font-size: .92em; }
.tqa-filter-name { font-weight: 600; overflow-wrap: anywhere; }
button.tqa-unfilter { font: inherit; font-size: .9em; cursor: pointer; border: 1px solid var(--tqa-focus);
  border-radius: 6px; padding: .15em .6em; background: transparent; color: var(--tqa-focus); }
.tqa-asked-note { font-size: .88em; color: var(--tqa-quiet); margin: .3em 0 0; }
.tqa-rank { font-weight: 700; margin-right: .2em; }
.tqa-bar { letter-spacing: -1px; color: #2a6e2d; }
.dark .tqa-bar { color: #8fd694; }
button.tqa-pin, .tqa-actions button { flex: none; font: inherit; font-size: .85em; cursor: pointer;
  border: 1px solid var(--tqa-quiet); border-radius: 6px; padding: .15em .55em; background: transparent;
  color: inherit; }
button.tqa-pin:hover, button.tqa-unfilter:hover, .tqa-actions button:hover:not(:disabled) {
  background: var(--background-fill-secondary); }
button.tqa-pin.tqa-pinned { border-color: #2a6e2d; color: #2a6e2d; }
.dark button.tqa-pin.tqa-pinned { border-color: #8fd694; color: #8fd694; }
.tqa-context summary, .tqa-closest > summary { cursor: pointer; color: var(--tqa-quiet); font-size: .9em; }
.tqa-context p { margin: .3em 0; color: var(--tqa-quiet); }
.tqa-context strong { font-size: 1em; font-weight: 600; }
.tqa-jobs { margin: .2em 0; padding-left: 1.1em; }
.tqa-pins { padding-left: 1.4em; margin: .3em 0; }
.tqa-item { margin: 0 0 .9em; }
.tqa-item blockquote { margin: .2em 0; padding: .1em 0 .1em .7em; border-left: 3px solid var(--border-color-primary); }
.tqa-ref { margin: .2em 0; font-size: .88em; color: var(--tqa-quiet); }
.tqa-actions { display: flex; gap: .4em; }
.tqa-actions button:disabled { opacity: .45; cursor: default; }
mark.answer { background: #fff1a8; color: inherit; padding: 0 1px; border-radius: 2px; }
mark.answer.near { background: #fffae0; }
mark.term { background: #cde8ff; color: inherit; font-weight: 600; padding: 0 1px; border-radius: 2px; }
.dark mark.answer { background: #6b5a00; }
.dark mark.answer.near { background: #3a3100; }
.dark mark.term { background: #114a7a; }
"""


def visible(text_: str) -> str:
    """`text_` without control and format characters (bidi overrides, zero-width marks),
    newlines and tabs kept."""
    return visible_text(text_)


def one_line(markup: str) -> str:
    """Collapse every run of whitespace (tabs, newlines, repeated spaces) to one space."""
    return " ".join(markup.split())


def _fragment(markup: str) -> str:
    return visible(one_line(markup))


def question_html(question: str, note: str = "") -> str:
    """The user's message as shown in the chat, in the question's language, with what
    became of a long one (`note`, in the interface's language)."""
    said = f'<p class="tqa-asked-note">ℹ {html.escape(note)}</p>' if note else ""
    return _fragment(f'<p class="tqa-note" lang="{dominant_language(question)}">{html.escape(question)}</p>{said}')


def note_html(message: str) -> str:
    return _fragment(f'<p class="tqa-note">{html.escape(message)}</p>')


def answer_html(reply: Reply, neighbours: Neighbours, tokens: Sequence[str]) -> str:
    """The chat reply: a header and one card per hit (`tokens[i]` names hit i for its pin
    button); when the documents do not answer, that, plainly, with the closest passages
    folded away; or the reason there is nothing."""
    if reply.code:
        return note_html(reply.message)
    lang, answer = reply.language, reply.answer
    if answer is None or not answer.hits:
        return note_html(text("nothing_found", lang))
    cards = "".join(
        card_html(hit, rank, lang, neighbours(hit.passage), token)
        for rank, (hit, token) in enumerate(zip(answer.hits, tokens, strict=True), 1)
    )
    if not answer.answered:
        head = html.escape(text("not_answered_in", lang, doc=reply.doc) if reply.doc else text("not_answered", lang))
        again = everywhere_html(lang, "chat", reply.question) if reply.doc else ""
        summary = html.escape(text("closest", lang, n=len(answer.hits)))
        folded = f'<details class="tqa-closest"><summary>{summary}</summary>{cards}</details>'
        return _fragment(f'<div class="tqa-answer"><p class="tqa-head">{head}</p>{again}{folded}</div>')
    header = html.escape(text("answer_header", lang, n=len(answer.hits)))
    return _fragment(f'<div class="tqa-answer"><p class="tqa-head">{header}</p>{cards}</div>')


def lookup_html(reply: Reply, tokens: Sequence[str]) -> str:
    """A lookup: how many passages hold the word, and a compact card for each one shown, the
    word marked; or that it does not occur."""
    lang, found = reply.language, reply.lookup
    if reply.code or found is None:
        return note_html(reply.message or text("nothing_found", lang))
    word = found.query
    if not found.count and reply.doc:
        return _fragment(
            note_html(text("lookup_none_in", lang, word=word, doc=reply.doc)) + everywhere_html(lang, "lookup")
        )
    if not found.count:
        return note_html(text("lookup_none", lang, word=word))
    header = text("lookup_header", lang, word=word, n=found.count)
    if found.count > len(found.hits):
        header += " " + text("lookup_shown", lang, shown=len(found.hits))
    cards = "".join(
        f'<div class="tqa-card tqa-lookup">{text_html(hit)}'
        f'<div class="tqa-foot"><p class="tqa-where">{where_html(hit.passage, lang)}</p>{pin_html(token, lang)}</div>'
        "</div>"
        for hit, token in zip(found.hits, tokens, strict=True)
    )
    return _fragment(f'<div class="tqa-answer"><p class="tqa-head">{html.escape(header)}</p>{cards}</div>')


def card_html(hit: Hit, rank: int, lang: Language, context: tuple[list[Passage], list[Passage]], token: str) -> str:
    """The passage first, then one line: rank, place, confidence; its pin; the text around it."""
    rank_html = f'<span class="tqa-rank">{rank}.</span>'
    where = f"{rank_html} {where_html(hit.passage, lang)} · {confidence_html(hit.score, lang)}"
    return (
        f'<div class="tqa-card">{text_html(hit)}'
        f'<div class="tqa-foot"><p class="tqa-where">{where}</p>{pin_html(token, lang)}</div>'
        f"{context_html(context, lang)}</div>"
    )


def text_html(hit: Hit) -> str:
    """The passage in its language: sentences apart, the answer (bounded) and terms marked."""
    passage = hit.passage
    return f'<p class="tqa-text" lang="{dominant_language(passage.text)}">{passage_html(hit)}</p>'


def passage_html(hit: Hit) -> str:
    p = hit.passage
    marks = answer_marks(p.text, hit.highlights, hit.terms)
    return one_line(render_html(p.text, marks, hit.terms, sentence_breaks(p.text, p.sentences)))


def filter_html(doc: str, lang: Language) -> str:
    """The document filter in force, shown where a question or a lookup is typed, with a
    button that lifts it ("" when every document is searched)."""
    if not doc:
        return ""
    name = html.escape(visible(doc))
    shown = html.escape(text("filter_on", lang, doc="\0")).replace("\0", f'<span class="tqa-filter-name">{name}</span>')
    remove = html.escape(text("filter_remove", lang))
    button = f'<button type="button" class="tqa-unfilter" value=":">✕ {remove}</button>'
    return _fragment(f'<p class="tqa-filter" role="status"><span>{shown}</span>{button}</p>')


def filter_lifted_html(doc: str, code: str, params: dict[str, object], lang: Language) -> str:
    """The document filter lifted, saying why (`lifted_note`)."""
    said = html.escape(lifted_note(doc, code, params, lang))
    return _fragment(f'<p class="tqa-filter tqa-filter-gone" role="status">{said}</p>')


def lifted_note(doc: str, code: str, params: dict[str, object], lang: Language) -> str:
    """Why a filter to document `doc` gave way to every document: `doc` is gone, expired or
    removed ("doc_unknown"), or questions leave it out (the code `Workspace.left_out` gives)."""
    if code == "doc_unknown":
        return text("filter_gone", lang, doc=visible(doc))
    return f"{error_text(lang, code, params)} {text('searched_instead', lang)}"


_LEFT_OUT_MARKS = {"upload_reindexing": "⏳"}


def left_out_html(left: Sequence[ThesisQAError], lang: Language) -> str:
    """The owner's uploads that questions leave out, one line each: why, and what to do (⏳
    while the server re-indexes one, nothing to do)."""
    lines = ((_LEFT_OUT_MARKS.get(why.code, "⚠"), error_text(lang, why.code, why.params)) for why in left)
    items = "".join(f"<li>{mark} {html.escape(said)}</li>" for mark, said in lines)
    return _fragment(f'<ul class="tqa-left-out" role="status">{items}</ul>') if items else ""


def everywhere_html(lang: Language, again: str, question: str = "") -> str:
    """A button that lifts the document filter and asks `question` again ("chat") or looks
    the lookup field's word up again ("lookup") in every document."""
    label = html.escape(text("search_everywhere", lang))
    value = html.escape(f"{again}:{question}", quote=True)
    return f'<p><button type="button" class="tqa-unfilter" value="{value}">{label}</button></p>'


def pin_html(token: str, lang: Language) -> str:
    """The card's pin button; its value is the card's token in this session."""
    label = html.escape(text("pin", lang))
    return f'<button type="button" class="tqa-pin" value="{html.escape(token)}">+ {label}</button>'


def where_html(passage: Passage, lang: Language) -> str:
    """One short line: the innermost section (the whole path as its title), or "table of
    contents", ¶ paragraph, page when known, document; escaped."""
    return place_html(passage.section, passage.kind, passage.paragraph, passage.page, passage.doc, lang)


def place_html(  # noqa: PLR0917 - the fields of a place, as a passage and a pin both hold them
    section: str, kind: str, paragraph: int, page: str | None, doc: str, lang: Language, *, short: bool = True
) -> str:
    """Section (`short`: its innermost part, the whole path as the title) or "table of
    contents", ¶ paragraph, page when known (an estimated one as "≈12", its title saying so),
    document: escaped, joined by " · "."""
    section = section or (text("toc_entry", lang) if kind == "toc" else "")
    parts = []
    if section:
        shown = section.rsplit(SECTION_SEPARATOR, 1)[-1] if short else section
        parts.append(f'<span class="tqa-place" title="{html.escape(section)}">{html.escape(shown)}</span>')
    if paragraph:
        parts.append(f'<span class="tqa-para">¶ {paragraph}</span>')
    if page:
        # "≈12": a page estimated, not printed; its title says why
        estimated = f' title="{html.escape(text("page_estimated", lang))}"' if page.startswith(ESTIMATED_PAGE) else ""
        parts.append(f'<span class="tqa-page"{estimated}>{html.escape(text("page", lang, page=page))}</span>')
    return " · ".join([*parts, f'<span class="tqa-doc">{html.escape(doc)}</span>'])


def confidence_html(score: float, lang: Language) -> str:
    """A ten-cell bar and a percentage: the probability that the passage holds the answer
    (`Hit.score`), never shown as 100 %."""
    share = min(max(float(score), 0.0), _SHOWN_CONFIDENCE)
    filled = round(share * _BAR_CELLS)
    bar = "▰" * filled + "▱" * (_BAR_CELLS - filled)
    label = html.escape(text("confidence", lang))
    bar_html = f'<span class="tqa-bar" title="{label}">{bar}</span>'
    return f'<span class="tqa-confidence">{bar_html} {label} {round(share * 100)}%</span>'


def context_html(context: tuple[list[Passage], list[Passage]], lang: Language) -> str:
    """The neighbouring passages, one click away."""
    before, after = context
    if not before and not after:
        return ""
    rows = [(text("before", lang), p) for p in before] + [(text("after", lang), p) for p in after]
    body = "".join(
        f'<p lang="{dominant_language(p.text)}"><strong>{html.escape(label)}:</strong> '
        f"{one_line(html.escape(p.text))}</p>"
        for label, p in rows
    )
    summary = html.escape(text("context", lang))
    return f'<details class="tqa-context"><summary>{summary}</summary>{body}</details>'


def collection_html(excerpts: Sequence[tuple[str, Excerpt]], lang: Language) -> str:
    """The collection as a list: each passage quoted (lines kept, its answer in bold), its
    reference, and buttons to move it up or down or remove it (`data-id` names it)."""
    if not excerpts:
        return note_html(text("collection_empty", lang))
    items = "".join(_item_html(pin_id, excerpt, i, len(excerpts), lang) for i, (pin_id, excerpt) in enumerate(excerpts))
    help_ = html.escape(text("collection_help", lang))
    return _fragment(f'<p class="tqa-note">{help_}</p><ol class="tqa-pins">{items}</ol>')


def _item_html(pin_id: str, excerpt: Excerpt, position: int, total: int, lang: Language) -> str:
    lines = "<br>".join(
        "".join(f"<strong>{html.escape(t)}</strong>" if bold else html.escape(t) for t, bold in line)
        for line in excerpt.runs()
    )
    e = excerpt
    reference = place_html(e.section, e.kind, e.paragraph, e.page, e.doc, lang, short=False)
    question = html.escape(excerpt.question)
    name = html.escape(one_line(excerpt.section or excerpt.doc), quote=True)
    buttons = "".join(
        f'<button type="button" data-action="{action}" data-id="{html.escape(pin_id, quote=True)}" '
        f'aria-label="{html.escape(text(key, lang), quote=True)}: {name}"{" disabled" if off else ""}>{face}</button>'
        for action, key, face, off in (
            ("up", "move_up", "↑", position == 0),
            ("down", "move_down", "↓", position == total - 1),
            ("remove", "remove_pin", "✕ " + html.escape(text("remove_pin", lang)), False),
        )
    )
    return (
        f'<li class="tqa-item"><p class="tqa-head" lang="{dominant_language(excerpt.question)}">{question}</p>'
        f'<blockquote lang="{dominant_language(excerpt.text)}">{lines}</blockquote>'
        f'<p class="tqa-ref">{reference}</p><div class="tqa-actions">{buttons}</div></li>'
    )


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
        done = "✓ " + text("upload_done", lang, name=job.name, passages=job.result.get("passages", 0))
        pages = job.result.get("image_pages") or []
        key = "upload_image_page" if len(pages) == 1 else "upload_image_pages"
        return f"{done} {text(key, lang, pages=page_ranges(pages))}" if pages else done
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
    if not job.total:  # before embedding: the file read, or an upload's kept text taken up again
        return text("job_reindex_reading" if "reindex" in job.meta else "job_reading", lang, name=name)
    done = {"name": name, "percent": int(status.progress * 100), "eta": _eta(status.eta_s, lang)}
    reach = job.reach if job.reach and job.reach.share < 1 else None  # whole: only finishing
    if reach and reach.of:
        return text("job_partial_pages", lang, **_pages_reached(reach), **done)
    if reach:
        return text("job_partial_share", lang, share=int(reach.share * 100), **done)
    return text("job_running", lang, **done)


def partial_html(statuses: list[JobStatus], lang: Language) -> str:
    """Under an answer: how far each upload still being indexed reaches (the pages indexed so
    far answer; the later ones are not searched yet)."""
    lines = []
    running = [(s.job.name, s.job.reach) for s in statuses if s.job.state == "running"]
    for name, reach in [(name, r) for name, r in running if r and r.share < 1]:
        if reach.of:
            line = text("answer_partial_pages", lang, name=name, **_pages_reached(reach))
        else:
            line = text("answer_partial_share", lang, name=name, share=int(reach.share * 100))
        lines.append(f'<p class="tqa-partial" role="note">⏳ {html.escape(line)}</p>')
    return _fragment("".join(lines)) if lines else ""


def _pages_reached(reach: Reach) -> dict[str, str]:
    """The pages an upload is indexed up to, of how many ("≈12" of "≈80" when estimated)."""
    mark = ESTIMATED_PAGE if reach.estimated else ""
    return {"pages": f"{mark}{reach.pages}", "of": f"{mark}{reach.of}"}


def _eta(seconds: float | None, lang: Language) -> str:
    if seconds is None or seconds < 60:
        return text("eta_soon", lang)
    return text("eta_minutes", lang, n=round(seconds / 60))
