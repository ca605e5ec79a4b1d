"""Passages are embedded by the model's own transformer in batches of like token length
(`Embedder.embed_passages`): the vectors must be those sentence-transformers gives, on the real
model; a model pooled otherwise goes through `encode` itself."""

from __future__ import annotations

import numpy as np


def _encode(embedder, texts):
    return embedder.model.encode(texts, prompt=embedder.passage_prompt, normalize_embeddings=True)


def test_texts_embed_as_sentence_transformers_encodes_them(embedder, thesis_passages):
    texts = [p.text for p in thesis_passages] + [s for p in thesis_passages for s in p.sentence_texts()]
    done: list[int] = []
    vectors = embedder.embed_passages(texts, done.append)
    assert np.sum(vectors * _encode(embedder, texts), axis=1).min() >= 0.99999, "batching must not change a vector"
    assert sum(done) == len(texts) and len(done) < len(texts) / 10, "many short texts share a forward pass"


def test_a_text_past_the_models_length_is_cut_as_encode_cuts_it(embedder):
    long = " ".join(["Саяси модернизация қоғамды біртіндеп өзгертеді."] * 120)
    assert float(embedder.embed_passages([long])[0] @ _encode(embedder, [long])[0]) >= 0.99999


def test_a_model_that_does_not_pool_by_mean_is_encoded_by_it(fake_embedder):
    texts = ["Саяси модернизация.", "Ол қоғамды өзгертеді."]
    np.testing.assert_allclose(fake_embedder.embed_passages(texts), fake_embedder._encode(texts, ""))
