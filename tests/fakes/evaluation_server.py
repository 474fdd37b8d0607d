"""Loopback Gen AI evaluation service: `POST /v1/projects/P/locations/L:evaluateInstances` as the SDK sends it.

The real `vertexai.evaluation` client (REST transport) sends one request per (example, metric): a
`pointwiseMetricInput` with `metricSpec.metricPromptTemplate` (the rubric text, naming the metric as "You will
be assessing <metric>, ...") and `instance.jsonInstance` (a JSON string with the template's variables); the
location travels in the path only. The service answers `{"pointwiseMetricResult": {"score": ..., "explanation":
...}}`. This server checks what the service checks (a pointwise input naming its metric, every `{variable}` of
the template has a value in the instance) and answers with the score a test's `judge(metric, instance)` gives;
it judges nothing itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.fakes.loopback import ApiError, LoopbackServer, Request, Response

_PARENT = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/:]+)"
_METRIC_NAME = re.compile(r"You will be assessing ([a-z][a-z ]*?),", re.IGNORECASE)
_VARIABLE = re.compile(r"\{(\w+)\}")

Judge = Callable[[str, dict[str, Any]], float]


class EvaluationServer(LoopbackServer):
    """Answers pointwise metric requests with `judge(metric_name, instance)`; records every request."""

    def __init__(self, judge: Judge) -> None:
        self.judge = judge
        self.requests: list[tuple[str, dict[str, Any]]] = []
        super().__init__()

    def routes(self) -> list[tuple[str, str, Any]]:
        return [("POST", _PARENT + r":evaluateInstances", self._evaluate)]

    def _evaluate(self, request: Request) -> Response:
        body = request.json()
        pointwise = body.get("pointwiseMetricInput")
        if not isinstance(pointwise, dict):
            raise ApiError(400, f"only pointwiseMetricInput is served here, got keys {sorted(body)}")
        template = pointwise.get("metricSpec", {}).get("metricPromptTemplate", "")
        found = _METRIC_NAME.search(template)
        if not found:
            raise ApiError(400, "metricPromptTemplate names no metric ('You will be assessing <metric>,')")
        metric = found.group(1).strip().lower().replace(" ", "_")
        instance = json.loads(pointwise.get("instance", {}).get("jsonInstance", "{}"))
        missing = sorted(v for v in set(_VARIABLE.findall(template)) if not instance.get(v))
        if missing:
            raise ApiError(400, f"jsonInstance has no value for template variable(s) {missing}")
        self.requests.append((metric, instance))
        score = self.judge(metric, instance)
        return Response.of_json({"pointwiseMetricResult": {"score": score, "explanation": f"{metric} judged"}})
