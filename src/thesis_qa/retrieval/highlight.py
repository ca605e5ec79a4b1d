"""Mark where the answer is: pick the answering sentences, bound what is marked, and render
marks safely.

Spans are code-point offsets into a passage's text. Rendering escapes the text first and only
then inserts `<mark>` tags (and sentence breaks), so a document or question holding HTML shows
as text; the text itself and its offsets never change.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from thesis_qa.index.passage_table import PERSON
from thesis_qa.retrieval.features import DEFINES
from thesis_qa.retrieval.question import Question, expansion
from thesis_qa.text.keys import Term
from thesis_qa.text.numbers import COUNT_WORD
from thesis_qa.text.sentences import BULLETS

Span = tuple[int, int]


class Evidence(NamedTuple):
    """Something in a sentence pointing at the answer: a question word, or what is asked for
    (`asked`: a number, a name, …; a clause counts it once however many it holds)."""

    span: Span
    weight: float
    asked: bool = False


MAX_MARK_CHARS = 300  # an answer mark longer than this is narrowed to a sentence, then a clause
# A mark this short is widened: a clause by a neighbour even without question words, a best
# sentence (a label, "Модернизациялаудың бірінші кезеңі", whose content follows) by the next.
MIN_MARK_CHARS = 80
LABEL_WORDS = 5  # a short sentence of at most this many words is a label: the next one is marked with it
CLOSE_MARGIN = 0.05  # a neighbour scoring this close to the answering sentence is marked too
MAX_QUOTE_SENTENCES = 4  # a quotation is marked whole when it closes within this many sentences
# Weights of a sentence's key share, asked kind (a number, a person, a definition, a quoted
# name) and the score of the sentence it continues, next to its cosine's
# `closeness` (`sentence_scores`), and the cosine gap that counts as far: the best point of
# eval/highlight_cv.py's grid over the thesis dev questions and the real documents
# (eval/results/highlight.json; docs/retrieval.md gives the figures).
WEIGHTS: tuple[float, ...] = (1.5, 2.0, 0.5)
DENSE_SCALE = 0.08
# A long answering sentence is narrowed to its clauses holding most of what points at the
# answer: each question word counts 1; a number or a name where one is asked, and a word of
# the conversation a follow-up continues, count these (eval/highlight_cv.py).
CLAUSE_WEIGHTS: tuple[float, ...] = (2.0, 0.5)
# A number as an answer: digits (a decimal too), a Roman numeral or a count in words ("екі
# тараудан"), not a reference in brackets.
ANSWER_NUMBER = re.compile(rf"(?<![\w.,])\d+(?:[.,]\d+)?(?!\w)|\b[IVX]{{2,5}}\b|\b[VX]\b|(?i:{COUNT_WORD.pattern})")
_REFERENCE = re.compile(r"\[[^\]]*\]")
# A question after a name ("… қалай аталады?", "Как называется …?", "What is … called?") and
# a name given in quotation marks.
ASKS_NAME = re.compile(r"қалай\s+атал|атауы\s+қандай|как\s+(?:\w+\s+)?назыв|как\s+назван|\bcalled\b|\bname\s+of\b")
QUOTED_NAME = re.compile(r"«[^»]{1,80}»|“[^”]{1,80}”|\"[^\"]{1,80}\"")
# Ordinals a question asks a list item by (stems of Kazakh, Russian, English), first to fifth,
# and the adverbs that number a list's items inside sentences.
ORDINAL_STEMS = (
    ("бірінші", "перв", "first"),
    ("екінші", "втор", "second"),
    ("үшінші", "трет", "third"),
    ("төртінші", "четв", "fourth"),
    ("бесінші", "пят", "fifth"),
)
ORDINAL_ADVERBS = tuple(
    re.compile(pattern)
    for pattern in (
        r"\bбіріншіден\b|\bво-первых\b|\bfirst(ly)?,",
        r"\bекіншіден\b|\bво-вторых\b|\bsecond(ly)?,",
        r"\bүшіншіден\b|\bв-третьих\b|\bthird(ly)?,",
        r"\bтөртіншіден\b|\bв-четв[её]ртых\b|\bfourth(ly)?,",
        r"\bбесіншіден\b|\bв-пятых\b|\bfifth(ly)?,",
    )
)
_WORDS = re.compile(r"\w+")
_NUMBERED = re.compile(r"\s*(\d{1,2})[).]\s")
_BULLETED = re.compile(rf"\s*[{BULLETS}\-–—*]\s*\w")
# A sentence opening with one of these words usually continues the one before it ("Its
# members were ...", "Оның құрамына ...", "Бұған дәлел ретінде ...", "Мұндай тәртіптің
# белгілеріне ..."): the answer sits in it while the question's wording matched its
# predecessor. The pronouns and demonstratives in every case form.
CONTINUATION_WORDS = frozenset(
    " ".join(
        (
            # Kazakh: ол, олар, бұл/мұл (бұ-, мұ-), осы, сол, мұндай/сондай/осындай
            "ол оның оған оны онда одан онымен олар олардың оларға оларды оларда олардан олармен",
            "бұл бұның бұған бұны бұнда бұдан бұнымен мұның мұған мұны мұнда мұнан мұдан мұнымен",
            "осы осының осыған осыны осында осыдан осымен сол соның соған соны сонда содан сонымен",
            "мұндай сондай осындай яғни демек",
            # Russian: он/она/они, этот, такой
            "он она оно они его её ее их ему ей им ими нём нем ней них",
            "это этот эта эти этого этой этому этим этом эту этих этими такой такая такое такие поэтому",
            # English
            "it its they their them this these such that he she his her",
        )
    ).split()
)
_FIRST_WORD = re.compile(r"\W*(\w+)")
# Where a long sentence divides into clauses: after these marks, before the space that follows.
# A dash joining numbers ("80 – жылдың", "XIX - XX ғасырлар") is no clause end.
_CLAUSE_END = re.compile(r"[,;:)»”](?=\s)|(?<![\dIVX])\s[—–-](?=\s+[^\s\dIVX])")


def closeness(dense: np.ndarray) -> np.ndarray:
    """Each sentence's cosine as how near it comes to the passage's best: 1 for the best, 0 at
    `DENSE_SCALE` below it or further. (A fixed scale, not the passage's spread: when all its
    sentences are about equally near the question, none should stand out.)"""
    dense = np.asarray(dense, dtype=np.float32)
    if dense.size == 0:
        return dense
    return np.clip(1.0 + (dense - dense.max()) / DENSE_SCALE, 0.0, 1.0).astype(np.float32)


def mark_answer(
    question: Question, text: str, sentences: Sequence[Span], found: Sequence[Term], dense: np.ndarray
) -> tuple[Span, ...]:
    """Where a passage (`text`, its `sentences`, its words `found` by `keys.terms`, each
    sentence's cosine to the question `dense`) answers `question`: the answering sentence
    (`answering`) and what completes it while all fit in `MAX_MARK_CHARS`, in that order (the
    answer first: a card shows it most strongly, what completes it lighter); an answering
    sentence longer than that is narrowed to its clauses holding most of what points at the
    answer (`clause_evidence`)."""
    if not len(sentences):
        return ()
    texts = [text[a:b] for a, b in sentences]
    keys = _terms_of(sentences, found)
    order = answering(question, texts, keys, sentence_scores(question, texts, keys, dense))
    first = sentences[order[0]]
    if _length(first) > MAX_MARK_CHARS:
        return (_best_clause(text, first, clause_evidence(question, text, first, found), MAX_MARK_CHARS),)
    chosen, total = [], 0
    for i in order:
        if total + _length(sentences[i]) <= MAX_MARK_CHARS:
            chosen.append(i)
            total += _length(sentences[i])
    return tuple(sentences[i] for i in chosen)


def answering(question: Question, texts: Sequence[str], keys: Sequence[Sequence[str]], scores: np.ndarray) -> list[int]:
    """The sentences to mark, most needed first: the list item of the place the question asks
    for ("Ал екіншісі қандай?" → "Екіншіден, …"), else the best scoring sentence, or the one
    right after it when that one continues it ("Оның құрамына …" after "… комиссияның
    құрылуы") and alone holds one of the question's words (the question's topic matched the
    first, what it asks about is in the second), or when the best is a short label
    ("Cargo.toml", "Модернизациялаудың бірінші кезеңі") whose content it is (unless it holds
    what the question asks for itself: a name on a line of its own is the answer); then what
    completes it (`completing`)."""
    place = asked_place(question.text)
    placed = [i for i in range(len(texts)) if place and item_place(texts, i) == place]
    best = placed[0] if placed else int(np.argmax(scores))
    following = best + 1
    if placed or following == len(texts):
        return [best, *completing(question, texts, best, scores)]
    label = _is_label(texts[best]) and not item_place(texts, best) and not _holds_asked_kind(question, texts[best])
    first = following if label else best
    if _first_word(texts[following]) in CONTINUATION_WORDS:
        elsewhere = {key for i, held in enumerate(keys) if i != following for key in held}
        if set(question.keys) & set(keys[following]) - elsewhere:
            first = best = following
    return list(dict.fromkeys([first, best, *completing(question, texts, best, scores)]))


def clause_evidence(question: Question, text: str, span: Span, found: Sequence[Term]) -> list[Evidence]:
    """What in `span` of `text` points at the answer, each with its weight: the question's
    words (1), the words of the conversation it continues and a number or a name where one is
    asked (`CLAUSE_WEIGHTS`)."""
    start, end = span
    own, context = set(question.keys), set(question.context_keys)
    weights = {**dict.fromkeys(context, CLAUSE_WEIGHTS[1]), **dict.fromkeys(own, 1.0)}
    out = [Evidence((t.start, t.end), weights[t.key]) for t in found if start <= t.start < end and t.key in weights]
    plain = _REFERENCE.sub(lambda m: " " * len(m.group()), text[start:end])
    for pattern in _asked_patterns(question):
        out += [
            Evidence((start + m.start(), start + m.end()), CLAUSE_WEIGHTS[0], asked=True)
            for m in pattern.finditer(plain)
        ]
    return out


def _asked_patterns(question: Question) -> list[re.Pattern[str]]:
    """What an answer to `question` holds: a number, a person's name, a definition (for an
    abbreviation, what spells it out), a name in quotation marks."""
    lower = question.text.lower()
    asked = (
        (ANSWER_NUMBER, question.asks_number),
        (PERSON, question.asks_person),
        (DEFINES, question.asks_meaning and not question.abbreviations),
        (QUOTED_NAME, bool(ASKS_NAME.search(lower))),
    )
    return [pattern for pattern, asks in asked if asks] + [expansion(a) for a in question.abbreviations]


def sentence_scores(
    question: Question, texts: Sequence[str], keys: Sequence[Sequence[str]], dense: np.ndarray
) -> np.ndarray:
    """How well each sentence answers: its cosine (`closeness`), the share of the question's
    keys it holds and whether it holds what the question asks for (a number, a person, a
    definition, a quoted name; a label ending in a colon holds what the line after it holds),
    each weighted (`WEIGHTS`); a sentence continuing the one before ("Бұған дәлел ретінде …",
    "Оның құрамына …") adds that one's cosine and key score, weighted too: the question's
    words often name what it elaborates."""
    wanted = set(question.keys)
    coverage = np.array([len(wanted & set(held)) / len(wanted) if wanted else 0.0 for held in keys], np.float32)
    kind = np.array([_holds_asked_kind(question, sentence) for sentence in texts], np.float32)
    # A label ("Научный руководитель:") holds what the line after it gives (the name).
    labels = np.array([sentence.rstrip().endswith(":") and _is_label(sentence) for sentence in texts])
    kind = np.maximum(kind, labels * np.r_[kind[1:], 0.0])
    topical = closeness(dense) + WEIGHTS[0] * coverage
    continues = np.array([i > 0 and _first_word(t) in CONTINUATION_WORDS for i, t in enumerate(texts)])
    return topical + WEIGHTS[1] * kind + WEIGHTS[2] * continues * np.r_[0.0, topical[:-1]]


def completing(question: Question, texts: Sequence[str], best: int, scores: np.ndarray) -> list[int]:
    """The sentences that complete the answering one (`best`), most needed first: the one it
    continues, when it opens with a continuation word; the rest of the quotation it opens or
    lies in; the items of a list it opens (unless the question asks for one item by its place); the
    sentences that continue it (opening with "Бұған", "Мұндай", "Its", …); the next one when
    it is a short label ("Модернизациялаудың бірінші кезеңі", not a list item); a neighbour scoring within
    `CLOSE_MARGIN` of it."""
    place = asked_place(question.text)
    if place and item_place(texts, best) == place:
        return []  # the item asked for is the answer
    after = range(best + 1, len(texts))
    out = [best - 1] if best > 0 and _first_word(texts[best]) in CONTINUATION_WORDS else []
    out += _quotation(texts, best)
    if not place and _opens_list(texts, best):
        out += _list_items(texts, best + 1)
    for i in after:
        if _first_word(texts[i]) not in CONTINUATION_WORDS:
            break
        out.append(i)
    if best + 1 < len(texts) and _is_label(texts[best]) and not item_place(texts, best):
        out.append(best + 1)
    out += [i for i in (best - 1, best + 1) if 0 <= i < len(texts) and scores[i] >= scores[best] - CLOSE_MARGIN]
    return list(dict.fromkeys(i for i in out if i != best))


def _is_label(sentence: str) -> bool:
    """A short title-like sentence whose content follows ("Модернизациялаудың бірінші кезеңі")."""
    return len(sentence.strip()) < MIN_MARK_CHARS and len(_WORDS.findall(sentence)) <= LABEL_WORDS


def _terms_of(sentences: Sequence[Span], found: Sequence[Term]) -> list[list[str]]:
    """The keys of each sentence's words, in order."""
    return [[t.key for t in found if a <= t.start < b] for a, b in sentences]


def _holds_asked_kind(question: Question, sentence: str) -> bool:
    plain = _REFERENCE.sub(" ", sentence)
    return any(pattern.search(plain) for pattern in _asked_patterns(question))


def asked_place(question: str) -> int:
    """The place of a list item the question asks for ("Ал екіншісі қандай?": 2), 0 if none."""
    for word in _WORDS.findall(question.lower()):
        for place, stems in enumerate(ORDINAL_STEMS, start=1):
            if word.startswith(stems):
                return place
    return 0


def item_place(texts: Sequence[str], i: int) -> int:
    """The place of sentence `i` in a list: the one an ordinal adverb inside it names
    ("Екіншіден, …", "во-вторых", "secondly"), its number ("2)", "2."), or its place among
    the bulleted items it belongs to; 0 for a sentence of no list."""
    lowered = texts[i].lower()
    for place, pattern in enumerate(ORDINAL_ADVERBS, start=1):
        if pattern.search(lowered):
            return place
    number = _NUMBERED.match(texts[i])
    if number:
        return int(number.group(1))
    if not _BULLETED.match(texts[i]):
        return 0
    first = i
    while first > 0 and _BULLETED.match(texts[first - 1]):
        first -= 1
    return i - first + 1


def _opens_list(texts: Sequence[str], i: int) -> bool:
    """Whether sentence `i` opens a list: list items follow it."""
    return i + 1 < len(texts) and bool(_BULLETED.match(texts[i + 1]) or _NUMBERED.match(texts[i + 1]))


def _list_items(texts: Sequence[str], start: int) -> list[int]:
    items = []
    for i in range(start, len(texts)):
        if not (_BULLETED.match(texts[i]) or _NUMBERED.match(texts[i])):
            break
        items.append(i)
    return items


def _quotation(texts: Sequence[str], i: int) -> list[int]:
    """The sentences of the quotation sentence `i` opens or lies inside, from the one opening
    it to the one closing it (none when it closes where it opens, or only beyond
    `MAX_QUOTE_SENTENCES` more sentences)."""
    depth, opened = 0, -1
    for j, sentence in enumerate(texts):
        before, depth = depth, depth + sentence.count("«") - sentence.count("»")
        if before <= 0 < depth:
            opened = j
        if depth <= 0:
            if 0 <= opened <= i <= j and opened < j <= opened + MAX_QUOTE_SENTENCES:
                return list(range(opened, j + 1))
            depth, opened = 0, -1
    return []


def _first_word(text: str) -> str:
    match = _FIRST_WORD.match(text.lower())
    return match.group(1) if match else ""


def visible_text(text: str) -> str:
    """`text` without control and format characters (bidi overrides, zero-width marks,
    lone surrogates), newlines and tabs kept: what may be shown or exported."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def answer_marks(
    text: str, sentences: Sequence[Span], terms: Sequence[Span] = (), limit: int = MAX_MARK_CHARS
) -> tuple[Span, ...]:
    """What to mark as the answer: the answering `sentences` when they fit in `limit`
    characters, in their order (the answer first, `mark_answer`); else the one holding most
    of the question's `terms`; when that is still longer, its clause holding most of them,
    widened by neighbouring clauses up to `limit` (a clause of no punctuation is cut between
    words). Never a whole long passage."""
    spans = [(a, b) for a, b in sentences if a < b]
    if sum(map(_length, spans)) <= limit:
        return tuple(spans)
    best = max(spans, key=lambda span: (_terms_inside(span, terms), -span[0]))
    if _length(best) <= limit:
        return (best,)
    return (_best_clause(text, best, [Evidence(term, 1.0) for term in terms], limit),)


def _terms_inside(span: Span, terms: Sequence[Span]) -> int:
    return sum(1 for a, b in terms if span[0] <= a and b <= span[1])


def _weight_inside(span: Span, evidence: Sequence[Evidence]) -> float:
    """The weight of the question words inside `span`, plus what is asked for once."""
    inside = [e for e in evidence if span[0] <= e.span[0] and e.span[1] <= span[1]]
    return sum(e.weight for e in inside if not e.asked) + max((e.weight for e in inside if e.asked), default=0.0)


def _best_clause(text: str, sentence: Span, evidence: Sequence[Evidence], limit: int) -> Span:
    """Within a long `sentence`, the clause holding most `evidence` (weighted spans; the first
    on a tie), grown by the neighbouring clause holding more of it while the whole fits in
    `limit`; a clause without any is added only while the mark is under `MIN_MARK_CHARS`, on
    the side that keeps what was found in the middle (a name in a list of names shows its
    neighbours on both sides; a list of names after the answering clause stays unmarked)."""
    start, end = sentence
    cuts = [start, *(m.end() + start for m in _CLAUSE_END.finditer(text[start:end])), end]
    clauses = [c for c in (_trimmed(text, a, b) for a, b in pairwise(cuts)) if c[0] < c[1]] or [sentence]

    def joined(first: int, last: int) -> Span:
        return clauses[first][0], clauses[last][1]

    found = first = last = max(range(len(clauses)), key=lambda i: (_weight_inside(clauses[i], evidence), -i))

    def balance(i: int) -> int:
        """How unevenly clauses would lie on each side of the one found, `i` added."""
        return abs((found - min(first, i)) - (max(last, i) - found))

    while True:
        fitting = [
            i
            for i in (first - 1, last + 1)
            if 0 <= i < len(clauses) and _length(joined(min(first, i), max(last, i))) <= limit
        ]
        if not fitting:
            break
        grow = max(fitting, key=lambda i: (_weight_inside(clauses[i], evidence), -balance(i), i > last))
        if not _weight_inside(clauses[grow], evidence) and _length(joined(first, last)) >= MIN_MARK_CHARS:
            break
        first, last = min(first, grow), max(last, grow)
    chosen = joined(first, last)
    return chosen if _length(chosen) <= limit else _window(text, chosen, [e.span for e in evidence], limit)


def _length(span: Span) -> int:
    return span[1] - span[0]


def _window(text: str, span: Span, terms: Sequence[Span], limit: int) -> Span:
    """At most `limit` characters of `span`, from the first term inside it (or its start),
    cut between words."""
    inside = [a for a, b in terms if span[0] <= a and b <= span[1]]
    start = inside[0] if inside else span[0]
    start = max(span[0], min(start, span[1] - limit))
    if start > span[0] and not text[start - 1].isspace():
        start = next((i + 1 for i in range(start, span[1]) if text[i].isspace()), start)
    end = min(span[1], start + limit)
    space = text.rfind(" ", start, end)
    if end < span[1] and space > start:
        end = space
    return _trimmed(text, start, end)


def _trimmed(text: str, start: int, end: int) -> Span:
    """`start`..`end` without whitespace at either side."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_breaks(text: str, sentences: Sequence[Span]) -> list[tuple[int, bool]]:
    """Where each sentence after the first starts, and whether a line break (a newline in the
    text, as between list items) comes before it rather than a plain space."""
    starts = sorted(sentences)
    return [(b, "\n" in text[a_end:b]) for (_, a_end), (b, _) in pairwise(starts) if a_end <= b and b > 0]


def render_html(
    text: str, sentences: Sequence[Span], terms: Sequence[Span] = (), breaks: Sequence[tuple[int, bool]] = ()
) -> str:
    """Escaped `text` with `<mark class="answer">` around the answering sentence (the first of
    `sentences`) and `<mark class="answer near">` around those completing it, `<mark
    class="term">` around matched query terms (terms may sit inside sentences), and at
    each of `breaks` (`sentence_breaks`) a `<br>` or an empty `<span class="tqa-sep">` the page
    shows as a subtle separator."""
    return _render(text, sentences, terms, _HTML_TAGS, html.escape, breaks=breaks)


def render_terminal(text: str, sentences: Sequence[Span], terms: Sequence[Span] = (), color: bool = True) -> str:
    """One line of `text`: the answering sentence (the first of `sentences`) in bold yellow,
    those completing it in yellow (or each between »» ««), terms underlined."""
    rendered = _render(text, sentences, terms, _ANSI_TAGS if color else _PLAIN_TAGS, str)
    return " ".join(rendered.split())


class _Tags(NamedTuple):
    answer: str  # opens the answering sentence
    near: str  # opens a sentence completing it
    close: str
    term: str
    term_close: str


_HTML_TAGS = _Tags('<mark class="answer">', '<mark class="answer near">', "</mark>", '<mark class="term">', "</mark>")
_HTML_BREAKS = ('<span class="tqa-sep"></span>', "<br>")
_ANSI_TAGS = _Tags("\033[1;33m", "\033[33m", "\033[0m", "\033[4m", "\033[24m")
_PLAIN_TAGS = _Tags("»»", "»»", "««", "", "")


def _render(
    text: str,
    sentences: Sequence[Span],
    terms: Sequence[Span],
    tags: _Tags,
    escape: Callable[[str], str],
    *,
    breaks: Sequence[tuple[int, bool]] = (),
) -> str:
    """Insert tags at span edges, closing before opening, so marks always nest properly:
    terms are cut at sentence edges and breaks, and so sit wholly inside or outside a
    sentence; a break (an empty element) sits between the closing and the opening tags."""
    edges = sorted({p for span in sentences for p in span} | {p for p, _ in breaks})
    events: list[tuple[int, int, str]] = [(p, 2, _HTML_BREAKS[line]) for p, line in breaks if 0 <= p <= len(text)]
    for n, (a, b) in enumerate(span for span in sentences if span[0] < span[1]):
        events += [(a, 3, tags.near if n else tags.answer), (b, 1, tags.close)]
    for a, b in (span for span in terms if span[0] < span[1]):
        points = [a, *(p for p in edges if a < p < b), b]
        for x, y in pairwise(points):
            events += [(x, 4, tags.term), (y, 0, tags.term_close)]
    out, pos = [], 0
    for at, _, tag in sorted(events):
        out.append(escape(text[pos:at]) + tag)
        pos = at
    out.append(escape(text[pos:]))
    return "".join(out)
