"""Segmentation of the bundled thesis and of the messy conventions it follows."""

from __future__ import annotations

import hashlib
import json
import re

from thesis_qa.document import Document, PresplitPassage
from thesis_qa.ingest.structure import DEFAULT_MAX_CHARS, segment
from thesis_qa.text.sentences import split_units

SECOND_COPY_STARTS = 14519


def _normal(text: str) -> str:
    return " ".join(text.split())


def _passage_with(passages: list, needle: str):
    matches = [p for p in passages if needle in _normal(p.text)]
    assert len(matches) == 1, f"{needle!r} found in {len(matches)} passages"
    return matches[0]


def test_every_passage_is_an_exact_slice_of_the_source(thesis, thesis_passages):
    for p in thesis_passages:
        assert thesis.text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text
        for a, b in p.sentences:
            assert 0 <= a < b <= len(p.text)
            assert p.text[a:b].strip() == p.text[a:b]


def test_the_second_copy_of_the_text_is_dropped(thesis_passages):
    texts = [_normal(p.text) for p in thesis_passages]
    assert len(texts) == len(set(texts))
    assert all(p.start < SECOND_COPY_STARTS + 10 for p in thesis_passages)
    assert len(thesis_passages) > 30


def test_table_of_contents_becomes_entries_not_body_passages(thesis_passages):
    toc = [p for p in thesis_passages if p.kind == "toc"]
    titles = [_normal(p.text) for p in toc]
    assert "1.2. Саясм дамудың негізгі шарттары мен түрлері" in titles
    assert any(t.startswith("1.1. Саяси модернизация теориялары мен типтері") for t in titles)
    body = [p for p in thesis_passages if p.kind == "body"]
    assert not any(re.search(r"\d+ - \d+", _normal(p.text)[:12]) for p in body)
    assert body[0].text.startswith("Қазіргі  кезеңдегі")


def test_sections_follow_the_headings(thesis_passages):
    intro = _passage_with(thesis_passages, "«Модернизация» ұғымы Батыс әлеуметтануында")
    assert intro.section == "КІРІСПЕ › Зерттеудің өзектілігі"
    aims = _passage_with(thesis_passages, "Зерттеу жұмысының мақсаты – зерттеу жүргізу")
    assert aims.section == "КІРІСПЕ › Зерттеу жұмысының мақсаты мен міндеті"
    theory = _passage_with(thesis_passages, "Саяси модернизация қазіргі саяси институттарды")
    assert theory.section.endswith("› 1.1. Саяси модернизация теориялары мен типтері")
    assert theory.section.startswith("МОДЕРНИЗАЦИЯ ПРОЦЕСТЕРІН ЗЕРТТЕУДІҢ ТЕОРИЯЛЫҚ НЕГІЗДЕРІ")


def test_paragraphs_are_numbered_in_reading_order(thesis_passages):
    body = [p for p in thesis_passages if p.kind == "body"]
    numbers = [p.paragraph for p in body]
    assert numbers == sorted(numbers) and numbers[0] == 1
    assert [p.order for p in thesis_passages] == list(range(len(thesis_passages)))


def test_long_paragraphs_are_cut_at_sentence_boundaries(thesis_passages):
    for p in thesis_passages:
        if len(p.sentences) > 1:
            assert len(p.text) <= DEFAULT_MAX_CHARS
    split = [n for n in {p.paragraph for p in thesis_passages} if sum(q.paragraph == n for q in thesis_passages) > 1]
    assert split, "the long paragraphs of the thesis should give several passages"


def _sentences(text: str) -> list[str]:
    return [_normal(text[u.start : u.end]) for u in split_units(text)]


def test_initials_and_abbreviations_do_not_end_sentences():
    text = "Мемлекет басшысы Н.Ә.Назарбаевтің төрағалығымен құрылды\nП.Штомпки т.б. ғалымдар атап өтті"
    assert _sentences(text) == [
        "Мемлекет басшысы Н.Ә.Назарбаевтің төрағалығымен құрылды",
        "П.Штомпки т.б. ғалымдар атап өтті",
    ]


def test_a_dotted_name_and_a_reference_abbreviation_end_no_sentence():
    """"ASP.NET" is one name, "англ." and "Рис." are read on: a sentence cut there marked
    "NET Core MVC …" as the answer and left "ACP." behind."""
    text = "Қосымша ACP.NET Core MVC арқылы жасалды. CPQ (англ. Circular Queue) – очередь. Рис. 5: Популярность. Конец"
    assert _sentences(text) == [
        "Қосымша ACP.NET Core MVC арқылы жасалды.",
        "CPQ (англ. Circular Queue) – очередь.",
        "Рис. 5: Популярность.",
        "Конец",
    ]
    assert _sentences("Мы использовали Python.Затем всё.") == ["Мы использовали Python.", "Затем всё."]


def test_a_name_broken_across_lines_stays_in_one_sentence():
    text = "Ж.А.Мурзалин, А.К\nТілегулова еңбектерінде анализ жасалынған\nКелесі сөйлем"
    assert _sentences(text)[0] == "Ж.А.Мурзалин, А.К Тілегулова еңбектерінде анализ жасалынған"


def test_tabs_start_paragraphs_even_in_mid_line():
    units = split_units("Бірінші абзац т.б.\tЕкінші абзац басталады")
    assert [u.para_start for u in units] == [True, True]


def test_bullets_open_list_items():
    text = "Факторлар мыналар: ● географиялық фактор;● тарихи дәстүрлер"
    assert _sentences(text) == ["Факторлар мыналар:", "● географиялық фактор;", "● тарихи дәстүрлер"]


def test_wrapped_lines_are_joined_into_sentences():
    text = (
        "The theory of political\nmodernization appeared in\nthe fifties. It was\n"
        "developed by many\nauthors in the west.\nLater it was\ncriticised by others."
    )
    assert _sentences(text) == [
        "The theory of political modernization appeared in the fifties.",
        "It was developed by many authors in the west.",
        "Later it was criticised by others.",
    ]


def test_jsonl_passages_are_kept_as_given_with_the_project_s_ids():
    doc = Document(
        name="pool.jsonl",
        text="Бір. Екі.\n\nҮш",
        presplit=(PresplitPassage("a", 0, 9, "Тақырып"), PresplitPassage("", 11, 13, "")),
    )
    passages = segment(doc)
    assert [(p.id, p.source_id, p.text, p.section) for p in passages] == [
        ("pool.jsonl#0", "a", "Бір. Екі.", "Тақырып"),
        ("pool.jsonl#1", None, "Үш", ""),
    ]
    assert passages[0].sentences == ((0, 4), (5, 9))


def _digest(passages: list) -> str:
    rows = [
        [p.id, p.order, p.kind, p.section, p.paragraph, p.page, p.start, p.end, [list(s) for s in p.sentences]]
        for p in passages
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def test_the_bundled_thesis_segments_exactly_as_it_did(thesis_passages):
    """Pinned: the dev sets and the fitted ranking models are measured on these passages; a
    segmenter change that moves one of them must be deliberate (update the digest and refit
    then). Version 3 added its six headings as passages of their own."""
    assert len(thesis_passages) == 47
    assert _digest(thesis_passages) == "a1e510cd98825874dc8a4bd727efdadd822c437b9dbdf33becde290e7427ecc7"


def test_headings_are_passages_under_their_own_section(thesis_passages):
    headings = [p for p in thesis_passages if p.kind == "heading"]
    assert [" ".join(p.text.split()) for p in headings][:2] == ["КІРІСПЕ", "Зерттеудің өзектілігі"]
    assert headings[1].section == "КІРІСПЕ › Зерттеудің өзектілігі" and headings[1].paragraph == 0


def test_capitals_inside_a_paragraph_do_not_make_a_heading():
    text = (
        "1 САЯСИ МОДЕРНИЗАЦИЯ\n\n1.1 Теориялар мен типтер\n\n"
        "Мемлекет басшысы атап өтті. БІРІНШІ. Реформа жалғасады. АҚШ ПЕН ЕО. Келісім жасалды.\n\n"
        "Екінші абзац осы бөлімде."
    )
    body = [p for p in segment(Document("t.txt", text)) if p.kind != "heading"]
    assert {p.section for p in body} == {"1 САЯСИ МОДЕРНИЗАЦИЯ › 1.1 Теориялар мен типтер"}
