"""Choose when a follow-up takes its context (`followup.WEAK_SUPPORT`, `BETTER_BY`) by
cross-validation.

    nice -n 10 .venv/bin/python eval/followup_gate.py [--eval eval/data] [--folds 5]

Three kinds of conversation on the bundled thesis, each question searched alone and in its
context (the gate forced open), so any gate can be replayed without searching again:
- `followup.dev`: follow-ups with the conversation they need;
- `after unrelated`: every thesis.dev and thesis.dev2 question asked after an unrelated one
  (another fact's question): the right answer is its own, unchanged;
- `opener after unrelated`: the same with an opener put before it ("Ал", "А", "And"): a new
  topic in a follow-up's form, which must not inherit the earlier answer.
The grid's thresholds are fitted on four folds (questions sharing an answer share a fold, as
in `fit.py`) and scored on the fifth; reported in-sample and cross-validated, R@1 per kind
(kinds weigh alike when fitting) and how many questions without a follow-up form changed.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import thesis_qa.retrieval.search as search_module
from thesis_qa import Settings, Workspace
from thesis_qa.retrieval.followup import BETTER_BY, WEAK_SUPPORT, Form, form_of
from thesis_qa.retrieval.search import Searcher
from thesis_qa.service.evaluate import GoldQuery, is_relevant, read_gold

HERE = Path(__file__).resolve().parent
OPENERS = {"kk": "Ал", "ru": "А", "en": "And"}
GRID = [round(t, 2) for t in np.arange(0.0, 1.01, 0.05)]
MARGINS = (0.0, 0.05, 0.1, 0.2)


@dataclass
class Case:
    kind: str
    query: GoldQuery
    question: str
    history: tuple[str, ...]
    form: Form
    alone: tuple[str, float, bool]  # top passage id, its score, whether it answers
    contextual: tuple[str, float, bool] | None  # the same in context (None: no context to take)
    fold: int = 0

    def outcome(self, weak: dict[Form, float], margin: float) -> tuple[str, float, bool]:
        if self.contextual is None:
            return self.alone
        takes = self.alone[1] < weak[self.form] and self.contextual[1] > self.alone[1] + margin
        return self.contextual if takes else self.alone


def top(searcher: Searcher, query: GoldQuery, question: str, history: tuple[str, ...]) -> tuple[str, float, bool]:
    hit = searcher.search(question, k=1, history=history)[0]
    return hit.passage.id, hit.score, is_relevant(query, hit.passage)


def case(searcher: Searcher, kind: str, query: GoldQuery, question: str, history: tuple[str, ...]) -> Case:
    form = form_of(question)
    alone = top(searcher, query, question, ())
    if form == Form.ALONE:
        return Case(kind, query, question, history, form, alone, None)
    search_module.takes_context = lambda *_: True  # the gate forced open
    try:
        contextual = top(searcher, query, question, history)
    finally:
        search_module.takes_context = _takes_context
    return Case(kind, query, question, history, form, alone, contextual)


_takes_context = search_module.takes_context


def cases(searcher: Searcher, folder: Path) -> list[Case]:
    out = [case(searcher, "followup.dev", q, q.question, q.history) for q in read_gold(folder / "followup.dev.jsonl")]
    thesis = read_gold(folder / "thesis.dev.jsonl") + read_gold(folder / "thesis.dev2.jsonl")
    for i, query in enumerate(thesis):
        unrelated = next(o for o in thesis[i + 17 :] + thesis[: i + 17] if o.anchors[0] != query.anchors[0])
        history = (unrelated.question,)
        out.append(case(searcher, "after unrelated", query, query.question, history))
        opened = f"{OPENERS[query.lang]} {query.question[:1].lower()}{query.question[1:]}"
        out.append(case(searcher, "opener after unrelated", query, opened, history))
    return out


def fold_of(query: GoldQuery, folds: int) -> int:
    key = query.anchors[0] if query.anchors else query.id
    return int(hashlib.sha256(" ".join(key.split()).encode()).hexdigest(), 16) % folds


def scores(chosen: list[Case], weak: dict[Form, float], margin: float) -> dict[str, float]:
    kinds = sorted({c.kind for c in chosen})
    out = {k: float(np.mean([c.outcome(weak, margin)[2] for c in chosen if c.kind == k])) for k in kinds}
    out["changed"] = sum(c.outcome(weak, margin)[:2] != c.alone[:2] for c in chosen if c.kind == "after unrelated")
    return out


def objective(chosen: list[Case], weak: dict[Form, float], margin: float) -> float:
    s = scores(chosen, weak, margin)
    return float(np.mean([v for k, v in s.items() if k != "changed"]))


def best(chosen: list[Case]) -> tuple[dict[Form, float], float]:
    """The grid point of highest objective; among ties, the one nearest their centre."""
    points = [(w, s, m) for w, s, m in itertools.product(GRID, GRID, MARGINS)]
    values = np.array([objective(chosen, {Form.ALONE: 0.0, Form.MAY_LEAN: w, Form.LEANS: s}, m) for w, s, m in points])
    tied = np.array([p for p, v in zip(points, values, strict=True) if v >= values.max() - 1e-9])
    centre = tied.mean(axis=0)
    w, s, m = tied[np.argmin(((tied - centre) ** 2).sum(axis=1))]
    return {Form.ALONE: 0.0, Form.MAY_LEAN: float(w), Form.LEANS: float(s)}, float(m)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--eval", type=Path, default=HERE / "data")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    searcher = Workspace(Settings.from_env()).searcher
    found = cases(searcher, args.eval)
    for c in found:
        c.fold = fold_of(c.query, args.folds)
    shipped = scores(found, WEAK_SUPPORT, BETTER_BY)
    print(f"shipped {dict((f.name, v) for f, v in WEAK_SUPPORT.items())} by {BETTER_BY}: {shipped}")
    weak, margin = best(found)
    print(f"in-sample best {dict((f.name, v) for f, v in weak.items())} by {margin}: {scores(found, weak, margin)}")
    never = {Form.ALONE: 0.0, Form.MAY_LEAN: 0.0, Form.LEANS: 0.0}
    always = {Form.ALONE: 0.0, Form.MAY_LEAN: 2.0, Form.LEANS: 2.0}
    print(f"never context: {scores(found, never, 0.0)}")
    print(f"always context (form only): {scores(found, always, -2.0)}")
    outcomes = []
    for f in range(args.folds):
        weak, margin = best([c for c in found if c.fold != f])
        print(f"fold {f}: {dict((k.name, v) for k, v in weak.items())} by {margin}")
        outcomes += [(c, c.outcome(weak, margin)) for c in found if c.fold == f]
    kinds = sorted({c.kind for c in found})
    cv = {k: float(np.mean([o[2] for c, o in outcomes if c.kind == k])) for k in kinds}
    cv["changed"] = sum(o[:2] != c.alone[:2] for c, o in outcomes if c.kind == "after unrelated")
    print(f"cross-validated: {cv}")


if __name__ == "__main__":
    main()
