"""Finding the question in a pasted text: all of a short one, the last question of a long
paragraph, or a long text cut between words."""

from __future__ import annotations

from thesis_qa.text.pasted import question_part

PARAGRAPH = "Саяси модернизация дәстүрлі қоғамнан қазіргі қоғамға өту барысында жүреді. " * 20
QUESTION = "Кулик сипаттаған тәртіптің белгілері қандай?"


def asked(text: str, limit: int = 1000) -> str:
    part = question_part(text, limit)
    return text[part.start : part.end]


def test_a_question_that_fits_is_asked_whole_without_its_outer_spaces():
    text = f"  {PARAGRAPH[:300]} {QUESTION}\n"

    part = question_part(text, 1000)

    assert text[part.start : part.end] == text.strip()
    assert not part.found and not part.cut


def test_the_last_question_of_a_long_paragraph_is_the_one_asked():
    text = "Алдымен бір сұрақ қойылды ма? " + PARAGRAPH + QUESTION + " "

    part = question_part(text, 1000)

    assert text[part.start : part.end] == QUESTION and part.found


def test_a_question_closed_by_a_quote_keeps_its_quote_and_starts_after_the_previous_sentence():
    text = PARAGRAPH + "Ол былай деп сұрады: «Тәртіптің белгілері қандай?»"

    assert asked(text) == "Ол былай деп сұрады: «Тәртіптің белгілері қандай?»"


def test_a_long_text_without_a_question_is_cut_between_words_within_the_limit():
    text = PARAGRAPH.replace(".", ",")

    part = question_part(text, 100)

    shown = text[part.start : part.end]
    assert part.cut and len(shown) <= 100
    assert text.startswith(shown) and text[len(shown)] == " " and not shown.endswith(" ")


def test_one_endless_word_is_cut_at_the_limit():
    part = question_part("ә" * 5000, 1000)

    assert (part.start, part.end, part.cut) == (0, 1000, True)


def test_a_question_longer_than_the_limit_is_cut_like_any_text():
    text = "сөз " * 400 + "?"

    part = question_part(text, 1000)

    assert part.cut and not part.found and part.end <= 1000
