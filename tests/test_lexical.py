"""Stemming Kazakh and Russian, BM25 over stems, and where a query's words stand."""

from __future__ import annotations

import numpy as np
import pytest

from thesis_qa.index.postings import BM25, Postings, SegmentedPostings, holding, top_rows
from thesis_qa.text.keys import coverage, key_of, matching_spans, terms
from thesis_qa.text.language import detect_language, dominant_language
from thesis_qa.text.stem import stem, stem_kazakh


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


@pytest.mark.parametrize(
    ("question", "keys"),
    [
        ("Кто такой Чешков в контексте диссертации?", ["чешк", "контек"]),
        ("Диссертацияда Чешков аталады ма?", ["чешк", "аталад"]),
        ("Is Cheshkov named in the thesis?", ["cheshk", "name"]),
    ],
)
def test_the_thesis_naming_itself_is_not_a_term(question, keys):
    assert [t.key for t in terms(question)] == keys


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


PASSAGES = [
    "Саяси модернизация теориялары мен типтері",
    "Саяси модернизация идеясын С.Хантингтон ұсынған болатын. Саяси жүйе өзгереді",
    "Демократия және саяси жүйе",
    "Хантингтонның еңбектері саяси тәртіп туралы",
    "Модернизация қоғамды өзгертеді",
]
QUERIES = ["Хантингтонның идеясы", "саяси модернизация", "демократия жүйе", "жоқ сөз"]


def keyed(texts):
    return [[t.key for t in terms(text, "kk")] for text in texts]


def okapi(documents, query, k1=1.2, b=0.75):
    """BM25 written out term by term, as the textbook (and the lexical index before it was
    stored) defines it."""
    mean = sum(map(len, documents)) / len(documents)
    scores = []
    for doc in documents:
        score = 0.0
        for key in set(query):
            df = sum(key in d for d in documents)
            tf = doc.count(key)
            idf = np.log(1 + (len(documents) - df + 0.5) / (df + 0.5))
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / mean)) if tf else 0.0
        scores.append(score)
    return np.array(scores)


def test_bm25_scores_are_okapis():
    documents = keyed(PASSAGES)
    bm25 = BM25(documents)
    for query in QUERIES:
        keys = [t.key for t in terms(query, "kk")]
        np.testing.assert_allclose(bm25.scores(keys), okapi(documents, keys), rtol=1e-5, atol=1e-6)


def test_one_key_scored_in_some_rows_is_its_part_of_bm25():
    """`key_scores` gives a key's BM25 in the rows asked (0 where it is absent): what
    `scores` sums over a query's keys."""
    documents = keyed(PASSAGES)
    bm25 = BM25(documents)
    rows = np.arange(len(documents))[::-1].copy()
    for key in sorted({key for document in documents for key in document})[:40]:
        column = bm25.postings.column(key)
        np.testing.assert_allclose(bm25.key_scores(column, rows), bm25.scores([key])[rows], rtol=1e-5)


def test_programming_languages_named_by_a_letter_and_signs_are_words():
    """"C++" and "C#" are the subject of many a sentence of a thesis in computing; as `\\w+`
    runs they were a lone letter, dropped. A sum ("a+b") makes no word of its letter."""
    text = "Сервер C# тілінде, ал модуль C++ тілінде жазылды: a+b формуласы."
    assert [(t.key, text[t.start : t.end]) for t in terms(text, "kk") if not t.key.isalpha()] == [
        ("c#", "C#"),
        ("c++", "C++"),
    ]


def test_stored_postings_open_memory_mapped_and_score_alike(tmp_path):
    built = Postings.build(keyed(PASSAGES))
    built.save(tmp_path)
    opened = Postings.load(tmp_path)
    assert isinstance(opened.rows, np.memmap)
    for name in Postings.FILES:
        np.testing.assert_array_equal(getattr(opened, name), getattr(built, name))
    keys = [t.key for t in terms("саяси модернизация", "kk")]
    np.testing.assert_array_equal(BM25.over(opened).scores(keys), BM25(keyed(PASSAGES)).scores(keys))


def test_postings_tell_which_rows_hold_a_key():
    postings = Postings.build(keyed(PASSAGES))
    column = postings.column(key_of("хантингтонның", "kk"))
    assert postings.holders(column).tolist() == [1, 3]
    assert postings.column("жоқкілт") is None
    assert postings.frequencies()[postings.column(key_of("саяси", "kk"))] == 4


def test_top_rows_selects_the_best_positive_scores_without_sorting():
    scores = np.array([0.0, 3.0, 1.0, 0.0, 5.0, 2.0, 4.0], dtype=np.float32)
    assert sorted(top_rows(scores, 3).tolist()) == [1, 4, 6]
    assert sorted(top_rows(scores, 10).tolist()) == [1, 2, 4, 5, 6], "zero scores are no candidates"
    assert top_rows(np.zeros(4, np.float32), 2).tolist() == []


def test_top_rows_equals_the_top_of_a_full_sort():
    scores = np.random.default_rng(7).random(100_000).astype(np.float32)
    scores[::3] = 0.0  # rows without a query key
    best = np.argsort(-scores, kind="stable")[:100]
    assert sorted(top_rows(scores, 100).tolist()) == sorted(best.tolist())


def test_postings_split_into_segments_read_and_score_as_one(tmp_path):
    documents = keyed(PASSAGES)
    whole = Postings.build(documents)
    split = SegmentedPostings(
        [Postings.build(documents[:2]), Postings.build(documents[2:3]), Postings.build(documents[3:])]
    )
    np.testing.assert_array_equal(split.keys, whole.keys)
    np.testing.assert_array_equal(split.frequencies(), whole.frequencies())
    rows = np.arange(len(documents))
    for column in range(len(whole.keys)):
        np.testing.assert_array_equal(split.holders(column), whole.holders(column))
        np.testing.assert_array_equal(split.holds(column, rows), whole.holds(column, rows))
        np.testing.assert_array_equal(split.counts_at(column, rows[::-1]), whole.counts_at(column, rows[::-1]))
        np.testing.assert_allclose(BM25.over(split).key_scores(column, rows), BM25.over(whole).key_scores(column, rows))
    for query in QUERIES:
        keys = [t.key for t in terms(query, "kk")]
        np.testing.assert_array_equal(BM25.over(split).scores(keys), BM25.over(whole).scores(keys))


def test_segments_merged_are_the_postings_of_all_rows():
    documents = keyed(PASSAGES)
    whole = Postings.build(documents)

    merged = SegmentedPostings([Postings.build(documents[:2]), Postings.build(documents[2:])]).merged()

    for name in Postings.FILES:
        np.testing.assert_array_equal(getattr(merged, name), getattr(whole, name), err_msg=name)


def test_holding_tells_which_rows_a_key_holds_as_isin_does():
    rng = np.random.default_rng(3)
    holders = np.unique(rng.integers(0, 50_000, 20_000)).astype(np.int32)
    rows = rng.integers(0, 50_000, 300)
    np.testing.assert_array_equal(holding(rows, holders), np.isin(rows, holders))
    assert holding(rows, holders[:0]).tolist() == [False] * 300
