"""One delivery, one budget: transient failures are retried with backoff, never past the deadline."""

from __future__ import annotations

import pytest
import requests
from google.api_core import exceptions as gexc

from infra.retraining.budget import Budget, BudgetSpent, is_transient


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


class Failing:
    """A unit that raises `error` its first `times` calls, then answers "done"."""

    def __init__(self, times: int, error: Exception) -> None:
        self.times, self.error, self.calls = times, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return "done"


def test_transient_failures_are_retried_within_one_deadline_shared_by_every_call() -> None:
    clock = Clock()
    deadline = Budget(seconds=10, base_delay=1, max_delay=2).start(clock, clock.sleep)
    assert deadline.call(Failing(2, gexc.ServiceUnavailable("busy")), "first") == "done"
    assert deadline.call(Failing(1, requests.ConnectionError("reset")), "second") == "done"
    assert deadline.attempts == 5
    assert all(0 <= w <= 2 for w in clock.waits)
    assert deadline.remaining() == pytest.approx(10 - sum(clock.waits))


def test_a_spent_budget_names_the_call_and_the_last_error() -> None:
    clock = Clock()
    deadline = Budget(seconds=3, base_delay=1, max_delay=1).start(clock, clock.sleep)
    with pytest.raises(BudgetSpent, match=r"create job: still failing when the delivery's 3 s budget ran out"):
        deadline.call(Failing(10_000, gexc.TooManyRequests("quota")), "create job")
    assert clock.now <= 3


def test_a_call_never_gets_more_time_than_is_left() -> None:
    clock = Clock()
    deadline = Budget(seconds=5, call_timeout=20).start(clock, clock.sleep)
    assert deadline.timeout() == 5
    clock.now = 4.5
    assert deadline.timeout() == pytest.approx(0.5)


def test_permanent_errors_are_raised_at_once() -> None:
    deadline = Budget().start()
    unit = Failing(1, gexc.PermissionDenied("no"))
    with pytest.raises(gexc.PermissionDenied):
        deadline.call(unit, "create")
    assert unit.calls == 1


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (gexc.ServiceUnavailable("x"), True),
        (gexc.TooManyRequests("x"), True),
        (gexc.InternalServerError("x"), True),
        (gexc.NotFound("x"), False),
        (gexc.Conflict("x"), False),
        (requests.Timeout(), True),
        (TimeoutError(), True),
        (ValueError("x"), False),
    ],
)
def test_what_counts_as_transient(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient
