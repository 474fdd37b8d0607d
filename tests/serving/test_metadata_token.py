"""Tokens from the loopback metadata server: the header it demands, reuse until expiry, clear failures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from serving.metadata_token import MetadataTokenSource, TokenError
from serving.predict import EndpointTarget, PredictClient
from tests.fakes.predict_server import PredictServer

from .conftest import ENDPOINT
from .metadata_server import MetadataServer


@pytest.fixture
def metadata() -> Iterator[MetadataServer]:
    with MetadataServer() as server:
        yield server


def test_a_token_is_fetched_once_and_reused_until_a_minute_before_it_expires(metadata: MetadataServer) -> None:
    now = [0.0]
    source = MetadataTokenSource({"GCE_METADATA_HOST": metadata.host}, clock=lambda: now[0])
    assert source() == source() == "ya29.loopback-1"
    now[0] = 3599 - 61
    assert source() == "ya29.loopback-1"
    now[0] = 3599 - 59
    assert source() == "ya29.loopback-2"
    assert (source.fetches, metadata.issued) == (2, ["ya29.loopback-1", "ya29.loopback-2"])


def test_an_unreachable_or_refusing_server_is_a_token_error(metadata: MetadataServer) -> None:
    metadata.faults.fail(500)
    with pytest.raises(TokenError, match="HTTP 500"):
        MetadataTokenSource({"GCE_METADATA_HOST": metadata.host})()
    host = metadata.host
    metadata.stop()
    with pytest.raises(TokenError, match="unreachable"):
        MetadataTokenSource({"GCE_METADATA_HOST": host}, timeout_seconds=0.5)()


def test_without_a_token_the_call_fails_as_a_connection_the_gateway_retries(
    predict_server: PredictServer, metadata: MetadataServer
) -> None:
    predict_server.deploy(ENDPOINT, "assistant", "3")
    metadata.faults.fail(503)
    client = PredictClient(
        EndpointTarget(predict_server.base_url, ENDPOINT), MetadataTokenSource({"GCE_METADATA_HOST": metadata.host})
    )
    failed = client.predict({"question": "hi"}, timeout=1.0)
    assert (getattr(failed, "kind", None), predict_server.served) == ("connection", [])
    answered = client.predict({"question": "hi"}, timeout=1.0)
    assert getattr(answered, "text", None) == "[3] hi"
