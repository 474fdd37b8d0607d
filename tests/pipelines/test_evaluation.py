"""The evaluation pipeline under kfp.local: input drift of sample windows, drift rows, and a retraining request
when quality or inputs call for it. Tests that only read a run share it (`shared_runs`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contracts.bigquery_schema import DRIFT, SUMMARY, row_problems
from infra.retraining.request import RetrainingRequest
from pipelines.catalog import DATA_DIR
from pipelines.local_run import LocalRunResult, run_local
from tests.pipeline_runs import SharedRuns

pytestmark = pytest.mark.slow
DRIFTING = str(DATA_DIR / "drift" / "drifting.jsonl")
FEEDBACK = DATA_DIR / "feedback"


def requests_of(result: LocalRunResult) -> list[RetrainingRequest]:
    path = Path(result.parameters["retraining_topic"])
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [RetrainingRequest.from_json(line.encode()) for line in lines]


def decision_of(result: LocalRunResult) -> dict[str, Any]:
    return dict(json.loads(Path(result.outputs["retraining decision"]).read_text(encoding="utf-8")))


def test_quality_below_the_gate_asks_once_and_the_next_run_keeps_the_cool_down(tmp_path: Path) -> None:
    overrides = {"retraining_policy": {"below_gate_runs": 1}}
    first = run_local("evaluation", overrides, sample="bad", out_dir=tmp_path)
    assert not first.passed
    (request,) = requests_of(first)
    assert request.env == "local"
    assert request.request_id.startswith("local-quality-")
    assert "consecutive runs below the quality gate" in request.reason
    second = run_local("evaluation", overrides, sample="bad", out_dir=tmp_path)
    assert not decision_of(second)["requested"]
    assert decision_of(second)["last_request_at"] is not None
    assert len(requests_of(second)) == 1


def test_a_drifting_window_asks_for_retraining_and_writes_its_drift_row(shared_runs: SharedRuns) -> None:
    result = shared_runs.get("evaluation", {"logs_uri": DRIFTING})
    (request,) = requests_of(result)
    assert request.request_id.startswith("local-drift-")
    assert request.reason.startswith("input drift: ")
    (row,) = [json.loads(line) for line in Path(result.outputs["drift rows"]).read_text().splitlines()]
    assert row_problems(DRIFT, row) == []
    assert row["drifted"]
    assert row["run"] == decision_of(result)["request"]["request_id"].removeprefix("local-drift-")


def test_a_good_window_asks_for_nothing_and_no_topic_turns_requests_off(shared_runs: SharedRuns) -> None:
    good = shared_runs.get("evaluation")
    assert good.passed
    assert not decision_of(good)["requested"]
    assert requests_of(good) == []
    off = shared_runs.get("evaluation", {"logs_uri": DRIFTING, "retraining_topic": ""})
    assert decision_of(off) == {"off": True, "published": None, "request": None, "requested": False}


def test_a_window_of_mostly_negative_feedback_asks_for_retraining_with_reason_feedback(
    shared_runs: SharedRuns,
) -> None:
    result = shared_runs.get("evaluation", {"feedback_uri": str(FEEDBACK / "many_negative.jsonl")})
    assert result.passed  # the answers score well; the users disagree
    (request,) = requests_of(result)
    assert request.request_id.startswith("local-feedback-")
    assert request.reason == "negative feedback share 0.40 > 0.15 (12 of 30)"
    (row,) = [json.loads(line) for line in Path(result.outputs["summary rows"]).read_text().splitlines()]
    assert row_problems(SUMMARY, row) == []
    assert row["feedback"] == {
        "judged": 30, "negative": 12, "neutral": 6, "positive": 12, "invalid": 1, "duplicates": 1,
    }
    assert "feedback: invalid message 9100000040: rating 4 is not one of -1, 0, 1" in result.log_file.read_text()


def test_a_window_of_few_negatives_asks_for_nothing_and_its_invalid_ratings_are_reported(
    shared_runs: SharedRuns,
) -> None:
    overrides = {"feedback_uri": str(FEEDBACK / "few_negative.jsonl"), "feedback_endpoint": "assistant"}
    result = shared_runs.get("evaluation", overrides)
    decision = decision_of(result)
    assert not decision["requested"]
    assert requests_of(result) == []
    assert decision["feedback"]["negative"] == 2
    assert decision["feedback"]["invalid"] == 7  # out of range or disagreeing: counted, not negative
    assert "feedback: 2 negative of 30" in result.log_file.read_text()
    counts = json.loads(Path(result.outputs["feedback counts"]).read_text())
    assert counts["endpoint"] == "assistant"
    assert counts["problems"][0] == "message 9100000050: rating 2 is not one of -1, 0, 1"


def test_without_a_feedback_source_the_summary_carries_no_feedback(shared_runs: SharedRuns) -> None:
    result = shared_runs.get("evaluation")
    (row,) = [json.loads(line) for line in Path(result.outputs["summary rows"]).read_text().splitlines()]
    assert row["feedback"] is None
    assert decision_of(result)["feedback"] is None


def drift_of(shared_runs: SharedRuns, overrides: dict[str, object]) -> dict[str, Any]:
    result = shared_runs.get("evaluation", overrides)
    report: dict[str, Any] = json.loads(Path(result.outputs["input drift report"]).read_text())
    assert '{"input_drift": {' in result.log_file.read_text()  # the structured log line
    return report


def test_a_window_on_the_releases_topics_does_not_drift(shared_runs: SharedRuns) -> None:
    report = drift_of(shared_runs, {})
    assert report["checked"]
    assert not report["drifted"]
    assert report["reference_size"] == 25


def test_a_drifting_window_raises_every_drift_metric_above_its_bound(shared_runs: SharedRuns) -> None:
    report = drift_of(shared_runs, {"logs_uri": DRIFTING})
    assert report["drifted"]
    assert len(report["reasons"]) == 5
    loose = {"max_length_psi": 5, "max_token_js": 1, "max_script_js": 1, "max_empty_share": 1, "max_oversized_share": 1}
    relaxed = drift_of(shared_runs, {"logs_uri": DRIFTING, "drift_bounds": loose})
    assert not relaxed["drifted"]
    assert relaxed["metrics"] == report["metrics"]


def test_without_a_reference_drift_is_not_checked(shared_runs: SharedRuns) -> None:
    report = drift_of(shared_runs, {"reference_uri": ""})
    assert report == {"checked": False, "drifted": False, "reasons": [], "window_size": 12}
