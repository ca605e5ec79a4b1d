"""Fit the ranking models on the dev sets, with cross-validated figures.

    .venv/bin/python eval/fit.py [--eval eval/data] [--docs eval/realdev/docs] [--folds 5] [--write] [--out FILE]

The dev sets are in `eval/data/` (sources: `eval/data/SOURCES.md`); the real documents the
`realdev` questions are asked of are not (they are not openly licensed):
`eval/realdev/get_docs.sh` rebuilds them into `--docs`, and each is indexed once into
`--cache`. Without them the `realdev` set is left out, and said so.

Every dev set is searched once with the library's own `Searcher` (candidates and their
evidence are cached in `eval/.cache/`); then, for each of `--folds` folds, the ranker and the
answer judge are fitted on the other folds of *all* sets and applied to this one. Questions
that share an answer (the thesis sets ask one fact in Kazakh, Russian and English) fall in
the same fold, so a fold never tests a fact it was fitted on; a real document's questions
share a fold too (both files of one work: `work_of`), so a fold never tests a document it
was fitted on (`eval/realdev.py` holds out one document at a time). Also reported: fitted on
thesis.dev (+ the external sets) and tested on thesis.dev2, and the other way round.

`--write` fits on everything and writes `src/thesis_qa/data/models.json`; the
cross-validated report goes to `eval/results/cv.json` (the README table is made from it by
`eval/report.py`).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from thesis_qa.extras import require

try:
    from scipy.optimize import minimize
except ImportError:  # scipy comes with the [eval] extra: say so in one line
    require("eval", "eval/fit.py")
    raise

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from thesis_qa import Answer, Settings, Workspace
from thesis_qa.config import bundled_thesis
from thesis_qa.errors import ThesisQAError
from thesis_qa.retrieval.answer import judge
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
from thesis_qa.service.evaluate import DEPTH, GoldQuery, document_index, evaluate, is_relevant, read_gold

HERE = Path(__file__).resolve().parent
RIDGE = 1.0  # L2 penalty on both models (per unit of total question weight)
MAX_THESIS_REFUSED = 0.05  # the bounds on refusing answerable questions
MAX_KAZQAD_REFUSED = 0.10
REFUSAL_BOUNDS = {"thesis": MAX_THESIS_REFUSED, "realdev": MAX_THESIS_REFUSED, "kazqad": MAX_KAZQAD_REFUSED}


@dataclass(frozen=True)
class DevSet:
    name: str
    family: str  # sets that weigh together: "thesis", "realdev", "kazqad", "flores", "xquad"
    gold: str
    pool: str | None = None  # id-gold against this pool; None: the bundled thesis, or each line's "doc"
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
    DevSet("realdev", "realdev", "realdev.questions.jsonl"),
)
DATA = HERE / "data"
DOCS = HERE / "realdev" / "docs"


@dataclass
class Example:
    """One dev question with its candidates, where the gold sits among them, and its fold."""

    set: str
    family: str
    query: GoldQuery
    candidates: Candidates
    relevant: np.ndarray  # bool per candidate
    fold: int = 0


def arguments(description: str) -> argparse.ArgumentParser:
    """The options every fitting script shares (this one and `realdev.py`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--eval", type=Path, default=DATA, help="the dev sets (default: eval/data)")
    parser.add_argument("--docs", type=Path, default=DOCS, help="the real documents (eval/realdev/get_docs.sh)")
    parser.add_argument("--cache", type=Path, help="their indexes (default: <index dir>/realdev)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--refresh", action="store_true", help="search the dev sets again (ignore the cache)")
    parser.add_argument("--only", help="comma-separated dev sets (default: all), for quick experiments")
    return parser


def load(args: argparse.Namespace) -> tuple[list[Example], dict[str, Searcher]]:
    """Every chosen dev set searched (or read from the cache), each question in its fold."""
    sets = [d for d in DEV_SETS if not args.only or d.name in args.only.split(",")]
    searchers = _searchers(args.eval, sets, args.docs, args.cache)
    examples = _examples(args.eval, searchers, sets, args.refresh)
    for example in examples:
        example.fold = _fold(example, args.folds)
    return examples, searchers


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write models.json and eval/results/cv.json")
    parser.add_argument("--out", type=Path, help="also write the cross-validated report to this file (JSON)")
    args = parser.parse_args()
    examples, searchers = load(args)
    examples, reported = [e for e in examples if e.family != "report"], examples
    report = cross_validate(examples, reported, searchers, args.folds)
    report["halves"] = {
        "thesis.dev -> thesis.dev2": _held_out(examples, searchers, train_out="thesis.dev2"),
        "thesis.dev2 -> thesis.dev": _held_out(examples, searchers, train_out="thesis.dev"),
    }
    models = fit(examples)
    report["in_sample"] = evaluate_sets(reported, searchers, lambda e: models)
    report["models"] = models.to_json()
    _print(report)
    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.write:
        models_path().write_text(json.dumps(models.to_json(), indent=1) + "\n", encoding="utf-8")
        out = HERE / "results" / "cv.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {models_path()} and {out}")


# --- data ---------------------------------------------------------------------------------


def _searchers(eval_dir: Path, sets: Sequence[DevSet], docs: Path, cache: Path | None) -> dict[str, Searcher]:
    """One searcher per index the dev sets use: the bundled thesis, each pool, and each real
    document a question names (`doc:<file>`; one that is missing or does not index has none)."""
    settings = Settings.from_env()
    thesis = Workspace(replace(settings, index="thesis"), default_sources=[bundled_thesis()])
    out = {"thesis": thesis.searcher}
    for dev in sets:
        if dev.pool and dev.pool not in out:
            pool = eval_dir / dev.pool
            workspace = Workspace(replace(settings, index=f"eval-{pool.stem}"), default_sources=[pool])
            out[dev.pool] = workspace.searcher
        names = sorted({q.doc for q in read_gold(eval_dir / dev.gold) if q.doc})
        for name in names:
            searcher = _document_searcher(docs / name, cache or settings.index_dir / "realdev", thesis)
            if searcher is not None:
                out[f"doc:{name}"] = searcher
    return out


def _document_searcher(path: Path, cache: Path, workspace: Workspace) -> Searcher | None:
    if not path.is_file():
        print(f"{path}: missing (eval/realdev/get_docs.sh); its questions are left out", file=sys.stderr)
        return None
    try:
        index = document_index(path, cache, workspace.embedder, lambda m: print(m, file=sys.stderr))
    except ThesisQAError as error:
        print(f"{path.name}: does not index ({error}); its questions count as missed", file=sys.stderr)
        return None
    return Searcher(index, workspace.embedder)


def searcher_of(query: GoldQuery, dev: DevSet, searchers: dict[str, Searcher]) -> Searcher | None:
    """The searcher a question is asked of; None for a document that is missing or did not index."""
    return searchers.get(f"doc:{query.doc}") if query.doc else searchers[dev.pool or "thesis"]


def work_of(doc: str) -> str:
    """The work a real document's file holds: its short id (`ru-leti__x.docx` and
    `ru-leti__x.pdf` are one thesis, held out together)."""
    return doc.split("__", maxsplit=1)[0]


def _examples(eval_dir: Path, searchers: dict[str, Searcher], sets: Sequence[DevSet], refresh: bool) -> list[Example]:
    examples = []
    for dev in sets:
        queries = read_gold(eval_dir / dev.gold)
        cache = HERE / ".cache" / f"{dev.name}.{_code_digest()}.{_indexes_digest(queries, dev, searchers)}.pickle"
        if cache.exists() and not refresh:
            examples += pickle.loads(cache.read_bytes())
            continue
        found = []
        for query in queries:
            searcher = searcher_of(query, dev, searchers)
            if searcher is None:
                continue
            candidates = searcher.candidates(query.question, history=query.history if dev.history else ())
            passages = [searcher.index.passages[i] for i in candidates.rows]
            relevant = np.array([query.answerable and is_relevant(query, p) for p in passages], dtype=bool)
            found.append(Example(dev.name, dev.family, query, candidates, relevant))
        cache.parent.mkdir(exist_ok=True)
        cache.write_bytes(pickle.dumps(found))
        examples += found
        print(f"searched {dev.name}: {len(found)} questions", file=sys.stderr)
    return examples


@functools.cache
def _code_digest() -> str:
    """Candidates (their signals) depend on the code that reads a question and gathers them
    (and on the index, `_indexes_digest`): a cache is valid for one version of it. Features
    and models are computed from signals at fit time. Taken once, when the first set is
    searched: the code this process runs, even if the files change while it runs."""
    src = Path(__file__).resolve().parents[1] / "src" / "thesis_qa"
    digest = hashlib.sha256()
    paths = [src / "limits.py", src / "document.py"]
    paths += [path for package in ("text", "index", "embedding", "retrieval") for path in (src / package).glob("*.py")]
    for path in sorted(paths):
        if path.name not in ("features.py", "ranking.py", "answer.py", "highlight.py"):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _indexes_digest(queries: Sequence[GoldQuery], dev: DevSet, searchers: dict[str, Searcher]) -> str:
    """The versions of the indexes a set's questions are asked of (a rebuilt document index,
    e.g. after a segmenter change, invalidates the cached candidates)."""
    found = {searcher_of(q, dev, searchers) for q in queries}
    versions = sorted(str(s.index.version) if s else "missing" for s in found)
    return hashlib.sha256(" ".join(versions).encode()).hexdigest()[:8]


def _fold(example: Example, folds: int) -> int:
    """Questions sharing an answer share a fold (thesis sets: the first anchor); a real
    document's questions share one (its work's)."""
    query = example.query
    key = work_of(query.doc) if query.doc else query.anchors[0] if query.anchors else query.id
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
    groups = [_judge_group(e) for e in examples]
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


def _judge_group(example: Example) -> str:
    """The judge weighs four groups alike: questions to refuse, answerable thesis questions,
    answerable questions over real documents, the external sets."""
    if not example.query.answerable:
        return "negatives"
    return example.family if example.family in ("thesis", "realdev") else "external"


def choose_threshold(examples: Sequence[Example], models: Models) -> float:
    """The highest threshold on P(answerable) that refuses at most 5 % of the answerable
    thesis and real-document questions and 10 % of kazqad (on these examples): it refuses
    the most negatives within those bounds."""
    p = sigmoid(models.judge.logits(_question_rows(examples, models.ranker)))
    answerable = np.array([e.query.answerable for e in examples])
    families = np.array([e.family for e in examples])
    best = 0.0
    for threshold in np.unique(np.r_[0.0, p]):
        refused = p < threshold
        if all(
            refused[answerable & (families == family)].mean() <= bound
            for family, bound in REFUSAL_BOUNDS.items()
            if (answerable & (families == family)).any()
        ):
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
    return {"cross_validated": evaluate_sets(reported, searchers, lambda e: fold_models[e.fold])}


def _held_out(examples: list[Example], searchers: dict[str, Searcher], train_out: str) -> dict:
    models = fit([e for e in examples if e.set != train_out])
    return evaluate_sets([e for e in examples if e.set == train_out], searchers, lambda e: models)


THESIS_75 = ("thesis.dev", "thesis.dev2")


def evaluate_sets(examples: list[Example], searchers: dict[str, Searcher], models_of: Callable) -> dict:
    """`evaluate` on each dev set (and on the 75 thesis questions together), each question
    ranked by the models `models_of` gives it."""
    groups = {dev.name: [dev.name] for dev in DEV_SETS} | {"thesis (75)": list(THESIS_75)}
    out = {}
    for name, sets in groups.items():
        mine = [e for e in examples if e.set in sets]
        if mine:
            out[name] = evaluate([e.query for e in mine], answerer(mine, searchers, models_of))
    return out


def answerer(examples: list[Example], searchers: dict[str, Searcher], models_of: Callable) -> Callable:
    """`evaluate`'s answer function: each question's cached candidates ranked by its models."""
    by_id = {e.query.id: e for e in examples}
    devs = {dev.name: dev for dev in DEV_SETS}

    def answer(query: GoldQuery) -> Answer:
        example = by_id.get(query.id)
        searcher = searcher_of(query, devs[example.set], searchers) if example else None
        if example is None or searcher is None:  # its document is missing or did not index
            return Answer(query.question)
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
