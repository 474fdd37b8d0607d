"""The manifest's models: strict types, one message per value in the user's terms, deployment defaults."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config.model import EnvironmentConfig
from infra.release.schema import resolve_deployment
from infra.release.store import parse_manifest
from tests.checkout import PROJECT
from tests.infra.release.manifest_documents import (
    FILE,
    problems_of,
    valid_document,
    with_change,
)


def test_deployment_defaults_come_from_the_environment_config(prod: EnvironmentConfig) -> None:
    document = valid_document("prod")
    document["models"]["assistant"]["deployment"] = {}
    document["approval"] = {"approved_by": "lee@acme.example", "approved_at": "2026-11-25T10:00:00Z"}
    manifest = parse_manifest(document, FILE, prod, PROJECT)
    served = next(m for m in prod.serving.models if m.name == "assistant")
    resolved = resolve_deployment(manifest.models["assistant"], served)
    assert (resolved.machine_type, resolved.min_replicas, resolved.max_replicas) == ("n1-standard-4", 2, 6)
    assert (resolved.current_percent, resolved.previous_percent) == (100, 0)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("models.assistant.deployment.min_replicas", "1",
         "expected a whole number, found '1' (text); write 1 without quotes (quoted values are text)"),
        ("pipelines.tuning.schedule.paused", "no",
         "expected true or false, found 'no' (text); write false without quotes (YAML 1.2 reads yes/no/on/off as "
         "words, like the Pulumi engine)"),
        ("evaluation.metrics.groundedness", "0.9", "expected a number, found '0.9' (text); write 0.9 without quotes"),
        ("provenance.promoted_at", 1764061920,
         "expected an ISO 8601 timestamp with a time zone, e.g. '2026-11-26T03:00:00Z'; found 1764061920"),
        ("models.assistant.deployment.max_replicas", 2**31,
         "Input should be less than or equal to 2147483647; found 2147483648"),
    ],
)
def test_types_are_strict(dev: EnvironmentConfig, path: str, value: Any, expected: str) -> None:
    (message,) = problems_of(with_change(path, value), dev)
    assert message.startswith(f"environments/release.dev.yaml: {path}: {expected}"), message


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("pipelines.tuning.schedule.parameters", {"epochs": None},
         "pipelines.tuning.schedule.parameters.epochs: expected one of: text; true or false; a whole number; a "
         "number; a list (`- item` lines); a mapping (key: value lines), found null (an empty value)"),
        ("provenance.promoted_at", "2026-11-26T03:00:00",
         "provenance.promoted_at: the timestamp needs a time zone ('Z' or an offset such as '+01:00'), found "
         "'2026-11-26T03:00:00' (text)"),
        ("provenance.promoted_at", "yesterday",
         "provenance.promoted_at: expected an ISO 8601 timestamp with a time zone, e.g. '2026-11-26T03:00:00Z', "
         "found 'yesterday' (text)"),
    ],
)
def test_one_message_per_value_in_the_users_terms(dev: EnvironmentConfig, path: str, value: Any, expected: str) -> None:
    """A value fitting no member of a union is one problem at its own key path, without pydantic's type names."""
    assert problems_of(with_change(path, value), dev) == [f"environments/release.dev.yaml: {expected}"]
