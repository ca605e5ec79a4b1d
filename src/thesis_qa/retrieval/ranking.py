"""The learned part of answering: rank candidates, judge whether the documents answer.

Two small linear models over `features`, fitted on the dev sets by `eval/fit.py` with
cross-validation (README, "Quality") and shipped as `data/models.json`:

- the **ranker** scores each candidate; a softmax over a question's candidates gives
  P(this passage holds the answer | the documents answer the question) (fitted listwise:
  the likelihood of the gold passages among the candidates);
- the **answer judge** gives P(the documents answer the question) from question-level
  evidence (how close the best sentence is, how many of the question's words the collection
  lacks, the language pair; logistic regression on answerable and unanswerable questions).

A hit's score is their product: the probability that it holds the answer, on one scale
for every collection (the library and a user's own uploads are ranked separately and merged
by it). A question is answered when P(answerable) reaches the fitted threshold.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from thesis_qa.errors import ModelError
from thesis_qa.retrieval.features import PASSAGE_FEATURES, QUESTION_FEATURES, Signals, passage_features
from thesis_qa.retrieval.question import Question


@dataclass(frozen=True)
class LinearModel:
    """`features · weights + bias`, features named so a model never meets columns it was not
    fitted on."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float = 0.0

    def logits(self, rows: np.ndarray) -> np.ndarray:
        return rows @ self.weights + self.bias

    def to_json(self) -> dict[str, object]:
        return {
            "bias": round(float(self.bias), 6),
            "weights": {name: round(float(w), 6) for name, w in zip(self.features, self.weights, strict=True)},
        }

    @classmethod
    def from_json(cls, data: dict, features: tuple[str, ...]) -> LinearModel:
        weights = data["weights"]
        if set(weights) != set(features):
            raise ModelError("the ranking models do not match the features; refit them (eval/fit.py)")
        return cls(features, np.array([weights[name] for name in features], dtype=np.float32), float(data["bias"]))


@dataclass(frozen=True)
class Models:
    ranker: LinearModel
    judge: LinearModel
    threshold: float  # answered when P(answerable) >= threshold

    def to_json(self) -> dict[str, object]:
        return {
            "ranker": self.ranker.to_json(),
            "judge": self.judge.to_json(),
            "threshold": self.threshold,
        }

    @classmethod
    def from_json(cls, data: dict) -> Models:
        return cls(
            LinearModel.from_json(data["ranker"], PASSAGE_FEATURES),
            LinearModel.from_json(data["judge"], QUESTION_FEATURES),
            float(data["threshold"]),
        )

    def answerable(self, question_row: np.ndarray) -> float:
        return float(sigmoid(self.judge.logits(question_row)))


def models_path() -> Path:
    return Path(str(resources.files("thesis_qa") / "data" / "models.json"))


@functools.cache
def load_models(path: Path | None = None) -> Models:
    """The fitted models shipped with the package (or at `path`)."""
    return Models.from_json(json.loads((path or models_path()).read_text(encoding="utf-8")))


def answer_probabilities(ranker: LinearModel, question: Question, signals: Signals) -> np.ndarray:
    """P(candidate holds the answer) over a question's candidates."""
    return softmax(ranker.logits(candidate_features(question, signals, ranker)))


def candidate_features(question: Question, signals: Signals, ranker: LinearModel | None) -> np.ndarray:
    """The candidates' feature rows; for a follow-up, its earlier question is ranked by `ranker`
    and what it found is carried over (nothing is, without a ranker: a first fit has none)."""
    previous = signals.previous
    if ranker is None or previous is None:
        return passage_features(question, signals)
    carried = previous.carried(answer_probabilities(ranker, previous.question, previous.signals))
    return passage_features(question, signals, carried)


def softmax(logits: np.ndarray) -> np.ndarray:
    if not len(logits):
        return logits
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-x))
