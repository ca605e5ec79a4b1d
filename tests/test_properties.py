"""Properties that hold for any text at all (hypothesis): segmentation never fails, never
loses its place in the source, and highlight spans stay in bounds without overlapping."""

from __future__ import annotations

import html

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thesis_qa.document import Document
from thesis_qa.ingest.structure import segment
from thesis_qa.retrieval.highlight import mark_answer, render_html
from thesis_qa.retrieval.question import read_question
from thesis_qa.text.keys import matching_spans, terms
from thesis_qa.text.sentences import split_units

# Thesis-like material: Kazakh and Russian letters, digits, the punctuation and bullets the
# segmenter reacts to, tabs and newlines, and anything else Unicode holds.
THESIS_ALPHABET = "Саяси модернизация әғқңөұүһі ЁЙ ●─–-.!?…:;,«»()[]1.2. \t\n  Н.Ә. т.б. 1966 – 8 - 19"
THESIS_WORDS = [*THESIS_ALPHABET.split(" "), "\t", "\n", "\n\n", "МАЗМҰНЫ", "45 - 47"]
texts = st.one_of(
    st.text(alphabet=st.sampled_from(list(THESIS_ALPHABET)), max_size=400),
    st.text(max_size=300),
    st.lists(st.sampled_from(THESIS_WORDS), max_size=80).map(" ".join),
)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(texts, st.booleans(), st.integers(min_value=20, max_value=800))
def test_segmentation_never_fails_and_every_passage_maps_back(text, tabs, max_chars):
    doc = Document(name="any.txt", text=text, tab_starts_paragraph=tabs)
    for passage in segment(doc, max_chars=max_chars):
        assert passage.text and passage.text.strip() == passage.text
        assert text[passage.start : passage.end] == passage.text
        assert passage.sentences, "every passage has at least one sentence"
        previous_end = 0
        for a, b in passage.sentences:
            assert previous_end <= a < b <= len(passage.text)
            previous_end = b


@FAST
@given(texts)
def test_sentence_units_are_in_order_trimmed_and_never_empty(text):
    previous_end = 0
    for unit in split_units(text):
        assert previous_end <= unit.start < unit.end <= len(text)
        assert text[unit.start : unit.end].strip() == text[unit.start : unit.end]
        previous_end = unit.end


@FAST
@given(texts, st.data())
def test_highlight_spans_stay_in_bounds_and_do_not_overlap(text, data):
    passages = segment(Document(name="any.txt", text=text))
    for passage in passages:
        n = len(passage.sentences)
        dense = np.array(data.draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n)), dtype=np.float32)
        query = data.draw(st.text(alphabet=st.sampled_from(list(THESIS_ALPHABET)), max_size=40))
        words = terms(passage.text, "kk")
        chosen = mark_answer(read_question(f"сұрақ {query}"), passage.text, passage.sentences, words, dense)
        _assert_spans_ok(chosen, len(passage.text))
        found = matching_spans(words, [t.key for t in terms(query, "kk")])
        _assert_spans_ok(found, len(passage.text))


@FAST
@given(st.text(max_size=200), st.data())
def test_rendering_escapes_everything_and_keeps_the_text(text, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
    rendered = render_html(text, spans, spans[:1])
    stripped = rendered.replace('<mark class="answer">', "").replace('<mark class="answer near">', "")
    stripped = stripped.replace('<mark class="term">', "").replace("</mark>", "")
    assert html.unescape(stripped) == text
    assert "<" not in stripped


def _assert_spans_ok(spans, length):
    previous_end = 0
    for a, b in sorted(spans):
        assert 0 <= a < b <= length
        assert a >= previous_end, "spans overlap"
        previous_end = b
