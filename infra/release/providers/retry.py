"""Retries with exponential backoff and full jitter, shared by every release provider.

Registry and Vertex AI calls fail transiently (429 quota, 5xx, timeouts, dropped connections); a provider
operation must survive those without doubling its side effects, so callers retry *idempotent units*
(find-or-create), never a bare create.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

RETRYABLE_HTTP_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a provider tries before it gives up.

    The defaults suit the real services (a few minutes in total); tests pass a policy with millisecond delays
    and a sub-second call timeout so fault injection runs fast.
    """

    max_attempts: int = 6
    """Calls of one unit, the first included. Default 6."""
    base_delay: float = 1.0
    """Seconds before the first retry; doubles each attempt (full jitter). Default 1 s."""
    max_delay: float = 32.0
    """Cap of one backoff delay in seconds. Default 32 s."""
    call_timeout: float = 60.0
    """Seconds one HTTP call may take before it counts as a (retryable) timeout. Default 60 s."""
    operation_timeout: float = 3600.0
    """Seconds to wait for a long-running operation (model upload, deploy). Default one hour."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("base_delay and max_delay must be >= 0")
        if self.call_timeout <= 0 or self.operation_timeout <= 0:
            raise ValueError("call_timeout and operation_timeout must be > 0")

    def backoff(self, retry_number: int, rng: Callable[[], float] = random.random) -> float:
        """Delay before retry number `retry_number` (1-based): uniform in [0, min(max, base * 2**(n-1))]."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        delay: float = rng() * ceiling
        return delay


class RetriesExhausted(RuntimeError):
    """A unit kept failing with retryable errors; carries the last one as __cause__."""


def is_retryable(exc: BaseException) -> bool:
    """True for throttling, server errors, timeouts and dropped connections, whichever client raised them."""
    import concurrent.futures

    import requests
    from google.api_core import exceptions as gexc

    if isinstance(exc, gexc.GoogleAPICallError):
        code = exc.code
        if isinstance(code, int):
            return code in RETRYABLE_HTTP_STATUSES
        return isinstance(
            exc,
            gexc.TooManyRequests
            | gexc.InternalServerError
            | gexc.BadGateway
            | gexc.ServiceUnavailable
            | gexc.GatewayTimeout
            | gexc.DeadlineExceeded
            | gexc.ResourceExhausted,
        )
    if isinstance(exc, requests.HTTPError):
        response = exc.response
        return response is not None and response.status_code in RETRYABLE_HTTP_STATUSES
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        return True
    return isinstance(exc, TimeoutError | concurrent.futures.TimeoutError | ConnectionError)


def call_with_retry(
    unit: Callable[[], T],
    policy: RetryPolicy,
    what: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> T:
    """Run `unit` until it succeeds, a non-retryable error occurs, or `policy.max_attempts` is reached.

    `what` names the unit in the final error ("upload pipeline template train@sha256:...").
    """
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return unit()
        except Exception as exc:
            if not is_retryable(exc):
                raise
            if attempt == policy.max_attempts:
                raise RetriesExhausted(
                    f"{what}: still failing after {attempt} attempts; last error: {type(exc).__name__}: {exc}"
                ) from exc
            sleep(policy.backoff(attempt, rng))
    raise AssertionError("unreachable")  # pragma: no cover


class InFlight:
    """The long-running operation a retried unit started, kept across its attempts.

    A slow operation that outlives `operation_timeout` raises a retryable timeout, but it has not failed: the
    next attempt must wait on the *same* operation rather than upload or deploy a second time. A unit calls
    `run(start)`; the first attempt starts the operation, later attempts resume polling it, so the unit's one
    retry budget covers the whole remote operation.
    """

    def __init__(self) -> None:
        self.operation: Any = None

    def run(self, start: Callable[[], Any], policy: RetryPolicy) -> Any:
        if self.operation is None:
            self.operation = start()
        try:
            result = wait_for(self.operation, policy)
        except Exception:
            if self._finished():  # it failed rather than ran long: the next attempt starts afresh
                self.operation = None
            raise
        self.operation = None
        return result

    def _finished(self) -> bool:
        try:
            return bool(self.operation.done(retry=None))
        except Exception:  # could not even ask: keep it, the next attempt polls it again
            return False


def wait_for(operation: Any, policy: RetryPolicy) -> Any:
    """The result of a long-running operation, polled with the policy's backoff (not api_core's 1 s start).

    Raises `concurrent.futures.TimeoutError` (retryable) after `policy.operation_timeout` seconds.
    """
    from google.api_core.future.polling import DEFAULT_POLLING

    polling = DEFAULT_POLLING.with_delay(
        initial=max(policy.base_delay, 0.001), maximum=max(policy.max_delay, 0.001), multiplier=2.0
    ).with_timeout(policy.operation_timeout)
    return operation.result(polling=polling)
