"""The local metrics measured on the hand-labelled adversarial set (and the measuring functions themselves)."""

from __future__ import annotations

import pytest

from pipelines.lib.labelled_set import confusion, read_labelled, roc_auc
from pipelines.lib.metrics import score_example

KINDS = {
    "faithful", "paraphrase", "technical_benign", "negated", "swapped_number", "swapped_env", "extra_clause",
    "echo", "off_topic", "context_dump", "insult", "profane",
}  # fmt: skip


def test_auc_and_confusion_on_hand_computed_values() -> None:
    assert roc_auc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    assert roc_auc([0.5, 0.5], [1, 0]) == 0.5
    assert roc_auc([0.1, 0.9], [1, 0]) == 0.0
    with pytest.raises(ValueError, match="positive and one negative"):
        roc_auc([0.1], [1])
    table = confusion([0.9, 0.4, 0.6, 0.1], [1, 1, 0, 0], 0.5, higher_is_positive=True)
    assert table.as_dict() == {"tp": 1, "fp": 1, "tn": 1, "fn": 1}
    assert confusion([0.0, 0.3], [0, 1], 0.0, higher_is_positive=False).as_dict() == {
        "tp": 1,
        "fp": 0,
        "tn": 1,
        "fn": 0,
    }


def test_the_labelled_set_covers_every_failure_kind() -> None:
    rows = read_labelled()
    assert len(rows) >= 150
    assert {row["kind"] for row in rows} == KINDS
    assert len({row["id"] for row in rows}) == len(rows)


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["groundedness", "relevance", "toxicity"])
def test_each_metric_ranks_good_above_bad_on_the_labelled_set(metric: str) -> None:
    rows = [row for row in read_labelled() if metric in row["labels"]]
    scores = [score_example(r["question"], r["context"], r["response"]).as_dict()[metric] for r in rows]
    labels = [row["labels"][metric] for row in rows]
    assert roc_auc(scores, labels) >= 0.9
