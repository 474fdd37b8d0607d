"""An evaluation run's retraining request: decided from this run and earlier rows, published once per cool-down."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from infra.retraining.request import RetrainingRequest
from pipelines.lib import vertex
from pipelines.lib.results_sink import write_rows
from pipelines.lib.retraining import RetrainingPolicy, last_request_time, policy_of
from pipelines.lib.retraining_requests import ask_for_retraining
from tests.fakes.pubsub_server import PubSubServer

NOW = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
MISSED = {"run": "", "passed": False, "reasons": ["groundedness 0.7100 < min 0.8000"]}
PASSED = {"run": "", "passed": True, "reasons": []}
QUIET = {"drifted": False, "reasons": [], "checked": True}
DRIFTED = {"drifted": True, "reasons": ["token_js 0.9100 > max 0.7000"], "checked": True}
TOPIC = "projects/genai-dev-1234/topics/genai-dev-retraining-requests"


def ask(tmp_path: Path, run: str, summary: dict[str, Any], drift: dict[str, Any], **policy: Any) -> dict[str, Any]:
    return ask_for_retraining(
        backend="local",
        env="dev",
        run=run,
        summary={**summary, "run": run},
        drift=drift,
        results_uri=str(tmp_path / "results"),
        topic=str(tmp_path / "requests.jsonl"),
        policy_overrides=policy,
        now=NOW,
    )


def earlier_run(tmp_path: Path, run: str, summary: dict[str, Any], drift: dict[str, Any], when: datetime) -> None:
    """Rows an earlier evaluation run wrote (summary and drift), stamped at `when`."""
    results = str(tmp_path / "results")
    rows = {"summary": summary_row(run, summary), "drift": {"run": run, **drift, "window_size": 12}}
    for table, row in rows.items():
        write_rows("local", results, table, [row])
    restamp(tmp_path / "results", run, when)


def summary_row(run: str, summary: dict[str, Any]) -> dict[str, Any]:
    metrics = {"groundedness": 0.71, "toxicity": 0.0, "relevance": 0.8, "fluency": 0.9}
    thresholds = {"min_groundedness": 0.8, "max_toxicity": 0.05, "min_relevance": 0.5, "min_fluency": 0.6}
    return {
        **summary,
        "run": run,
        "examples": 10,
        "flagged": 1,
        "metrics": metrics,
        "flagged_share": 0.1,
        "thresholds": thresholds,
    }


def restamp(results: Path, run: str, when: datetime) -> None:
    """Give `run`'s rows the time they were written at (write_rows stamps the present)."""
    for path in results.glob("*.jsonl"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for row in rows:
            if row["run"] == run:
                row["evaluated_at"] = when.isoformat()
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def requests_file(tmp_path: Path) -> list[str]:
    path = tmp_path / "requests.jsonl"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_a_drifted_window_publishes_a_request_the_subscriber_reads(tmp_path: Path) -> None:
    outcome = ask(tmp_path, "eval-1", PASSED, DRIFTED)
    assert outcome["requested"]
    assert outcome["published"] == f"{tmp_path / 'requests.jsonl'}#1"
    (line,) = requests_file(tmp_path)
    request = RetrainingRequest.from_json(line.encode())
    assert request.request_id == "dev-drift-eval-1"
    assert request.reason == "input drift: token_js 0.9100 > max 0.7000"


def test_quality_below_the_gate_asks_after_the_policys_number_of_runs(tmp_path: Path) -> None:
    assert not ask(tmp_path, "eval-1", MISSED, QUIET)["requested"]  # default: 3 consecutive runs
    earlier_run(tmp_path, "eval-0", MISSED, QUIET, NOW - timedelta(days=2))
    earlier_run(tmp_path, "eval-00", MISSED, QUIET, NOW - timedelta(days=1))
    outcome = ask(tmp_path, "eval-1", MISSED, QUIET)
    assert outcome["request"]["request_id"] == "dev-quality-eval-1"
    assert outcome["request"]["reason"].startswith("3 consecutive runs below the quality gate")
    assert ask(tmp_path / "other", "eval-1", MISSED, QUIET, below_gate_runs=1)["requested"]


def test_an_earlier_request_within_the_cool_down_holds_the_next_one_back(tmp_path: Path) -> None:
    earlier_run(tmp_path, "eval-0", PASSED, DRIFTED, NOW - timedelta(hours=24))
    held = ask(tmp_path, "eval-1", PASSED, DRIFTED)
    assert not held["requested"]
    assert held["last_request_at"] == (NOW - timedelta(hours=24)).isoformat()
    assert requests_file(tmp_path) == []
    assert ask(tmp_path, "eval-1", PASSED, DRIFTED, cooldown_hours=12)["requested"]


def test_last_request_time_replays_the_decision_over_earlier_rows() -> None:
    def row(run: str, hours_ago: int, passed: bool) -> dict[str, Any]:
        return {
            "run": run,
            "passed": passed,
            "reasons": [],
            "evaluated_at": (NOW - timedelta(hours=hours_ago)).isoformat(),
        }

    summaries = [row("a", 100, True), row("b", 80, True), row("c", 50, True), row("d", 10, True)]
    drifts = [{"run": run, "drifted": True, "reasons": ["x"]} for run in ("b", "c", "d")]
    # b asks; c is within b's 72 h cool-down; d (70 h after b) is too; with 24 h, c and d ask again.
    assert last_request_time("dev", summaries, drifts, RetrainingPolicy()) == NOW - timedelta(hours=80)
    assert last_request_time("dev", summaries, drifts, policy_of({"cooldown_hours": 24})) == NOW - timedelta(hours=10)
    assert last_request_time("dev", summaries, [], RetrainingPolicy()) is None


def test_policy_overrides_take_each_fields_type_and_unknown_fields_are_named() -> None:
    assert policy_of({"below_gate_runs": 2.0, "cooldown_hours": 6}) == RetrainingPolicy(
        below_gate_runs=2, cooldown_hours=6.0
    )
    assert policy_of({"below_gate_runs": None}).below_gate_runs is None
    with pytest.raises(ValueError, match=r"unknown retraining policy field.* below_gate"):
        policy_of({"below_gate": 1})


@pytest.fixture
def pubsub() -> Iterator[PubSubServer]:
    server = PubSubServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_on_vertex_the_request_is_published_over_pubsub_rest(pubsub: PubSubServer) -> None:
    request = {
        "request_id": "dev-drift-eval-1",
        "env": "dev",
        "reason": "input drift",
        "requested_at": "2026-12-01T05:00:00Z",
    }
    attributes = {"request_id": request["request_id"], "env": "dev"}
    message_id = vertex.publish(
        TOPIC,
        request,
        attributes,
        endpoint=pubsub.base_url,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call, unused-ignore]
    )
    (message,) = pubsub.published[TOPIC]
    assert message["id"] == message_id
    assert message["attributes"] == attributes
    assert RetrainingRequest.from_json(message["data"]) == RetrainingRequest(**request)


def with_feedback(summary: dict[str, Any], negative: int, judged: int) -> dict[str, Any]:
    counts = {"negative": negative, "neutral": 0, "positive": judged - negative, "invalid": 0, "duplicates": 0}
    return {**summary, "feedback": {**counts, "judged": judged}}


def test_negative_feedback_in_the_summary_asks_and_the_replay_keeps_its_cool_down(tmp_path: Path) -> None:
    assert not ask(tmp_path / "few", "eval-1", with_feedback(PASSED, 3, 30), QUIET)["requested"]
    earlier_run(tmp_path, "eval-0", with_feedback(PASSED, 12, 30), QUIET, NOW - timedelta(hours=24))
    held = ask(tmp_path, "eval-1", with_feedback(PASSED, 12, 30), QUIET)
    assert not held["requested"]  # eval-0 asked on its feedback 24 h ago: the replay reads it from its row
    assert held["last_request_at"] == (NOW - timedelta(hours=24)).isoformat()
    outcome = ask(tmp_path, "eval-1", with_feedback(PASSED, 12, 30), QUIET, cooldown_hours=12)
    assert outcome["request"]["request_id"] == "dev-feedback-eval-1"
    assert outcome["request"]["reason"] == "negative feedback share 0.40 > 0.15 (12 of 30)"
    assert outcome["feedback"]["judged"] == 30
