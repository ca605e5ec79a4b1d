"""What a question gets back: the ranked passages, whether the documents answer it, and how sure
we are.

`Hit.score` is the probability that the passage holds the answer, on one scale for every
collection: the library and a user's own uploads are searched separately and merged by it,
and the answer is judged on the merged ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from thesis_qa.retrieval.ranking import load_models
from thesis_qa.retrieval.search import Hit


@dataclass(frozen=True)
class Answer:
    """`confidence`: the probability that the top hit holds the answer; `answered`: whether
    the documents are judged to answer the question at all (when not, `hits` are still the
    closest passages, for the user to check)."""

    question: str
    hits: list[Hit] = field(default_factory=list)
    answered: bool = False
    confidence: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "confidence": round(self.confidence, 4),
            "results": [hit.to_json() for hit in self.hits],
        }


def merge(rankings: Sequence[Sequence[Hit]], k: int) -> list[Hit]:
    """The `k` best hits of several rankings (their scores are on one scale)."""
    return sorted((hit for ranking in rankings for hit in ranking), key=lambda hit: -hit.score)[:k]


def judge(question: str, hits: list[Hit], threshold: float | None = None) -> Answer:
    """The answer to `question` from its merged ranking: answered when a collection is likely
    enough to answer it (`threshold`: the fitted one by default)."""
    if not hits:
        return Answer(question)
    threshold = load_models().threshold if threshold is None else threshold
    answered = max(hit.answerable for hit in hits) >= threshold
    return Answer(question, hits, answered=answered, confidence=float(hits[0].score))
