"""The user-feedback contract: what a feedback message's `rating` and `score` mean, and which count as negative.

One scale per column, so no value means two things:
- `rating` (required) is a thumbs verdict: exactly -1 (bad), 0 (neutral) or 1 (good).
- `score` (optional) is the finer 1-5 grade of clients that ask for stars. It must agree with `rating`:
  1-2 go with -1, 3 with 0, 4-5 with 1 (`rating_of_score`), so a client sends both and a reader needs only
  `rating`.
A message is negative when its rating is -1. A message whose rating is out of range, whose score is out of
range, or whose score disagrees with its rating is invalid: counted and reported, never read as negative or
positive. Writers are the serving side (the user-feedback topic, written to BigQuery by a Pub/Sub
subscription, `infra/components/table_schemas.py`); the reader is the evaluation pipeline's retraining trigger
(`pipelines.lib.feedback`).
"""

from __future__ import annotations

from typing import Literal

RATINGS = (-1, 0, 1)
"""The values `rating` takes: -1 bad, 0 neutral, 1 good."""
SCORE_RANGE = (1, 5)
"""Lowest and highest `score`."""
NEGATIVE_SCORE_MAX = 2
"""Scores up to this one are negative (rating -1); 3 is neutral, 4 and 5 are positive."""

Verdict = Literal["negative", "neutral", "positive"]
_VERDICTS: dict[int, Verdict] = {-1: "negative", 0: "neutral", 1: "positive"}


def rating_of_score(score: int) -> int:
    """The rating a 1-5 score goes with: 1-2 -> -1, 3 -> 0, 4-5 -> 1."""
    if score <= NEGATIVE_SCORE_MAX:
        return -1
    return 0 if score == NEGATIVE_SCORE_MAX + 1 else 1


def _integer(value: object) -> int | None:
    """`value` as an int when it is a whole number (BigQuery INT64 arrives as int, JSON may carry 1.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def judge(rating: object, score: object = None) -> tuple[Verdict | None, str]:
    """(verdict, "") for a valid message, or (None, why it is invalid)."""
    value = _integer(rating)
    if value is None or value not in RATINGS:
        return None, f"rating {rating!r} is not one of -1, 0, 1"
    if score is not None:
        grade = _integer(score)
        low, high = SCORE_RANGE
        if grade is None or not low <= grade <= high:
            return None, f"score {score!r} is not a whole number from {low} to {high}"
        if rating_of_score(grade) != value:
            return None, f"score {grade} goes with rating {rating_of_score(grade)}, not {value}"
    return _VERDICTS[value], ""
