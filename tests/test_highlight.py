"""What a card marks as the answer (bounded, never a whole long passage) and how its sentences
are set apart, the text and its offsets unchanged."""

from __future__ import annotations

import html
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thesis_qa.retrieval.highlight import (
    MAX_MARK_CHARS,
    answer_marks,
    mark_answer,
    render_html,
    render_terminal,
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
    """The sentences of `texts` (joined by one space) marked as the answer to `question`, the
    answering one first."""
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

    # the content is the answer; the label it completes is marked after it
    assert marked("Модернизациялаудың кезеңі", texts, [0.90, 0.80, 0.70]) == [texts[1], texts[0]]


TITLE_PAGE = [
    "Московский государственный университет имени М.В. Ломоносова",
    "Багров Алексей Сергеевич",
    "Сравнительный анализ фреймворков мобильной разработки",
    "Научный руководитель:",
    "с.н.с., д.т.н. Намиот Дмитрий Евгеньевич",
]


def test_on_a_title_page_the_name_after_the_label_asked_about_is_the_answer():
    """A title page is read line by line: the name the question asks for is the line after
    its label ("Научный руководитель:"), not the author's name, nor the university named
    after a person, however near their lines come to the question."""
    question = "Кто научный руководитель работы о фреймворках мобильной разработки?"

    assert marked(question, TITLE_PAGE, [0.88, 0.86, 0.90, 0.85, 0.80])[0] == TITLE_PAGE[4]


def test_a_name_on_a_line_of_its_own_is_the_answer_not_a_label_of_the_line_after_it():
    question = "Кто автор работы?"

    assert marked(question, TITLE_PAGE[1:3], [0.80, 0.85]) == TITLE_PAGE[1:3]


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


def test_the_answering_sentence_is_marked_strongest_and_what_completes_it_lighter_in_place():
    text = "Модернизациялаудың бірінші кезеңі. Ол 1950 жылдары басталды."
    label, content = (0, 34), (35, len(text))

    # the answer comes first among the marks, wherever it stands in the passage
    rendered = render_html(text, [content, label])

    assert rendered == (
        '<mark class="answer near">Модернизациялаудың бірінші кезеңі.</mark> '
        '<mark class="answer">Ол 1950 жылдары басталды.</mark>'
    )
    assert render_terminal(text, [content, label]) == (
        "\033[33mМодернизациялаудың бірінші кезеңі.\033[0m \033[1;33mОл 1950 жылдары басталды.\033[0m"
    )


def test_an_abbreviation_asked_about_is_answered_by_the_sentence_spelling_it_out():
    texts = [
        "Minimal Viable Product (минимально жизнеспособный продукт) — продукт с минимальными функциями",
        "Основная задача — получение обратной связи для формирования гипотез",
    ]

    assert marked("Сілтемеде MVP қысқартуы қалай ашылады?", texts, [0.80, 0.82])[0] == texts[0]


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

    tags = ('<mark class="answer">', '<mark class="answer near">', '<mark class="term">', "</mark>")
    for tag in (*tags, '<span class="tqa-sep"></span>', "<br>"):
        rendered = rendered.replace(tag, "")
    assert html.unescape(rendered) == text
    assert all(b - a <= MAX_MARK_CHARS for a, b in marks)


# --- the asked-for part of a long sentence, a continuation, a quotation, kinds of answer ------

BUTENKO = (
    "Бұл туралы ғалым Бутенко былай деп жазды: «Батыс саясаттануда тоталитаризмнің күйреуін алдын ала "
    "көре алмауы және өтпелі кезеңнің әдістері жайлы пайдалы кеңес бере алмауы, сондай-ақ 80 – жылдың "
    "соңы мен 90 – жылдың басындағы оқиғаларды анық пайымдай білмеуі кейін өз зардаптарын шеккізді, "
    "ал саясаттанушылар бұл қателіктерді ұзақ уақыт бойы мойындамай келді және оны жаңа теориялармен "
    "ақтауға тырысты»"
)


@pytest.mark.parametrize(
    "question",
    ["Бутенко қай жылдардағы оқиғалар туралы айтады?", "О событиях каких лет пишет Бутенко?", "Which years?"],
)
def test_a_long_sentence_is_narrowed_to_the_part_holding_the_asked_for_years(question):
    [mark] = marked(question, [BUTENKO], [0.9])

    assert "80 – жылдың соңы мен 90 – жылдың басындағы" in mark
    assert len(mark) <= MAX_MARK_CHARS < len(BUTENKO)
    assert mark.split()[0] in BUTENKO.split()  # it starts at a word


NAMES = (
    "В.А.Красильщиков В.П.Гутник В.И.Кузнецов А.Р.Белоусов А.Н.Клепач И.А.Шин Л.И.Рейспер Н.А.Симония "
    "К.Л.Сыроежкин В.А.Федорова Л.М.Энтин В.Е.Чиркин В.Г.Хорос М.А.Чешков С.А.Егоров Э.Л.Лебедева"
).split()
LISTED = (
    "Саяси модернизация процесі екінші және үшінші эшелондағы елдерде, қуушы модернизацияның проблемалары "
    "мен перспективалары «үшінші әлемдік» социумде " + ",  ".join(NAMES) + " және т.б. ғалымдардың назарының "
    "басты объектісіне айналды"
)


@pytest.mark.parametrize(("question", "place"), [("Сыроежкин", 8), ("А Энтин тоже в этом списке?", 10)])
def test_a_name_in_a_long_list_is_marked_with_its_neighbours_on_both_sides(question, place):
    [mark] = marked(question, [LISTED], [0.9])

    assert len(mark) <= MAX_MARK_CHARS < len(LISTED)
    assert all(name in mark for name in NAMES[place - 1 : place + 2])


def test_a_person_asked_about_by_name_is_marked_rather_than_the_clause_naming_most_people():
    works = (
        "Оны зерттеуге үлес қосқан ғалымдар арасынан мыналарды атап өтуге болады: Г.Алмондтың және "
        "Д.Пауэллдың «Салыстырмалы саясаттану: даму концепциясы позициясынан жақындау» (1966), "
        "Л.Пайдың «Саяси дамудың аспектілері» (1966), Д.Растоудың «Ұлттың әлемі» (1967), "
        "Ш.Эйзенштаттың «Модернизация: қарсылық және өзгеріс» (1966), С.Хантингтонның «Өзгеруші "
        "қоғамдағы саяси тәртіп» (1968) және тағы сол сияқты жұмыстар модернизация теорияларын "
        "өзгертуге ерекше үлес қосты"
    )

    [mark] = marked("Хантингтон кім?", [works], [0.9])

    assert "С.Хантингтонның «Өзгеруші" in mark and len(mark) <= MAX_MARK_CHARS < len(works)


def test_the_sentence_continuing_the_best_one_is_marked_when_it_alone_holds_a_question_word():
    texts = [
        "Қазақстанда да қазіргі кезде көптеген өзгертулер мен жаңартулар болып жатыр",
        "Бұған дәлел ретінде Н.Ә.Назарбаевтің төрағалығымен демократиялық реформалар бағдарламасын әзірлеу "
        "және нақтылау жөніндегі мемлекеттік комиссияның құрылуын айтуға болады",
        "Оның құрамына мемлекеттік органдардың өкілдері, елімізде қызмет ететін барлық саяси партиялардың, "
        "ірі қоғамдық бірлестіктердің басшылары кірді",
    ]

    assert marked("Мемлекеттік комиссия құрамына кімдер енді?", texts, [0.80, 0.84, 0.81]) == texts[2:]
    # no word of this question is the next sentence's alone: the best is marked, then the one it continues
    assert marked("Мемлекеттік комиссияны кім басқарды?", texts, [0.80, 0.84, 0.81]) == [texts[1], texts[0]]


def test_a_quotation_the_answering_sentence_lies_inside_is_marked_whole():
    texts = [
        "Посттоталитарлық кеңістікте демократиялау процесі әлі аяқталған жоқ",
        "Кулик атап өткендей «билік жүйесінің өзі әлі де демократияның белгілеріне сай келмейді",
        "Оның ішіндегі маңыздылығы биліктің жариялығы және оның қоғам алдындағы жауапкершілігі",
        "Билікке тегеурінді қоғамдық бағыттың орнатылуы»",
        "Ғалым бұл тәртіпті азаматтық қоғамның әлсіздігімен түсіндіреді",
    ]

    dense = [0.7, 0.8, 0.9, 0.8, 0.7]
    assert marked("Биліктің жариялығы туралы кім айтты?", texts, dense) == [texts[2], texts[1], texts[3]]


@pytest.mark.parametrize(
    ("question", "dense", "answer"),
    [
        ("Что означает выражение «тоқсан баулы ноғайлы»?", [0.88, 0.86, 0.87], 1),  # a meaning: the defining sentence
        ("«Тоқсан баулы ноғайлы» дегеніміз не?", [0.88, 0.86, 0.87], 1),
        ("Ноғайлы елінің жырдағы атауы қалай аталады?", [0.86, 0.88, 0.87], 0),  # a name: one in quotation marks
    ],
)
def test_the_sentence_giving_the_kind_of_answer_asked_for_is_marked(question, dense, answer):
    texts = [
        "Жырда ноғайлы елінің тағы бір атауы ретінде «тоқсан баулы ноғайлы» деген сөз тіркесі жиі кездеседі",
        "Тоқсан баулы ноғайлы дегеніміз – ноғай халқының тоқсан тайпадан тұратындығын көрсетеді",
        "Ноғайлы елінің тарихы көптеген жырларда баяндалады",
    ]

    assert marked(question, texts, dense) == [texts[answer]]


@pytest.mark.parametrize(
    "question",
    ["Алгоритм өткізу қабілетін неше есе арттырды?", "Во сколько раз алгоритм увеличил пропускную способность?"],
)
def test_a_quantity_asked_for_marks_the_sentence_holding_it(question):
    texts = [
        "В результате работы были спроектированы и реализованы оптимизированные алгоритмы очереди Multiqueue",
        "Созданный алгоритм увеличивает пропускную способность вставки и удаления в 1.2 и 1.6 раз соответственно",
    ]

    assert marked(question, texts, [0.86, 0.85]) == texts[1:]


@given(
    st.lists(st.text(alphabet="аәбвгқ «»,–0123 ", max_size=400).map(lambda t: f"а{t}б"), min_size=1, max_size=6),
    st.sampled_from(["Қай жылы?", "Кім?", "Ал екіншісі қандай?", "Что означает «аб»?", "Как называется?", "аб вг"]),
    st.data(),
)
def test_what_is_marked_never_exceeds_the_bound_and_stays_inside_the_passage(texts, question, data):
    text = " ".join(texts)
    dense = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(texts), max_size=len(texts))))

    marks = mark_answer(read_question(question), text, spans_of(texts), terms(text), dense)

    assert marks and sum(b - a for a, b in marks) <= MAX_MARK_CHARS
    ordered = sorted(marks)
    assert all(0 <= a < b <= len(text) for a, b in marks) and len(set(marks)) == len(marks)
    assert all(b <= c for (_, b), (c, _) in pairwise(ordered))  # none overlaps another


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Мемлекеттік комиссияның құрамына кімдер кірді?", "Оның құрамына мемлекеттік органдардың өкілдері"),
        ("Бутенко қай жылдардағы оқиғаларды айтады?", "80 – жылдың соңы мен 90 – жылдың басындағы оқиғаларды"),
        ("Какую цитату Кулика приводит автор?", "«билік жүйесінің өзі"),
        ("Какую цитату Кулика приводит автор?", "Билікке тегеурінді қоғамдық бағыттың орнатылуы»"),
        ("Модернизация теориясының негізін салушылар қай ғасырларда өмір сүрген?", "XIX - XX ғасырлардың басындағы"),
    ],
)
def test_the_thesis_marks_what_answers_within_the_bound(searcher, question, answer):
    hit = searcher.search(question, k=1)[0]

    marked_text = " ".join(" ".join(hit.passage.text[a:b].split()) for a, b in hit.highlights)

    assert answer in marked_text
    assert sum(b - a for a, b in hit.highlights) <= MAX_MARK_CHARS
