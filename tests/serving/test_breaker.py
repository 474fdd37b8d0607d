"""The circuit breaker opens after consecutive failures, lets one trial through after the cool-down."""

from __future__ import annotations

from serving.breaker import BreakerSettings, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_only() -> None:
    breaker = CircuitBreaker(BreakerSettings(failures=3, cool_down_seconds=10), Clock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # a success resets the count
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed"
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    assert breaker.opened_count == 1


def test_half_open_trial_closes_or_reopens() -> None:
    clock = Clock()
    breaker = CircuitBreaker(BreakerSettings(failures=1, cool_down_seconds=10), clock)
    breaker.record_failure()
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.state == "half_open"
    assert breaker.allow()  # the one trial call
    assert not breaker.allow()  # nobody else while it is in flight
    breaker.record_failure()  # trial failed: open for another cool-down
    assert breaker.state == "open"
    assert breaker.opened_count == 2
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow()
    assert breaker.allow()
