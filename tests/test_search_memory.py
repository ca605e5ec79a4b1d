"""A searcher keeps what each row's text gives (its decoded text, its words with their keys,
its shape: list item, list introduction, code) once it has read it: a question answered by a
searcher that has read every row before is answered exactly as by one that has read none,
and one whose memory was cleared half-way (`ROWS_KEPT`) too. Its products run on one BLAS
thread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import threadpoolctl

from thesis_qa.retrieval import search
from thesis_qa.retrieval.search import Hit, Searcher

GOLD = Path(__file__).resolve().parents[1] / "eval" / "data"
QUESTIONS = [
    json.loads(line)["question"]
    for name in ("thesis.dev.jsonl", "thesis.dev2.jsonl")
    for line in (GOLD / name).read_text(encoding="utf-8").splitlines()[::4]
]


def _answer(hits: list[Hit]) -> list[tuple[str, float, tuple, tuple]]:
    return [(hit.passage.id, hit.score, hit.highlights, hit.terms) for hit in hits]


def test_a_searcher_that_has_read_every_row_answers_as_a_new_one(thesis_index, embedder):
    warm = Searcher(thesis_index, embedder)
    for question in QUESTIONS:  # every question asked once first: their candidates' rows are read
        warm.search(question, 5)

    for question in QUESTIONS:
        assert _answer(warm.search(question, 5)) == _answer(Searcher(thesis_index, embedder).search(question, 5))


def test_a_searcher_whose_memory_was_cleared_answers_as_before(thesis_index, embedder, monkeypatch):
    expected = {q: _answer(Searcher(thesis_index, embedder).search(q, 5)) for q in QUESTIONS[:6]}
    monkeypatch.setattr(search, "ROWS_KEPT", 7)  # fewer rows than one question's candidates
    forgetting = Searcher(thesis_index, embedder)

    assert {q: _answer(forgetting.search(q, 5)) for q in QUESTIONS[:6]} == expected
    assert len(forgetting._texts) <= 7


@pytest.mark.usefixtures("searcher")
def test_numpy_s_blas_runs_on_one_thread_once_a_searcher_exists():
    numpy_blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]]

    assert numpy_blas and all(i["num_threads"] == 1 for i in numpy_blas)
