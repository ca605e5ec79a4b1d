"""Choose how the answer is marked (`highlight.WEIGHTS`, `DENSE_SCALE`, `CLOSE_MARGIN`,
`CLAUSE_WEIGHTS`) by cross-validation, and measure it.

    nice -n 10 .venv/bin/python eval/highlight_cv.py [--eval eval/data] [--docs eval/realdev/docs]
        [--cache DIR] [--folds 5] [--write]

Every answerable question of the thesis dev sets (thesis.dev, thesis.dev2, followup.dev with
its conversation) and of the real documents of `realdev.questions.jsonl` whose index is built
in `--cache` (`evaluate.document_index`, as `eval/realdev.py` builds them; none is built here),
each asked of its document alone, is searched once; for its first correct passage among the
top 10 the marking is replayed for each point of a grid. A mark is right when what the card
shows (`highlight.answer_marks` of the marks, bounded to 300 characters) holds an anchor
whole (`evaluate.highlight_hit`). Reported per set: on the correct passage (the marking's own
quality, over the questions with one in the top 10) and on the top card (over every
answerable question: 0 when the top hit is not a correct passage, so retrieval's R@1 bounds
it), each for all the marks and for the first marked span alone, in-sample and
cross-validated: the thesis questions in `--folds` folds (questions sharing an answer share
one), the real documents one work at a time (leave one document out: "ru-leti" and
"ru-leti-pdf" are one work). Each fold's point is the best on the other folds (the mean over
the two families of the share right on the correct passage; among ties, the one nearest their
centre). `--write` saves `eval/results/highlight.json`.
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
from thesis_qa.text.keys import Term, matching_spans, terms

HERE = Path(__file__).resolve().parent
THESIS_SETS = ("thesis.dev.jsonl", "thesis.dev2.jsonl", "followup.dev.jsonl")
REAL_SET = "realdev.questions.jsonl"
# The grid: each weight of `highlight.WEIGHTS` (coverage, kind, continued), the dense scale,
# the margin, each weight of `highlight.CLAUSE_WEIGHTS` (asked kind, conversation).
LEVELS = ((1.0, 1.5, 2.0, 3.0), (1.0, 2.0, 3.0), (0.0, 0.5, 1.0))
SCALES = (0.05, 0.08, 0.12)
MARGINS = (0.0, 0.05)
CLAUSE_LEVELS = ((0.5, 1.0, 2.0), (0.0, 0.5, 1.0))

Point = tuple[tuple[float, ...], float, float, tuple[float, ...]]


@dataclass
class Case:
    family: str  # "thesis" or "realdev"
    set: str  # the gold file's name
    query: GoldQuery
    question: Question | None = None
    hit: Hit | None = None  # the first correct hit in the top 10 (None: no correct passage there)
    found: tuple[Term, ...] = ()
    dense: np.ndarray | None = None
    top_is_gold: bool = False
    fold: str = ""

    def right(self, spans: int | None = None) -> bool:
        """Whether what the card shows of the correct passage (its first `spans`) holds an answer."""
        if self.hit is None or self.question is None or self.dense is None:
            return False
        passage = self.hit.passage
        marks = highlight.mark_answer(self.question, passage.text, passage.sentences, self.found, self.dense)
        shown = highlight.answer_marks(passage.text, marks, matching_spans(self.found, self.question.keys))
        return bool(highlight_hit(self.query, Hit(passage, 0.0, shown), spans))


def gather(searcher: Searcher, family: str, name: str, query: GoldQuery, doc: str | None) -> Case:
    case = Case(family, name, query)
    candidates = searcher.candidates(query.question, doc, query.history)
    hits = searcher.rank(candidates, DEPTH)
    gold = next((h for h in hits if is_relevant(query, h.passage)), None)
    if gold is not None:
        row = searcher.index.passages.positions[gold.passage.id]
        case.question, case.hit, case.top_is_gold = candidates.question, gold, hits[0] is gold
        case.found = tuple(terms(gold.passage.text, searcher.index.passages.language(row)))
        case.dense = searcher._sentence_scores(row, candidates.vector)
    return case


def real_cases(gold: Path, docs: Path, cache: Path, embedder: Embedder) -> list[Case]:
    """The real documents' questions whose document is indexed in `cache`."""
    out: list[Case] = []
    queries = [q for q in read_gold(gold) if q.answerable]
    for doc in sorted({q.doc for q in queries if q.doc}):
        if not (docs / doc).is_file() or not any(cache.glob(f"{Path(doc).stem}-*/CURRENT")):
            print(f"{doc}: not indexed in {cache}, left out")
            continue
        searcher = Searcher(document_index(docs / doc, cache, embedder), embedder)
        out += [gather(searcher, "realdev", gold.stem, q, None) for q in queries if q.doc == doc]
    return out


def fold_of(case: Case, folds: int) -> str:
    """A real document's questions share its work's fold ("ru-leti-05" and "ru-leti-pdf-05" are
    one work); thesis questions sharing an answer share one of `folds`."""
    if case.family == "realdev":
        return "work " + case.query.id.split("-")[1]
    key = " ".join(case.query.anchors[0].split()) if case.query.anchors else case.query.id
    return f"thesis {int(hashlib.sha256(key.encode()).hexdigest(), 16) % folds}"


def grid() -> list[Point]:
    return [
        (weights, scale, margin, clause)
        for weights in itertools.product(*LEVELS)
        for scale in SCALES
        for margin in MARGINS
        for clause in itertools.product(*CLAUSE_LEVELS)
    ]


def shipped() -> Point:
    return (tuple(highlight.WEIGHTS), highlight.DENSE_SCALE, highlight.CLOSE_MARGIN, tuple(highlight.CLAUSE_WEIGHTS))


def outcomes(cases: list[Case], points: list[Point], spans: int | None = None) -> np.ndarray:
    """points x cases: whether the marks shown on the correct passage hold an anchor."""
    table = np.zeros((len(points), len(cases)), dtype=bool)
    saved = shipped()
    try:
        for p, point in enumerate(points):
            _use(point)
            table[p] = [c.right(spans) for c in cases]
    finally:
        _use(saved)
    return table


def _use(point: Point) -> None:
    highlight.WEIGHTS, highlight.DENSE_SCALE, highlight.CLOSE_MARGIN, highlight.CLAUSE_WEIGHTS = point


def objective(table: np.ndarray, cases: list[Case], chosen: np.ndarray) -> np.ndarray:
    """Per point, the mean over families of the share right on the correct passage."""
    masks = [chosen & np.array([c.family == f and c.hit is not None for c in cases]) for f in ("thesis", "realdev")]
    return np.mean([table[:, mask].mean(axis=1) for mask in masks if mask.any()], axis=0)


def best_point(table: np.ndarray, cases: list[Case], chosen: np.ndarray, points: list[Point]) -> int:
    """The best point; among ties, the one nearest their centre."""
    values = objective(table, cases, chosen)
    tied = [p for p in range(len(points)) if values[p] >= values.max() - 1e-9]
    vectors = np.array([[*points[p][0], points[p][1], points[p][2], *points[p][3]] for p in tied])
    return tied[int(np.argmin(((vectors - vectors.mean(axis=0)) ** 2).sum(axis=1)))]


def figures(right: np.ndarray, first: np.ndarray, cases: list[Case]) -> dict[str, dict[str, float | int]]:
    """Per set and family: the share right on the correct passage and on the top card."""
    groups = {name: [i for i, c in enumerate(cases) if c.set == name] for name in dict.fromkeys(c.set for c in cases)}
    groups |= {family: [i for i, c in enumerate(cases) if c.family == family] for family in ("thesis", "realdev")}
    out = {}
    for name, members in groups.items():
        found = [i for i in members if cases[i].hit is not None]
        if not found:
            continue
        top = np.array([cases[i].top_is_gold for i in members])
        out[name] = {
            "n": len(members),
            "with_correct_passage": len(found),
            "correct_passage": round(float(right[found].mean()), 3),
            "correct_passage_first_span": round(float(first[found].mean()), 3),
            "top_card": round(float((right[members] & top).mean()), 3),
            "top_card_first_span": round(float((first[members] & top).mean()), 3),
            "top_is_correct": round(float(np.mean(top)), 3),
        }
    return out


def show(name: str, rows: dict[str, dict[str, float | int]]) -> None:
    print(name)
    for set_name, row in rows.items():
        print(
            f"  {set_name:<24} n={row['n']:<4} correct passage {row['correct_passage']:.3f}"
            f" (first span {row['correct_passage_first_span']:.3f}, n={row['with_correct_passage']})"
            f"  top card {row['top_card']:.3f} (first span {row['top_card_first_span']:.3f};"
            f" R@1 {row['top_is_correct']:.3f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=HERE / "data")
    parser.add_argument("--docs", type=Path, default=HERE / "realdev" / "docs")
    parser.add_argument("--cache", type=Path, help="where the real documents' indexes are built")
    parser.add_argument("--folds", type=int, default=5, help="folds of the thesis questions")
    parser.add_argument("--write", action="store_true", help="write eval/results/highlight.json")
    args = parser.parse_args()
    workspace = Workspace(Settings.from_env())
    searcher = workspace.searcher
    cases = [
        gather(searcher, "thesis", Path(name).stem, q, None)
        for name in THESIS_SETS
        for q in read_gold(args.eval / name)
        if q.answerable
    ]
    if args.cache:
        cases += real_cases(args.eval / REAL_SET, args.docs, args.cache, workspace.embedder)
    found = sum(c.hit is not None for c in cases)
    print(f"{found} of {len(cases)} questions with a correct passage in the top {DEPTH}")
    for c in cases:
        c.fold = fold_of(c, args.folds)
    points = grid()
    here = shipped()
    if here not in points:
        points.append(here)
    table = outcomes(cases, points)
    everything = np.ones(len(cases), dtype=bool)
    best = best_point(table, cases, everything, points)
    folds = np.array([c.fold for c in cases])
    chosen = {fold: best_point(table, cases, folds != fold, points) for fold in sorted(set(folds))}
    shipped_point = points.index(here)
    needed = sorted({shipped_point, best, *chosen.values()})
    first = dict(zip(needed, outcomes(cases, [points[p] for p in needed], spans=1), strict=True))
    cv, cv_first = np.zeros(len(cases), bool), np.zeros(len(cases), bool)
    for fold, point in chosen.items():
        held = folds == fold
        cv[held], cv_first[held] = table[point, held], first[point][held]
    report = {
        "shipped": {"point": here, "sets": figures(table[shipped_point], first[shipped_point], cases)},
        "in_sample_best": {"point": points[best], "sets": figures(table[best], first[best], cases)},
        "cross_validated": {"points": {f: points[p] for f, p in chosen.items()}, "sets": figures(cv, cv_first, cases)},
    }
    show(f"shipped {here}", report["shipped"]["sets"])  # type: ignore[index]
    show(f"in-sample best {points[best]}", report["in_sample_best"]["sets"])  # type: ignore[index]
    for fold, point in chosen.items():
        print(f"  {fold}: {points[point]}")
    show("cross-validated", report["cross_validated"]["sets"])  # type: ignore[index]
    if args.write:
        out = HERE / "results" / "highlight.json"
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
