"""The retraining subscriber's HTTP entry point: a Pub/Sub message delivered as a CloudEvent or a push request.

Deployed as a Cloud Run function (gen2) behind an Eventarc Pub/Sub trigger, it receives
`google.cloud.pubsub.topic.v1.messagePublished` CloudEvents (binary mode: `ce-*` headers and the push envelope
as body; structured mode: `application/cloudevents+json`); a plain Pub/Sub push request (the envelope alone)
is accepted too. Status codes tell Pub/Sub what to do: 200 done (also for a redelivery of a request already
submitted), 400 not a retraining request (no retry helps: it ends in the dead-letter topic), 503 a
transient failure (redelivered with backoff).

`app` is a WSGI application; `functions_framework` or any WSGI server serves it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from infra.retraining.request import InvalidRequest, RetrainingRequest, SubscriberSettings
from infra.retraining.submit import Submission, publish, run_event, submit

PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def message_data(headers: dict[str, str], body: bytes) -> bytes:
    """The Pub/Sub message data of a CloudEvent (binary or structured mode) or a push request."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest(f"request body is not JSON ({exc})") from None
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/cloudevents+json"):
        if document.get("type") != PUBLISHED:
            raise InvalidRequest(f"CloudEvent type {document.get('type')!r} is not {PUBLISHED}")
        document = document.get("data")
    elif "ce-type" in headers and headers["ce-type"] != PUBLISHED:
        raise InvalidRequest(f"CloudEvent type {headers['ce-type']!r} is not {PUBLISHED}")
    message = document.get("message") if isinstance(document, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("data"), str):
        raise InvalidRequest("no Pub/Sub message with data in the request (expected {'message': {'data': ...}})")
    try:
        return base64.b64decode(message["data"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest(f"message data is not base64 ({exc})") from None


def handle(headers: dict[str, str], body: bytes, settings: SubscriberSettings) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON answer) for one delivery."""
    try:
        request = RetrainingRequest.from_json(message_data(headers, body))
        submission: Submission = submit(request, settings)
    except InvalidRequest as exc:
        return 400, {"error": str(exc)}
    except Exception as exc:  # Vertex or registry unavailable: let Pub/Sub redeliver
        return 503, {"error": f"{type(exc).__name__}: {exc}"}
    if not submission.duplicate:
        try:
            publish(settings, run_event(request, submission))
        except Exception as exc:  # the run exists; a redelivery finds it and records it then
            return 503, {"error": f"run {submission.job} started but not recorded: {type(exc).__name__}: {exc}"}
    return 200, {"job": submission.job, "duplicate": submission.duplicate, "request_id": request.request_id}


def make_app(settings: SubscriberSettings) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            status, answer = 405, {"error": "POST a Pub/Sub message"}
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
            headers["content-type"] = str(environ.get("CONTENT_TYPE") or "")
            status, answer = handle(headers, body, settings)
        payload = json.dumps(answer, sort_keys=True).encode()
        reason = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed", 503: "Service Unavailable"}[status]
        headers_out = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        start_response(f"{status} {reason}", headers_out)
        return [payload]

    return application


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The deployed entry point: settings from the function's environment (set by the stack at deploy time)."""
    return make_app(SubscriberSettings.from_environ(os.environ))(environ, start_response)
