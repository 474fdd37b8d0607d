"""`python -m serving` as the container runs it: a real process on loopback, in front of the loopback endpoint."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serving import settings as s
from tests.fakes.predict_server import PredictServer

from .conftest import ENDPOINT
from .metadata_server import MetadataServer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = {"question": "How do I reset my password?"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Entrypoint:
    """The entrypoint process with its stdout (answer log) and stderr captured."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.port = int(environ[s.PORT])
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **environ}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "serving"], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def wait_listening(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"entrypoint exited {self.process.returncode}: {self.process.stderr.read()}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the entrypoint did not listen in time")

    def post(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", "/v1/answer", body=json.dumps(payload), headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def terminate(self) -> tuple[int, str, str]:
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=10)
        return self.process.returncode, out, err


@pytest.fixture
def entrypoint(predict_server: PredictServer) -> Iterator[Entrypoint]:
    predict_server.deploy(ENDPOINT, "assistant", "7")
    running = Entrypoint(
        {s.ENV: "dev", s.ENDPOINT: ENDPOINT, s.API_URL: predict_server.base_url, s.HOST: "127.0.0.1",
         s.PORT: str(free_port()), s.DEADLINE_MS: "2000", s.ATTEMPT_TIMEOUT_MS: "500", s.BACKOFF_MS: "10"}
    )
    running.wait_listening()
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.communicate()


def test_the_entrypoint_answers_from_the_model_logs_each_answer_and_stops_on_sigterm(
    entrypoint: Entrypoint, predict_server: PredictServer
) -> None:
    status, answer = entrypoint.post(PASSWORD)
    assert (status, answer["source"], answer["model_version"]) == (200, "model", "assistant@7")
    assert predict_server.served[-1][2]["request_id"] == answer["request_id"]
    code, out, err = entrypoint.terminate()
    assert code == 0, err
    (line,) = out.splitlines()
    assert json.loads(line)["gateway_answer"]["request_id"] == answer["request_id"]
    assert f"listening on http://127.0.0.1:{entrypoint.port}" in err


def test_with_a_failing_endpoint_the_entrypoint_answers_from_the_rules_within_the_deadline(
    entrypoint: Entrypoint, predict_server: PredictServer
) -> None:
    predict_server.faults.fail(500, times=1000)
    started = time.monotonic()
    status, answer = entrypoint.post(PASSWORD)
    assert (status, answer["source"], answer["model_version"]) == (200, "rules", None)
    assert time.monotonic() - started < 2.0 + 1.0


def test_in_the_cloud_the_entrypoint_calls_with_the_identity_s_token_from_the_metadata_server(
    predict_server: PredictServer,
) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "7")
    with MetadataServer() as metadata:
        running = Entrypoint(
            {s.ENV: "dev", s.ENDPOINT: ENDPOINT, s.API_URL: predict_server.base_url, s.AUTH: "metadata",
             "GCE_METADATA_HOST": metadata.host, s.HOST: "127.0.0.1", s.PORT: str(free_port())}
        )
        running.wait_listening()
        try:
            assert [running.post(PASSWORD)[1]["source"] for _ in range(3)] == ["model"] * 3
        finally:
            code, _, err = running.terminate()
    assert code == 0, err
    assert metadata.issued == ["ya29.loopback-1"]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({s.ENV: "dev"}, "GATEWAY_ENDPOINT: is not set"),
        ({s.ENV: "dev", s.ENDPOINT: ENDPOINT, s.RULES_FILE: "serving/rules/missing.yaml"}, "cannot be read"),
        ({s.ENV: "dev", s.ENDPOINT: ENDPOINT, s.PORT: "http"}, "PORT: found 'http'"),
    ],
)
def test_bad_settings_exit_2_naming_the_variable_without_a_traceback(environ: dict[str, str], named: str) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **environ}
    done = subprocess.run(
        [sys.executable, "-m", "serving"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 2
    assert named in done.stderr
    assert "Traceback" not in done.stderr


def test_sigterm_lets_the_request_in_flight_finish_before_exiting(
    entrypoint: Entrypoint, predict_server: PredictServer
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    predict_server.faults.delay(0.4)
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(entrypoint.post, PASSWORD)
        deadline = time.monotonic() + 5
        while not predict_server.calls and time.monotonic() < deadline:
            time.sleep(0.01)
        code, _, err = entrypoint.terminate()
        status, answer = in_flight.result(timeout=10)
    assert (status, answer["source"]) == (200, "model")
    assert code == 0, err
