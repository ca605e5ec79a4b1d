"""Quality on gold sets (the dev sets are in eval/data/, SOURCES.md there): retrieval, highlights, refusals
and calibration.

- anchor-gold: `{"id", "lang", "question", "anchors"}`; a passage is correct when it contains an
  anchor (whitespace collapsed on both sides); only the first correct passage counts. A line
  may carry `"history"` (earlier questions, oldest first): a follow-up.
- id-gold: `{"id", "lang", "question", "gold": [ids]}` against a pool of passages (a passage's
  id there is its `source_id`, the id the pool gave it).
- negatives: `{"id", "lang", "question", "answerable": false}`: the right output is
  `answered: false`.
- a line with `"doc"` (a file name) is asked of that document alone: its own index, built
  once into a cache folder (`document_index`), as a user who uploaded it would ask.

`R@k` is the share of answerable questions with a correct passage in the top k (DPR-style
top-k accuracy); nDCG@10 uses every gold passage. `highlight` is the share whose top hit's
highlighted sentences contain an anchor (or, for id-gold sets that list `answers`, whose top
hit is gold and highlights an answer); `first_span`, the same for the top hit's first marked
span alone (what a reader sees first). `refused` is the share answered `false`: wanted low on
answerable questions, high on negatives. Calibration compares `confidence` with how often the
top hit is right (a negative's top hit is never right).
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from thesis_qa.embedding.embedder import Embedder
from thesis_qa.errors import LoadError, ThesisQAError
from thesis_qa.index.layout import Index, sha256_bytes
from thesis_qa.retrieval.answer import Answer, judge
from thesis_qa.retrieval.search import Hit, Mode, Searcher
from thesis_qa.service.indexing import Notify, ensure_index

CUTOFFS = (1, 3, 5, 10)
DEPTH = 10
CALIBRATION_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class GoldQuery:
    id: str
    lang: str
    question: str
    anchors: tuple[str, ...] = ()
    gold: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    answerable: bool = True
    doc: str | None = None  # asked of this document's own index


@dataclass
class Scores:
    """Sums over questions; `row()` turns them into means."""

    n: int = 0
    recall: dict[int, float] = field(default_factory=lambda: dict.fromkeys(CUTOFFS, 0.0))
    mrr: float = 0.0
    ndcg: float = 0.0
    highlight: float = 0.0
    highlight_n: int = 0
    first_span: float = 0.0
    refused: int = 0
    negatives: int = 0
    negatives_refused: int = 0

    def row(self) -> dict[str, float | int | None]:
        n = max(self.n, 1)
        out: dict[str, float | int | None] = {"n": self.n}
        if self.n:
            out.update({f"R@{k}": self.recall[k] / n for k in CUTOFFS})
            out["MRR@10"] = self.mrr / n
            out["nDCG@10"] = self.ndcg / n
            out["highlight"] = self.highlight / self.highlight_n if self.highlight_n else None
            out["first_span"] = self.first_span / self.highlight_n if self.highlight_n else None
            out["refused"] = self.refused / n
        if self.negatives:
            out["negatives"] = self.negatives
            out["negatives_refused"] = self.negatives_refused / self.negatives
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
                    history=tuple(str(h) for h in record.get("history") or ()),
                    answerable=bool(record.get("answerable", True)),
                    doc=str(record["doc"]) if record.get("doc") else None,
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LoadError(f"{path.name} line {number}: not a gold record ({exc})", code="load_broken") from exc
    return queries


def document_index(path: Path, cache: Path, embedder: Embedder, notify: Notify = lambda message: None) -> Index:
    """The index of one document file in `cache`, in a folder named by the file's content
    (`<stem>-<sha256[:12]>`): built on first use and rebuilt only when the segmenter, the
    vector or the lexical scheme changed since (`ensure_index`)."""
    digest = sha256_bytes(path.read_bytes())[:12]
    return ensure_index(cache / f"{path.stem}-{digest}", embedder, [path], notify)


class DocumentShelf:
    """The documents gold lines name (files in `docs`), each indexed into `cache` on first use
    (`document_index`); a question is asked of its document alone. A document that is missing
    or does not index answers nothing (its questions count as missed), and `notify` says why."""

    def __init__(
        self, docs: Path, cache: Path, embedder: Embedder, mode: Mode = "hybrid", notify: Notify = print
    ) -> None:
        self.docs, self.cache, self.embedder, self.mode, self.notify = docs, cache, embedder, mode, notify
        self._searchers: dict[str, Searcher | None] = {}

    def searcher(self, doc: str) -> Searcher | None:
        if doc not in self._searchers:
            self._searchers[doc] = self._open(self.docs / doc)
        return self._searchers[doc]

    def _open(self, path: Path) -> Searcher | None:
        if not path.is_file():
            self.notify(f"{path}: no such document; its questions count as missed")
            return None
        try:
            index = document_index(path, self.cache, self.embedder, self.notify)
        except ThesisQAError as error:
            self.notify(f"{path.name} does not index ({error}); its questions count as missed")
            return None
        return Searcher(index, self.embedder, self.mode)

    def ask(self, query: GoldQuery) -> Answer:
        searcher = self.searcher(query.doc or "")
        if searcher is None:
            return Answer(query.question)
        return judge(query.question, searcher.search(query.question, DEPTH, None, query.history))


def evaluate(queries: Sequence[GoldQuery], answer: Callable[[GoldQuery], Answer]) -> dict[str, object]:
    """Per-language and overall metrics and a calibration table; `answer` returns at least
    DEPTH hits for a question."""
    totals: dict[str, Scores] = defaultdict(Scores)
    calibration: list[tuple[float, bool]] = []
    for query in queries:
        result = answer(query)
        hits = result.hits[:DEPTH]
        top_right = bool(hits) and query.answerable and is_relevant(query, hits[0].passage)
        calibration.append((result.confidence, top_right))
        for scores in (totals[query.lang], totals["all"]):
            _add(scores, query, result, hits)
    rows = {lang: totals[lang].row() for lang in sorted(totals, key=lambda k: (k == "all", k))}
    return {"metrics": rows, "calibration": calibration_table(calibration)}


def _add(scores: Scores, query: GoldQuery, result: Answer, hits: list[Hit]) -> None:
    if not query.answerable:
        scores.negatives += 1
        scores.negatives_refused += not result.answered
        return
    ranks = [r for r, hit in enumerate(hits, start=1) if is_relevant(query, hit.passage)]
    if query.anchors:
        ranks = ranks[:1]  # repeats of an anchor (overlaps, duplicates) do not count twice
    scores.n += 1
    scores.refused += not result.answered
    relevant = max(1, len(query.gold)) if query.gold else 1
    for k in CUTOFFS:
        scores.recall[k] += any(r <= k for r in ranks)
    scores.mrr += 1 / ranks[0] if ranks else 0.0
    ideal = sum(1 / math.log2(i + 2) for i in range(min(relevant, DEPTH)))
    scores.ndcg += sum(1 / math.log2(r + 1) for r in ranks) / ideal
    highlight = highlight_hit(query, hits[0]) if hits else False
    if highlight is not None:
        scores.highlight_n += 1
        scores.highlight += highlight
        scores.first_span += bool(hits) and bool(highlight_hit(query, hits[0], spans=1))


def calibration_table(pairs: Sequence[tuple[float, bool]]) -> list[dict[str, float | int]]:
    """Per confidence bin: questions, mean confidence, share whose top hit is right."""
    table = []
    for low, high in itertools.pairwise(CALIBRATION_BINS):
        inside = [(c, ok) for c, ok in pairs if low <= c < high or (high == 1.0 and c == 1.0)]
        if inside:
            table.append(
                {
                    "from": low,
                    "to": high,
                    "n": len(inside),
                    "confidence": sum(c for c, _ in inside) / len(inside),
                    "right": sum(ok for _, ok in inside) / len(inside),
                }
            )
    return table


def _normal(text: str) -> str:
    return " ".join(text.split())


def is_relevant(query: GoldQuery, passage: object) -> bool:
    """Whether `passage` (a `Passage`) answers `query` by its gold."""
    if query.anchors:
        text = _normal(passage.text)  # type: ignore[attr-defined]
        return any(_normal(anchor) in text for anchor in query.anchors)
    return (getattr(passage, "source_id", None) or passage.id) in query.gold  # type: ignore[attr-defined]


def highlight_hit(query: GoldQuery, hit: Hit, spans: int | None = None) -> bool | None:
    """Whether the hit's marked spans (its first `spans`, or all) hold an answer; None for a
    gold line that names no answer."""
    marked = _normal(" ".join(hit.passage.text[a:b] for a, b in hit.highlights[:spans]))
    if query.anchors:
        return any(_normal(anchor) in marked for anchor in query.anchors)
    if query.answers:
        return is_relevant(query, hit.passage) and any(_normal(a).lower() in marked.lower() for a in query.answers)
    return None


def format_table(title: str, result: dict[str, object]) -> str:
    rows: dict[str, dict] = result["metrics"]  # type: ignore[assignment]
    columns = ["n", *(f"R@{k}" for k in CUTOFFS), "MRR@10", "nDCG@10", "highlight", "first_span", "refused"]
    columns.append("negatives_refused")
    shown = [c for c in columns if any(c in row for row in rows.values())]
    lines = [title, f"{'lang':<6}" + "".join(f"{c:>10}" for c in shown)]
    for lang, row in rows.items():
        cells = [f"{row.get(c, 0):>10}" if c == "n" else _cell(row.get(c)) for c in shown]
        lines.append(f"{lang:<6}" + "".join(cells))
    calibration = result.get("calibration")
    if isinstance(calibration, list) and calibration:
        lines.append("calibration: " + "  ".join(_bin(b) for b in calibration))
    return "\n".join(lines)


def _bin(b: dict) -> str:
    return f"[{b['from']:.1f},{b['to']:.1f}) n={b['n']} conf={b['confidence']:.2f} right={b['right']:.2f}"


def _cell(value: object) -> str:
    return f"{value:>10.3f}" if isinstance(value, float) else f"{'-':>10}"
