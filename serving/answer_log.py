"""One structured log line per answer, the join key between the gateway and the endpoint's request log.

Cloud Run turns a JSON line on stdout into a log entry whose `jsonPayload` is the object, so the line
`{"severity": ..., "message": ..., "gateway_answer": {...}}` is queryable as `jsonPayload.gateway_answer.*`:
the platform's log-based metric counts answers by `source` (the fallback share and its alert). The
`request_id` is also sent inside the prediction instance, so the endpoint's request/response log in BigQuery
joins on `JSON_VALUE(request_payload[SAFE_OFFSET(0)], '$.request_id')`.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

ANSWER_LOG_KEY = "gateway_answer"
"""The key of the answer record in the log line; the log-based metric's filter and extractor read it."""


@dataclass(frozen=True)
class StageFailure:
    stage: str
    kind: str
    detail: str


@dataclass(frozen=True)
class AnswerRecord:
    request_id: str
    source: str
    latency_ms: float
    model_version: str | None
    env: str
    endpoint: str
    attempts: int
    failures: tuple[StageFailure, ...] = ()
    rules_version: str | None = None
    intent: str | None = None
    session: str | None = None

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "request_id": self.request_id,
            "source": self.source,
            "latency_ms": round(self.latency_ms, 3),
            "model_version": self.model_version,
            "env": self.env,
            "endpoint": self.endpoint,
            "attempts": self.attempts,
            "failures": [{"stage": f.stage, "kind": f.kind, "detail": f.detail} for f in self.failures],
        }
        for key in ("rules_version", "intent", "session"):
            value = getattr(self, key)
            if value is not None:
                record[key] = value
        return record


Sink = Callable[[AnswerRecord], None]


@dataclass
class JsonLineSink:
    """Writes each record as one JSON line (stdout by default): what Cloud Run's logging agent parses."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, record: AnswerRecord) -> None:
        line = json.dumps(
            {
                "severity": "INFO" if record.source == "model" else "WARNING",
                "message": f"answer from {record.source}",
                ANSWER_LOG_KEY: record.to_json(),
            },
            sort_keys=True,
        )
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()
