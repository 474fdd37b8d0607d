"""One time budget per delivery: every call of a delivery retries transient failures, all within one deadline.

Pub/Sub waits for the push answer only until the subscription's ack deadline; after that it redelivers anyway,
so retries that outlive it only race the redelivery. A delivery therefore gets one budget (a little under the
ack deadline): the template download and the job create share it, each retry sleeps with backoff and full
jitter but never past the deadline, and a spent budget becomes a 503 so Pub/Sub redelivers later (with its own
backoff). A non-transient error is raised at once.

Kept free of the release providers' retry module on purpose: the subscriber ships as a Cloud Run function
whose source carries `infra/retraining/` alone, without Pulumi.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

TRANSIENT_HTTP_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class BudgetSpent(RuntimeError):
    """A call kept failing transiently until the delivery's budget ran out; carries the last error as __cause__."""


def is_transient(exc: BaseException) -> bool:
    """Throttling, server errors, timeouts and dropped connections, from google-api-core or requests."""
    import requests
    from google.api_core import exceptions as gexc

    if isinstance(exc, gexc.GoogleAPICallError):
        code = exc.code
        if isinstance(code, int):
            return code in TRANSIENT_HTTP_STATUSES
        return isinstance(exc, gexc.DeadlineExceeded | gexc.ResourceExhausted | gexc.ServiceUnavailable)
    if isinstance(exc, requests.HTTPError):
        return exc.response is not None and exc.response.status_code in TRANSIENT_HTTP_STATUSES
    return isinstance(exc, requests.Timeout | requests.ConnectionError | TimeoutError | ConnectionError)


@dataclass(frozen=True)
class Budget:
    """How long one delivery may take and how its retries back off."""

    seconds: float = 45.0
    """Total time of a delivery's calls and waits; below the subscription's ack deadline (60 s). Default 45 s."""
    base_delay: float = 0.5
    """Seconds before the first retry; doubles each retry (full jitter). Default 0.5 s."""
    max_delay: float = 8.0
    """Cap of one wait. Default 8 s."""
    call_timeout: float = 20.0
    """Longest single call; a call never gets more than what is left of the budget. Default 20 s."""

    def __post_init__(self) -> None:
        if self.seconds <= 0 or self.call_timeout <= 0:
            raise ValueError("seconds and call_timeout must be > 0")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("base_delay and max_delay must be >= 0")

    def start(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Deadline:
        """The deadline of a delivery that starts now."""
        return Deadline(self, clock() + self.seconds, clock, sleep)


@dataclass
class Deadline:
    """A started budget; `call` runs one unit under it."""

    budget: Budget
    at: float
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    attempts: int = field(default=0)
    """Calls made under this deadline so far, retries included."""

    def remaining(self) -> float:
        return max(0.0, self.at - self.clock())

    def timeout(self) -> float:
        """Seconds the next call may take: the call timeout, or what is left of the budget if less."""
        return max(0.001, min(self.budget.call_timeout, self.remaining()))

    def call(self, unit: Callable[[], T], what: str) -> T:
        """Run `unit` until it succeeds, fails for good, or the budget is spent (BudgetSpent)."""
        retry = 0
        while True:
            self.attempts += 1
            try:
                return unit()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                retry += 1
                ceiling = min(self.budget.max_delay, self.budget.base_delay * 2 ** (retry - 1))
                wait = secrets.SystemRandom().random() * ceiling
                if wait >= self.remaining():
                    raise BudgetSpent(
                        f"{what}: still failing when the delivery's {self.budget.seconds:g} s budget ran out "
                        f"({retry} attempt(s)); last error: {type(exc).__name__}: {exc}"
                    ) from exc
                self.sleep(wait)
