"""A loopback `:predict` endpoint and a gateway wired to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from serving.answer_log import AnswerRecord
from serving.breaker import BreakerSettings
from serving.gateway import Gateway, GatewaySettings
from serving.predict import EndpointTarget, PredictClient
from serving.rules import RuleBook, load_rules
from tests.fakes.predict_server import PredictServer

ENDPOINT = "projects/acme-genai-dev/locations/europe-west4/endpoints/3567261977"
RULES = Path(__file__).resolve().parents[2] / "serving" / "rules" / "assistant.yaml"
FAST = GatewaySettings(
    env="dev",
    deadline_seconds=2.0,
    attempt_timeout_seconds=0.5,
    retries=1,
    backoff_seconds=0.01,
    breaker=BreakerSettings(failures=3, cool_down_seconds=30),
)


@pytest.fixture
def predict_server() -> Iterator[PredictServer]:
    with PredictServer() as server:
        yield server


@pytest.fixture(scope="session")
def rules() -> RuleBook:
    return load_rules(RULES)


class Log(list[AnswerRecord]):
    def __call__(self, record: AnswerRecord) -> None:
        self.append(record)


@pytest.fixture
def make_gateway(predict_server: PredictServer, rules: RuleBook) -> Callable[..., tuple[Gateway, Log]]:
    def make(**overrides: object) -> tuple[Gateway, Log]:
        log = Log()
        settings = replace(FAST, **overrides)  # type: ignore[arg-type]
        client = PredictClient(EndpointTarget(predict_server.base_url, ENDPOINT))
        return Gateway(settings, client, rules, log), log

    return make
