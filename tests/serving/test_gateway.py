"""The fallback chain against a loopback Vertex endpoint: each failure maps to the expected `source`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from serving.breaker import BreakerSettings, CircuitBreaker
from serving.contract import Question
from serving.gateway import Gateway, GatewaySettings
from tests.fakes.predict_server import Behaviour, PredictServer

from .conftest import ENDPOINT, Log

PASSWORD = Question("How do I reset my password?")
UNKNOWN = Question("What is the airspeed of an unladen swallow?")
Make = Callable[..., tuple[Gateway, Log]]


def state_of(breaker: CircuitBreaker) -> str:
    """The state as a call result: mypy does not narrow it across the calls that change it."""
    return breaker.state


def test_a_healthy_model_answers(predict_server: PredictServer, make_gateway: Make) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "3")
    gateway, log = make_gateway()
    answer = gateway.answer(PASSWORD, "req-1")
    assert (answer.source, answer.model_version, answer.request_id) == ("model", "assistant@3", "req-1")
    assert answer.answer == "[3] How do I reset my password?"
    (record,) = log
    assert (record.source, record.attempts, record.failures, record.model_version) == (
        "model", 1, (), "assistant@3"
    )


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_burst_within_the_retry_budget_still_gets_the_model(
    predict_server: PredictServer, make_gateway: Make, status: int
) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "3")
    predict_server.faults.fail(status, times=1)
    gateway, log = make_gateway()
    assert gateway.answer(PASSWORD, "r").source == "model"
    assert log[0].attempts == 2


@pytest.mark.parametrize("status", [500, 429])
def test_a_long_burst_falls_back_to_rules_then_canned(
    predict_server: PredictServer, make_gateway: Make, status: int
) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "3")
    predict_server.faults.fail(status, times=1000)
    gateway, log = make_gateway()
    answer = gateway.answer(PASSWORD, "r1")
    assert answer.source == "rules"
    assert answer.model_version is None
    assert "Forgot password" in answer.answer
    assert [f.stage for f in log[0].failures] == ["model", "model", "previous", "previous"]
    assert log[0].intent == "reset-password"
    assert log[0].rules_version is not None
    unknown = gateway.answer(UNKNOWN, "r2")
    assert unknown.source == "canned"
    assert unknown.answer == gateway.settings.canned_answer


@pytest.mark.parametrize("behaviour", ["empty", "empty_text", "malformed", "blocked", "not_json"])
def test_unusable_predictions_fall_back(
    predict_server: PredictServer, make_gateway: Make, behaviour: Behaviour
) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "3", behaviour=behaviour)
    gateway, log = make_gateway()
    assert gateway.answer(PASSWORD, "r").source == "rules"
    assert gateway.answer(UNKNOWN, "r").source == "canned"
    assert log[0].failures[0].kind == ("malformed" if behaviour == "not_json" else behaviour.split("_")[0])


def test_timeouts_answer_within_the_deadline(predict_server: PredictServer, make_gateway: Make) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "3")
    predict_server.faults.delay(1.0, times=10)
    gateway, log = make_gateway(deadline_seconds=0.6, attempt_timeout_seconds=0.25)
    answer = gateway.answer(PASSWORD, "r")
    assert answer.source == "rules"
    kinds = [f.kind for f in log[0].failures]
    assert kinds[0] == "timeout"
    assert "deadline" in kinds
    assert log[0].latency_ms < 600 + 100  # the deadline plus the fallbacks' own time


def test_a_bad_canary_is_answered_by_the_previous_version(predict_server: PredictServer, make_gateway: Make) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "4", share=10, behaviour="blocked")  # the new version
    predict_server.deploy(ENDPOINT, "assistant", "3", share=90)  # `<env>-previous`
    gateway, _ = make_gateway(canary=True)
    answers = [gateway.answer(Question(f"question {i}"), f"r{i}") for i in range(100)]
    by_source = {s: [a for a in answers if a.source == s] for s in ("model", "previous", "rules", "canned")}
    blocked = predict_server.served_by("4")
    assert 5 <= blocked <= 15  # the router sent about a tenth of the calls to the canary
    assert len(by_source["previous"]) == blocked  # every answer the canary blocked was asked again ...
    assert {a.model_version for a in by_source["previous"]} == {"assistant@3"}  # ... and answered by version 3
    assert len(by_source["model"]) == 100 - blocked
    assert not by_source["rules"]
    assert not by_source["canned"]
    assert all(a.answer.startswith("[3]") for a in answers)


def test_the_previous_stage_refuses_the_version_that_failed(predict_server: PredictServer, make_gateway: Make) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "4", share=100, behaviour="malformed")
    gateway, log = make_gateway(canary=True)
    assert gateway.answer(PASSWORD, "r").source == "rules"
    assert [f.kind for f in log[0].failures] == ["malformed", "malformed", "malformed"]  # model, previous x2


def test_the_breaker_opens_skips_the_model_and_closes_again(predict_server: PredictServer, rules: object) -> None:
    from serving.predict import EndpointTarget, PredictClient
    from serving.rules import RuleBook

    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    predict_server.deploy(ENDPOINT, "assistant", "3")
    settings = GatewaySettings(
        env="dev", retries=0, backoff_seconds=0, breaker=BreakerSettings(failures=2, cool_down_seconds=30)
    )
    assert isinstance(rules, RuleBook)
    log = Log()
    gateway = Gateway(settings, PredictClient(EndpointTarget(predict_server.base_url, ENDPOINT)), rules, log, clock)
    predict_server.faults.fail(503, times=1000)
    gateway.answer(PASSWORD, "a")  # model + previous (same breaker without a canary): 2 failures -> open
    assert state_of(gateway.breakers["model"]) == "open"
    calls = len(predict_server.calls)
    answer = gateway.answer(PASSWORD, "b")
    assert answer.source == "rules"
    assert len(predict_server.calls) == calls  # not called while open
    assert {f.kind for f in log[-1].failures} == {"circuit_open"}
    predict_server.faults.clear()
    clock.now += 30  # cool-down over: one trial call, which succeeds and closes the breaker
    assert gateway.answer(PASSWORD, "c").source == "model"
    assert state_of(gateway.breakers["model"]) == "closed"


def test_the_chain_comes_from_settings(predict_server: PredictServer, make_gateway: Make) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "3", behaviour="empty")
    gateway, log = make_gateway(fallback=("canned",))
    assert gateway.answer(PASSWORD, "r").source == "canned"
    assert [f.stage for f in log[0].failures] == ["model"]
    with pytest.raises(ValueError, match="end with `canned`"):
        GatewaySettings(env="dev", fallback=("previous", "rules"))
