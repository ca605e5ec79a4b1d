"""What the ranker reads off a question and a candidate's text: the section a question names,
lists and their introductions, code, people, and the introduction a list item is read with."""

from __future__ import annotations

import numpy as np
import pytest

from thesis_qa.index.passage_table import PERSON
from thesis_qa.retrieval.features import DEFINES, Shape, WordMatches, in_sections, list_intro
from thesis_qa.retrieval.question import expansion, named_sections, read_question
from thesis_qa.text.numbers import holds_unit


@pytest.mark.parametrize(
    ("question", "numbers"),
    [
        ("1.2 бөлімде қандай әдіс сипатталған?", ("1.2",)),
        ("Что описано в разделе 3.4?", ("3.4",)),
        ("What is compared in chapter 2?", ("2",)),
        ("2-тарауда қандай деректер бар?", ("2",)),
        ("В главе 3 и в подразделе 3.1.2?", ("3", "3.1.2")),
        ("Бірінші тарауда не қарастырылады?", ("1",)),  # by its ordinal
        ("Что сравнивается во второй главе?", ("2",)),
        ("What does the third chapter conclude?", ("3",)),
        ("Согласно разделу 3.2, к какому формату приведены файлы?", ("3.2",)),  # a comma after it
        # A figure's or a table's number names the section it stands in.
        ("Сколько групп показано на рисунке 3.14?", ("3",)),
        ("1.3.1-суреттегі графикке сәйкес дәлдік қандай?", ("1.3",)),
        ("1.1-кестеде кітапхана қалай сипатталған?", ("1",)),
        # Numbers that are not sections: a decimal, a count, a year.
        ("Точность 0,97 или 0.98?", ()),
        ("Сколько из 20 сессий завершено в 2026 году?", ()),
    ],
)
def test_a_question_names_sections_by_number_in_any_of_its_languages(question, numbers):
    assert named_sections(question) == numbers


@pytest.mark.parametrize(
    ("question", "named", "structural"),
    [
        # A part's name says where to look; the question asks its content, not the structure.
        ("Қорытындыда қандай төрт фреймворк аталған?", ("conclusion",), False),
        ("Согласно заключению, на каком языке создано приложение?", ("conclusion",), False),
        ("Диссертацияның қорытындысында автор қандай ұсыныстар береді?", ("conclusion",), False),
        # A question after the structure itself is answered by headings: no part to look in.
        ("Кіріспе қандай тараушалардан тұрады?", (), True),
        ("С какой главы начинается основная часть после введения?", (), True),
        ("Сколько страниц содержит работа согласно реферату?", (), True),
        ("Что содержит Приложение В?", ("appendix в",), False),
        ("What does Appendix B hold?", ("appendix в",), False),  # a Latin B reads as the Cyrillic В
        ("Б қосымшасында қандай код бар?", ("appendix б",), False),
        # "приложение" and "қосымша" also mean an application: only a capital letter names an appendix.
        ("Как приложение в браузере хранит токен?", (), False),
        # A figure's number names its chapter but does not ask about the structure.
        ("Какие актёры показаны на диаграмме (рисунок 3.1)?", ("3",), False),
    ],
)
def test_a_question_names_a_part_by_its_role_or_an_appendix_by_its_letter(question, named, structural):
    asked = read_question(question)
    assert (asked.sections, asked.structural) == (named, structural)


@pytest.mark.parametrize(
    ("title", "inside"),
    [
        ("2 ТАРАУ. ӘДІСТЕР › 2.1. Деректер", True),  # the section itself
        ("2 ТАРАУ. ӘДІСТЕР › 2.1.3 Тазалау", True),  # a subsection of it
        ("2 ТАРАУ. ӘДІСТЕР › 2.11 Басқа", False),  # 2.11 is not inside 2.1
        ("1 ТАРАУ › 1.2 Шолу", False),
        ("2 ДЕРЕКТЕР › §2.1 Денсаулық сақтау", True),  # numbered after a paragraph sign
    ],
)
def test_a_passage_stands_in_a_named_section_by_its_section_path(title, inside):
    assert in_sections(title, ("2.1",)) is inside


@pytest.mark.parametrize(
    ("title", "named", "inside"),
    [
        ("9. Заключение", "conclusion", True),  # named in Russian, asked in Kazakh: one role
        ("ҚОРЫТЫНДЫ", "conclusion", True),
        ("Анализ заключений экспертов", "conclusion", False),  # a title that only mentions the word
        ("АҢДАТПА", "abstract", True),
        ("А қосымшасы › А.5 Техникалық құралдар", "appendix а", True),
        ("ПРИЛОЖЕНИЕ В", "appendix в", True),
        ("ПРИЛОЖЕНИЕ Б", "appendix в", False),
        ("Қосымша модульдер", "appendix м", False),  # "additional modules", no appendix
    ],
)
def test_a_passage_stands_in_a_named_part_by_the_titles_of_its_section_path(title, named, inside):
    assert in_sections(title, (named,)) is inside


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("С.Хантингтонның пікірінше", True),
        ("Руководитель ВКР, профессор Кожухов И.Б.", True),  # initials after the name
        ("Оқытушы: Абдуллаева А. С.", True),
        ("26 Newman, S. Building Microservices.", True),
        ("Нурмаханова Алия Есимжанқызы", True),  # a name, a given name and a patronymic
        ("д.т.н. Намиот Дмитрий Евгеньевич", True),
        ("Сурет И.1 көрсетілген", False),  # a figure's number, not initials
        ("Қазақстан Республикасы Білім Министрлігі", False),
    ],
)
def test_a_passage_names_a_person_by_initials_or_patronymic(text, person):
    assert bool(PERSON.search(text)) is person


def test_shape_tells_a_list_introduction_its_items_and_code():
    texts = [
        "Жүйе үш модульден тұрады:",
        "– аутентификация модулі, ол токендерді тексереді;",
        "if (token == null) { return false; }",
        "Бұл бөлімде нәтижелер талқыланады.",
    ]
    before = ["", texts[0], texts[1], texts[2]]
    shape = Shape.of(texts, before, [False, True, False, False])
    assert shape.list_intro.tolist() == [True, False, False, False]
    assert shape.list_item.tolist() == [False, True, False, False]
    assert shape.after_list_intro.tolist() == [False, True, False, False]
    assert shape.in_named_section.tolist() == [False, True, False, False]
    assert shape.code_like[2] > 0.9 and shape.code_like[3] < 0.1


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Зерттеу жұмысы кіріспеден, үлкен екі тараудан және қорытындыдан тұрады.", True),
        ("Сауалнамаға жүз елу студент қатысты.", True),
        ("Екеуі де бір нәтижеге келді.", True),
        ("Работа состоит из введения, трёх глав и заключения.", True),
        ("The thesis has two chapters.", True),
        ("Бұл әдіс оқушылар үшін бірге жүзеге асырылады, онда жетілдіру қажет.", False),
        ("Семья и семинар внутри института.", False),
    ],
)
def test_shape_tells_a_count_written_in_words(text, count):
    """"Неше тараудан?" is answered by "екі тараудан" as well as by "2": a number question
    counts it (`has_number`) and marks it; words that only begin like a count do not."""
    assert Shape.of([text], [""], [False]).count_in_words.tolist() == [count]


def test_a_list_item_is_read_with_the_introduction_of_its_list():
    texts = [
        "Бизнес-план составлен на три года.",
        "Среди основных сегментов сбыта выделяются следующие:",
        "• военные предприятия, обрабатывающие большие массивы данных;",
        "• научные институты;",
        "Цена лицензии составляет 149 000 рублей.",
    ]
    assert list_intro(3, texts.__getitem__, 0) == 1  # over the earlier item
    assert list_intro(2, texts.__getitem__, 0) == 1
    assert list_intro(4, texts.__getitem__, 0) == 4  # no item: itself
    assert list_intro(3, texts.__getitem__, 2) == 3  # its document starts after the introduction


@pytest.mark.parametrize(
    ("text", "unit", "held"),
    [
        ("Эксперимент 12 сағат бойы жүргізілді.", "hours", True),
        ("Лицензия стоит 149\u00a0000 рублей в год.", "money", True),
        ("Max_file_size = 500 МБ", "bytes", True),
        ("Точность составила 93,5 %.", "percent", True),
        ("Суперкомпьютер включает 4608 вычислительных узлов.", "hours", False),
        ("Подписка оформляется на месяц.", "money", False),
        ("1909 Байтұрсынұлы қамалды.", "bytes", False),  # a name holding "байт" is no unit
    ],
)
def test_a_text_gives_a_number_in_a_unit_or_not(text, unit, held):
    assert holds_unit(text, unit) is held


@pytest.mark.parametrize(
    ("text", "defines"),
    [
        ("Изолированность – результаты транзакции не зависят от других транзакций.", True),
        ("Кроссплатформенность — это способность программы работать на нескольких системах.", True),
        ("Частично упорядоченным множеством называется пара (X, ≤).", True),
        ("Модернизация дегеніміз – дәстүрлі қоғамнан қазіргі қоғамға өту.", True),
        ("Мұндай жүйелерді гибридті деп атаймыз.", True),
        ("Visual Studio | бұл кодты жазуға арналған іске қосу алаңы", True),  # a glossary's row
        # A dash that is no definition: after a year, inside a sentence.
        ("В 2019 году – рост числа пользователей.", False),
        ("Система работает быстро, а её интерфейс – простой и понятный для пользователей.", False),
        ("Жад сыйымдылығы 64 МБ | 2 ГБ | 4 ГБ", False),  # a table row: more than a term before the bar
    ],
)
def test_a_text_that_defines_a_term_is_known_by_its_shape(text, defines):
    assert bool(DEFINES.search(text)) is defines


@pytest.mark.parametrize(
    ("abbreviation", "text", "spelled"),
    [
        ("SQL", "құрылымдық сұранысты программалау тілі (SQL, Structured Query Language)", True),
        ("ДҚБЖ", "ДҚБЖ | Деректер қорын басқару жүйесі", True),  # only the first word capitalised
        ("MVP", "Minimal Viable Product (минимально жизнеспособный продукт) — продукт", True),
        ("MVP", "Основная задача — получение обратной связи", False),
        ("SQL", "SQL сұраулары серверде орындалады", False),  # named, not spelled out
    ],
)
def test_an_abbreviation_is_spelled_out_by_words_with_its_initials(abbreviation, text, spelled):
    assert bool(expansion(abbreviation).search(text)) is spelled



def test_bm25_over_nearest_keys_takes_each_word_s_best_near_key():
    """Two question words, each with its three nearest keys: a key counts when it is near
    enough (cosine >= 0.9) and among the first two; per candidate each word gives its best
    such key's score, and the words add up."""
    cosines = np.array([[1.0, 0.95, 0.93], [0.91, 0.80, 0.99]], dtype=np.float32)
    scores = np.zeros((2, 2, 3), dtype=np.float32)
    scores[0, 0] = (1.0, 3.0, 9.0)  # the third key is not among the first two
    scores[0, 1] = (2.0, 5.0, 0.0)  # the second key is not near enough
    scores[1, 1, 2] = 7.0  # a key beyond the first two only
    matches = WordMatches(scores, cosines, np.ones_like(cosines), 1.0)
    np.testing.assert_allclose(matches.bm25(0.9, 2), [3.0 + 2.0, 0.0])
