"""The split is a pure function of (ids, seed) and never holds out every example of a context."""

from __future__ import annotations

import pytest

from pipelines.lib.records import QARecord
from pipelines.lib.split import split


def _records(contexts: int, per_context: int) -> list[QARecord]:
    return [QARecord(f"id-{c}-{n}", f"q{n}", f"context {c}", "r") for c in range(contexts) for n in range(per_context)]


def test_same_seed_same_split_regardless_of_order() -> None:
    records = _records(6, 3)
    train, evaluation = split(records, 0.25, seed=42)
    _, eval_r = split(list(reversed(records)), 0.25, seed=42)
    assert {r.id for r in evaluation} == {r.id for r in eval_r}
    assert len(evaluation) == round(18 * 0.25)
    assert len(train) + len(evaluation) == 18
    assert {r.id for r in split(records, 0.25, seed=7)[1]} != {r.id for r in evaluation}


def test_every_context_keeps_a_training_example() -> None:
    records = _records(10, 2)
    for seed in range(20):
        train, evaluation = split(records, 0.5, seed)
        assert {r.context for r in train} == {r.context for r in records}
        assert len(evaluation) == 10


def test_invalid_split_inputs() -> None:
    with pytest.raises(ValueError, match="eval_fraction must be between 0 and 1"):
        split(_records(2, 2), 1.0, 1)
    with pytest.raises(ValueError, match="every context has a single example"):
        split(_records(3, 1), 0.5, 1)
