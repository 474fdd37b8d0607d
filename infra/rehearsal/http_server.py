"""A threaded HTTP server on 127.0.0.1 with routing, a call log and fault injection.

Faults are armed per request pattern (a regex searched in "METHOD /decoded/path"):
- `fail(status, times)`: the next matching requests are rejected with `status` BEFORE any effect (the
  service refused them: 429 quota, 500/503 errors).
- `delay(seconds, times)`: the next matching requests take effect, then answer late (longer than the client's
  timeout, the client gives up although the work was done — the hard case for idempotency).
- `crash_after(pattern)`: the next matching request takes effect and is answered, then the server drops every
  connection without answering until `recover()` (the process driving the release died mid-way).
"""

from __future__ import annotations

import abc
import json
import pickle
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

STATUS_NAMES = {
    400: "FAILED_PRECONDITION",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """Raised by a route handler to answer with a Google-style JSON error."""

    def __init__(self, status: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason or STATUS_NAMES.get(status, "UNKNOWN")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    match: re.Match[str]

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    """Further response headers (e.g. a paginated API's `Link`)."""

    @classmethod
    def of_json(cls, payload: Any, status: int = 200) -> Response:
        return cls(status, json.dumps(payload).encode())

    @classmethod
    def of_text(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), "text/plain")


Handler = Callable[[Request], Response]


@dataclass
class _Fault:
    kind: str  # "fail" | "delay" | "crash"
    pattern: re.Pattern[str]
    remaining: int
    status: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Call:
    """One request as the server saw it (decoded path, no query)."""

    method: str
    path: str
    outcome: str  # "ok", "error <status>", "injected <status>", "delayed", "dropped"

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class FaultPlan:
    """Faults armed by a test; thread-safe."""

    _faults: list[_Fault] = field(default_factory=list)
    _crashed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, times: int = 1, match: str = "") -> None:
        self._add(_Fault("fail", re.compile(match), times, status=status))

    def delay(self, seconds: float, times: int = 1, match: str = "") -> None:
        self._add(_Fault("delay", re.compile(match), times, seconds=seconds))

    def crash_after(self, match: str) -> None:
        self._add(_Fault("crash", re.compile(match), 1))

    def recover(self) -> None:
        with self._lock:
            self._crashed = False

    @property
    def crashed(self) -> bool:
        with self._lock:
            return self._crashed

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._crashed = False

    def _add(self, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(fault)

    def take(self, line: str) -> _Fault | None:
        """The first armed fault matching `line`, consumed by one."""
        with self._lock:
            for fault in self._faults:
                if fault.pattern.search(line):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def set_crashed(self) -> None:
        with self._lock:
            self._crashed = True


class LoopbackServer(abc.ABC):
    """Base class: subclasses register routes in `routes()`; start/stop with a context manager.

    `STATE` names the attributes that hold the service's objects: `save_state` / `load_state` keep them in a
    file between processes (a rehearsal's kept state directory), so a second run sees what the first created.
    """

    STATE: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.faults = FaultPlan()
        self._calls: list[Call] = []
        self._lock = threading.RLock()  # guards the subclass's in-memory state too
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            (method, re.compile(pattern + r"\Z"), handler) for method, pattern, handler in self.routes()
        ]
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- to implement -------------------------------------------------------------------------------------
    @abc.abstractmethod
    def routes(self) -> list[tuple[str, str, Handler]]:
        """(HTTP method, path regex with named groups, handler) in match order."""

    # -- lifecycle ----------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self, port: int = 0) -> LoopbackServer:
        """Serve on 127.0.0.1:`port` (0: any free port)."""
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:
                server._serve(self)

            do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state kept between processes ---------------------------------------------------------------------
    def save_state(self, path: Path) -> None:
        """Write the service's objects (`STATE`) to `path`, atomically."""
        with self._lock:
            blob = pickle.dumps({name: getattr(self, name) for name in self.STATE})
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(blob)
        tmp.replace(path)

    def load_state(self, path: Path) -> None:
        """Restore what `save_state` wrote; a missing file leaves the service empty."""
        if not path.is_file():
            return
        saved = pickle.loads(path.read_bytes())
        with self._lock:
            for name in self.STATE:
                if name in saved:
                    setattr(self, name, saved[name])

    # -- call log -----------------------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def count(self, pattern: str, outcome: str | None = "ok") -> int:
        """How many logged calls match `pattern` (regex on "METHOD /path"); by default successful ones."""
        rx = re.compile(pattern)
        return sum(1 for c in self.calls if rx.search(str(c)) and (outcome is None or c.outcome == outcome))

    def _log(self, method: str, path: str, outcome: str) -> None:
        with self._lock:
            self._calls.append(Call(method, path, outcome))

    # -- dispatch -----------------------------------------------------------------------------------------
    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        split = urlsplit(http.path)
        path = unquote(split.path)
        method = http.command
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        line = f"{method} {path}"

        if self.faults.crashed:
            self._log(method, path, "dropped")
            http.close_connection = True
            return

        fault = self.faults.take(line)
        if fault is not None and fault.kind == "fail":
            self._log(method, path, f"injected {fault.status}")
            self._send(http, self._error(fault.status, f"injected fault for {line}"))
            return

        response = self._dispatch(method, path, split.query, dict(http.headers.items()), body)
        outcome = "ok" if response.status < 400 else f"error {response.status}"
        if fault is not None and fault.kind == "delay":
            self._log(method, path, "delayed")
            time.sleep(fault.seconds)
        else:
            self._log(method, path, outcome)
        if fault is not None and fault.kind == "crash":
            self.faults.set_crashed()  # before answering: the client's next request must find the server down
        self._send(http, response)

    def _dispatch(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        for route_method, pattern, handler in self._routes:
            if route_method != method:
                continue
            match = pattern.match(path)
            if match is None:
                continue
            request = Request(method, path, parse_qs(query), headers, body, match)
            try:
                with self._lock:
                    return handler(request)
            except ApiError as err:
                return self._error(err.status, str(err), err.reason)
        return self._error(404, f"no route for {method} {path}", "NOT_FOUND")

    @staticmethod
    def _error(status: int, message: str, reason: str | None = None) -> Response:
        reason = reason or STATUS_NAMES.get(status, "UNKNOWN")
        return Response.of_json({"error": {"code": status, "message": message, "status": reason}}, status)

    @staticmethod
    def _send(http: BaseHTTPRequestHandler, response: Response) -> None:
        try:
            http.send_response(response.status)
            http.send_header("Content-Type", response.content_type)
            http.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                http.send_header(name, value)
            http.end_headers()
            http.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass


def now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
