"""The bundled model's BERT encoder in plain torch: the token states transformers' `BertModel`
gives (cosine >= 0.99999, tests/test_embedder.py), without importing transformers.

Importing transformers' BERT pulls in sympy, scipy, torch.distributed and torch._dynamo: ~130 MB
resident in an indexing worker that needs none of them. The weights are read from the folder's
`model.safetensors` (fp32, 88 MB) except the 250k x 384 word-embedding matrix, whose rows each
forward pass reads for its own tokens (`rows`). The same operations in the same order as
transformers 5's BERT with its default "sdpa" attention: embeddings (word + token type 0) +
position, LayerNorm; per layer: scaled dot-product attention over the unmasked tokens, output
projection + residual, LayerNorm, exact (erf) GELU feed-forward + residual, LayerNorm.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch
from torch.nn import functional

Rows = Callable[[torch.Tensor], torch.Tensor]
_QUERY_KEY_VALUE = ("attention.self.query", "attention.self.key", "attention.self.value")


class Bert:
    """A BERT encoder (absolute positions, GELU, post-LayerNorm) from a transformers folder."""

    def __init__(self, folder: Path, rows: Rows, skip: str) -> None:
        """`rows` gives the word embeddings of token ids; `skip`, the word matrix's name, is
        not read from the weights."""
        from safetensors import safe_open

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{folder}: not a BERT this encoder runs (GELU, absolute positions)")
        self.heads, self.eps = int(config["num_attention_heads"]), float(config["layer_norm_eps"])
        self.layers = int(config["num_hidden_layers"])
        self.rows = rows
        with safe_open(str(folder / "model.safetensors"), framework="pt") as weights:
            self.w = {name: weights.get_tensor(name) for name in weights.keys() if name != skip}  # noqa: SIM118

    def __call__(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The last layer's token states (batch, tokens, hidden) of `ids` where `mask` is 1."""
        with torch.inference_mode():
            x = self._embed(ids)
            attend = mask.bool()[:, None, None, :]
            for layer in range(self.layers):
                x = self._layer(f"encoder.layer.{layer}.", x, attend)
            return x

    def _embed(self, ids: torch.Tensor) -> torch.Tensor:
        width = ids.shape[1]
        x = self.rows(ids) + self.w["embeddings.token_type_embeddings.weight"][0]
        x = x + self.w["embeddings.position_embeddings.weight"][:width]
        return self._norm("embeddings.LayerNorm", x)

    def _layer(self, prefix: str, x: torch.Tensor, attend: torch.Tensor) -> torch.Tensor:
        q, k, v = (self._heads(self._linear(prefix + part, x)) for part in _QUERY_KEY_VALUE)
        attended = functional.scaled_dot_product_attention(q, k, v, attn_mask=attend)
        attended = attended.transpose(1, 2).reshape(x.shape)
        projected = self._linear(prefix + "attention.output.dense", attended)
        x = self._norm(prefix + "attention.output.LayerNorm", projected + x)
        inner = functional.gelu(self._linear(prefix + "intermediate.dense", x))
        return self._norm(prefix + "output.LayerNorm", self._linear(prefix + "output.dense", inner) + x)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, width, hidden = x.shape
        return x.view(batch, width, self.heads, hidden // self.heads).transpose(1, 2)

    def _linear(self, name: str, x: torch.Tensor) -> torch.Tensor:
        return functional.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _norm(self, name: str, x: torch.Tensor) -> torch.Tensor:
        return functional.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], self.eps)
