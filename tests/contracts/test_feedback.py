"""The feedback contract: one scale per column, and what is negative, neutral, positive or invalid."""

from __future__ import annotations

import pytest

from contracts.feedback import judge, rating_of_score


@pytest.mark.parametrize(
    ("rating", "score", "verdict"),
    [
        (-1, None, "negative"),
        (0, None, "neutral"),
        (1, None, "positive"),
        (-1, 1, "negative"),
        (-1, 2, "negative"),
        (0, 3, "neutral"),
        (1, 4, "positive"),
        (1, 5, "positive"),
        ("-1", "2", "negative"),  # INT64 cells may arrive as strings
        (1.0, None, "positive"),
    ],
)
def test_valid_feedback_is_judged_by_its_rating(rating: object, score: object, verdict: str) -> None:
    assert judge(rating, score) == (verdict, "")


@pytest.mark.parametrize(
    ("rating", "score", "why"),
    [
        (5, None, "rating 5 is not one of -1, 0, 1"),
        (2, None, "rating 2 is not one of -1, 0, 1"),
        (-2, None, "rating -2 is not one of -1, 0, 1"),
        (None, None, "rating None is not one of -1, 0, 1"),
        (True, None, "rating True is not one of -1, 0, 1"),
        (0.5, None, "rating 0.5 is not one of -1, 0, 1"),
        ("bad", None, "rating 'bad' is not one of -1, 0, 1"),
        (1, 0, "score 0 is not a whole number from 1 to 5"),
        (1, 6, "score 6 is not a whole number from 1 to 5"),
        (1, 1, "score 1 goes with rating -1, not 1"),
        (-1, 3, "score 3 goes with rating 0, not -1"),
    ],
)
def test_out_of_range_or_disagreeing_feedback_is_invalid(rating: object, score: object, why: str) -> None:
    assert judge(rating, score) == (None, why)


def test_each_score_goes_with_one_rating() -> None:
    assert [rating_of_score(s) for s in range(1, 6)] == [-1, -1, 0, 1, 1]
