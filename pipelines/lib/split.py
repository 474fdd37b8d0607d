"""Deterministic train / eval split: the same seed and ids give the same split whatever the input order.

Examples that share a context (the same source document) are never all held out: every document the eval
split asks about is also represented in training, so evaluation measures answering, not document coverage.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from pipelines.lib.records import QARecord


def split(records: list[QARecord], eval_fraction: float, seed: int) -> tuple[list[QARecord], list[QARecord]]:
    """Walk the records in sha256(seed:id) order and hold out round(n * eval_fraction) of them (at least 1).

    A record is skipped when holding it out would leave its context without a training example. Both sides
    keep the input order among themselves. Needs 0 < eval_fraction < 1 and at least one context with two
    examples.
    """
    if not 0 < eval_fraction < 1:
        raise ValueError(f"eval_fraction must be between 0 and 1 (exclusive), found {eval_fraction}")
    target = max(1, round(len(records) * eval_fraction))
    left_in_train = Counter(record.context for record in records)
    ranked = sorted(records, key=lambda r: hashlib.sha256(f"{seed}:{r.id}".encode()).hexdigest())
    eval_ids: set[str] = set()
    for record in ranked:
        if len(eval_ids) == target:
            break
        if left_in_train[record.context] > 1:
            left_in_train[record.context] -= 1
            eval_ids.add(record.id)
    if not eval_ids:
        raise ValueError(
            f"cannot hold out any of {len(records)} examples: every context has a single example; "
            "add a second example for at least one context"
        )
    train = [record for record in records if record.id not in eval_ids]
    evaluation = [record for record in records if record.id in eval_ids]
    return train, evaluation
