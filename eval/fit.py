"""Fit the ranking models on the dev sets, with cross-validated figures.

    .venv/bin/python eval/fit.py [--eval ../shared/eval] [--folds 5] [--write]

Every dev set is searched once with the library's own `Searcher` (candidates and their
evidence are cached in `eval/.cache/`); then, for each of `--folds` folds, the ranker and the
answer judge are fitted on the other folds of *all* sets and applied to this one. Questions
that share an answer (the thesis sets ask one fact in Kazakh, Russian and English) fall in
the same fold, so a fold never tests a fact it was fitted on. Also reported: fitted on
thesis.dev (+ the external sets) and tested on thesis.dev2, and the other way round.

`--write` fits on everything and writes `src/thesis_qa/data/models.json`; the
cross-validated report goes to `eval/results/cv.json` (the README table is made from it by
`eval/report.py`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from thesis_qa.config import Settings, bundled_thesis
from thesis_qa.retrieval.answer import Answer, judge
from thesis_qa.retrieval.features import PASSAGE_FEATURES, QUESTION_FEATURES, question_features
from thesis_qa.retrieval.ranking import (
    LinearModel,
    Models,
    answer_probabilities,
    candidate_features,
    models_path,
    sigmoid,
    softmax,
)
from thesis_qa.retrieval.search import Candidates, Searcher
from thesis_qa.service.evaluate import DEPTH, GoldQuery, evaluate, is_relevant, read_gold
from thesis_qa.service.workspace import Workspace

HERE = Path(__file__).resolve().parent
RIDGE = 1.0  # L2 penalty on both models (per unit of total question weight)
MAX_THESIS_REFUSED = 0.05  # the bounds on refusing answerable questions
MAX_KAZQAD_REFUSED = 0.10


@dataclass(frozen=True)
class DevSet:
    name: str
    family: str  # sets that weigh together: "thesis", "kazqad", "flores", "xquad"
    gold: str
    pool: str | None = None
    history: bool = True  # False: follow-ups asked without their conversation (reported, not fitted)


DEV_SETS = (
    DevSet("thesis.dev", "thesis", "thesis.dev.jsonl"),
    DevSet("thesis.dev2", "thesis", "thesis.dev2.jsonl"),
    DevSet("followup.dev", "thesis", "followup.dev.jsonl"),
    DevSet("followup.dev (no history)", "report", "followup.dev.jsonl", history=False),
    DevSet("negatives.dev", "negatives", "negatives.dev.jsonl"),
    DevSet("kazqad.dev", "kazqad", "kazqad.dev.queries.jsonl", "kk_pool.passages.jsonl"),
    DevSet("flores_ru2kk.dev", "flores", "flores_ru2kk.dev.queries.jsonl", "kk_pool.passages.jsonl"),
    DevSet("xquad_ru.dev", "xquad", "xquad_ru.dev.queries.jsonl", "xquad_ru.passages.jsonl"),
)


@dataclass
class Example:
    """One dev question with its candidates, where the gold sits among them, and its fold."""

    set: str
    family: str
    query: GoldQuery
    candidates: Candidates
    relevant: np.ndarray  # bool per candidate
    fold: int = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=HERE.parent.parent / "shared" / "eval")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write models.json and eval/results/cv.json")
    parser.add_argument("--refresh", action="store_true", help="search the dev sets again (ignore the cache)")
    parser.add_argument("--only", help="comma-separated dev sets (default: all), for quick experiments")
    args = parser.parse_args()
    sets = [d for d in DEV_SETS if not args.only or d.name in args.only.split(",")]
    searchers = _searchers(args.eval, sets)
    examples = _examples(args.eval, searchers, sets, args.refresh)
    for example in examples:
        example.fold = _fold(example, args.folds)
    examples, reported = [e for e in examples if e.family != "report"], examples
    report = cross_validate(examples, reported, searchers, args.folds)
    report["halves"] = {
        "thesis.dev -> thesis.dev2": _held_out(examples, searchers, train_out="thesis.dev2"),
        "thesis.dev2 -> thesis.dev": _held_out(examples, searchers, train_out="thesis.dev"),
    }
    models = fit(examples)
    report["in_sample"] = _evaluate_sets(reported, searchers, lambda e: models)
    report["models"] = models.to_json()
    _print(report)
    if args.write:
        models_path().write_text(json.dumps(models.to_json(), indent=1) + "\n", encoding="utf-8")
        out = HERE / "results" / "cv.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {models_path()} and {out}")


# --- data ---------------------------------------------------------------------------------


def _searchers(eval_dir: Path, sets: Sequence[DevSet]) -> dict[str, Searcher]:
    """One searcher per index the dev sets use: the bundled thesis and each pool."""
    settings = Settings.from_env()
    out = {"thesis": Workspace(replace(settings, index="thesis"), default_sources=[bundled_thesis()]).searcher}
    for dev in sets:
        if dev.pool and dev.pool not in out:
            pool = eval_dir / dev.pool
            workspace = Workspace(replace(settings, index=f"eval-{pool.stem}"), default_sources=[pool])
            out[dev.pool] = workspace.searcher
    return out


def _searcher_of(dev: DevSet, searchers: dict[str, Searcher]) -> Searcher:
    return searchers[dev.pool or "thesis"]


def _examples(eval_dir: Path, searchers: dict[str, Searcher], sets: Sequence[DevSet], refresh: bool) -> list[Example]:
    examples = []
    for dev in sets:
        cache = HERE / ".cache" / f"{dev.name}.{_code_digest()}.pickle"
        if cache.exists() and not refresh:
            examples += pickle.loads(cache.read_bytes())
            continue
        searcher = _searcher_of(dev, searchers)
        found = []
        for query in read_gold(eval_dir / dev.gold):
            candidates = searcher.candidates(query.question, history=query.history if dev.history else ())
            passages = [searcher.index.passages[i] for i in candidates.rows]
            relevant = np.array([query.answerable and is_relevant(query, p) for p in passages], dtype=bool)
            found.append(Example(dev.name, dev.family, query, candidates, relevant))
        cache.parent.mkdir(exist_ok=True)
        cache.write_bytes(pickle.dumps(found))
        examples += found
        print(f"searched {dev.name}: {len(found)} questions", file=sys.stderr)
    return examples


def _code_digest() -> str:
    """Candidates (their signals) depend on the library's code: a cache is valid for one
    version of it. Features and models are computed from signals at fit time."""
    src = Path(__file__).resolve().parents[1] / "src" / "thesis_qa"
    digest = hashlib.sha256()
    for path in sorted(src.glob("*.py")):
        if path.name not in ("features.py", "ranking.py", "answer.py", "evaluate.py", "cli.py", "highlight.py"):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _fold(example: Example, folds: int) -> int:
    """Questions sharing an answer share a fold (thesis sets: the first anchor)."""
    key = example.query.anchors[0] if example.query.anchors else example.query.id
    return int(hashlib.sha256(" ".join(key.split()).encode()).hexdigest(), 16) % folds


# --- fitting ------------------------------------------------------------------------------


def _weights(examples: Sequence[Example]) -> np.ndarray:
    """Each family weighs the same in total, whatever its size."""
    families: dict[str, int] = {}
    for e in examples:
        families[e.family] = families.get(e.family, 0) + 1
    return np.array([1.0 / families[e.family] for e in examples])


def fit_ranker(examples: Sequence[Example]) -> LinearModel:
    """Listwise: maximise each question's probability mass on its gold candidates. In two
    steps: a follow-up's features hold what its earlier question's ranking found, so that
    ranking comes from a first fit (where nothing is carried over yet)."""
    usable = [e for e in examples if e.relevant.any()]
    first = _fit_listwise(usable, [_features(e, None) for e in usable])
    return _fit_listwise(usable, [_features(e, first) for e in usable])


def _features(example: Example, ranker: LinearModel | None) -> np.ndarray:
    return candidate_features(example.candidates.question, example.candidates.signals, ranker).astype(np.float64)


def _fit_listwise(usable: Sequence[Example], raw: list[np.ndarray]) -> LinearModel:
    scale = _spread(np.concatenate(raw))
    rows = [x / scale for x in raw]
    weights = _weights(usable)
    ridge = RIDGE * weights.sum() / 100

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = ridge * w @ w / 2, ridge * w
        for x, e, q in zip(rows, usable, weights, strict=True):
            p = softmax(x @ w)
            mass = p[e.relevant].sum()
            target = np.where(e.relevant, p / max(mass, 1e-300), 0.0)
            total -= q * np.log(max(mass, 1e-300))
            grad = grad + q * x.T @ (p - target)
        return total, grad

    result = minimize(loss, np.zeros(len(PASSAGE_FEATURES)), jac=True, method="L-BFGS-B")
    return LinearModel(PASSAGE_FEATURES, (result.x / scale).astype(np.float32))


def _spread(rows: np.ndarray) -> np.ndarray:
    """Each feature's standard deviation (1 for a constant one): the ridge then weighs
    features by what they tell, not by their units (cosines vary by hundredths)."""
    spread = rows.std(axis=0)
    return np.where(spread > 1e-9, spread, 1.0)


def _question_rows(examples: Sequence[Example], ranker: LinearModel) -> np.ndarray:
    rows = []
    for e in examples:
        c = e.candidates
        probabilities = answer_probabilities(ranker, c.question, c.signals)
        rows.append(question_features(c.question, c.signals, probabilities))
    return np.array(rows, dtype=np.float64)


def fit_judge(examples: Sequence[Example], ranker: LinearModel) -> LinearModel:
    """Logistic regression: answerable (every answerable dev question) or not (negatives);
    answerable thesis questions, negatives and the external sets weigh a third each."""
    raw = _question_rows(examples, ranker)
    centre, scale = raw.mean(axis=0), _spread(raw)
    x = (raw - centre) / scale
    y = np.array([e.query.answerable for e in examples], dtype=np.float64)
    groups = [
        "negatives" if not e.query.answerable else ("thesis" if e.family == "thesis" else "external") for e in examples
    ]
    sizes = {g: groups.count(g) for g in set(groups)}
    weights = np.array([1.0 / sizes[g] for g in groups])
    ridge = RIDGE * weights.sum() / 100
    design = np.column_stack([x, np.ones(len(x))])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ w
        p = sigmoid(z)
        total = -np.sum(weights * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
        penalty = np.r_[w[:-1], 0.0]
        return total + ridge * penalty @ penalty / 2, design.T @ (weights * (p - y)) + ridge * penalty

    result = minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B")
    weights = result.x[:-1] / scale
    return LinearModel(QUESTION_FEATURES, weights.astype(np.float32), float(result.x[-1] - weights @ centre))


def choose_threshold(examples: Sequence[Example], models: Models) -> float:
    """The highest threshold on P(answerable) that refuses at most 5 % of the answerable
    thesis questions and 10 % of kazqad (on these examples): it refuses the most negatives
    within those bounds."""
    p = sigmoid(models.judge.logits(_question_rows(examples, models.ranker)))
    best = 0.0
    for threshold in np.unique(np.r_[0.0, p]):
        refused = p < threshold
        thesis = [r for r, e in zip(refused, examples, strict=True) if e.family == "thesis"]
        kazqad = [r for r, e in zip(refused, examples, strict=True) if e.family == "kazqad"]
        if np.mean(thesis or [0]) <= MAX_THESIS_REFUSED and np.mean(kazqad or [0]) <= MAX_KAZQAD_REFUSED:
            best = float(threshold)
    return best


def fit(examples: Sequence[Example]) -> Models:
    """Both models and the refusal threshold."""
    ranker = fit_ranker([e for e in examples if e.query.answerable])
    models = Models(ranker, fit_judge(examples, ranker), 0.5)
    return replace(models, threshold=round(choose_threshold(examples, models), 6))


# --- measuring ----------------------------------------------------------------------------


def cross_validate(
    examples: list[Example], reported: list[Example], searchers: dict[str, Searcher], folds: int
) -> dict:
    """Each fold's questions answered by models fitted on the other folds; `reported` may
    hold more questions than were fitted on (follow-ups without their history)."""
    fold_models = [fit([e for e in examples if e.fold != f]) for f in range(folds)]
    return {"cross_validated": _evaluate_sets(reported, searchers, lambda e: fold_models[e.fold])}


def _held_out(examples: list[Example], searchers: dict[str, Searcher], train_out: str) -> dict:
    models = fit([e for e in examples if e.set != train_out])
    return _evaluate_sets([e for e in examples if e.set == train_out], searchers, lambda e: models)


THESIS_75 = ("thesis.dev", "thesis.dev2")


def _evaluate_sets(examples: list[Example], searchers: dict[str, Searcher], models_of: Callable) -> dict:
    """`evaluate` on each dev set (and on the 75 thesis questions together), each question
    ranked by the models `models_of` gives it."""
    groups = {dev.name: [dev.name] for dev in DEV_SETS} | {"thesis (75)": list(THESIS_75)}
    out = {}
    for name, sets in groups.items():
        mine = [e for e in examples if e.set in sets]
        if mine:
            out[name] = evaluate([e.query for e in mine], _answerer(mine, searchers, models_of))
    return out


def _answerer(examples: list[Example], searchers: dict[str, Searcher], models_of: Callable) -> Callable:
    by_id = {e.query.id: e for e in examples}
    devs = {dev.name: dev for dev in DEV_SETS}

    def answer(query: GoldQuery) -> Answer:
        example = by_id[query.id]
        searcher = _searcher_of(devs[example.set], searchers)
        searcher.models = models = models_of(example)
        return judge(query.question, searcher.rank(example.candidates, DEPTH), models.threshold)

    return answer


def _print(report: dict) -> None:
    for kind in ("in_sample", "cross_validated"):
        print(f"== {kind}")
        for name, result in report.get(kind, {}).items():
            row = result["metrics"]["all"]
            cells = [
                f"{key} {row[key]:.3f}"
                for key in ("R@1", "R@5", "nDCG@10", "highlight", "refused")
                if row.get(key) is not None
            ]
            if "negatives_refused" in row:
                cells.append(f"negatives_refused {row['negatives_refused']:.3f}")
            langs = " ".join(
                f"{lang} {r['R@1']:.2f}" for lang, r in result["metrics"].items() if lang != "all" and "R@1" in r
            )
            print(f"{name:<18} " + "  ".join(cells) + (f"   R@1 by language: {langs}" if langs else ""))
    for name, result in report.get("halves", {}).items():
        row = result[name.split(" -> ")[1]]["metrics"]["all"]
        print(f"{name}: R@1 {row['R@1']:.3f} R@5 {row['R@5']:.3f} nDCG@10 {row['nDCG@10']:.3f}")


if __name__ == "__main__":
    main()
