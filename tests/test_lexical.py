"""Stemming Kazakh and Russian, BM25 over stems, and where a query's words stand."""

from __future__ import annotations

import numpy as np
import pytest

from thesis_qa.language import detect_language, dominant_language
from thesis_qa.lexical import BM25, coverage, key_of, matching_spans, terms
from thesis_qa.stem import stem, stem_kazakh


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("хантингтонның", "хантингтон"),  # genitive
        ("институттардың", "институт"),  # plural + genitive
        ("модернизациялаудың", "модернизация"),  # verbal noun + genitive
        ("елдердің", "елдер"),  # a two-letter root keeps its plural: stems stay >= 3 letters
        ("теориялары", "теория"),  # plural + possessive
        ("жылдарында", "жыл"),  # plural + possessive + locative
        ("қазақстанның", "қазақстан"),
        ("демократиялық", "демократия"),  # -лық
        ("саяси", "саяси"),  # nothing to strip
    ],
)
def test_kazakh_endings_are_stripped(word, expected):
    assert stem_kazakh(word) == expected


@pytest.mark.parametrize(
    ("forms", "language"),
    [
        (["модернизация", "модернизацияның", "модернизациясы", "модернизацияға"], "kk"),
        (["модернизация", "модернизации", "модернизацией", "модернизацию"], "ru"),
        (["демократия", "демократияның", "демократии"], "kk"),
        (["вестернизация", "вестернизацияны", "вестернизацией"], "ru"),
        (["қазақстан", "қазақстандағы", "қазақстанның"], "kk"),
    ],
)
def test_inflected_forms_share_one_key(forms, language):
    assert len({key_of(form, language) for form in forms}) == 1


# Names as Kazakh Wikipedia writes them, bare and inflected (forms taken from the KazQAD
# passages of the dev pool, CC BY-SA 4.0): a name ending in letters that look like an ending
# ("Астана", "Алматы", "Кенесары") keys the same bare or inflected.
@pytest.mark.parametrize(
    "forms",
    [
        "Астана Астанада Астананың Астанаға Астананы Астанасы",
        "Алматы Алматыда Алматыға Алматыдағы Алматыдан Алматымен Алматыны",
        "Абай Абайдың Абайға Абайды Абаймен",
        "Ресей Ресейдің Ресейде Ресейге Ресейден Ресеймен Ресейді Ресейдегі",
        "Түркістан Түркістанда Түркістанды Түркістаннан Түркістандағы Түркістанның Түркістанға",
        "Жамбыл Жамбылдың Жамбылға Жамбылда Жамбылды",
        "Сырдария Сырдарияның Сырдарияға Сырдарияны Сырдариядан Сырдариядағы",
        "Еуропа Еуропада Еуропаның Еуропаға Еуропадағы Еуропадан Еуропаны Еуропамен",
        "Мәскеу Мәскеуде Мәскеуге Мәскеуден",
        "Тараз Тараздан Тараздағы Таразбен Таразды Тараздың",
        "Кенесары Кенесарыны Кенесарының Кенесарыға",
        "Ертіс Ертістің Ертістен",
    ],
)
def test_a_name_keys_the_same_bare_or_inflected(forms):
    assert len({key_of(form.lower(), "kk") for form in forms.split()}) == 1


def test_a_name_meets_across_the_two_languages():
    assert key_of("хантингтонның", "kk") == key_of("хантингтона", "ru") == key_of("хантингтон", "ru")


def test_russian_words_go_to_the_russian_stemmer():
    assert stem("политической", "ru") == "политическ"
    assert stem("қоғамдық", "ru") == "қоғам"  # a Kazakh letter wins over the text's language


def test_no_cyrillic_or_kazakh_letter_is_dropped():
    text = "Ұлттық құрылтай, Қазақстан — 1966 ж. Хантингтонның «Өзгеруші қоғамы»"
    words = [text[t.start : t.end] for t in terms(text)]
    assert words == ["Ұлттық", "құрылтай", "Қазақстан", "1966", "Хантингтонның", "Өзгеруші", "қоғамы"]


def test_question_words_are_not_terms():
    assert [t.key for t in terms("Саяси модернизация дегеніміз не?")] == ["саяси", "модерн"]
    assert [t.key for t in terms("Что такое политическая модернизация?")] == ["полити", "модерн"]


def test_bm25_ranks_the_passage_holding_the_rare_word_first():
    docs = [
        "Саяси модернизация теориялары мен типтері",
        "Саяси модернизация идеясын С.Хантингтон ұсынған болатын",
        "Демократия және саяси жүйе",
    ]
    bm25 = BM25([[t.key for t in terms(d, "kk")] for d in docs])
    scores = bm25.scores(t.key for t in terms("Хантингтонның идеясы", "kk"))
    assert int(np.argmax(scores)) == 1 and scores[0] == scores[2] == 0.0


def test_unknown_query_words_score_nothing():
    bm25 = BM25([["саяси"], ["модерн"]])
    assert bm25.scores(["жоқ"]).tolist() == [0.0, 0.0]


def test_matching_spans_mark_every_inflection():
    text = "Хантингтон айтты. Хантингтонның пікірі бойынша тәртіп маңызды."
    spans = matching_spans(terms(text, "kk"), [key_of("хантингтон", "kk")])
    assert [text[a:b] for a, b in spans] == ["Хантингтон", "Хантингтонның"]


def test_coverage_is_the_share_of_query_keys_a_sentence_holds():
    keys = [key_of("саяси", "kk"), key_of("модернизация", "kk")]
    text = "Саяси модернизацияның мәні. Тек саяси. Басқа сөз."
    shares = coverage([(0, 26), (27, 37), (38, 48)], terms(text, "kk"), keys)
    assert shares.tolist() == [1.0, 0.5, 0.0]


@pytest.mark.parametrize(
    ("text", "language"),
    [("Саяси модернизация дегеніміз не?", "kk"), ("Что такое модернизация?", "ru"), ("What is it?", "en")],
)
def test_the_language_of_a_question(text, language):
    assert detect_language(text) == language


def test_the_language_of_a_document_is_the_language_of_most_words():
    russian = "Политическая модернизация в Казахстане. " * 30 + "Қазақстан"
    assert dominant_language(russian) == "ru"
    assert dominant_language("Саяси модернизация қазіргі саяси институттарды анықтайды. " * 5) == "kk"
