"""Latin names and loan words meet the Cyrillic words of a collection (`translit`)."""

from __future__ import annotations

import pytest

from thesis_qa.text.translit import Bridge, cyrillic_code, latin_codes, similarity


def test_both_scripts_are_spelt_in_one_alphabet():
    assert cyrillic_code("хантингтонның") == "hantingtonin"  # doubled letters count once
    assert cyrillic_code("парсонс") == latin_codes("parsons")[0]
    assert cyrillic_code("модернизация") == latin_codes("modernization")[0]  # -tion is -ция
    assert cyrillic_code("вебер") in latin_codes("weber")  # w reads в or у
    assert cyrillic_code("уильямс") in latin_codes("williams")
    assert cyrillic_code("гегель") in latin_codes("hegel")  # h reads х or г; a soft sign is silent
    assert similarity(cyrillic_code("хантингтон"), latin_codes("huntington")[0]) == 0.9
    assert cyrillic_code("smith") == ""  # not Cyrillic


@pytest.mark.parametrize(
    ("word", "form"),
    [
        ("huntington", "хантингтонның"),  # one letter differs, the form meets as its stem
        ("weber", "вебердің"),
        ("parsons", "парсонс"),
        ("modernization", "модернизациялаудың"),
        ("kazakhstan", "қазақстандағы"),
    ],
)
def test_a_latin_word_meets_its_cyrillic_spelling(word, form):
    forms = [form, "теннис", "емес", "саяси"]
    assert Bridge(forms).match(word)[0] == 0


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("thesis", ["теннис"]),  # one edit in a five-letter word is too many
        ("schemes", ["емес"]),  # "wemes" is one letter from "emes", but starts elsewhere
        ("durkheim", ["жұмыс", "саяси"]),
        ("string", []),
    ],
)
def test_a_latin_word_meets_nothing_unlike_it(word, forms):
    assert Bridge(forms).match(word) is None
