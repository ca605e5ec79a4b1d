"""Reading a question: cleaned and bounded whatever its size, and what kind of question it is."""

from __future__ import annotations

import pytest

from thesis_qa.retrieval.followup import Form
from thesis_qa.retrieval.question import (
    MAX_QUESTION_CHARS,
    QuestionError,
    clean_question,
    previous_questions,
    read,
    read_question,
)


def test_a_huge_question_is_cut_before_it_is_scanned():
    question = "Саяси модернизация дегеніміз не? " + "ә" * 5_000_000
    assert len(clean_question(question)) == MAX_QUESTION_CHARS


def test_bidi_and_other_format_controls_are_dropped():
    assert clean_question("evil\u202e txt\u200b file\u2066") == "evil txt file"


@pytest.mark.parametrize("question", ["", "  \n", "?!", "\u202e\u202c"])
def test_a_question_with_no_word_is_refused(question):
    with pytest.raises(QuestionError):
        clean_question(question)


@pytest.mark.parametrize(
    "question",
    ["Бірінші тарау қалай аталады?", "Как называется параграф 1.1?", "What is the title of section 1.2?"],
)
def test_questions_about_the_documents_structure_are_recognised(question):
    assert read_question(question).structural


@pytest.mark.parametrize(
    "question",
    [
        "Саяси модернизация дегеніміз не?",
        "В чём заключается суть модернизации?",  # "заключается" shares six letters with "заключение"
        "Что содержится в теории Хантингтона?",
        "Какой главный фактор модернизации?",
        "What reforms did the government introduce?",
        "Түсті металл қай қалаларда қорытылады?",  # "is smelted": the key of "қорытынды" (conclusion)
    ],
)
def test_a_content_question_is_not_about_structure(question):
    assert not read_question(question).structural


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("3.3 бөлімге сәйкес submit батырмасы қашан белсендіріледі?", "3.3"),
        ("Согласно разделу 3.2, к какому формату приведены аудиофайлы?", "3.2"),
        ("According to section 2, which database is used?", "2"),
    ],
)
def test_a_section_named_according_to_is_where_to_look_not_a_structure_question(question, section):
    asked = read_question(question)
    assert asked.sections == (section,) and not asked.structural


def test_a_structure_question_naming_a_section_according_to_stays_one():
    assert read_question("Согласно главе 2, сколько в ней разделов?").structural


@pytest.mark.parametrize(
    ("question", "part"),
    [
        ("Что сказано в заключении?", "conclusion"),
        ("Что написано во введении?", "introduction"),
        ("Қорытындыда не айтылады?", "conclusion"),
        ("Кіріспесінде не айтылған?", "introduction"),
    ],
)
def test_a_part_named_in_any_inflection_is_where_to_look_not_a_structure_question(question, part):
    asked = read_question(question)
    assert asked.sections == (part,) and not asked.structural


@pytest.mark.parametrize(
    ("question", "number", "person"),
    [
        ("Растоудың еңбегі қай жылы шықты?", True, False),
        ("В каком веке жили классики?", True, False),
        ("Кто должен решать?", False, True),
        ("Whose monographs are singled out?", False, True),
        ("Модернизация дегеніміз не?", False, False),
    ],
)
def test_questions_asking_for_a_number_or_a_person(question, number, person):
    asked = read_question(question)
    assert (asked.asks_number, asked.asks_person) == (number, person)


# How students ask for a number, a year, a date or a person in each language (issue 27: "неше"
# was not read as asking for a number), and words that only look like such a question word.
ASKING_A_NUMBER = [
    "Диссертация неше тараудан құралған?",
    "Әбілхайыр хан болып сайланғанда неше жаста еді?",
    "Қазақ жері нешеу болып бөлінді?",
    "Бұл нешінші тарауда айтылады?",
    "Көтеріліске қатысқандардың саны қанша болды?",
    "Халықтың қаншасы дауыс берді?",
    "Тістердің саны қандай?",
    "Растоудың еңбегі қай жылы шықты?",
    "Бұл оқиға қай ғасырда болды?",
    "Хан қалмақтарды қай уақытта талқандады?",
    "Тәжірибе қай күні өткізілді?",
    "Конституция қашан қабылданды?",
    "Сколько глав в диссертации?",
    "Из скольких племён состояло сообщество?",
    "В каком году вышла книга?",
    "В каком веке жили классики?",
    "Какой процент побед показала сеть?",
    "Какое количество углерода хранится в лесах?",
    "В каком возрасте он стал ханом?",
    "Какого числа прошёл референдум?",
    "Как долго длился переход?",
    "Когда началась модернизация?",
    "How many chapters does the thesis have?",
    "How long did the transition last?",
    "What year was the book published?",
    "In which century did the classics live?",
    "What percentage of voters took part?",
    "When did the reforms begin?",
    # a measure asked for is a number
    "Какой объём флеш-памяти у микроконтроллера?",
    "Какова максимальная тактовая частота ядра?",
    "Какую точность показала модель на тестовой выборке?",
    "Какую долю лесов Земли составляет Амазония?",
    "Модельдің дәлдігі қандай?",
    "Процессордың жиілігі қандай?",
    "What is the accuracy of the model?",
    "What was the approximate size of the fund?",
]
NOT_ASKING_A_NUMBER = [
    "Жылқы сүйектері табылған тұрақ қайда?",
    "Халықтың саяси белсенділігіне қаншалықты рұқсат беру керек?",
    "Тоғылық Темір елді қалай басқарды?",
    "Что такое вектор модернизации?",
    "Какие ученые изучали модернизацию?",
    "What is political modernization?",
    # a judgement, not a measure
    "Какую оценку получила работа?",
    "Какую роль сыграл Абылай-хан?",
    "Оның үлесі қандай?",
    "Еңбекке қандай баға берілді?",
]
ASKING_A_PERSON = [
    "Бұл теорияны кім ұсынды?",
    "Кімдер комиссия құрамына енді?",
    "Шыңды қай ғалым ашқан?",
    "Кто такой Бутенко?",
    "Кому принадлежит эта идея?",
    "На какого автора ссылается работа?",
    "Какой исследователь ввёл это название?",
    "Whose monographs are singled out?",
    "Which scholar named the three waves?",
]


@pytest.mark.parametrize("question", ASKING_A_NUMBER)
def test_every_way_of_asking_for_a_number_is_read_as_one(question):
    assert read_question(question).asks_number


@pytest.mark.parametrize("question", NOT_ASKING_A_NUMBER)
def test_words_that_only_look_like_a_number_question_are_not(question):
    assert not read_question(question).asks_number


@pytest.mark.parametrize("question", ASKING_A_PERSON)
def test_every_way_of_asking_for_a_person_is_read_as_one(question):
    assert read_question(question).asks_person


def test_a_relative_which_before_author_does_not_ask_for_a_person():
    assert not read_question("В каком году вышел труд, с которым автор связывает начало?").asks_person


def test_one_or_two_words_are_a_lookup():
    assert read_question("Хантингтон").is_lookup
    assert not read_question("Хантингтон не ұсынды?").is_lookup


def test_only_usable_earlier_questions_are_kept():
    assert previous_questions(["", "  бірінші ", None, 3, "екінші", "үшінші", "төртінші"]) == [
        "екінші",
        "үшінші",
        "төртінші",
    ]


def test_a_follow_up_is_read_with_its_conversation_and_can_be_asked_alone():
    asked = read("Ал екіншісі қандай?", ["Дарендорф қандай қауіптерді атады?"])

    alone = asked.alone()

    assert asked.form == Form.LEANS and asked.context == "Дарендорф қандай қауіптерді атады?"
    assert "даренд" in asked.context_keys
    assert (alone.context, alone.context_keys, alone.keys, alone.form) == ("", (), asked.keys, Form.LEANS)


def test_a_question_that_stands_alone_takes_nothing_from_the_conversation():
    asked = read("What is political modernization?", ["Дарендорф қандай қауіптерді атады?"])

    assert (asked.form, asked.context, asked.context_keys) == (Form.ALONE, "", ())


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("1.1-кестеде stm32f1xx-hal кітапханасының кроссплатформалылығы қалай сипатталған?", ("table",)),
        ("Какая поддержка RTOS указана в сравнительной таблице?", ("table",)),
        ("Әдебиеттер тізімінде жады туралы қандай дереккөз бар?", ("bibliography",)),
        ("Какие авторы у статьи [10]?", ("bibliography",)),
        ("Что понимается под этим в сноске к разделу?", ("footnote",)),
        ("Сілтемеде MVP қысқартуы қалай ашылады?", ("footnote",)),
        ("Саяси модернизация дегеніміз не?", ()),
    ],
)
def test_a_question_naming_a_table_a_reference_or_a_footnote_says_so(question, kinds):
    """Only then may a table, a bibliography entry or a footnote answer by its kind."""
    assert read_question(question).named_kinds == kinds


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("Эксперименттер неше сағат бойы жүргізілді?", "hours"),
        ("Сколько стоит годовая лицензия?", "money"),
        ("APK файлы неше мегабайт?", "bytes"),
        ("Какой процент побед показала сеть?", "percent"),
        ("Какова тактовая частота ядра в мегагерцах?", "hertz"),
        ("How many seconds does the search take?", "seconds"),
        ("Какова тактовая частота ядра?", ""),  # "частота" is no "час"
        ("Экспериментке неше студент қатысты?", ""),
        ("Мұндай тәртіптің белгілері қандай?", ""),
        ("Лицензияның бағасы қанша?", "money"),
        # A name holding "байт" and "бағалау" (rating) ask no unit.
        ("А.Байтұрсынұлы 1909 жылы қандай қызмет атқарды?", ""),
        ("Жұмыс неше критерий бойынша бағаланды?", ""),
    ],
)
def test_a_question_after_a_quantity_says_its_unit(question, unit):
    """"Неше сағат?" is answered only by a number of hours: the judge checks the best hit has one."""
    assert read_question(question).asks_unit == unit


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Модернизация дегеніміз не?", True),
        ("SQL қысқартуы қалай ашылады?", True),  # what an abbreviation stands for
        ("Как расшифровывается ВКР?", True),
        ("What does API stand for?", True),
        ("Жұмыста преаттентивті өңдеу қалай анықталады?", True),
        ("Жұмыста жартылай реттелген жиын деп нені атайды?", True),
        ("Как в работе определяется кроссплатформенность?", True),
        ("Что понимается под одностраничным приложением?", True),
        ("What does hegemony mean?", True),
        # Not about a meaning: found, determines, in which sense, meant to, a statistic.
        ("Тәжірибеде қандай заңдылық анықталды?", False),
        ("Что определяет скорость поиска?", False),
        ("Модернизация термині тар мағынада қолданыла ма?", False),
        ("Which problem are the models meant to overcome?", False),
        ("Кестеде trimmed mean уақыты неше секунд?", False),
    ],
)
def test_a_question_after_a_meaning_or_a_definition_is_known(question, asks):
    """Such a question is answered by a passage that defines the term (`features.DEFINES`)."""
    assert read_question(question).asks_meaning is asks


@pytest.mark.parametrize(
    ("question", "abbreviations"),
    [
        ("SQL қысқартуы қалай ашылады?", ("SQL",)),
        ("Жұмыста ДҚБЖ қысқартуы нені білдіреді?", ("ДҚБЖ",)),
        ("What does REST stand for?", ("REST",)),
        ("SQL сұрауы қалай жазылады?", ()),  # no meaning asked: SQL is only named
        ("Что означает ИИ?", ()),  # two letters spell out too much by chance
    ],
)
def test_a_meaning_question_asks_to_expand_the_abbreviations_it_names(question, abbreviations):
    assert read_question(question).abbreviations == abbreviations
