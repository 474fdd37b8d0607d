"""The retraining subscriber's HTTP entry point: a Pub/Sub push request (or the same message as a CloudEvent).

Deployed as a Cloud Run function (gen2, internal ingress) that the retraining-requests subscription pushes to
with an OIDC token; the subscription's retry policy and dead-letter topic decide what happens to a message
the function refuses. A `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent (binary mode: `ce-*`
headers and the push envelope as body; structured mode: `application/cloudevents+json`), as Eventarc
delivers it, is accepted too. Status codes tell Pub/Sub what to do: 200 done (also for a request already
submitted), 400 not a retraining request (no retry helps: after the subscription's delivery attempts it lands
in the dead-letter topic), 503 a transient failure or a spent budget (redelivered with backoff).

`entry` is the Functions Framework target; `make_app` gives the same handler as a WSGI application.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from infra.retraining.budget import Budget
from infra.retraining.request import InvalidRequest, RetrainingRequest, SubscriberSettings
from infra.retraining.submit import record, run_event, submit

PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
REASONS = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Delivery:
    data: bytes
    """The Pub/Sub message data."""
    attempt: int
    """Pub/Sub's `deliveryAttempt` (set where the subscription dead-letters), else 1."""


def _envelope(headers: Mapping[str, str], body: bytes) -> Any:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest(f"request body is not JSON ({exc})") from None
    if headers.get("content-type", "").startswith("application/cloudevents+json"):
        if not isinstance(document, dict) or document.get("type") != PUBLISHED:
            found = document.get("type") if isinstance(document, dict) else None
            raise InvalidRequest(f"CloudEvent type {found!r} is not {PUBLISHED}")
        return document.get("data")
    if "ce-type" in headers and headers["ce-type"] != PUBLISHED:
        raise InvalidRequest(f"CloudEvent type {headers['ce-type']!r} is not {PUBLISHED}")
    return document


def delivery(headers: Mapping[str, str], body: bytes) -> Delivery:
    """The message of a push request or a CloudEvent (binary or structured mode)."""
    document = _envelope(headers, body)
    message = document.get("message") if isinstance(document, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("data"), str):
        raise InvalidRequest("no Pub/Sub message with data in the request (expected {'message': {'data': ...}})")
    try:
        data = base64.b64decode(message["data"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest(f"message data is not base64 ({exc})") from None
    attempt = document.get("deliveryAttempt")
    return Delivery(data, attempt if isinstance(attempt, int) and attempt > 0 else 1)


def handle(
    headers: Mapping[str, str], body: bytes, settings: SubscriberSettings, budget: Budget | None = None
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON answer) for one delivery."""
    deadline = (budget or Budget(seconds=settings.budget_seconds)).start()
    try:
        message = delivery(headers, body)
        request = RetrainingRequest.from_json(message.data)
        submission = submit(request, settings, deadline)
    except InvalidRequest as exc:
        return 400, {"error": str(exc)}
    except Exception as exc:  # Vertex or the registry unavailable, budget spent, template refused: redeliver
        return 503, {"error": f"{type(exc).__name__}: {exc}"}
    # A redelivered message may come from a delivery that created the job but failed to record it.
    if not submission.duplicate or message.attempt > 1:
        try:
            record(settings, run_event(request, submission), deadline)
        except Exception as exc:  # the run exists; the redelivery (attempt > 1) records it
            return 503, {"error": f"run {submission.job} started but not recorded: {type(exc).__name__}: {exc}"}
    return 200, {"job": submission.job, "duplicate": submission.duplicate, "request_id": request.request_id}


class HttpRequest(Protocol):
    """What the entry point reads of the Functions Framework's request (a flask / werkzeug Request)."""

    @property
    def method(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def get_data(self) -> bytes: ...


def entry(request: HttpRequest) -> tuple[str, int, dict[str, str]]:
    """The deployed Functions Framework target: settings from the function's environment (set by the stack)."""
    if request.method != "POST":
        return json.dumps({"error": "POST a Pub/Sub message"}), 405, {"Content-Type": "application/json"}
    headers = {k.lower(): v for k, v in request.headers.items()}
    status, answer = handle(headers, request.get_data(), SubscriberSettings.from_environ(os.environ))
    return json.dumps(answer, sort_keys=True), status, {"Content-Type": "application/json"}


def make_app(
    settings: SubscriberSettings, budget: Budget | None = None
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The handler as a WSGI application (local runs and tests)."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            status, answer = 405, {"error": "POST a Pub/Sub message"}
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
            headers["content-type"] = str(environ.get("CONTENT_TYPE") or "")
            status, answer = handle(headers, body, settings, budget)
        payload = json.dumps(answer, sort_keys=True).encode()
        headers_out = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        start_response(f"{status} {REASONS[status]}", headers_out)
        return [payload]

    return application
