"""Exact lookup: every passage where the word stands, in any inflection (numbers exactly),
counted truly, body first; never a passage that merely resembles it."""

from __future__ import annotations

import re

import pytest

from thesis_qa.retrieval.lookup import NothingToLookUp, look_up
from thesis_qa.retrieval.question import QuestionError
from thesis_qa.retrieval.search import Searcher

# Each looked-up word with the text pattern of its forms in the thesis (the oracle).
WORDS = {
    "Хантингтон": r"хантингтон\w*",  # a name
    "Хантингтонның": r"хантингтон\w*",  # the same name, asked inflected
    "1966": r"(?<!\d)1966(?!\d)",  # a year
    "Қазақстан": r"қазақстан\w*",  # a noun: "Қазақстандағы", "Қазақстанда"…
    "Алмонд": r"алмонд\w*",
    "вестернизация": r"вестернизац\w*",
}


def holding(passages, pattern: str) -> set[str]:
    return {p.id for p in passages if re.search(rf"(?<!\w){pattern}", p.text.lower())}


@pytest.mark.parametrize(("word", "pattern"), WORDS.items())
def test_a_lookup_finds_exactly_the_passages_where_the_word_stands(searcher, word, pattern):
    found = look_up([searcher], word, limit=100)

    assert {hit.passage.id for hit in found.hits} == holding(searcher.index.passages, pattern)
    assert found.count == len(found.hits) > 0


def test_every_hit_marks_where_the_word_stands(searcher):
    for hit in look_up([searcher], "Қазақстан", limit=100).hits:
        marked = [hit.passage.text[a:b] for a, b in hit.terms]
        assert marked and all(word.lower().startswith("қазақстан") for word in marked)


def test_the_count_is_the_true_one_whatever_is_shown(searcher):
    everything = look_up([searcher], "модернизация", limit=100)

    first = look_up([searcher], "модернизация", limit=3)

    assert first.count == everything.count > 3
    assert [hit.passage.id for hit in first.hits] == [hit.passage.id for hit in everything.hits[:3]]


def test_body_text_comes_before_contents_entries(searcher):
    kinds = [hit.passage.kind for hit in look_up([searcher], "Қазақстан", limit=100).hits]

    assert "toc" in kinds and "body" in kinds
    assert kinds == sorted(kinds, key=lambda kind: kind != "body")


def test_a_phrase_finds_the_passages_holding_all_its_words(searcher):
    found = look_up([searcher], "Хантингтон Алмонд", limit=100)

    both = holding(searcher.index.passages, r"хантингтон\w*") & holding(searcher.index.passages, r"алмонд\w*")
    assert {hit.passage.id for hit in found.hits} == both
    assert found.words == ("хантингтон", "алмонд")


@pytest.mark.parametrize(("latin", "pattern"), [("Huntington", r"хантингтон\w*"), ("Almond", r"алмонд\w*")])
def test_a_latin_spelling_finds_the_passages_that_write_the_name_in_cyrillic(searcher, latin, pattern):
    found = look_up([searcher], latin, limit=100)

    assert {hit.passage.id for hit in found.hits} == holding(searcher.index.passages, pattern)
    assert found.count == len(found.hits) > 0
    marked = {hit.passage.text[a:b].lower() for hit in found.hits for a, b in hit.terms}
    assert marked and all(re.fullmatch(f"(?:\\w\\.)*{pattern}", word) for word in marked)


def test_a_latin_spelling_with_a_cyrillic_word_finds_the_passages_holding_both(searcher):
    found = look_up([searcher], "Huntington Алмонд", limit=100)

    both = holding(searcher.index.passages, r"хантингтон\w*") & holding(searcher.index.passages, r"алмонд\w*")
    assert {hit.passage.id for hit in found.hits} == both != set()


def test_a_word_that_does_not_occur_finds_nothing(searcher):
    found = look_up([searcher], "Маркс", limit=10)

    assert (found.count, found.hits) == (0, [])


def test_function_words_alone_cannot_be_looked_up(searcher):
    with pytest.raises(NothingToLookUp) as refused:
        look_up([searcher], "және мен", limit=10)
    assert refused.value.code == "lookup_common"


def test_an_empty_lookup_is_refused(searcher):
    with pytest.raises(QuestionError):
        look_up([searcher], " \u202e ", limit=10)


@pytest.fixture(scope="module")
def small_searcher(searcher_over) -> Searcher:
    """A thesis-like text whose section title holds a name its first paragraph lacks, and
    numbers written next to each other's look-alikes."""
    return searcher_over(
        "# Хантингтон теориясы\n\n"
        "Бұл бөлімде тек теория туралы айтылады.\n\n"
        "Хантингтонның еңбегі 1966ж. жарияланды.\n\n"
        "Басқа сандар: 19661 және 1967 жыл.\n",
        "small.md",
    )


def test_a_word_only_in_the_section_title_does_not_count(small_searcher):
    found = look_up([small_searcher], "Хантингтон", limit=10)

    assert [hit.passage.text for hit in found.hits] == [
        "Хантингтонның еңбегі 1966ж. жарияланды.",
        "Хантингтон теориясы",
    ]
    assert [hit.passage.kind for hit in found.hits] == ["body", "heading"]


def test_a_number_matches_exactly_also_before_an_abbreviation(small_searcher):
    assert [hit.passage.text for hit in look_up([small_searcher], "1966", limit=10).hits] == [
        "Хантингтонның еңбегі 1966ж. жарияланды."
    ]
    assert [hit.passage.text for hit in look_up([small_searcher], "1967", limit=10).hits] == [
        "Басқа сандар: 19661 және 1967 жыл."
    ]
    assert look_up([small_searcher], "196", limit=10).count == 0


def test_a_lookup_can_be_kept_to_one_document(searcher, small_searcher):
    everywhere = look_up([searcher, small_searcher], "Хантингтон", limit=10)
    only_small = look_up([searcher, small_searcher], "Хантингтон", limit=10, doc="small.md")

    assert {hit.passage.doc for hit in everywhere.hits} == {"thesis_kk.txt", "small.md"}
    assert {hit.passage.doc for hit in only_small.hits} == {"small.md"}
    assert only_small.count == 2


def test_a_programming_language_named_by_a_letter_and_signs_is_looked_up(searcher_over):
    """"C#" and "C++" are found where they stand, each apart from the other and from a lone "C"."""
    languages = searcher_over(
        "# Жүйе\n\nСервер C# тілінде жазылды.\n\nМодуль C++ тілінде жазылды.\n\nC тілі аталмайды.\n",
        "languages.md",
    )
    assert [hit.passage.text for hit in look_up([languages], "C#", limit=10).hits] == ["Сервер C# тілінде жазылды."]
    assert [hit.passage.text for hit in look_up([languages], "C++", limit=10).hits] == ["Модуль C++ тілінде жазылды."]
