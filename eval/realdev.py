"""Leave-one-document-out on the real documents, next to a plain dense-window pipeline.

    nice -n 10 .venv/bin/python eval/realdev.py [--docs eval/realdev/docs] [--cache DIR] [--write]

For each work of `eval/data/realdev.questions.jsonl` (both files of the LETI thesis are one
work), the ranker and the answer judge are fitted with `fit.py`'s machinery on every other
work plus the bundled thesis sets and the external pools, and answer that work's questions:
the figure to expect on a document nobody tuned for. Beside it, per document: the same
models fitted on everything (in-sample), the models shipped in `data/models.json`, and the
**plain pipeline**: the file's text as pypdfium2 (`get_textpage().get_text_range()`) or
python-docx (its paragraphs, then its tables' rows) give it, 500-character windows every 400 characters, the same
e5-small (`Embedder`), cosine, nothing else. The thesis and external sets are folded as
`fit.py` does (the real documents in it fall in folds by work).

A question whose document is missing or does not index counts as missed (and refused).
`--write` saves `eval/results/realdev.json`; `eval/report.py` makes the docs' table from it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit import (  # the fitting machinery; eval/ is a folder of scripts, not a package
    HERE,
    Example,
    answerer,
    arguments,
    cross_validate,
    evaluate_sets,
    fit,
    load,
    work_of,
)

from thesis_qa import Answer, Hit, Passage
from thesis_qa.embedding.embedder import Embedder
from thesis_qa.index.layout import sha256_bytes
from thesis_qa.retrieval.ranking import load_models
from thesis_qa.service.evaluate import DEPTH, GoldQuery, evaluate, read_gold

WINDOW, STRIDE = 500, 400  # the plain pipeline's windows (100 characters overlap)
GOLD = "realdev.questions.jsonl"
COLUMNS = ("R@1", "R@5", "MRR@10", "first_span", "refused", "negatives_refused")


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write eval/results/realdev.json")
    args = parser.parse_args()
    examples, searchers = load(args)
    fitted = [e for e in examples if e.family != "report"]
    queries = read_gold(args.eval / GOLD)
    docs = sorted({q.doc for q in queries if q.doc})
    works = sorted({work_of(d) for d in docs})
    realdev = [e for e in examples if e.set == "realdev"]

    everything = fit(fitted)
    searched = {_work(e) for e in realdev}  # a work whose files did not index has no questions to answer
    held_out = {w: fit([e for e in fitted if _work(e) != w]) if w in searched else everything for w in works}
    shipped = load_models()
    kinds: dict[str, Callable[[Example], object]] = {
        "lodo": lambda e: held_out[_work(e)],
        "in_sample": lambda e: everything,
        "shipped": lambda e: shipped,
    }
    embedder = next(iter(searchers.values())).embedder
    baseline = {doc: _baseline(args.docs / doc, args.cache or HERE / ".cache", embedder) for doc in docs}
    indexed = {e.query.doc for e in realdev}
    groups = {doc: [doc] for doc in docs} | {"all": docs, "indexed": sorted(indexed)}
    rows = {}
    for name, members in groups.items():
        mine = [q for q in queries if q.doc in members]
        row = {kind: _metrics(evaluate(mine, answerer(realdev, searchers, models))) for kind, models in kinds.items()}
        row["baseline"] = _metrics(evaluate(mine, _plain_answer(baseline)))
        rows[name] = row
    report: dict[str, object] = {
        "documents": {doc: rows[doc] for doc in docs},
        "all": rows["all"],  # a document that did not index counts as missed
        "indexed": rows["indexed"],  # the documents that indexed
        "not_indexed": [doc for doc in docs if doc not in indexed],
    }
    report["sets"] = {
        "cross_validated": cross_validate(fitted, examples, searchers, args.folds)["cross_validated"],
        "in_sample": evaluate_sets(examples, searchers, lambda e: everything),
    }
    _print(report)
    if args.write:
        out = HERE / "results" / "realdev.json"
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")


def _work(example: Example) -> str | None:
    return work_of(example.query.doc) if example.query.doc else None


def _metrics(result: dict) -> dict:
    return result["metrics"]["all"]


# --- the plain pipeline -------------------------------------------------------------------


class _Windows:
    """One document's 500-character windows and their vectors."""

    def __init__(self, texts: list[str], vectors: np.ndarray, embedder: Embedder) -> None:
        self.texts, self.vectors, self.embedder = texts, vectors, embedder

    def answer(self, query: GoldQuery) -> Answer:
        if not self.texts:
            return Answer(query.question)
        cosines = self.vectors @ self.embedder.embed_queries([query.question])[0]
        order = np.argsort(-cosines)[:DEPTH]
        return Answer(query.question, [_window_hit(self.texts[i], float(cosines[i])) for i in order], answered=True)


def _window_hit(text: str, score: float) -> Hit:
    passage = Passage(id="", doc="", order=0, paragraph=0, start=0, end=len(text), text=text, section="")
    return Hit(passage, score, ())


def _plain_answer(baseline: dict[str, _Windows]) -> Callable[[GoldQuery], Answer]:
    return lambda query: baseline[query.doc or ""].answer(query)


def _baseline(path: Path, cache: Path, embedder: Embedder) -> _Windows:
    """The plain pipeline over one file (its vectors cached by the file's content)."""
    if not path.is_file():
        return _Windows([], np.zeros((0, 1), np.float32), embedder)
    text = plain_text(path)
    texts = [text[start : start + WINDOW] for start in range(0, max(len(text) - WINDOW + STRIDE, 1), STRIDE)]
    stored = cache / f"plain-{sha256_bytes(path.read_bytes())[:12]}-{embedder.fingerprint[:12]}.npy"
    if stored.exists():
        vectors = np.load(stored)
    else:
        vectors = embedder.embed_passages(texts)
        stored.parent.mkdir(parents=True, exist_ok=True)
        np.save(stored, vectors)
    return _Windows(texts, vectors, embedder)


def plain_text(path: Path) -> str:
    """The file's text as the libraries give it, nothing repaired."""
    if path.suffix.lower() == ".pdf":
        import pypdfium2

        pdf = pypdfium2.PdfDocument(path)
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    import docx

    document = docx.Document(str(path))
    rows = [" ".join(cell.text for cell in row.cells) for table in document.tables for row in table.rows]
    return "\n".join([*(paragraph.text for paragraph in document.paragraphs), *rows])


# --- printing -----------------------------------------------------------------------------


def _print(report: dict) -> None:
    labels = ("R@1", "R@5", "MRR@10", "1st span", "refused", "neg.refused")
    header = f"{'document':<38}{'':>11}" + "".join(f"{c:>12}" for c in labels)
    print(header)
    pooled = [("all (pooled)", report["all"]), ("all that indexed", report["indexed"])]
    for doc, row in [*report["documents"].items(), *pooled]:
        for kind in ("lodo", "in_sample", "shipped", "baseline"):
            cells = "".join(_cell(row[kind].get(c)) for c in COLUMNS)
            print(f"{doc[:37]:<38}{kind:>11}{cells}")
    for kind in ("in_sample", "cross_validated"):
        for name, result in report["sets"][kind].items():
            a = result["metrics"]["all"]
            print(f"{kind:<16} {name:<26} " + "  ".join(f"{c} {_fmt(a.get(c))}" for c in ("nDCG@10", "R@1", "R@5")))


def _cell(value: object) -> str:
    return f"{value:>12.3f}" if isinstance(value, float) else f"{'-':>12}"


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "-"


if __name__ == "__main__":
    main()
