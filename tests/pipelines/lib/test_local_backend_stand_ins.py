"""The local backend's stand-ins for Vertex: responder, registry directory, events file, results files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.lib.events import append_local, model_event
from pipelines.lib.local_model import NearestNeighbourResponder
from pipelines.lib.local_registry import register, resolve
from pipelines.lib.quality_gate import Thresholds
from pipelines.lib.records import QARecord
from pipelines.lib.results_sink import destination, write_rows
from pipelines.lib.summary import quality_summary

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


def test_registry_is_content_addressed_and_alias_moves(tmp_path: Path) -> None:
    first = register(tmp_path, "assistant", '{"v": 1}', {"gate": "passed"})
    again = register(tmp_path, "assistant", '{"v": 1}', {"gate": "passed"})
    assert first == again
    assert resolve(tmp_path, "assistant", "candidate") == first["version"]
    second = register(tmp_path, "assistant", '{"v": 2}', {"gate": "passed"})
    assert second["version"] != first["version"]
    assert resolve(tmp_path, "assistant", "candidate") == second["version"]
    assert (tmp_path / "assistant" / "versions" / first["version"] / "model.json").read_text() == '{"v": 1}'
    assert resolve(tmp_path, "other", "candidate") is None


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


def test_results_tables(tmp_path: Path) -> None:
    assert destination("vertex", "bq://p-123456.evaluation.quality", "review") == "p-123456.evaluation.quality_review"
    assert destination("vertex", "bq://p-123456.evaluation.results", "summary") == "p-123456.evaluation.results_summary"
    scores = [{"groundedness": 1.0, "toxicity": 0.0, "relevance": 1.0, "fluency": 1.0}]
    where = write_rows("local", str(tmp_path), "summary", [quality_summary(scores, 0, Thresholds(), "r1")])
    write_rows("local", str(tmp_path), "summary", [quality_summary(scores, 0, Thresholds(), "r2")])
    assert where == str(tmp_path / "summary.jsonl")
    rows = [json.loads(x) for x in (tmp_path / "summary.jsonl").read_text().splitlines()]
    assert [row["run"] for row in rows] == ["r1", "r2"]
    assert all(datetime.fromisoformat(row["evaluated_at"]).tzinfo is not None for row in rows)


def test_rows_that_do_not_fit_the_table_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"results_summary.*row 0: examples: required column missing"):
        write_rows("local", str(tmp_path), "summary", [{"run": "r1"}])
    with pytest.raises(ValueError, match=r"row 0: toxicity: expected FLOAT64, found str"):
        write_rows(
            "local",
            str(tmp_path),
            "scores",
            [{"id": "a", "question": "q", "context": "c", "response": "r", "groundedness": 1.0,
              "toxicity": "low", "relevance": 1.0, "fluency": 1.0, "run": "r1"}],
        )
    assert not list(tmp_path.iterdir())
