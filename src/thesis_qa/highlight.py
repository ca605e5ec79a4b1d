"""Mark where the answer is: pick the answering sentences, and render marks safely.

Spans are code-point offsets into a passage's text. Rendering escapes the text first and only
then inserts `<mark>` tags, so a document or question holding HTML shows as text.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np

Span = tuple[int, int]
_SECOND_SENTENCE_MARGIN = 0.02


def answering_sentences(sentences: Sequence[Span], scores: np.ndarray) -> tuple[Span, ...]:
    """The best-scoring sentence, plus a neighbour that scores almost as well (an answer
    often runs over two lines of the thesis)."""
    if not len(sentences):
        return ()
    best = int(np.argmax(scores))
    chosen = {best}
    for neighbour in (best - 1, best + 1):
        if 0 <= neighbour < len(sentences) and scores[neighbour] >= scores[best] - _SECOND_SENTENCE_MARGIN:
            chosen.add(neighbour)
    return tuple(sentences[i] for i in sorted(chosen))


def render_html(text: str, sentences: Sequence[Span], terms: Sequence[Span] = ()) -> str:
    """Escaped `text` with `<mark class="answer">` around answering sentences and
    `<mark class="term">` around matched query terms (terms may sit inside sentences)."""
    return _render(text, sentences, terms, _HTML_TAGS, html.escape)


def render_terminal(text: str, sentences: Sequence[Span], terms: Sequence[Span] = (), color: bool = True) -> str:
    """One line of `text`: answering sentences in bold yellow (or between »» ««), terms
    underlined."""
    rendered = _render(text, sentences, terms, _ANSI_TAGS if color else _PLAIN_TAGS, str)
    return " ".join(rendered.split())


_HTML_TAGS = ('<mark class="answer">', "</mark>", '<mark class="term">', "</mark>")
_ANSI_TAGS = ("\033[1;33m", "\033[0m", "\033[4m", "\033[24m")
_PLAIN_TAGS = ("»»", "««", "", "")


def _render(
    text: str,
    sentences: Sequence[Span],
    terms: Sequence[Span],
    tags: tuple[str, str, str, str],
    escape: Callable[[str], str],
) -> str:
    """Insert tags at span edges, closing before opening, so marks always nest properly:
    terms are cut at sentence edges and so sit wholly inside or outside a sentence."""
    answer_open, answer_close, term_open, term_close = tags
    edges = sorted({p for span in sentences for p in span})
    events: list[tuple[int, int, str]] = []
    for a, b in (span for span in sentences if span[0] < span[1]):
        events += [(a, 2, answer_open), (b, 1, answer_close)]
    for a, b in (span for span in terms if span[0] < span[1]):
        points = [a, *(p for p in edges if a < p < b), b]
        for x, y in pairwise(points):
            events += [(x, 3, term_open), (y, 0, term_close)]
    out, pos = [], 0
    for at, _, tag in sorted(events):
        out.append(escape(text[pos:at]) + tag)
        pos = at
    out.append(escape(text[pos:]))
    return "".join(out)
