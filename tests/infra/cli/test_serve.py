"""`mlops serve --local` as a user runs it: a real process on loopback in front of a fake `:predict` endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from infra.cli.app import main
from infra.cli.serve import endpoint_resource, gateway_settings
from infra.components.gateway_config import canary_running
from infra.config.loader import load_environment
from infra.release.store import find_manifest
from tests.checkout import PROJECT, ROOT
from tests.fakes.predict_server import PredictServer


@contextmanager
def mlops_serve(*args: str) -> Iterator[str]:
    """Start `mlops serve ... --port 0`; yield the URL it prints; stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.cli.app", "serve", *args, "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert " listening on http://127.0.0.1:" in line, line + proc.stderr.read()
        yield line.split(" listening on ", 1)[1].split()[0]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def ask(url: str, question: str) -> tuple[dict[str, Any], float]:
    request = urllib.request.Request(
        f"{url}/v1/answer",
        data=json.dumps({"question": question}).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read()), time.monotonic() - started


def test_a_healthy_endpoint_answers_from_the_model() -> None:
    cfg = load_environment("dev", PROJECT)
    with PredictServer() as fake:
        fake.deploy(endpoint_resource(cfg), "assistant", "12")
        with mlops_serve("--env", "dev", "--local", "--endpoint-url", fake.base_url) as url:
            answer, _ = ask(url, "How do I reset my password?")
    assert answer["source"] == "model"
    assert answer["model_version"] == "assistant@12"
    assert answer["answer"] == "[12] How do I reset my password?"


def test_an_endpoint_failing_every_call_gets_rules_or_canned_within_the_deadline() -> None:
    cfg = load_environment("dev", PROJECT)
    deadline = cfg.serving.gateway.deadline_ms / 1000
    with PredictServer() as fake:
        fake.deploy(endpoint_resource(cfg), "assistant", "12")
        fake.faults.fail(500, times=10_000)
        with mlops_serve("--env", "dev", "--local", "--endpoint-url", fake.base_url) as url:
            rules, rules_seconds = ask(url, "How do I reset my password?")
            canned, canned_seconds = ask(url, "Tell me a joke")
    assert rules["source"] == "rules"
    assert "Forgot password" in rules["answer"]
    assert canned["source"] == "canned"
    assert canned["answer"] == cfg.serving.gateway.canned_answer
    assert rules_seconds < deadline
    assert canned_seconds < deadline


def test_settings_come_from_the_environment() -> None:
    cfg = load_environment("prod", PROJECT)
    manifest = find_manifest("prod", cfg, PROJECT)
    settings = gateway_settings(cfg, manifest)
    g = cfg.serving.gateway
    assert settings.fallback == tuple(g.fallback)
    assert settings.deadline_seconds == g.deadline_ms / 1000
    assert settings.breaker.failures == g.breaker.failures
    assert settings.canary == canary_running(cfg, manifest)
    assert endpoint_resource(cfg).startswith(f"projects/{cfg.project.id}/locations/{cfg.region}/endpoints/")


def test_without_local_it_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--env", "dev"]) == 2
    assert "--local" in capsys.readouterr().err


def test_a_bad_endpoint_url_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--env", "dev", "--local", "--endpoint-url", "ftp://x", "--port", "0"]) == 2
    assert "--endpoint-url" in capsys.readouterr().err
