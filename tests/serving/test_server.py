"""The HTTP API on loopback: 400s name the field, never a 500; a bounded load loses no request."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from serving.gateway import Gateway
from serving.server import GatewayServer
from tests.fakes.predict_server import PredictServer

from .conftest import ENDPOINT, Log


@pytest.fixture
def server(predict_server: PredictServer, make_gateway: Callable[..., tuple[Gateway, Log]]) -> Iterator[GatewayServer]:
    predict_server.deploy(ENDPOINT, "assistant", "3")
    gateway, _ = make_gateway()
    with GatewayServer(gateway, port=0) as running:
        yield running


def call(server: GatewayServer, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any], dict[str, str]]:
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, json.loads(response.read()), dict(response.getheaders())
    finally:
        conn.close()


def test_an_answer_has_the_pinned_shape(server: GatewayServer) -> None:
    status, payload, headers = call(
        server, "POST", "/v1/answer", json.dumps({"question": "hello", "session": "s1"}).encode(),
        {"X-Request-Id": "trace-42"},
    )
    assert status == 200
    assert payload == {"answer": "[3] hello", "source": "model", "model_version": "assistant@3",
                       "request_id": "trace-42"}
    assert headers["X-Request-Id"] == "trace-42"


def test_a_request_id_is_made_when_none_or_an_odd_one_is_given(server: GatewayServer) -> None:
    _, first, _ = call(server, "POST", "/v1/answer", b'{"question": "a"}')
    _, second, _ = call(server, "POST", "/v1/answer", b'{"question": "a"}', {"X-Request-Id": "bad id\twith tab"})
    assert len(first["request_id"]) == 32
    assert len(second["request_id"]) == 32
    assert first["request_id"] != second["request_id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"{}", "question"),
        (b'{"question": ""}', "question"),
        (b'{"question": "hi", "context": 3}', "context"),
        (b"x" * 20_000, "body"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(server: GatewayServer, body: bytes, field: str) -> None:
    status, payload, _ = call(server, "POST", "/v1/answer", body, {"Content-Type": "application/json"})
    assert status == 400
    assert payload["error"]["field"] == field
    assert payload["error"]["message"]
    assert payload["error"]["request_id"]


def test_health_and_unknown_routes(server: GatewayServer) -> None:
    status, health, _ = call(server, "GET", "/healthz")
    assert status == 200
    assert health["status"] == "ok"
    assert health["breakers"] == {"model": "closed", "previous": "closed"}
    assert health["endpoint"] == ENDPOINT
    assert health["rules_version"].startswith("assistant-rules-")
    assert call(server, "GET", "/v1/answer")[0] == 404
    assert call(server, "DELETE", "/v1/answer")[0] == 405


def test_a_bounded_load_loses_no_request(predict_server: PredictServer, server: GatewayServer) -> None:
    """200 requests from 16 clients while the endpoint answers 503 to its first 40 calls: every request gets an
    answer, and the open breaker spares the endpoint the rest of the burst."""
    predict_server.faults.fail(503, times=40)

    def ask(i: int) -> tuple[int, dict[str, Any]]:
        status, payload, _ = call(server, "POST", "/v1/answer", json.dumps({"question": f"q {i}"}).encode(),
                                  {"X-Request-Id": f"load-{i}"})
        return status, payload

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(ask, range(200)))
    assert all(status == 200 for status, _ in results)
    assert sorted(p["request_id"] for _, p in results) == sorted(f"load-{i}" for i in range(200))
    assert all(p["answer"] for _, p in results)
    _, health, _ = call(server, "GET", "/healthz")
    assert sum(health["answered"].values()) == 200
    assert health["breakers"]["model"] == "open"  # 3 consecutive failures opened it (30 s cool-down)
    assert health["answered"]["canned"] + health["answered"]["rules"] == 200 - health["answered"]["model"]
    assert len(predict_server.calls) < 100  # far fewer calls than 200 requests x 4 attempts


def test_a_bounded_load_on_a_healthy_model_is_all_model(predict_server: PredictServer, server: GatewayServer) -> None:
    def ask(i: int) -> dict[str, Any]:
        return call(server, "POST", "/v1/answer", json.dumps({"question": f"q {i}"}).encode())[1]

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(ask, range(200)))
    assert [a["answer"] for a in answers] == [f"[3] q {i}" for i in range(200)]
    assert {a["source"] for a in answers} == {"model"}
    assert predict_server.served_by("3") == 200
