"""The items the passes of `segment()` hand one another, in reading order: a `Unit` of text
(`sentences.split_units`), or a `Heading`, `TocEntry`, `InBlock` or `Caption` made of units;
and the pass that wraps the units inside a block the loader marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from thesis_qa.document import Block
from thesis_qa.text.sentences import Unit


@dataclass(frozen=True)
class Heading:
    unit: Unit
    level: int  # 0: a subtitle one level below the last numbered or chapter heading
    title: str


@dataclass(frozen=True)
class TocEntry:
    start: int
    end: int


@dataclass(frozen=True)
class InBlock:
    """A unit inside a block the loader marked (footnote, table, contents, bibliography)."""

    unit: Unit
    block: Block


@dataclass(frozen=True)
class Caption:
    """A figure's or table's caption: its label and title, one passage even over two lines."""

    units: tuple[Unit, ...]


Item = Heading | TocEntry | InBlock | Caption | Unit


def in_blocks(items: list[Unit | Heading], blocks: tuple[Block, ...]) -> list[Unit | Heading | InBlock]:
    """Units starting inside a marked block are wrapped with it (blocks never overlap)."""
    ordered = sorted(blocks, key=lambda b: b.start)
    out: list[Unit | Heading | InBlock] = []
    current = 0
    for item in items:
        while current < len(ordered) and ordered[current].end <= start_of(item):
            current += 1
        block = ordered[current] if current < len(ordered) else None
        inside = isinstance(item, Unit) and block is not None and block.start <= item.start
        out.append(InBlock(item, block) if inside else item)  # type: ignore[arg-type]
    return out


def start_of(item: Item) -> int:
    """Where `item` begins in the text."""
    if isinstance(item, Caption):
        return item.units[0].start
    return item.unit.start if isinstance(item, Heading | InBlock) else item.start


def end_of(item: Item) -> int:
    """Where `item` ends in the text."""
    if isinstance(item, Caption):
        return item.units[-1].end
    return item.unit.end if isinstance(item, Heading | InBlock) else item.end


def span(text: str, unit: Unit) -> str:
    return text[unit.start : unit.end]


def word_count(text: str, unit: Unit) -> int:
    return len(span(text, unit).split())
