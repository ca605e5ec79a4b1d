"""Index of names and glossary (issue 28) against the lists made by reading, per document:
the bundled thesis and, when eval/realdev/docs (THESIS_QA_REALDEV_DOCS) is there, the real dev documents (their gold
lists are in tests/data/study; the documents themselves are never committed).

The glossary's two tuned rules (how many words a term may have, and whether a Russian bare
"X — …" counts) are chosen by leave-one-document-out cross-validation: for each document the
setting best on the others (mean F1) is scored on it; both figures are printed.

    HF_HUB_OFFLINE=1 .venv/bin/python eval/study.py
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

from thesis_qa import Passage, load_document
from thesis_qa.config import bundled_thesis
from thesis_qa.ingest.structure import segment
from thesis_qa.study.glossary import MAX_TERM_WORDS, glossary
from thesis_qa.study.names import names
from thesis_qa.study.scoring import Score, score_glossary, score_names, score_works
from thesis_qa.text.language import dominant_language

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "study"
REAL = Path(os.environ.get("THESIS_QA_REALDEV_DOCS", Path(__file__).parents[1] / "eval" / "realdev" / "docs"))
SOURCES = {
    "thesis_kk": bundled_thesis(),
    "kk-biomed": REAL / "kk-biomed__Diplom.docx",
    "kk-vis": REAL / "kk-vis__дипломдық жұмыс.docx",
    "ru-topo": REAL / "ru-topo__Диплом.pdf",
    "ru-mobile": REAL / "ru-mobile__Диплом.pdf",
}
SETTINGS = list(itertools.product((3, 4, 5, 6), (True, False)))  # (term words, bare dash)


def _row(label: str, score: Score) -> str:
    extra = f" split {score.split} merged {score.merged}" if score.split or score.merged else ""
    counts = f"({score.right}/{score.found} found, {score.listed} listed)"
    return f"{label:9} P {score.precision:.2f} R {score.recall:.2f} {counts}{extra}"


def main() -> None:
    documents: dict[str, tuple[list[Passage], dict[str, object]]] = {}
    for name, path in SOURCES.items():
        if not path.exists():
            print(f"{name}: skipped ({path.parent} absent)")
            continue
        documents[name] = (segment(load_document(path)), json.loads((GOLD / f"{name}.json").read_text()))
    for name, (passages, gold) in documents.items():
        started = time.perf_counter()
        entries = names(passages)
        took = (time.perf_counter() - started) * 1000
        print(f"== {name} ({len(passages)} passages, names built in {took:.0f} ms)")
        print(_row("persons", score_names(entries, gold["persons"])))  # type: ignore[arg-type]
        if gold["works"]:
            print(_row("works", score_works(entries, gold["works"])))  # type: ignore[arg-type]
        if gold["definitions"] is not None:
            print(_row("glossary", _glossary_score(passages, gold, MAX_TERM_WORDS, True)))
    _cross_validate({n: d for n, d in documents.items() if d[1]["definitions"] is not None})


def _glossary_score(passages: list[Passage], gold: dict[str, object], words: int, dash: bool) -> Score:
    language = dominant_language(" ".join(p.text for p in passages))
    return score_glossary(glossary(passages, words, dash), gold["definitions"], language)  # type: ignore[arg-type]


def _cross_validate(documents: dict[str, tuple[list[Passage], dict[str, object]]]) -> None:
    scores = {(n, s): _glossary_score(p, g, *s) for n, (p, g) in documents.items() for s in SETTINGS}
    print(f"== glossary, leave one document out (settings: term words x bare dash; in use: {MAX_TERM_WORDS}, True)")
    for held in documents:
        others = [n for n in documents if n != held]
        best = max(SETTINGS, key=lambda s: sum(scores[(n, s)].f1 for n in others))
        print(_row(held, scores[(held, best)]) + f"  chosen on the others: {best}")


if __name__ == "__main__":
    sys.exit(main())
