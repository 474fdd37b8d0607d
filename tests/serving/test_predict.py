"""The `:predict` client against a loopback endpoint: each way of failing is told apart."""

from __future__ import annotations

import pytest

from serving.predict import EndpointTarget, PredictClient, PredictFailure, Prediction
from tests.fakes.predict_server import Behaviour, PredictServer

from .conftest import ENDPOINT

INSTANCE = {"question": "how do I reset my password?", "context": "", "request_id": "r-1"}


def client(server: PredictServer) -> PredictClient:
    return PredictClient(EndpointTarget(server.base_url, ENDPOINT))


def test_a_prediction_carries_its_model_version(predict_server: PredictServer) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "7")
    result = client(predict_server).predict(INSTANCE, timeout=2)
    assert isinstance(result, Prediction)
    assert result.text == "[7] how do I reset my password?"
    assert result.model_version == "assistant@7"
    (served,) = predict_server.served
    assert served == (ENDPOINT, "7", INSTANCE)  # the request id travels in the instance, for the request log


@pytest.mark.parametrize(
    ("behaviour", "kind"),
    [("empty", "empty"), ("empty_text", "empty"), ("malformed", "malformed"), ("blocked", "blocked"),
     ("not_json", "malformed")],
)
def test_unusable_answers_are_failures(predict_server: PredictServer, behaviour: Behaviour, kind: str) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "7", behaviour=behaviour)
    result = client(predict_server).predict(INSTANCE, timeout=2)
    assert isinstance(result, PredictFailure)
    assert result.kind == kind
    assert not result.retryable


@pytest.mark.parametrize(("status", "kind"), [(500, "server_error"), (503, "server_error"), (429, "throttled")])
def test_service_errors_are_retryable(predict_server: PredictServer, status: int, kind: str) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "7")
    predict_server.faults.fail(status)
    result = client(predict_server).predict(INSTANCE, timeout=2)
    assert isinstance(result, PredictFailure)
    assert result.kind == kind
    assert result.retryable
    assert str(status) in result.detail


def test_a_late_answer_is_a_timeout(predict_server: PredictServer) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "7")
    predict_server.faults.delay(0.5)
    result = client(predict_server).predict(INSTANCE, timeout=0.1)
    assert isinstance(result, PredictFailure)
    assert result.kind == "timeout"
    assert result.retryable
    assert result.seconds < 0.45


def test_an_unknown_endpoint_is_a_client_error(predict_server: PredictServer) -> None:
    result = client(predict_server).predict(INSTANCE, timeout=2)  # nothing deployed: 400 FAILED_PRECONDITION
    assert isinstance(result, PredictFailure)
    assert result.kind == "client_error"
    assert not result.retryable


def test_a_closed_port_is_a_connection_failure() -> None:
    with PredictServer() as server:
        url = server.base_url
    result = PredictClient(EndpointTarget(url, ENDPOINT)).predict(INSTANCE, timeout=1)
    assert isinstance(result, PredictFailure)
    assert result.kind == "connection"
    assert result.retryable


def test_the_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        PredictClient(EndpointTarget("ftp://example", ENDPOINT))
