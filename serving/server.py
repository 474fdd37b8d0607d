"""The gateway's HTTP server: `POST /v1/answer`, `GET /healthz`, JSON in and out, standard library only.

Bad input answers 400 with `{"error": {"field", "message"}}`; an unexpected error inside the gateway still
answers (the canned message) rather than a 500, because the application behind it has no better fallback.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from serving.contract import Answer, BadRequest, parse_question
from serving.gateway import Gateway

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _request_id(header: str | None) -> str:
    """The caller's request id when it is a sane token (so traces join), a fresh one otherwise."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    """Listen backlog: the standard library's 5 resets connections under a burst of concurrent clients."""


class _DrainingListener(_Listener):
    """Closing waits for the requests in flight (each bounded by the gateway's deadline) to be answered."""

    daemon_threads = False
    block_on_close = True


class GatewayServer:
    """Serves one Gateway on host:port (port 0 picks a free one); `url` is where it listens."""

    def __init__(self, gateway: Gateway, host: str = "127.0.0.1", port: int = 8080, *, drain: bool = False) -> None:
        """drain: `stop()` waits for the requests in flight (a container's stop); default off, so a local
        server stops at once."""
        self.gateway = gateway
        listener = _DrainingListener if drain else _Listener
        self._httpd = listener((host, port), _handler_for(gateway))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.1)

    def start(self) -> GatewayServer:
        self._thread = threading.Thread(target=self.serve_forever, name="gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> GatewayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    return type("GatewayHandler", (_Handler,), {"gateway": gateway})


class _Handler(BaseHTTPRequestHandler):
    """One request; `gateway` is set on the per-server subclass."""

    gateway: Gateway
    protocol_version = "HTTP/1.1"
    server_version = "genai-gateway"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 - the answer log is the access log
        return

    def _send(self, status: int, payload: dict[str, Any], request_id: str | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if request_id:
            self.send_header(REQUEST_ID_HEADER, request_id)
        self.end_headers()
        self.wfile.write(body)

    def _bad(self, error: BadRequest, request_id: str) -> None:
        payload = error.to_json()
        payload["error"]["request_id"] = request_id
        self._send(400, payload, request_id)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/healthz":
            self._send(404, {"error": {"field": "path", "message": f"no route GET {self.path}"}})
            return
        gateway, rules = self.gateway, self.gateway.rules
        self._send(
            200,
            {
                "status": "ok",
                "env": gateway.settings.env,
                "endpoint": gateway.client.target.endpoint,
                "breakers": {stage: b.state for stage, b in gateway.breakers.items()},
                "rules_version": rules.label if rules is not None else None,
                "answered": dict(gateway.answered),
            },
        )

    def _body(self, request_id: str) -> bytes | None:
        """The request body within the size limit; None after answering 400 (length missing or too large)."""
        limit = self.gateway.settings.limits.max_body_bytes
        length_header = self.headers.get("Content-Length")
        try:
            length = int(length_header) if length_header is not None else -1
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._bad(BadRequest("body", "Content-Length is missing or invalid; send a JSON body"), request_id)
            return None
        if length > limit:
            self.close_connection = True  # the unread body must not be parsed as the next request
            self._bad(BadRequest("body", f"request body is {length} bytes; at most {limit} are accepted"), request_id)
            return None
        return self.rfile.read(length)

    def do_POST(self) -> None:
        request_id = _request_id(self.headers.get(REQUEST_ID_HEADER))
        if self.path.split("?", 1)[0] != "/v1/answer":
            self._send(404, {"error": {"field": "path", "message": f"no route POST {self.path}"}})
            return
        body = self._body(request_id)
        if body is None:
            return
        gateway = self.gateway
        try:
            question = parse_question(body, gateway.settings.limits)
        except BadRequest as error:
            self._bad(error, request_id)
            return
        try:
            answer = gateway.answer(question, request_id)
        except Exception:  # the chain itself broke: still answer, never a 500 for the application
            logging.getLogger(__name__).exception("gateway chain failed for request %s", request_id)
            answer = Answer(gateway.settings.canned_answer, "canned", None, request_id)
        self._send(200, answer.to_json(), request_id)

    def do_PUT(self) -> None:
        self._send(405, {"error": {"field": "method", "message": f"{self.command} is not allowed"}})

    do_DELETE = do_PATCH = do_PUT
