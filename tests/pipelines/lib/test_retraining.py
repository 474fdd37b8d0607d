"""The retraining decision: each trigger, the cool-down, and a stable request id for a re-executed run."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.retraining.request import RetrainingRequest
from pipelines.lib.retraining import RetrainingPolicy, decide

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
PASSED = {"passed": True, "reasons": []}
MISSED = {"passed": False, "reasons": ["groundedness 0.7100 < min 0.8000"]}
QUIET = {"drifted": False, "reasons": []}


def ask(**changes: Any) -> Any:
    values = {
        "env": "dev",
        "run": "genai-evaluation-20261201-0500",
        "summaries": [PASSED],
        "drift": QUIET,
        "negative_feedback": 0,
        "feedback": 100,
        "last_request_at": None,
        "now": NOW,
        "policy": RetrainingPolicy(),
        **changes,
    }
    return decide(**values)


def test_nothing_wrong_asks_for_nothing() -> None:
    assert ask() is None


def test_negative_feedback_over_the_share_asks_once_enough_feedback_came_in() -> None:
    assert ask(negative_feedback=21, feedback=100)["reason"] == "negative feedback share 0.21 > 0.15 (21 of 100)"
    assert ask(negative_feedback=15, feedback=100) is None
    assert ask(negative_feedback=5, feedback=10) is None  # 50 % of too few to judge


def test_quality_below_the_gate_for_n_consecutive_runs() -> None:
    assert ask(summaries=[PASSED, MISSED, MISSED]) is None
    request = ask(summaries=[MISSED, MISSED, MISSED])
    assert request["reason"] == "3 consecutive runs below the quality gate (groundedness 0.7100 < min 0.8000)"
    assert request["request_id"] == "dev-quality-genai-evaluation-20261201-0500"


def test_drift_triggers_and_reasons_combine() -> None:
    drifted = {"drifted": True, "reasons": ["token_js 0.9965 > max 0.7000"]}
    request = ask(drift=drifted, negative_feedback=30)
    assert request["request_id"].startswith("dev-feedback-drift-")
    assert request["reason"].endswith("; input drift: token_js 0.9965 > max 0.7000")
    assert ask(drift=drifted, policy=RetrainingPolicy(on_input_drift=False)) is None


def test_cool_down_holds_back_a_new_request() -> None:
    drifted = {"drifted": True, "reasons": ["empty_share 0.1667 > max 0.0500"]}
    assert ask(drift=drifted, last_request_at=NOW - timedelta(hours=71)) is None
    assert ask(drift=drifted, last_request_at=NOW - timedelta(hours=73)) is not None


def test_the_request_is_what_the_subscriber_reads_and_is_stable_for_a_rerun() -> None:
    drifted = {"drifted": True, "reasons": ["length_psi 1.0281 > max 0.2500"]}
    first, again = ask(drift=drifted), ask(drift=drifted, now=NOW + timedelta(minutes=5))
    assert first["request_id"] == again["request_id"]
    import json

    parsed = RetrainingRequest.from_json(json.dumps(first).encode())
    assert parsed.job_id() == "retrain-dev-drift-genai-evaluation-20261201-0500"
    assert parsed.env == "dev"


def test_the_environment_config_carries_the_policy_field_for_field() -> None:
    from infra.config.model import RetrainingConfig

    names = {f.name for f in fields(RetrainingPolicy)}
    assert names <= set(RetrainingConfig.model_fields)
    config = RetrainingConfig(below_gate_runs=2, cooldown_hours=24.0)
    policy = RetrainingPolicy(**config.model_dump(include=names))
    assert policy == RetrainingPolicy(below_gate_runs=2, cooldown_hours=24.0)
    assert RetrainingPolicy(**RetrainingConfig().model_dump(include=names)) == RetrainingPolicy()
