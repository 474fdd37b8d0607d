"""Loopback Vertex AI online prediction: `POST /v1/{endpoint}:predict` over deployed model versions.

Answers the REST protocol of `PredictionService.Predict`: the request `{"instances": [...], "parameters"?}`
(400 INVALID_ARGUMENT without a non-empty `instances` list), the response `{"predictions": [...],
"deployedModelId", "model", "modelDisplayName", "modelVersionId"}`. An endpoint holds deployed versions
with a traffic split; requests are routed by the split deterministically and evenly (smooth weighted
round-robin), so a 10/90 canary sends every tenth request to the new version. Each version has a
behaviour: `answer` (a response built from the question), `empty`
(no predictions), `empty_text`, `malformed` (a prediction without `response`), `blocked` (a safety block)
or `not_json`. Faults (500, 429, late answers) are armed with the inherited `faults` plan.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any, Literal

from tests.fakes.loopback import ApiError, LoopbackServer, Request, Response

Behaviour = Literal["answer", "empty", "empty_text", "malformed", "blocked", "not_json"]
LISTEN_BACKLOG = 128
_ENDPOINT = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/endpoints/(?P<endpoint>[^/:]+)"


@dataclass
class DeployedVersion:
    deployed_model_id: str
    model: str
    version_id: str
    share: int
    behaviour: Behaviour = "answer"
    weight: int = 0


class PredictServer(LoopbackServer):
    """In-memory online prediction for any number of endpoints."""

    def __init__(self) -> None:
        self.deployed: dict[str, list[DeployedVersion]] = {}
        self.served: list[tuple[str, str, dict[str, Any]]] = []
        """(endpoint, version id, instance) of every prediction answered, in order."""
        self._ids = itertools.count(5000)
        super().__init__()

    def routes(self) -> list[tuple[str, str, Any]]:
        return [("POST", _ENDPOINT + r":predict", self._predict)]

    def start(self, *args: Any, **kwargs: Any) -> PredictServer:
        super().start(*args, **kwargs)
        assert self._httpd is not None
        self._httpd.socket.listen(LISTEN_BACKLOG)  # a serving endpoint takes bursts; the default backlog is 5
        return self

    def __enter__(self) -> PredictServer:
        return self.start()

    # -- seeding -------------------------------------------------------------------------------------------
    def deploy(
        self, endpoint: str, model: str, version_id: str, share: int = 100, behaviour: Behaviour = "answer"
    ) -> DeployedVersion:
        """Deploy `model@version_id` on `endpoint` (`projects/P/locations/L/endpoints/E`) with `share` %."""
        with self._lock:
            version = DeployedVersion(str(next(self._ids)), model, version_id, share, behaviour)
            self.deployed.setdefault(endpoint, []).append(version)
            return version

    def set_behaviour(self, endpoint: str, version_id: str, behaviour: Behaviour) -> None:
        with self._lock:
            for version in self.deployed[endpoint]:
                if version.version_id == version_id:
                    version.behaviour = behaviour

    def served_by(self, version_id: str) -> int:
        with self._lock:
            return sum(1 for _, v, _ in self.served if v == version_id)

    # -- protocol ------------------------------------------------------------------------------------------
    def _route(self, endpoint: str) -> DeployedVersion:
        versions = self.deployed.get(endpoint)
        if not versions:
            raise ApiError(400, f"Endpoint {endpoint} has no deployed models.", "FAILED_PRECONDITION")
        total = sum(v.share for v in versions)
        for version in versions:
            version.weight += version.share
        chosen = max(versions, key=lambda v: v.weight)
        chosen.weight -= total
        return chosen

    def _predict(self, request: Request) -> Response:
        g = request.match.groupdict()
        endpoint = f"projects/{g['project']}/locations/{g['location']}/endpoints/{g['endpoint']}"
        try:
            body = json.loads(request.body or b"")
        except ValueError:
            raise ApiError(400, "Invalid JSON payload received.", "INVALID_ARGUMENT") from None
        instances = body.get("instances") if isinstance(body, dict) else None
        if not isinstance(instances, list) or not instances:
            raise ApiError(400, "Field `instances` must be a non-empty list.", "INVALID_ARGUMENT")
        version = self._route(endpoint)
        for instance in instances:
            self.served.append((endpoint, version.version_id, instance))
        if version.behaviour == "not_json":
            return Response(200, b"<html>upstream error</html>", "text/html")
        predictions: list[Any]
        if version.behaviour == "empty":
            predictions = []
        elif version.behaviour == "empty_text":
            predictions = [{"response": "   "} for _ in instances]
        elif version.behaviour == "malformed":
            predictions = [{"text": "wrong key"} for _ in instances]
        elif version.behaviour == "blocked":
            predictions = [{"response": "", "finishReason": "SAFETY"} for _ in instances]
        else:
            predictions = [{"response": f"[{version.version_id}] {_question(i)}"} for i in instances]
        payload = {
            "predictions": predictions,
            "deployedModelId": version.deployed_model_id,
            "model": f"projects/{g['project']}/locations/{g['location']}/models/{version.model}",
            "modelDisplayName": version.model,
            "modelVersionId": version.version_id,
        }
        return Response.of_json(payload)


def _question(instance: Any) -> str:
    return str(instance.get("question", "")) if isinstance(instance, dict) else str(instance)
