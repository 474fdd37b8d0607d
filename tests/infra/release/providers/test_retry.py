"""The shared retry policy: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import pytest
import requests
from google.api_core import exceptions as gexc

from infra.release.providers.retry import RetriesExhausted, RetryPolicy, call_with_retry, is_retryable


def http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status}", response=response)


@pytest.mark.parametrize(
    "exc",
    [
        gexc.TooManyRequests("quota"),
        gexc.InternalServerError("boom"),
        gexc.ServiceUnavailable("down"),
        gexc.GatewayTimeout("slow"),
        http_error(429),
        http_error(503),
        requests.ReadTimeout("late"),
        requests.ConnectionError("reset"),
        TimeoutError("late"),
    ],
)
def test_transient_failures_are_retryable(exc: Exception) -> None:
    assert is_retryable(exc)


@pytest.mark.parametrize(
    "exc",
    [gexc.BadRequest("bad"), gexc.NotFound("gone"), gexc.PermissionDenied("no"), http_error(404), ValueError("x")],
)
def test_caller_errors_are_not_retryable(exc: Exception) -> None:
    assert not is_retryable(exc)


def test_backoff_doubles_up_to_the_cap_with_full_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    assert [policy.backoff(n, rng=lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert policy.backoff(3, rng=lambda: 0.25) == 1.0


def test_retries_until_success_and_sleeps_between_attempts() -> None:
    attempts: list[int] = []
    sleeps: list[float] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise gexc.ServiceUnavailable("down")
        return "ok"

    result = call_with_retry(
        flaky, RetryPolicy(max_attempts=5, base_delay=0.1), "flaky", sleep=sleeps.append, rng=lambda: 1.0
    )
    assert result == "ok"
    assert sleeps == [0.1, 0.2]


def test_gives_up_after_max_attempts_naming_the_unit() -> None:
    def always() -> None:
        raise gexc.TooManyRequests("quota")

    with pytest.raises(
        RetriesExhausted, match=r"deploy x: still failing after 3 attempts; last error: TooManyRequests"
    ) as err:
        call_with_retry(always, RetryPolicy(max_attempts=3), "deploy x", sleep=lambda _: None)
    assert isinstance(err.value.__cause__, gexc.TooManyRequests)


def test_non_retryable_errors_propagate_at_once() -> None:
    calls = []

    def bad() -> None:
        calls.append(1)
        raise gexc.BadRequest("bad")

    with pytest.raises(gexc.BadRequest):
        call_with_retry(bad, RetryPolicy(max_attempts=5), "bad", sleep=lambda _: None)
    assert calls == [1]


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
