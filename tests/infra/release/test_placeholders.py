"""Placeholders in schedule parameters resolve to the environment's values, the retraining loop's included."""

from __future__ import annotations

from dataclasses import fields

import pytest

from infra.config.model import EnvironmentConfig
from infra.release.placeholders import POLICY_FIELDS, placeholders_known, resolve_placeholders


def test_placeholders_resolve_to_the_environment(dev: EnvironmentConfig) -> None:
    resolved = resolve_placeholders(
        {"uri": "bq://${project}.${app}_${env}_logs.t", "topic": ["${prefix}-events"], "n": 3}, dev
    )
    assert resolved == {"uri": "bq://acme-genai-dev.genai_dev_logs.t", "topic": ["genai-dev-events"], "n": 3}


RETRAINING = {
    "env": "${env}",
    "retraining_topic": "${retraining.topic}",
    "retraining_policy": "${retraining.policy}",
    "drift_bounds": "${retraining.drift_bounds}",
    "feedback_uri": "${feedback.table}",
}


def test_the_retraining_loop_takes_its_parameters_from_the_environment(dev: EnvironmentConfig) -> None:
    resolved = resolve_placeholders(RETRAINING, dev)
    assert resolved["env"] == "dev"
    assert resolved["retraining_topic"] == "projects/acme-genai-dev/topics/genai-dev-retraining-requests"
    assert resolved["feedback_uri"] == "bq://acme-genai-dev.genai_dev_feedback.feedback"
    assert resolved["retraining_policy"] == {
        "max_negative_feedback_share": dev.retraining.max_negative_feedback_share,
        "min_feedback": dev.retraining.min_feedback,
        "below_gate_runs": dev.retraining.below_gate_runs,
        "on_input_drift": dev.retraining.on_input_drift,
        "cooldown_hours": dev.retraining.cooldown_hours,
    }
    assert resolved["drift_bounds"] == dev.retraining.drift_bounds.model_dump()


def test_the_names_are_those_the_stack_creates_and_the_pipeline_takes(dev: EnvironmentConfig) -> None:
    from infra.components.naming import Naming
    from infra.components.retraining import TOPIC
    from infra.components.table_schemas import FEEDBACK
    from pipelines.catalog import get
    from pipelines.lib.drift import DriftBounds
    from pipelines.lib.retraining import RetrainingPolicy, policy_of

    naming = Naming(dev)
    resolved = resolve_placeholders(RETRAINING, dev)
    assert resolved["retraining_topic"] == f"projects/{dev.project.id}/topics/{naming.topic(TOPIC)}"
    assert resolved["feedback_uri"] == f"bq://{dev.project.id}.{naming.dataset('feedback')}.{FEEDBACK.table_id}"
    assert set(POLICY_FIELDS) == {f.name for f in fields(RetrainingPolicy)}
    assert policy_of(resolved["retraining_policy"]) == RetrainingPolicy(**resolved["retraining_policy"])
    assert set(resolved["drift_bounds"]) <= {f.name for f in fields(DriftBounds)}
    values = get("evaluation").resolve({**get("evaluation").vertex_example, **resolved})  # the pipeline's rules
    assert values["feedback_uri"] == resolved["feedback_uri"]


def test_retraining_off_turns_requests_off_and_a_topic_prefix_is_followed(dev: EnvironmentConfig) -> None:
    off = dev.model_copy(update={"retraining": dev.retraining.model_copy(update={"enabled": False})})
    assert resolve_placeholders("${retraining.topic}", off) == ""
    renamed = dev.model_copy(update={"messaging": dev.messaging.model_copy(update={"topic_prefix": "assistant"})})
    topic = resolve_placeholders("${retraining.topic}", renamed)
    assert topic == "projects/acme-genai-dev/topics/assistant-retraining-requests"


def test_environment_values_are_whole_values_only() -> None:
    assert placeholders_known({"p": "${retraining.policy}"}) == {"p": "${retraining.policy}"}
    with pytest.raises(ValueError, match=r"unknown placeholder\(s\) \$\{retraining.topic\} in t; .*feedback.table"):
        placeholders_known({"t": "x-${retraining.topic}"})
