"""Rules against the environment: served models, replica limits, previous release, file, approval, source."""

from __future__ import annotations

import pytest

from infra.config.model import EnvironmentConfig
from tests.infra.release.manifest_documents import (
    FILE,
    IMAGE,
    problems_of,
    valid_document,
    with_change,
)


def test_model_must_be_served_by_the_environment(dev: EnvironmentConfig) -> None:
    document = valid_document()
    document["models"]["assistent"] = document["models"].pop("assistant")
    assert problems_of(document, dev) == [
        f"{FILE}: models.assistent: 'assistent' is not a served model of environment 'dev'; did you mean "
        "'assistant'? (served: assistant; add it under serving.models in the stack file)"
    ]


def test_replicas_must_stay_within_the_environment_limits(prod: EnvironmentConfig) -> None:
    document = valid_document("prod")
    document["approval"] = {"approved_by": "lee@acme.example", "approved_at": "2026-11-25T10:00:00Z"}
    document["models"]["assistant"]["deployment"] = {"min_replicas": 1, "max_replicas": 8}
    assert problems_of(document, prod) == [
        f"{FILE}: models.assistant.deployment.min_replicas: 1 is outside the environment's limits for "
        "'assistant': 2-6 (serving.models in the stack file)",
        f"{FILE}: models.assistant.deployment.max_replicas: 8 is outside the environment's limits for "
        "'assistant': 2-6 (serving.models in the stack file)",
    ]


def test_previous_version_must_come_from_an_earlier_release(dev: EnvironmentConfig) -> None:
    document = valid_document()
    model = document["models"]["assistant"]
    model["previous"] = {
        "release": "r2026-11-25-1",
        "artifact_uri": "gs://old-bucket/old",
        "serving_image": IMAGE,
        "description": "old",
    }
    model["deployment"]["traffic_split"] = {"current": 90, "previous": 10}
    assert problems_of(document, dev) == [
        f"{FILE}: models.assistant.previous.release: 'r2026-11-25-1' is this release; the previous version must "
        "come from an earlier release"
    ]


def test_environment_must_match_the_file(dev: EnvironmentConfig) -> None:
    assert problems_of(valid_document("staging"), dev) == [
        f"{FILE}: environment: found 'staging' but this is the manifest of 'dev'; set environment: dev"
    ]


def test_production_needs_a_recorded_approval(prod: EnvironmentConfig) -> None:
    document = valid_document("prod")
    document["models"]["assistant"]["deployment"] = {}
    assert problems_of(document, prod) == [
        f"{FILE}: approval: environment 'prod' requires a recorded approval; promote with `--approve-by NAME`"
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("qa", "found 'qa', which is not another environment of this project (environments: staging, prod)"),
        ("dev", "found 'dev' (the environment itself), which is not another environment of this project "
                "(environments: staging, prod)"),
        ("stagin", "found 'stagin', which is not another environment of this project; did you mean 'staging'? "
                   "(environments: staging, prod)"),
    ],
)
def test_promoted_from_names_another_environment(dev: EnvironmentConfig, source: str, expected: str) -> None:
    assert problems_of(with_change("provenance.promoted_from", source), dev) == [
        f"environments/release.dev.yaml: provenance.promoted_from: {expected}"
    ]
