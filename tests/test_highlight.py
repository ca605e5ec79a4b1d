"""What a card marks as the answer (bounded, never a whole long passage) and how its sentences
are set apart, the text and its offsets unchanged."""

from __future__ import annotations

import html

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thesis_qa.retrieval.highlight import (
    MAX_MARK_CHARS,
    answer_marks,
    mark_answer,
    render_html,
    sentence_breaks,
)
from thesis_qa.retrieval.question import read_question
from thesis_qa.text.keys import terms

CLAUSE = "саяси жүйенің тұрақтылығы сақталады"


def spans_of(texts: list[str]) -> list[tuple[int, int]]:
    """Offsets of `texts` joined by one space."""
    spans, start = [], 0
    for text in texts:
        spans.append((start, start + len(text)))
        start += len(text) + 1
    return spans


def marked(question: str, texts: list[str], dense: list[float]) -> list[str]:
    """The sentences of `texts` (joined by one space) marked as the answer to `question`."""
    text = " ".join(texts)
    marks = mark_answer(read_question(question), text, spans_of(texts), terms(text), np.array(dense))
    return [text[a:b] for a, b in marks]


def test_a_sentence_that_points_back_in_any_case_form_is_marked_with_the_one_it_continues():
    texts = [
        "Елімізде демократиялық және саяси модернизацияның жаңа кезеңі басталды деп айтуға толық негіз бар",
        "Бұған дәлел ретінде реформалар бағдарламасын әзірлейтін мемлекеттік комиссияның құрылуын айтуға болады",
        "Зерттеу жұмысының соңғы бөлімінде қорытынды жасалды және ұсыныстар берілді",
    ]

    assert marked("Жаңа кезең басталды ма?", texts, [0.90, 0.80, 0.70]) == texts[:2]


def test_a_short_label_is_marked_with_the_sentence_it_names():
    texts = [
        "Модернизациялаудың бірінші кезеңі",
        "«50 – 60 – шы жылдардағы үлгідегі» теориялық модернизация әмбебаптылық жорамалына негізделеді",
        "Барлық елдің және халықтың дамуы әмбебап заңдылықтарға бағынады деп саналды",
    ]

    assert marked("Модернизациялаудың кезеңі", texts, [0.90, 0.80, 0.70]) == texts[:2]


def test_a_long_best_sentence_followed_by_an_unrelated_one_is_marked_alone():
    texts = [
        "Елімізде демократиялық және саяси модернизацияның жаңа кезеңі басталды деп айтуға толық негіз бар",
        "Зерттеу жұмысының соңғы бөлімінде қорытынды жасалды және ұсыныстар берілді",
    ]

    assert marked("Елімізде қандай кезең басталды?", texts, [0.90, 0.70]) == texts[:1]


DANGERS = [
    "Белгілі социолог Р.Дарендорф демократияға төнетін екі қауіпті атап өтті: біріншіден, жаңа жас "
    "демократиялық елдер өз даму жолдарын жауапқа тартудан бастады",
    "Екіншіден, сот билігі саяси күштердің жетімтігіне айналады",
    "Латын Америкасындағы үкімет осы екі қатені де қайталады",
]


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("Ал екіншісі қандай?", 1),
        ("Какую вторую опасность назвал Дарендорф?", 1),
        ("What is the first danger Dahrendorf names?", 0),
    ],
)
def test_an_item_asked_by_its_place_is_marked_rather_than_the_sentence_most_like_the_question(question, place):
    assert marked(question, DANGERS, [0.90, 0.80, 0.85]) == [DANGERS[place]]


DIRECTIONS = [
    "А.Демидов пікірі бойынша модернизацияның мынадай бағыттары бар:",
    "● қоғамның индустризациялануы мен ақпараттандарылуы;",
    "● экологиялық қоғамның қалыптасуы;",
    "● демократияландыру, тұрғындардың қоғамдық істерді басқаруының кеңеюі",
    "Бұл бағыттар бір-бірімен тығыз байланысты болып келеді деп есептеледі",
]


def test_a_list_answer_marks_its_items():
    assert (
        marked("Демидов модернизацияның қандай бағыттарын атайды?", DIRECTIONS, [0.9, 0.8, 0.8, 0.8, 0.85])
        == (DIRECTIONS[:4])
    )


def test_the_item_of_a_list_asked_by_its_place_is_marked_alone():
    numbered = ["Модернизацияның бағыттары:", "1) индустрияландыру;", "2) экологиялық қоғам;", "3) демократияландыру"]

    assert marked("Үшінші бағыт қандай?", DIRECTIONS, [0.9, 0.8, 0.8, 0.7, 0.85]) == [DIRECTIONS[3]]
    assert marked("Какое второе направление?", numbered, [0.9, 0.8, 0.7, 0.7]) == [numbered[2]]


@pytest.mark.parametrize(
    ("question", "dense", "answer"),
    [
        ("Батыс саясаттануында кімдердің еңбектері қабылданған?", [0.85, 0.80, 0.75], 1),  # initials and a name
        ("Батыс саясаттануында бұл еңбектер қай жылы қабылданған?", [0.85, 0.75, 0.80], 2),  # a year
    ],
)
def test_the_sentence_holding_what_the_question_asks_for_is_marked(question, dense, answer):
    texts = [
        "Бірақ батыстық саясаттануда саяси модернизацияның қозғаушы күшіне қатысты біріккен пікірлер жоқ",
        "Г.Алмондтың және Л.Пайдың еңбектері қабылданған",
        "Еңбектер 1966 жылдан бастап кеңінен қабылданған",
    ]

    assert marked(question, texts, dense) == [texts[answer]]


def test_a_quotation_opened_in_the_answering_sentence_is_marked_to_its_end():
    texts = [
        "Посттоталитарлық кеңістікте демократиялау процесі әлі аяқталған жоқ",
        "Кулик атап өткендей «билік жүйесінің өзі әлі де демократияның белгілеріне сай келмейді",
        "Оның ішіндегі маңыздылығы биліктің жариялығы",
        "Билікке тегеурінді қоғамдық бағыттың орнатылуы»",
        "Ғалым бұл тәртіпті азаматтық қоғамның әлсіздігімен түсіндіреді",
    ]

    assert marked("Кулик билік жүйесі туралы не дейді?", texts, [0.8, 0.9, 0.7, 0.7, 0.8]) == texts[1:4]


def test_marks_stay_within_the_bound_beyond_the_answering_sentence():
    texts = ["Модернизация " + "а" * 150, "Бұл " + "б" * 150, "Бұл " + "в" * 150]

    marks = marked("Модернизация", texts, [0.9, 0.5, 0.5])

    assert marks[0] == texts[0] and sum(map(len, marks)) <= MAX_MARK_CHARS


@pytest.mark.parametrize(
    ("history", "question", "answer"),
    [
        ([], "Кулик сипаттаған тәртіптің белгілері қандай?", "Мұндай тәртіптің белгілеріне атқарушы билік"),
        (["Дарендорф жас демократияларға қандай қауіптер төнетінін айтты?"], "Ал екіншісі қандай?", "Екіншіден, сот"),
        ([], "Демидов атаған үшінші бағыт қандай?", "● демократияландыру"),
    ],
)
def test_the_thesis_marks_the_asked_for_part(searcher, history, question, answer):
    hit = searcher.search(question, k=1, history=history)[0]

    marks = [" ".join(hit.passage.text[a:b].split()) for a, b in hit.highlights]

    assert any(mark.startswith(answer) for mark in marks)
    assert sum(b - a for a, b in hit.highlights) <= MAX_MARK_CHARS


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
