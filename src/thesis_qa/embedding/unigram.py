"""The bundled model's token ids, without the 300 MB `tokenizers` Unigram model.

The fast tokenizer of the bundled model's 250k pieces holds ~300 MB resident (its byte trie is
a hash map per node): a third of an indexing worker's memory. `PieceTokenizer` gives the same
ids from a plain dict of the pieces (~35 MB): the text is normalised and split into words by
the tokenizer's own normaliser and pre-tokeniser (from `tokenizer.json`, through `tokenizers`),
and each word is cut by the same best-path search as `tokenizers`' Unigram (`encode_optimized`:
starts in order, a later start wins only with a strictly higher score, an unknown character
scored at the lowest piece's score minus 10, runs of unknown characters fused into one). A text
holding a special token's text (`<s>`, `<mask>`, …), which the fast tokenizer would cut out
before normalising, is handed to the fast tokenizer itself, loaded for it then. Identical ids
on Kazakh, Russian and English text: tests/test_embedder.py.
"""

from __future__ import annotations

import functools
import json
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

_UNK_PENALTY = 10.0
_SEPARATOR = "\x00"
_WORD_CACHE = 1 << 16  # words remembered with their pieces (a sentence repeats its passage's)

FastTokenizer = Callable[[list[str]], list[list[int]]]


class PieceTokenizer:
    """Token ids of texts (with <s> and </s>, at most `max_length`), as the model's fast
    tokenizer gives them with truncation."""

    def __init__(self, folder: Path, max_length: int, fast: Callable[[], FastTokenizer]) -> None:
        from tokenizers import Tokenizer

        spec, joined, self._scores = _read(folder / "tokenizer.json")
        self._pieces = {piece: i for i, piece in enumerate(joined.split(_SEPARATOR))}
        self._unk = int(spec["model"]["unk_id"])
        self._unk_score = min(self._scores) - _UNK_PENALTY
        self._longest = max(map(len, self._pieces))
        self._specials = [token["content"] for token in spec["added_tokens"]]
        bos, eos = _template_ends(spec["post_processor"]) or ("", "")  # `_read` made sure they are there
        self._bos, self._eos = self._pieces[bos], self._pieces[eos]
        spec["model"] = {"type": "WordLevel", "vocab": {"<unk>": 0}, "unk_token": "<unk>"}
        light = Tokenizer.from_str(json.dumps(spec))
        self._normalizer, self._pre_tokenizer = light.normalizer, light.pre_tokenizer
        self._max_length = max_length
        self._fast = fast
        self._word = functools.lru_cache(maxsize=_WORD_CACHE)(self._cut)

    @staticmethod
    def fits(spec: dict[str, Any]) -> bool:
        """Whether a `tokenizer.json` is one this class reproduces: a Unigram model without
        byte fallback, cut into words by Metaspace, with `<s> $A </s>` around a text."""
        model, pre = spec.get("model") or {}, spec.get("pre_tokenizer") or {}
        return (
            model.get("type") == "Unigram"
            and not model.get("byte_fallback")
            and model.get("unk_id") is not None
            and pre.get("type") == "Metaspace"
            and pre.get("split", True)
            and _template_ends(spec.get("post_processor") or {}) is not None
        )

    def __call__(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's ids, `<s>` first and `</s>` last, cut to `max_length`."""
        rows: list[list[int] | None] = [None if self._special_in(text) else self._ids(text) for text in texts]
        odd = [i for i, row in enumerate(rows) if row is None]
        if odd:
            for i, row in zip(odd, self._fast()([texts[i] for i in odd]), strict=True):
                rows[i] = row
        return [row for row in rows if row is not None]

    def _special_in(self, text: str) -> bool:
        return any(special in text for special in self._specials)

    def _ids(self, text: str) -> list[int]:
        words = self._pre_tokenizer.pre_tokenize_str(self._normalizer.normalize_str(text))
        ids: list[int] = []
        budget = self._max_length - 2
        for word, _ in words:
            ids.extend(self._word(word))
            if len(ids) >= budget:
                break
        return [self._bos, *ids[:budget], self._eos]

    def _cut(self, word: str) -> tuple[int, ...]:
        """The best-scoring pieces of `word` (tokenizers' `Unigram::encode_optimized`)."""
        size = len(word)
        score = [0.0] * (size + 1)
        start: list[int] = [-1] * (size + 1)
        piece = [0] * (size + 1)
        for at in range(size):
            here, single = score[at], False
            for end in range(at + 1, min(size, at + self._longest) + 1):
                found = self._pieces.get(word[at:end])
                if found is None:
                    continue
                single = single or end == at + 1
                candidate = self._scores[found] + here
                if start[end] < 0 or candidate > score[end]:
                    score[end], start[end], piece[end] = candidate, at, found
            if not single and (start[at + 1] < 0 or self._unk_score + here > score[at + 1]):
                score[at + 1], start[at + 1], piece[at + 1] = self._unk_score + here, at, self._unk
        return tuple(self._backtrack(word, start, piece))

    def _backtrack(self, word: str, start: list[int], piece: list[int]) -> list[int]:
        """The ids along the best path, a run of unknown characters fused into one piece."""
        out: list[int] = []
        end = len(word)
        unknown_end = -1
        while end > 0:
            at = start[end]
            if piece[end] == self._unk:
                unknown_end = end if unknown_end < 0 else unknown_end
            else:
                if unknown_end >= 0:
                    out.append(self._pieces.get(word[end:unknown_end], self._unk))
                    unknown_end = -1
                out.append(piece[end])
            end = at
        if unknown_end >= 0:
            out.append(self._pieces.get(word[:unknown_end], self._unk))
        out.reverse()
        return out


def _read(path: Path) -> tuple[dict[str, Any], str, array[float]]:
    """A `tokenizer.json` without its pieces, the pieces joined by `_SEPARATOR`, their scores.

    The pieces are handed on as one string: split once the parsed JSON is freed, they pack
    where it was (~45 MB) instead of staying scattered among its freed lists (~80 MB)."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    if not PieceTokenizer.fits(spec):
        raise ValueError(f"{path}: not a Unigram tokenizer with Metaspace words and <s> … </s>")
    vocab = spec["model"].pop("vocab")
    if any(_SEPARATOR in piece for piece, _ in vocab):
        raise ValueError(f"{path}: a piece holds {_SEPARATOR!r}")
    return spec, _SEPARATOR.join(piece for piece, _ in vocab), array("d", (score for _, score in vocab))


def _template_ends(processor: dict[str, Any]) -> tuple[str, str] | None:
    """The special tokens a `TemplateProcessing` puts before and after a single text."""
    single = processor.get("single") or []
    if processor.get("type") != "TemplateProcessing" or len(single) != 3:
        return None
    first, middle, last = single
    if "SpecialToken" not in first or "Sequence" not in middle or "SpecialToken" not in last:
        return None
    return first["SpecialToken"]["id"], last["SpecialToken"]["id"]
