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
    # 512-token batches: the longest passages go one by one, short sentences by the dozen
    assert sum(done) == len(texts) and len(done) < len(texts) / 5, "many short texts share a forward pass"


def test_a_text_past_the_models_length_is_cut_as_encode_cuts_it(embedder):
    long = " ".join(["Саяси модернизация қоғамды біртіндеп өзгертеді."] * 120)
    assert float(embedder.embed_passages([long])[0] @ _encode(embedder, [long])[0]) >= 0.99999


def test_a_model_that_does_not_pool_by_mean_is_encoded_by_it(fake_embedder):
    texts = ["Саяси модернизация.", "Ол қоғамды өзгертеді."]
    np.testing.assert_allclose(fake_embedder.embed_passages(texts), fake_embedder._encode(texts, ""))


EDGES = [
    "  two  spaces   and\ttab\nand new line ",
    "Қазақ тілі: ӘәҒғҚқҢңӨөҰұҮүҺһІі, «тырнақша» — сызықша…",
    "Политическая модернизация (1991–2021 гг.) изменила общество.",
    "ﬁ ǅ Ⅻ ｱｲｳ ２０２４ ℃ ½ e\u0301 a\u0308 \u200b\u00a0",
    "😀🤖 中文字符 𓀀 \x00\x01 ‼️",
    "x" * 3000,
    "a<s>b <mask> and </s>",  # special tokens' text: left to the fast tokenizer
]


def test_the_bundled_models_piece_tokenizer_gives_the_fast_tokenizers_ids(embedder, thesis_passages):
    """Same ids on the thesis's Kazakh passages and sentences, Russian, and odd characters:
    the vectors cannot differ by their tokens (the fast tokenizer holds ~300 MB)."""
    texts = [p.text for p in thesis_passages] + [s for p in thesis_passages for s in p.sentence_texts()] + EDGES
    texts = [embedder.passage_prompt + text for text in texts]
    fast = embedder.model.tokenizer(texts, truncation=True, max_length=embedder.model.max_seq_length)["input_ids"]
    assert embedder.passage_encoder.tokenize(texts) == [list(row) for row in fast]


def test_word_embedding_rows_read_from_the_file_are_the_models_own(embedder):
    import torch

    rows = embedder.passage_encoder._bert.rows
    ids = torch.tensor([[0, 5, 250001, 5], [17, 3, 2, 1]])
    expected = embedder.model[0].auto_model.embeddings.word_embeddings(ids)
    assert torch.equal(rows(ids), expected)
