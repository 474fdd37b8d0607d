"""Model events, and the local backend's stand-in for their topic: one JSON line per event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.lib.events import append_local, model_event


def test_events_are_appended_one_per_line(tmp_path: Path) -> None:
    target = tmp_path / "events" / "model_events.jsonl"
    event = model_event("candidate_rejected", "assistant", "", {"toxicity": 0.4}, ["toxicity 0.4 > max 0"], "r1")
    assert append_local(target, event) == 1
    assert append_local(target, {**event, "run": "r2"}) == 2
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["run"] for line in lines] == ["r1", "r2"]
    assert lines[0]["event"] == "candidate_rejected"
    with pytest.raises(ValueError, match="event must be one of"):
        model_event("deployed", "assistant", "1", {}, [], "r")
