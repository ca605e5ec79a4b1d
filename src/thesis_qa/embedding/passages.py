"""What embeds passages: token ids, then the transformer's token states (`Embedder` pools them).

For the bundled model, `load_bundled_passages` keeps an indexing worker small without changing a
vector: its BERT in plain torch (`bert.Bert`: transformers' import alone holds ~130 MB, and
sentence-transformers' fast tokenizer of 250k pieces ~300 MB), token ids from
`unigram.PieceTokenizer` (the same ids, ~45 MB), and
the 250k x 384 word-embedding matrix (384 MB of the weights file's 470) never mapped: each
forward pass reads the rows of its own tokens from the file (`FileRows`, the same fp32 values),
where a memory-mapped matrix became resident page by page, with its neighbours, as texts
touched it. Any other model goes through its sentence-transformers model (`StPassages`).
"""

from __future__ import annotations

import functools
import json
import os
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import torch

from thesis_qa.embedding.bert import Bert
from thesis_qa.embedding.unigram import FastTokenizer, PieceTokenizer

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_WORD_MATRIX = "embeddings.word_embeddings.weight"
_F32 = np.dtype("<f4")


class PassageEncoder(Protocol):
    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids, special tokens included, cut to the model's length."""
        ...

    def token_states(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The last layer's state of each token (batch, tokens, dimension)."""
        ...


class StPassages:
    """A sentence-transformers model's own tokenizer and transformer."""

    def __init__(self, model: SentenceTransformer) -> None:
        self._model = model

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        ids = self._model.tokenizer(texts, truncation=True, max_length=self._model.max_seq_length)["input_ids"]
        return [list(row) for row in ids]

    def token_states(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        states: torch.Tensor = self._model[0]({"input_ids": ids, "attention_mask": mask})["token_embeddings"]
        return states


class BundledPassages:
    """The bundled BERT with its word embeddings read from the file, and the piece tokenizer."""

    def __init__(self, bert: Bert, tokenizer: PieceTokenizer) -> None:
        self._bert = bert
        self._tokenizer = tokenizer

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return self._tokenizer(texts)

    def token_states(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self._bert(ids, mask)


class FileRows(torch.nn.Module):
    """An embedding matrix left in its safetensors file: `forward` reads the rows its ids name."""

    def __init__(self, weights: Path, name: str) -> None:
        super().__init__()
        offset, rows, width = _tensor_place(weights, name)
        self._file = weights.open("rb")
        self._offset, self.rows, self._row_bytes = offset, rows, width * _F32.itemsize

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        wanted, where = torch.unique(ids, return_inverse=True)
        if len(wanted) and (int(wanted[0]) < 0 or int(wanted[-1]) >= self.rows):
            raise IndexError(f"token id out of range 0..{self.rows - 1}")
        table = np.frombuffer(b"".join(self._row(int(token)) for token in wanted), dtype=_F32)
        return torch.from_numpy(table.reshape(len(wanted), -1).copy())[where]

    def _row(self, token: int) -> bytes:
        row = os.pread(self._file.fileno(), self._row_bytes, self._offset + token * self._row_bytes)
        if len(row) != self._row_bytes:
            raise OSError(f"{self._file.name}: short read of row {token}")
        return row


def load_bundled_passages(folder: Path, max_length: int) -> BundledPassages:
    """The bundled model's passage encoder (its folder as `bundled.ensure_bundled_model` wrote it)."""
    tokenizer = PieceTokenizer(folder, max_length, functools.partial(_fast_tokenizer, folder, max_length))
    bert = Bert(folder, FileRows(folder / "model.safetensors", _WORD_MATRIX), skip=_WORD_MATRIX)
    return BundledPassages(bert, tokenizer)


@functools.cache
def _fast_tokenizer(folder: Path, max_length: int) -> FastTokenizer:
    """The model's fast tokenizer, for the rare text `PieceTokenizer` leaves to it."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))

    def ids(texts: list[str]) -> list[list[int]]:
        return [list(row) for row in tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]

    return ids


def _tensor_place(weights: Path, name: str) -> tuple[int, int, int]:
    """Where tensor `name` (2-D, fp32) starts in a safetensors file, its rows and width."""
    with weights.open("rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(size))
    entry = header[name]
    rows, width = entry["shape"]
    if entry["dtype"] != "F32":
        raise ValueError(f"{weights}: {name} is {entry['dtype']}, not F32")
    return 8 + size + int(entry["data_offsets"][0]), int(rows), int(width)
