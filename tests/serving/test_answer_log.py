"""The answer log line: one JSON object per answer, with the fields the log-based metric and the join read."""

from __future__ import annotations

import io
import json

from serving.answer_log import ANSWER_LOG_KEY, AnswerRecord, JsonLineSink, StageFailure


def test_one_json_line_per_answer_with_severity_by_source() -> None:
    stream = io.StringIO()
    sink = JsonLineSink(stream)
    sink(AnswerRecord("r1", "model", 12.3456, "assistant@3", "dev", "projects/p/locations/l/endpoints/1", 1))
    sink(
        AnswerRecord(
            "r2", "rules", 40.0, None, "dev", "projects/p/locations/l/endpoints/1", 2,
            (StageFailure("model", "timeout", "no answer within 3s"),), rules_version="v1 (sha256:ab)",
            intent="billing", session="s-9",
        )
    )
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["severity"] == "INFO"
    assert second["severity"] == "WARNING"
    assert first[ANSWER_LOG_KEY] == {
        "request_id": "r1", "source": "model", "latency_ms": 12.346, "model_version": "assistant@3", "env": "dev",
        "endpoint": "projects/p/locations/l/endpoints/1", "attempts": 1, "failures": [],
    }
    record = second[ANSWER_LOG_KEY]
    assert record["failures"] == [{"stage": "model", "kind": "timeout", "detail": "no answer within 3s"}]
    assert (record["rules_version"], record["intent"], record["session"]) == ("v1 (sha256:ab)", "billing", "s-9")
