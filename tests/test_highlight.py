"""What a card marks as the answer (bounded, never a whole long passage) and how its sentences
are set apart, the text and its offsets unchanged."""

from __future__ import annotations

import html

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from thesis_qa.retrieval.highlight import (
    MAX_MARK_CHARS,
    answer_marks,
    answering_sentences,
    render_html,
    sentence_breaks,
)

CLAUSE = "саяси жүйенің тұрақтылығы сақталады"


def spans_of(texts: list[str]) -> list[tuple[int, int]]:
    """Offsets of `texts` joined by one space."""
    spans, start = [], 0
    for text in texts:
        spans.append((start, start + len(text)))
        start += len(text) + 1
    return spans


def test_a_sentence_that_points_back_in_any_case_form_is_marked_with_the_one_it_continues():
    texts = [
        "Елімізде демократиялық және саяси модернизацияның жаңа кезеңі басталды деп айтуға толық негіз бар",
        "Бұған дәлел ретінде реформалар бағдарламасын әзірлейтін мемлекеттік комиссияның құрылуын айтуға болады",
        "Зерттеу жұмысының соңғы бөлімінде қорытынды жасалды және ұсыныстар берілді",
    ]
    dense = np.array([0.90, 0.80, 0.70])

    chosen = answering_sentences(spans_of(texts), texts, dense, np.zeros(3))

    assert chosen == tuple(spans_of(texts)[:2])


def test_a_short_label_is_marked_with_the_sentence_it_names():
    texts = [
        "Модернизациялаудың бірінші кезеңі",
        "«50 – 60 – шы жылдардағы үлгідегі» теориялық модернизация әмбебаптылық жорамалына негізделеді",
        "Барлық елдің және халықтың дамуы әмбебап заңдылықтарға бағынады деп саналды",
    ]
    dense = np.array([0.90, 0.80, 0.70])

    chosen = answering_sentences(spans_of(texts), texts, dense, np.zeros(3))

    assert chosen == tuple(spans_of(texts)[:2])


def test_a_long_best_sentence_followed_by_an_unrelated_one_is_marked_alone():
    texts = [
        "Елімізде демократиялық және саяси модернизацияның жаңа кезеңі басталды деп айтуға толық негіз бар",
        "Зерттеу жұмысының соңғы бөлімінде қорытынды жасалды және ұсыныстар берілді",
    ]

    chosen = answering_sentences(spans_of(texts), texts, np.array([0.90, 0.70]), np.zeros(2))

    assert chosen == (spans_of(texts)[0],)


def test_short_answering_sentences_are_marked_whole():
    text = "Бірінші сөйлем. Екінші сөйлем."

    assert answer_marks(text, [(0, 15), (16, 30)]) == ((0, 15), (16, 30))


def test_of_several_long_sentences_the_one_holding_the_question_words_is_marked():
    first, second = "а" * 200 + ".", "Модернизация " + "б" * 190 + "."
    text = f"{first} {second}"

    assert answer_marks(text, [(0, 201), (202, len(text))], terms=[(202, 214)]) == ((202, len(text)),)


def test_one_long_sentence_is_narrowed_to_the_clause_holding_the_question_words():
    clauses = [f"{CLAUSE} {i}" for i in range(30)]
    clauses[17] = "Хантингтонның пікірінше модернизация дағдарысқа әкеледі"
    text = ", ".join(clauses)
    term = text.index("Хантингтонның")

    [(start, end)] = answer_marks(text, [(0, len(text))], terms=[(term, term + 13)])

    assert end - start <= MAX_MARK_CHARS < len(text)
    assert start <= term < end
    assert text[start:end].startswith(CLAUSE) or text[start:end].startswith("Хантингтонның")
    assert text[end - 1] != " " and text[start] != " "


def test_clauses_without_the_question_words_are_left_unmarked_once_the_mark_says_something():
    answering = "Саяси модернизация процесі екінші және үшінші эшалондық елдерде көптеген ғалымдармен зерттелген, "
    names = ", ".join(f"А.Б.Автор{i}" for i in range(40))
    text = answering + names
    terms = [(0, 5), (6, 18)]

    [(start, end)] = answer_marks(text, [(0, len(text))], terms=terms)

    assert text[start:end] == answering.rstrip(", ") + ","


def test_a_long_run_without_punctuation_is_cut_between_words():
    text = " ".join(["сөз"] * 200)

    [(start, end)] = answer_marks(text, [(0, len(text))])

    assert end - start <= MAX_MARK_CHARS
    assert text[start:end].split() == ["сөз"] * len(text[start:end].split())


def test_sentences_are_set_apart_and_list_items_start_new_lines():
    parts = ["Белгілері мыналар", "● бірінші", "● екінші", "Соңғы сөйлем"]
    text = f"{parts[0]}\n{parts[1]}\n{parts[2]} {parts[3]}"
    sentences = [(text.index(part), text.index(part) + len(part)) for part in parts]

    rendered = render_html(text, sentences[1:2], [], sentence_breaks(text, sentences))

    assert rendered == (
        'Белгілері мыналар\n<br><mark class="answer">● бірінші</mark>\n<br>● екінші '
        '<span class="tqa-sep"></span>Соңғы сөйлем'
    )


def test_a_break_inside_a_marked_answer_keeps_the_marks_nested():
    text = "Бір сөйлем Екінші сөйлем"

    rendered = render_html(text, [(0, len(text))], [(4, 10), (11, 17)], sentence_breaks(text, [(0, 10), (11, 24)]))

    assert rendered == (
        '<mark class="answer">Бір <mark class="term">сөйлем</mark> <span class="tqa-sep"></span>'
        '<mark class="term">Екінші</mark> сөйлем</mark>'
    )


@given(st.text(max_size=200), st.data())
def test_breaks_and_marks_never_change_the_text(text, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    sentences = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
    marks = answer_marks(text, sentences)

    rendered = render_html(text, marks, sentences[:1], sentence_breaks(text, sentences))

    for tag in ('<mark class="answer">', '<mark class="term">', "</mark>", '<span class="tqa-sep"></span>', "<br>"):
        rendered = rendered.replace(tag, "")
    assert html.unescape(rendered) == text
    assert all(b - a <= MAX_MARK_CHARS for a, b in marks)
