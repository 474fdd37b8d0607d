"""Placeholders in schedule parameters resolve to the environment's values."""

from __future__ import annotations

from infra.config.model import EnvironmentConfig
from infra.release.placeholders import resolve_placeholders


def test_placeholders_resolve_to_the_environment(dev: EnvironmentConfig) -> None:
    resolved = resolve_placeholders(
        {"uri": "bq://${project}.${app}_${env}_logs.t", "topic": ["${prefix}-events"], "n": 3}, dev
    )
    assert resolved == {"uri": "bq://acme-genai-dev.genai_dev_logs.t", "topic": ["genai-dev-events"], "n": 3}
