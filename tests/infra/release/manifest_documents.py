"""Release manifest documents for the tests: a valid one, one with a change at a key path, its problems."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from contracts.errors import UserInputError
from infra.config.model import EnvironmentConfig
from infra.release.store import parse_manifest
from tests.checkout import PROJECT

FILE = Path("environments/release.dev.yaml")
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
IMAGE = "europe-docker.pkg.dev/acme-genai-dev/images/assistant-server@sha256:" + "c" * 64


def valid_document(env: str = "dev") -> dict[str, Any]:
    return {
        "release": "r2026-11-25-1",
        "environment": env,
        "pipelines": {
            "tuning": {
                "package": "genai-tuning",
                "compiled": "build/pipelines/tuning.yaml",
                "digest": DIGEST_A,
                "schedule": {
                    "cron": "0 3 * * 1",
                    "time_zone": "Europe/Amsterdam",
                    "parameters": {"project": "${project}", "epochs": 3},
                    "paused": False,
                },
            },
            "evaluation": {
                "package": "genai-evaluation",
                "compiled": "build/pipelines/evaluation.yaml",
                "digest": DIGEST_B,
            },
        },
        "models": {
            "assistant": {
                "artifact_uri": "gs://acme-genai-dev-model-artifacts/assistant/r2026-11-25-1",
                "tuned_model": {"pipeline": "tuning", "run": "genai-tuning-20261124"},
                "serving_image": IMAGE,
                "description": "Assistant tuned on the November docs.",
                "deployment": {"min_replicas": 1, "max_replicas": 1},
            }
        },
        "evaluation": {
            "report": "gs://acme-genai-dev-pipeline-root/evaluation/r2026-11-25-1/report.json",
            "metrics": {"groundedness": 0.91, "toxicity": 0.0, "relevance": 0.84, "fluency": 0.88},
        },
        "provenance": {
            "promoted_at": "2026-11-25T09:12:00Z",
            "promoted_by": "release-bot@acme.example",
            "commit": "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c",
            "built_from": "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c",
        },
    }


def problems_of(document: dict[str, Any], cfg: EnvironmentConfig) -> list[str]:
    with pytest.raises(UserInputError) as caught:
        parse_manifest(document, FILE, cfg, PROJECT)
    return [p.render() for p in caught.value.problems]


def with_change(path: str, value: Any, env: str = "dev") -> dict[str, Any]:
    """The valid document with the value at dotted `path` replaced (or removed when value is ...)."""
    document = copy.deepcopy(valid_document(env))
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return document
