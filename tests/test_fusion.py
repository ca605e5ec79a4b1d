"""How the dense and lexical channels are combined, and how answering sentences are chosen."""

from __future__ import annotations

import numpy as np

from thesis_qa.fusion import (
    DENSE_WEIGHT_CROSS_LANGUAGE,
    DENSE_WEIGHT_LOOKUP,
    DENSE_WEIGHT_SAME_LANGUAGE,
    dense_weight,
    fuse,
    minmax,
)
from thesis_qa.highlight import answering_sentences


def test_minmax_maps_to_unit_range_and_flat_channels_to_zero():
    assert minmax(np.array([0.80, 0.85, 0.90])).tolist() == [0.0, 0.5, 1.0]
    assert minmax(np.array([3.0, 3.0])).tolist() == [0.0, 0.0]
    assert minmax(np.array([])).size == 0


def test_the_dense_weight_follows_the_language_and_the_length_of_the_question():
    assert dense_weight("kk", "kk", words=5) == DENSE_WEIGHT_SAME_LANGUAGE
    assert dense_weight("ru", "kk", words=5) == DENSE_WEIGHT_CROSS_LANGUAGE
    assert dense_weight("ru", "kk", words=1) == DENSE_WEIGHT_LOOKUP
    assert DENSE_WEIGHT_LOOKUP < DENSE_WEIGHT_SAME_LANGUAGE < DENSE_WEIGHT_CROSS_LANGUAGE


def test_a_strong_lexical_match_outweighs_a_slightly_better_vector_when_weights_say_so():
    dense = np.array([0.86, 0.85, 0.80])
    lexical = np.array([0.0, 9.0, 1.0])
    no_toc = np.zeros(3, dtype=bool)
    lexical_heavy = fuse(dense, lexical, np.full(3, DENSE_WEIGHT_LOOKUP), no_toc)
    dense_heavy = fuse(dense, lexical, np.full(3, 0.95), no_toc)
    assert int(np.argmax(lexical_heavy)) == 1 and int(np.argmax(dense_heavy)) == 0


def test_table_of_contents_entries_lose_close_calls():
    dense, lexical = np.array([0.900, 0.895, 0.700]), np.array([5.0, 5.0, 0.0])
    fused = fuse(dense, lexical, np.full(3, 0.6), np.array([True, False, False]))
    assert fused[1] > fused[0] > fused[2]


def test_the_best_sentence_is_marked():
    spans = [(0, 10), (11, 20), (21, 30)]
    texts = ["Бірінші сөйлем", "Екінші сөйлем", "Үшінші сөйлем"]
    chosen = answering_sentences(spans, texts, np.array([0.80, 0.90, 0.70]), np.zeros(3))
    assert chosen == ((11, 20),)


def test_query_terms_can_tip_the_choice_of_sentence():
    spans = [(0, 10), (11, 20), (21, 30)]
    texts = ["Жалпы сөйлем", "Кулик айтқан сөйлем", "Басқа сөйлем"]
    chosen = answering_sentences(spans, texts, np.array([0.85, 0.84, 0.60]), np.array([0.0, 1.0, 0.0]))
    assert chosen == ((11, 20),)


def test_a_sentence_that_continues_the_best_one_is_marked_with_it():
    spans = [(0, 40), (41, 90), (91, 120)]
    texts = [
        "Демократиялық реформалар жөніндегі комиссия құрылды",
        "Оның құрамына мемлекеттік органдардың өкілдері кірді",
        "Келесі тақырып басқа",
    ]
    chosen = answering_sentences(spans, texts, np.array([0.90, 0.80, 0.70]), np.zeros(3))
    assert chosen == ((0, 40), (41, 90))
