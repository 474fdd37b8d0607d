"""A Vertex AI `:predict` REST call that says how it failed, so the gateway can decide what to try next.

`POST {base}/v1/projects/P/locations/L/endpoints/E:predict` with `{"instances": [...]}`; the answer is
`{"predictions": [...], "deployedModelId", "model", "modelVersionId", ...}`. The instance and prediction
follow the serving container's payload contract (`contracts/bigquery_schema.py`): the instance is
`{"question", "context"}` (the gateway adds `request_id`, so the endpoint's request/response log joins the
gateway's answer log), the prediction `{"response": "..."}` or a bare string. A prediction a safety filter
stopped says so with `"blocked": true` or a `finishReason` / `finish_reason` such as `SAFETY`.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

FailureKind = Literal[
    "timeout", "connection", "throttled", "server_error", "client_error", "empty", "malformed", "blocked"
]
RETRYABLE: frozenset[FailureKind] = frozenset({"timeout", "connection", "throttled", "server_error"})
"""Failures a second attempt at the same endpoint may cure; the others are the answer itself going wrong."""
BLOCKED_FINISH_REASONS = frozenset({"SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "RECITATION"})


@dataclass(frozen=True)
class Prediction:
    """A usable answer and the model version that gave it (`<model id>@<version id>` when the service says)."""

    text: str
    model_version: str | None
    seconds: float


@dataclass(frozen=True)
class PredictFailure:
    kind: FailureKind
    detail: str
    seconds: float
    model_version: str | None = None

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


@dataclass(frozen=True)
class EndpointTarget:
    """Where predictions go: the API base URL (`https://<region>-aiplatform.googleapis.com` in the cloud,
    any loopback URL locally) and the endpoint's resource name `projects/P/locations/L/endpoints/E`."""

    base_url: str
    endpoint: str

    @property
    def path(self) -> str:
        prefix = urlsplit(self.base_url).path.rstrip("/")
        return f"{prefix}/v1/{self.endpoint}:predict"


TokenSource = Callable[[], str]
"""Returns a bearer token; raises TokenUnavailable when it cannot (the call then fails as `connection`)."""


class TokenUnavailable(Exception):
    """No token to call the endpoint with (the identity's token source failed)."""


class PredictClient:
    """One `:predict` call per `predict()`, on a fresh connection, bounded by the caller's timeout."""

    def __init__(self, target: EndpointTarget, token: TokenSource | None = None) -> None:
        self.target = target
        self._token = token
        split = urlsplit(target.base_url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ValueError(f"endpoint URL {target.base_url!r} must be http(s)://host[:port]")
        self._scheme = split.scheme
        self._host = split.hostname
        self._port = split.port

    def predict(self, instance: dict[str, Any], timeout: float) -> Prediction | PredictFailure:
        started = time.monotonic()

        def failed(kind: FailureKind, detail: str, version: str | None = None) -> PredictFailure:
            return PredictFailure(kind, detail, time.monotonic() - started, version)

        body = json.dumps({"instances": [instance]}).encode()
        headers = {"Content-Type": "application/json"}
        if self._token is not None:
            try:
                headers["Authorization"] = f"Bearer {self._token()}"
            except TokenUnavailable as exc:
                return failed("connection", f"no access token: {exc}")
        conn_type = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        conn = conn_type(self._host, self._port, timeout=max(timeout, 0.001))
        try:
            conn.request("POST", self.target.path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            status = response.status
        except TimeoutError:
            return failed("timeout", f"no answer within {timeout:.3f}s")
        except (OSError, http.client.HTTPException) as exc:
            return failed("connection", f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()
        if time.monotonic() - started > timeout:
            return failed("timeout", f"answered after the {timeout:.3f}s deadline")
        if status == 429:
            return failed("throttled", _error_message(payload, status))
        if status >= 500:
            return failed("server_error", _error_message(payload, status))
        if status >= 400:
            return failed("client_error", _error_message(payload, status))
        return _read_prediction(payload, time.monotonic() - started)


def _error_message(payload: bytes, status: int) -> str:
    try:
        error = json.loads(payload)["error"]
        return f"HTTP {status} {error.get('status', '')}: {error.get('message', '')}".strip()
    except (ValueError, KeyError, TypeError):
        return f"HTTP {status}"


def _model_version(data: dict[str, Any]) -> str | None:
    model, version = data.get("model"), data.get("modelVersionId")
    if not isinstance(model, str) or not model:
        return None
    model_id = model.rstrip("/").rsplit("/", 1)[-1]
    return f"{model_id}@{version}" if isinstance(version, str) and version else model_id


def _read_prediction(payload: bytes, seconds: float) -> Prediction | PredictFailure:
    try:
        data = json.loads(payload)
    except ValueError:
        return PredictFailure("malformed", "the response is not JSON", seconds)
    if not isinstance(data, dict):
        return PredictFailure("malformed", "the response is not a JSON object", seconds)
    version = _model_version(data)
    predictions = data.get("predictions")
    if predictions is None or predictions == []:
        return PredictFailure("empty", "no predictions in the response", seconds, version)
    if not isinstance(predictions, list):
        return PredictFailure("malformed", "`predictions` is not a list", seconds, version)
    first = predictions[0]
    if isinstance(first, str):
        text = first
    elif isinstance(first, dict):
        reason = first.get("finishReason", first.get("finish_reason"))
        if first.get("blocked") is True or (isinstance(reason, str) and reason.upper() in BLOCKED_FINISH_REASONS):
            return PredictFailure("blocked", f"the answer was blocked ({reason or 'blocked'})", seconds, version)
        response = first.get("response")
        if response is None:
            return PredictFailure("malformed", "the prediction has no `response`", seconds, version)
        if not isinstance(response, str):
            return PredictFailure("malformed", "the prediction's `response` is not a string", seconds, version)
        text = response
    else:
        return PredictFailure("malformed", f"the prediction is a {type(first).__name__}", seconds, version)
    if not text.strip():
        return PredictFailure("empty", "the prediction's response is empty", seconds, version)
    return Prediction(text.strip(), version, seconds)
