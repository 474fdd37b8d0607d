"""A circuit breaker: after enough consecutive failures, stop calling the model for a cool-down.

Closed: calls go through. Open: calls are skipped until the cool-down has passed. Half-open: one trial call
goes through; success closes the breaker, failure opens it for another cool-down. Thread-safe; the clock is
injectable so tests step time instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

State = Literal["closed", "open", "half_open"]


@dataclass(frozen=True)
class BreakerSettings:
    """failures: consecutive failures that open the breaker (default 5); cool_down_seconds: how long it stays
    open before one trial call (default 30)."""

    failures: int = 5
    cool_down_seconds: float = 30.0


class CircuitBreaker:
    def __init__(self, settings: BreakerSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False
        self.opened_count = 0
        """How many times the breaker has opened (for health and tests)."""

    @property
    def state(self) -> State:
        with self._lock:
            return self._state()

    def _state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.settings.cool_down_seconds:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """Whether to call now; in half-open state only the first caller gets the trial call."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half_open" and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._consecutive = 0
            self._opened_at = None
            self._trial_in_flight = False

    def release(self) -> None:
        """An allowed call that tells nothing about health (e.g. answered by another version): frees the trial."""
        with self._lock:
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._consecutive += 1
            reopen = self._trial_in_flight
            self._trial_in_flight = False
            if reopen or (self._opened_at is None and self._consecutive >= self.settings.failures):
                self._opened_at = self._clock()
                self.opened_count += 1
