"""Retrieval quality on gold sets, in the two formats of shared/eval/README.md.

- anchor-gold: `{"id", "lang", "question", "anchors"}`; a passage is correct when it contains an
  anchor (whitespace collapsed on both sides); only the first correct passage counts.
- id-gold: `{"id", "lang", "question", "gold": [ids]}` against a pool of passages.

`R@k` is the share of questions with a correct passage in the top k (DPR-style top-k
accuracy); nDCG@10 uses every gold passage. `highlight` is the share of questions whose top
hit's highlighted sentences contain an anchor (or, for id-gold sets that list `answers`, whose
top hit is gold and highlights an answer).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from thesis_qa.errors import LoadError
from thesis_qa.search import Hit

CUTOFFS = (1, 3, 5, 10)
DEPTH = 10


@dataclass(frozen=True)
class GoldQuery:
    id: str
    lang: str
    question: str
    anchors: tuple[str, ...] = ()
    gold: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()


@dataclass
class Scores:
    """Sums over questions; `row()` turns them into means."""

    n: int = 0
    recall: dict[int, float] = field(default_factory=lambda: dict.fromkeys(CUTOFFS, 0.0))
    mrr: float = 0.0
    ndcg: float = 0.0
    highlight: float = 0.0
    highlight_n: int = 0

    def row(self) -> dict[str, float | int | None]:
        n = max(self.n, 1)
        out: dict[str, float | int | None] = {"n": self.n}
        out.update({f"R@{k}": self.recall[k] / n for k in CUTOFFS})
        out["MRR@10"] = self.mrr / n
        out["nDCG@10"] = self.ndcg / n
        out["highlight"] = self.highlight / self.highlight_n if self.highlight_n else None
        return out


def read_gold(path: Path) -> list[GoldQuery]:
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            queries.append(
                GoldQuery(
                    id=str(record["id"]),
                    lang=str(record.get("lang", "?")),
                    question=str(record["question"]),
                    anchors=tuple(record.get("anchors") or ()),
                    gold=tuple(str(g) for g in record.get("gold") or ()),
                    answers=tuple(str(a) for a in record.get("answers") or ()),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LoadError(f"{path.name} line {number}: not a gold record ({exc})", code="load_broken") from exc
    return queries


def evaluate(queries: Sequence[GoldQuery], search: Callable[[str], list[Hit]]) -> dict[str, dict]:
    """Per-language and overall rows of metrics; `search` returns at least DEPTH hits."""
    totals: dict[str, Scores] = defaultdict(Scores)
    for query in queries:
        hits = search(query.question)[:DEPTH]
        ranks = [r for r, hit in enumerate(hits, start=1) if _relevant(query, hit)]
        if query.anchors:
            ranks = ranks[:1]  # repeats of an anchor (overlaps, duplicates) do not count twice
        highlight = _highlight_hit(query, hits[0]) if hits else False
        for scores in (totals[query.lang], totals["all"]):
            _add(scores, query, ranks, highlight)
    return {lang: totals[lang].row() for lang in sorted(totals, key=lambda k: (k == "all", k))}


def _add(scores: Scores, query: GoldQuery, ranks: list[int], highlight: bool | None) -> None:
    scores.n += 1
    relevant = max(1, len(query.gold)) if query.gold else 1
    for k in CUTOFFS:
        scores.recall[k] += any(r <= k for r in ranks)
    scores.mrr += 1 / ranks[0] if ranks else 0.0
    ideal = sum(1 / math.log2(i + 2) for i in range(min(relevant, DEPTH)))
    scores.ndcg += sum(1 / math.log2(r + 1) for r in ranks) / ideal
    if highlight is not None:
        scores.highlight_n += 1
        scores.highlight += highlight


def _normal(text: str) -> str:
    return " ".join(text.split())


def _relevant(query: GoldQuery, hit: Hit) -> bool:
    if query.anchors:
        text = _normal(hit.passage.text)
        return any(_normal(anchor) in text for anchor in query.anchors)
    return hit.passage.id in query.gold


def _highlight_hit(query: GoldQuery, hit: Hit) -> bool | None:
    marked = _normal(" ".join(hit.passage.text[a:b] for a, b in hit.highlights))
    if query.anchors:
        return any(_normal(anchor) in marked for anchor in query.anchors)
    if query.answers:
        return _relevant(query, hit) and any(_normal(a).lower() in marked.lower() for a in query.answers)
    return None


def format_table(title: str, rows: dict[str, dict]) -> str:
    columns = ["n", *(f"R@{k}" for k in CUTOFFS), "MRR@10", "nDCG@10", "highlight"]
    lines = [title, f"{'lang':<6}" + "".join(f"{c:>10}" for c in columns)]
    for lang, row in rows.items():
        cells = [f"{row[c]:>10}" if c == "n" else _cell(row[c]) for c in columns]
        lines.append(f"{lang:<6}" + "".join(cells))
    return "\n".join(lines)


def _cell(value: object) -> str:
    return f"{value:>10.3f}" if isinstance(value, float) else f"{'-':>10}"
