"""Placeholders in schedule parameters, so one schedule moves between environments unchanged.

`${project}`, `${region}`, `${env}`, `${app}` and `${prefix}` (`<app>-<env>`) become the environment's values
inside any string; a whole value `${gate.<metric>.<min|max>}` becomes that evaluation gate bound (a number), so
scheduled evaluations judge by the same thresholds as promotion does. The retraining loop's parameters come
from the environment's config the same way, as whole values (`ENVIRONMENT_VALUES`): `${retraining.topic}`
(the retraining-requests topic, or "" where `retraining.enabled` is false, which turns requests off),
`${retraining.policy}` and `${retraining.drift_bounds}` (objects of the `retraining` settings the evaluation
pipeline takes) and `${feedback.table}` (the feedback table as `bq://project.dataset.table`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from infra.config.model import EnvironmentConfig

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
PLACEHOLDER_NAMES = ("project", "region", "env", "app", "prefix")
GATE_PLACEHOLDER = re.compile(r"gate\.([a-z_]+)\.(min|max)")
"""`${gate.<metric>.<min|max>}`: the environment's evaluation gate bound, as a number (a whole parameter value
only), so scheduled evaluations judge by the same thresholds as promotion does."""


RETRAINING_TOPIC = "retraining-requests"
"""The retraining-requests topic's name after the environment's topic prefix (infra.components.retraining.TOPIC)."""
FEEDBACK_DATASET, FEEDBACK_TABLE = "feedback", "feedback"
"""The feedback dataset's purpose and table id (infra.components.table_schemas.FEEDBACK)."""
POLICY_FIELDS = ("max_negative_feedback_share", "min_feedback", "below_gate_runs", "on_input_drift", "cooldown_hours")
"""The `retraining` settings the evaluation pipeline's `retraining_policy` takes (its RetrainingPolicy fields)."""


def _retraining_topic(cfg: EnvironmentConfig) -> str:
    if not cfg.retraining.enabled:
        return ""
    prefix = cfg.messaging.topic_prefix or cfg.prefix
    return f"projects/{cfg.project.id}/topics/{prefix}-{RETRAINING_TOPIC}"


def _feedback_table(cfg: EnvironmentConfig) -> str:
    dataset = f"{cfg.data.dataset_prefix or cfg.prefix.replace('-', '_')}_{FEEDBACK_DATASET}"
    return f"bq://{cfg.project.id}.{dataset}.{FEEDBACK_TABLE}"


ENVIRONMENT_VALUES: dict[str, Callable[[EnvironmentConfig], Any]] = {
    "retraining.topic": _retraining_topic,
    "retraining.policy": lambda cfg: cfg.retraining.model_dump(include=set(POLICY_FIELDS)),
    "retraining.drift_bounds": lambda cfg: cfg.retraining.drift_bounds.model_dump(),
    "feedback.table": _feedback_table,
}
"""Whole-value placeholders taken from the environment's config (name -> its value there)."""


def placeholders_known(parameters: dict[str, Any]) -> dict[str, Any]:
    """Validator of a schedule's parameters: every placeholder is one of the known names."""
    unknown = sorted(
        {
            f"${{{name}}} in {key}"
            for key, value in parameters.items()
            for text in _strings(value)
            for name in PLACEHOLDER.findall(text)
            if name not in PLACEHOLDER_NAMES and not (_whole_value(name) and text == f"${{{name}}}")
        }
    )
    if unknown:
        raise ValueError(
            f"unknown placeholder(s) {', '.join(unknown)}; use "
            + ", ".join(f"${{{n}}}" for n in PLACEHOLDER_NAMES)
            + " or, as a whole value, ${gate.<metric>.min|max}, "
            + ", ".join(f"${{{n}}}" for n in ENVIRONMENT_VALUES)
        )
    return parameters


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return []


def _whole_value(name: str) -> bool:
    return name in ENVIRONMENT_VALUES or GATE_PLACEHOLDER.fullmatch(name) is not None


def gate_reference(value: Any) -> str | None:
    """The `gate.<metric>.<min|max>` name when `value` is a whole gate placeholder, else None."""
    whole = PLACEHOLDER.fullmatch(value) if isinstance(value, str) else None
    return whole.group(1) if whole and GATE_PLACEHOLDER.fullmatch(whole.group(1)) else None


def gate_bound(name: str, cfg: EnvironmentConfig) -> float | None:
    """The value of `gate.<metric>.<min|max>` in the environment's evaluation gates, or None when unset."""
    match = GATE_PLACEHOLDER.fullmatch(name)
    bound = cfg.release.evaluation_gates.get(match.group(1)) if match else None
    if bound is None or match is None:
        return None
    value: float | None = getattr(bound, match.group(2))
    return value


def resolve_placeholders(value: Any, cfg: EnvironmentConfig) -> Any:
    """Replace `${project}`, `${region}`, `${env}`, `${app}`, `${prefix}` with the environment's values, and a
    whole `${gate.<metric>.<min|max>}` value with that gate bound (a number)."""
    values = {"project": cfg.project.id, "region": cfg.region, "env": cfg.name, "app": cfg.app, "prefix": cfg.prefix}
    if isinstance(value, str):
        gate = gate_reference(value)
        if gate is not None:
            return gate_bound(gate, cfg)
        whole = PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1) in ENVIRONMENT_VALUES:
            return ENVIRONMENT_VALUES[whole.group(1)](cfg)
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, list):
        return [resolve_placeholders(v, cfg) for v in value]
    if isinstance(value, dict):
        return {k: resolve_placeholders(v, cfg) for k, v in value.items()}
    return value
