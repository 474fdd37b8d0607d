"""The local backend's stand-in for a tuned model: the nearest training example's response."""

from __future__ import annotations

import json

import pytest

from pipelines.lib.local_model import NearestNeighbourResponder
from pipelines.lib.records import QARecord

TRAIN = [
    QARecord("b", "How long are prod logs kept?", "Prod keeps logs 400 days.", "Prod keeps logs for 400 days."),
    QARecord("a", "How often do keys rotate?", "Keys rotate every 90 days.", "Keys rotate every 90 days."),
]


def test_responder_answers_with_the_nearest_training_response() -> None:
    model = NearestNeighbourResponder.fit(TRAIN)
    assert model.respond("How long does prod keep logs?", "Prod keeps logs 400 days.") == TRAIN[0].response
    assert model.respond("When do the keys rotate?", "Keys rotate every 90 days.") == TRAIN[1].response
    # no overlap at all: ties resolve to the smallest id, deterministically
    assert model.respond("Unrelated?", "Nothing.") == TRAIN[1].response
    restored = NearestNeighbourResponder.from_dict(json.loads(json.dumps(model.to_dict())))
    assert restored == model
    with pytest.raises(ValueError, match="empty training split"):
        NearestNeighbourResponder.fit([])
