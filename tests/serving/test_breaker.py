"""The circuit breaker opens after consecutive failures, lets one trial through after the cool-down."""

from __future__ import annotations

from serving.breaker import BreakerSettings, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def state_of(breaker: CircuitBreaker) -> str:
    """The state as a call result: mypy does not narrow it across the calls that change it."""
    return breaker.state


def test_opens_after_consecutive_failures_only() -> None:
    breaker = CircuitBreaker(BreakerSettings(failures=3, cool_down_seconds=10), Clock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # a success resets the count
    breaker.record_failure()
    breaker.record_failure()
    assert state_of(breaker) == "closed"
    assert breaker.allow()
    breaker.record_failure()
    assert state_of(breaker) == "open"
    assert not breaker.allow()
    assert breaker.opened_count == 1


def test_half_open_trial_closes_or_reopens() -> None:
    clock = Clock()
    breaker = CircuitBreaker(BreakerSettings(failures=1, cool_down_seconds=10), clock)
    breaker.record_failure()
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.2
    assert state_of(breaker) == "half_open"
    assert breaker.allow()  # the one trial call
    assert not breaker.allow()  # nobody else while it is in flight
    breaker.record_failure()  # trial failed: open for another cool-down
    assert state_of(breaker) == "open"
    assert breaker.opened_count == 2
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert state_of(breaker) == "closed"
    assert breaker.allow()
    assert breaker.allow()
