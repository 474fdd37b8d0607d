"""A retraining request as it travels on the retraining-requests topic, and the settings of its subscriber.

The request is the JSON body of a Pub/Sub message: `{"request_id", "env", "reason", "requested_at"}`. The
subscriber's settings are read once, at the edge, from its environment (the stack sets them when it deploys
the function) into `SubscriberSettings`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
JOB_PREFIX = "retrain-"


class InvalidRequest(ValueError):
    """The message is not a retraining request; redelivering it cannot help (it goes to the dead letters)."""


@dataclass(frozen=True)
class RetrainingRequest:
    request_id: str
    """Unique per request; redeliveries carry the same id, so one id makes at most one pipeline run."""
    env: str
    reason: str
    requested_at: str

    @classmethod
    def from_json(cls, data: bytes) -> RetrainingRequest:
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidRequest(f"message data is not JSON ({exc})") from None
        if not isinstance(document, dict):
            raise InvalidRequest(f"message data must be a JSON object, found {type(document).__name__}")
        missing = [k for k in ("request_id", "env", "reason", "requested_at") if not isinstance(document.get(k), str)]
        if missing:
            raise InvalidRequest(f"message data lacks string field(s) {', '.join(missing)}")
        if not REQUEST_ID.fullmatch(document["request_id"]):
            raise InvalidRequest(
                f"request_id {document['request_id']!r} must be 1-100 letters, digits, '.', '_', ':' or '-'"
            )
        return cls(document["request_id"], document["env"], document["reason"], document["requested_at"])

    def job_id(self) -> str:
        """The pipeline job id of this request: deterministic, so a redelivery finds the run it already started
        (Vertex job ids: lowercase letters, digits and hyphens, at most 128 characters)."""
        slug = re.sub(r"[^a-z0-9-]+", "-", self.request_id.lower()).strip("-")
        return (JOB_PREFIX + slug)[:128].rstrip("-")


@dataclass(frozen=True)
class SubscriberSettings:
    """Where and how the subscriber submits the tuning pipeline; one environment per subscriber."""

    env: str
    project: str
    location: str
    template_uri: str
    """`<kfp host>/<package>/sha256:<digest>`: the tuning template the environment's manifest pins."""
    pipeline_root: str
    service_account: str
    events_topic: str
    """`projects/P/topics/T`: the model-events topic each submitted run is recorded on."""
    parameter_values: Mapping[str, Any] = field(default_factory=dict)
    kms_key_name: str | None = None
    vertex_endpoint: str | None = None
    """Default: the regional Vertex AI endpoint."""
    pubsub_endpoint: str = "https://pubsub.googleapis.com"
    budget_seconds: float = 45.0
    """Time one delivery may take in all (`budget.Budget.seconds`); the stack sets it below the ack deadline."""

    ENV_PREFIX = "RETRAINING_"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SubscriberSettings:
        """Read `RETRAINING_<FIELD>` variables; PARAMETER_VALUES is a JSON object. Raises ValueError naming
        every missing or malformed variable."""
        p = cls.ENV_PREFIX
        required = ("ENV", "PROJECT", "LOCATION", "TEMPLATE_URI", "PIPELINE_ROOT", "SERVICE_ACCOUNT", "EVENTS_TOPIC")
        missing = [p + name for name in required if not environ.get(p + name)]
        problems = [f"{name} is not set" for name in missing]
        try:
            parameters = json.loads(environ.get(p + "PARAMETER_VALUES") or "{}")
        except ValueError as exc:
            problems.append(f"{p}PARAMETER_VALUES is not JSON ({exc})")
            parameters = {}
        if not isinstance(parameters, dict):
            problems.append(f"{p}PARAMETER_VALUES must be a JSON object")
        try:
            budget = float(environ.get(p + "BUDGET_SECONDS") or 45.0)
        except ValueError:
            problems.append(f"{p}BUDGET_SECONDS must be a number of seconds")
            budget = 45.0
        if problems:
            raise ValueError("retraining subscriber settings: " + "; ".join(problems))
        return cls(
            env=environ[p + "ENV"],
            project=environ[p + "PROJECT"],
            location=environ[p + "LOCATION"],
            template_uri=environ[p + "TEMPLATE_URI"],
            pipeline_root=environ[p + "PIPELINE_ROOT"],
            service_account=environ[p + "SERVICE_ACCOUNT"],
            events_topic=environ[p + "EVENTS_TOPIC"],
            parameter_values=parameters,
            kms_key_name=environ.get(p + "KMS_KEY_NAME") or None,
            vertex_endpoint=environ.get(p + "VERTEX_ENDPOINT") or None,
            pubsub_endpoint=environ.get(p + "PUBSUB_ENDPOINT") or "https://pubsub.googleapis.com",
            budget_seconds=budget,
        )
