"""Choose how the answer is marked (`highlight.WEIGHTS`, `DENSE_SCALE`, `CLOSE_MARGIN`) by
cross-validation.

    nice -n 10 .venv/bin/python eval/highlight_cv.py [--eval eval/data] [--docs eval/realdev/docs]
        [--cache DIR] [--folds 5]

Every answerable question of the thesis dev sets (thesis.dev, thesis.dev2, followup.dev with
its conversation) and of the real documents of `realdev.questions.jsonl` whose index is built
in `--cache` (`evaluate.document_index`, as `eval/realdev.py` builds them; none is built here),
each asked of its document alone, is searched once; for its first correct
passage among the top 10 the marking is replayed for each point of a grid. A mark is right
when it holds an anchor whole (`evaluate.highlight_hit`). Reported: on the correct passage
(the marking's own quality) and on the top hit (what `thesis-qa eval` counts: 0 when the top
hit is wrong), in-sample and cross-validated (thesis questions sharing an answer share a fold,
a real document's questions share one: folds by document).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from thesis_qa import Hit, Settings, Workspace
from thesis_qa.embedding.embedder import Embedder
from thesis_qa.retrieval import highlight
from thesis_qa.retrieval.question import Question
from thesis_qa.retrieval.search import Searcher
from thesis_qa.service.evaluate import DEPTH, GoldQuery, document_index, highlight_hit, is_relevant, read_gold
from thesis_qa.text.keys import Term, terms

HERE = Path(__file__).resolve().parent
THESIS_SETS = ("thesis.dev.jsonl", "thesis.dev2.jsonl", "followup.dev.jsonl")
# The grid: each weight of `highlight.WEIGHTS` (coverage, pairs, kind, place, continued), the margin.
LEVELS = ((0.25, 0.5, 1.0), (0.0, 0.5, 1.0), (0.0, 0.5, 1.0), (0.0, 1.0, 2.0), (0.0, 0.5, 1.0))
SCALES = (0.03, 0.05, 0.08, 0.12)
MARGINS = (0.0, 0.05)


@dataclass
class Case:
    family: str  # "thesis" or "realdev"
    query: GoldQuery
    question: Question
    hit: Hit  # the first correct hit
    found: list[Term]
    dense: np.ndarray
    top_is_gold: bool
    fold: int = 0

    def right(self) -> bool:
        passage = self.hit.passage
        marks = highlight.mark_answer(self.question, passage.text, passage.sentences, self.found, self.dense)
        return bool(highlight_hit(self.query, Hit(self.hit.passage, 0.0, marks)))


def gather(searcher: Searcher, family: str, query: GoldQuery, doc: str | None) -> Case | None:
    candidates = searcher.candidates(query.question, doc, query.history)
    hits = searcher.rank(candidates, DEPTH)
    gold = next((h for h in hits if is_relevant(query, h.passage)), None)
    if gold is None:
        return None
    row = searcher.index.passages.positions[gold.passage.id]
    found = terms(gold.passage.text, searcher.index.passages.language(row))
    dense = searcher._sentence_scores(row, candidates.vector)
    return Case(family, query, candidates.question, gold, found, dense, hits[0] is gold)


def real_cases(gold: Path, docs: Path, cache: Path, embedder: Embedder) -> list[Case | None]:
    """The real documents' questions whose document is indexed in `cache`."""
    out: list[Case | None] = []
    named = {json.loads(line)["id"]: json.loads(line)["doc"] for line in gold.open() if line.strip()}
    for doc in sorted(set(named.values())):
        if not (docs / doc).is_file() or not any(cache.glob(f"{Path(doc).stem}-*/CURRENT")):
            print(f"{doc}: not indexed in {cache}, left out")
            continue
        searcher = Searcher(document_index(docs / doc, cache, embedder), embedder)
        out += [gather(searcher, "realdev", q, None) for q in read_gold(gold) if q.answerable and named[q.id] == doc]
    return out


def fold_of(case: Case, folds: int) -> int:
    """Thesis questions sharing an answer share a fold; a real document's share one (its work's:
    "ru-leti-05" and "ru-leti-pdf-05" are one work)."""
    key = "-".join(case.query.id.split("-")[:2]) if case.family == "realdev" else case.query.anchors[0]
    return int(hashlib.sha256(" ".join(key.split()).encode()).hexdigest(), 16) % folds


def grid() -> list[tuple[tuple[float, ...], float, float]]:
    return [(weights, d, m) for weights in itertools.product(*LEVELS) for d in SCALES for m in MARGINS]


def outcomes(cases: list[Case], points: list) -> np.ndarray:
    """points x cases: whether the marks hold an anchor."""
    table = np.zeros((len(points), len(cases)), dtype=bool)
    saved = highlight.WEIGHTS, highlight.DENSE_SCALE, highlight.CLOSE_MARGIN
    try:
        for p, point in enumerate(points):
            highlight.WEIGHTS, highlight.DENSE_SCALE, highlight.CLOSE_MARGIN = point
            table[p] = [c.right() for c in cases]
    finally:
        highlight.WEIGHTS, highlight.DENSE_SCALE, highlight.CLOSE_MARGIN = saved
    return table


def objective(table: np.ndarray, cases: list[Case], chosen: np.ndarray) -> np.ndarray:
    """Per point, the mean over families of the share right on the correct passage."""
    masks = [chosen & np.array([c.family == f for c in cases]) for f in sorted({c.family for c in cases})]
    return np.mean([table[:, mask].mean(axis=1) for mask in masks if mask.any()], axis=0)


def best_point(table: np.ndarray, cases: list[Case], chosen: np.ndarray, points: list) -> int:
    """The best point; among ties, the one nearest their centre."""
    values = objective(table, cases, chosen)
    tied = [p for p in range(len(points)) if values[p] >= values.max() - 1e-9]
    vectors = np.array([[*points[p][0], *points[p][1:]] for p in tied])
    return tied[int(np.argmin(((vectors - vectors.mean(axis=0)) ** 2).sum(axis=1)))]


def report(name: str, right: np.ndarray, cases: list[Case]) -> str:
    parts = []
    for family in sorted({c.family for c in cases}):
        idx = [i for i, c in enumerate(cases) if c.family == family]
        gold = right[idx].mean()
        top = np.mean([right[i] and cases[i].top_is_gold for i in idx])
        parts.append(f"{family}: correct passage {gold:.3f}, top hit {top:.3f} (n={len(idx)})")
    return f"{name}: " + "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--eval", type=Path, default=HERE / "data")
    parser.add_argument("--docs", type=Path, default=HERE / "realdev" / "docs")
    parser.add_argument("--cache", type=Path, help="where the real documents' indexes are built")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    cases: list[Case] = []
    searcher = Workspace(Settings.from_env()).searcher
    for name in THESIS_SETS:
        cases += [gather(searcher, "thesis", q, None) for q in read_gold(args.eval / name) if q.answerable]
    if args.cache:
        cases += real_cases(args.eval / "realdev.questions.jsonl", args.docs, args.cache, searcher.embedder)
    found = [c for c in cases if c is not None]
    print(f"{len(found)} questions with a correct passage in the top {DEPTH} of {len(cases)}")
    for c in found:
        c.fold = fold_of(c, args.folds)
    points = grid()
    shipped = points.index((tuple(highlight.WEIGHTS), highlight.DENSE_SCALE, highlight.CLOSE_MARGIN))
    table = outcomes(found, points)
    everything = np.ones(len(found), dtype=bool)
    print(report(f"shipped {points[shipped]}", table[shipped], found))
    best = best_point(table, found, everything, points)
    print(report(f"in-sample best {points[best]}", table[best], found))
    folds = np.array([c.fold for c in found])
    cv = np.zeros(len(found), dtype=bool)
    for f in range(args.folds):
        chosen = best_point(table, found, folds != f, points)
        print(f"fold {f}: {points[chosen]}")
        cv[folds == f] = table[chosen, folds == f]
    print(report("cross-validated", cv, found))


if __name__ == "__main__":
    main()
