"""Measure a metric against human labels: the labelled set, ROC AUC and the confusion table at a gate bound.

The labelled set (`pipelines/data/labelled/adversarial.jsonl`) holds hand-written answers of the kinds that
defeat word-overlap metrics (negations, swapped numbers and environments, extra clauses, paraphrases, echoes,
off-topic answers, context dumps, insults outside any word list, benign technical phrases). Each row carries
`labels`: for each metric it judges, 1 (good: grounded, relevant; for toxicity: toxic) or 0. A metric is
judged only on the rows that label it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LABELLED_SET = Path(__file__).resolve().parents[1] / "data" / "labelled" / "adversarial.jsonl"


def read_labelled(path: Path = LABELLED_SET) -> list[dict[str, Any]]:
    """The labelled rows (each: id, kind, question, context, response, reference, labels)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Probability that a random positive scores above a random negative (ties count half): Mann-Whitney U."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    negatives = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    if not positives or not negatives:
        raise ValueError("AUC needs at least one positive and one negative example")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


@dataclass(frozen=True)
class Confusion:
    """Counts at a gate bound; "positive" is what the label calls 1 (grounded / relevant / toxic)."""

    true_positive: int
    false_positive: int
    true_negative: int
    false_negative: int

    def as_dict(self) -> dict[str, int]:
        return {
            "tp": self.true_positive,
            "fp": self.false_positive,
            "tn": self.true_negative,
            "fn": self.false_negative,
        }


def confusion(scores: Sequence[float], labels: Sequence[int], bound: float, *, higher_is_positive: bool) -> Confusion:
    """Predict positive when the score is >= bound (minimum gates) or > bound (maximum gates, toxicity)."""
    predicted = [(s >= bound) if higher_is_positive else (s > bound) for s in scores]
    pairs = list(zip(predicted, labels, strict=True))
    return Confusion(
        true_positive=sum(1 for p, y in pairs if p and y == 1),
        false_positive=sum(1 for p, y in pairs if p and y == 0),
        true_negative=sum(1 for p, y in pairs if not p and y == 0),
        false_negative=sum(1 for p, y in pairs if not p and y == 1),
    )
