"""The fallback chain: model, then the previous version, then rules, then a canned message.

Model stages call the endpoint with a deadline shared by the whole request and a retry budget per stage
(429, 5xx, timeouts and dropped connections are retried with backoff; empty, malformed and blocked answers
move on to the next stage). The `previous` stage means, while a canary runs, "any version but the one that
just failed": Vertex AI routes `:predict` by the endpoint's traffic split and reports which version answered
(`modelVersionId`), so the stage asks again and accepts only another version, which during a canary is the
`<env>-previous` one. Without a canary the endpoint serves one version, and the stage is one more attempt at
it, sharing the model stage's circuit breaker so an open breaker is never bypassed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from serving.answer_log import AnswerRecord, Sink, StageFailure
from serving.breaker import BreakerSettings, CircuitBreaker
from serving.contract import Answer, Limits, Question, Source
from serving.predict import PredictClient, PredictFailure, Prediction
from serving.rules import RuleBook

Stage = Literal["model", "previous", "rules", "canned"]
MIN_ATTEMPT_SECONDS = 0.02
"""An attempt needs at least this much of the deadline left; less is counted as the deadline passing."""


@dataclass(frozen=True)
class GatewaySettings:
    """How the gateway answers; built from the environment's `serving.gateway` config.

    fallback: stages after the model, in order; must end with `canned` so every request gets an answer.
    canary: whether the endpoint serves two versions (the release's `traffic_split.previous` > 0).
    """

    env: str
    fallback: tuple[Stage, ...] = ("previous", "rules", "canned")
    deadline_seconds: float = 8.0
    attempt_timeout_seconds: float = 3.0
    retries: int = 1
    backoff_seconds: float = 0.1
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    canned_answer: str = "Sorry, I cannot answer that right now. Please try again in a few minutes."
    canary: bool = False
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if not self.fallback or self.fallback[-1] != "canned":
            raise ValueError("the fallback chain must end with `canned` so every request gets an answer")


@dataclass
class _Outcome:
    prediction: Prediction | None = None
    failures: list[StageFailure] = field(default_factory=list)
    attempts: int = 0
    failed_version: str | None = None


class Gateway:
    """Answers questions; thread-safe (one instance serves every request)."""

    def __init__(
        self,
        settings: GatewaySettings,
        client: PredictClient,
        rules: RuleBook | None,
        sink: Sink,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if "rules" in settings.fallback and rules is None:
            raise ValueError("the fallback chain has `rules` but no rules file was loaded")
        self.settings = settings
        self.client = client
        self.rules = rules
        self._sink = sink
        self._clock = clock
        self._sleep = sleep
        self.breakers = {"model": CircuitBreaker(settings.breaker, clock)}
        self.breakers["previous"] = (
            CircuitBreaker(settings.breaker, clock) if settings.canary else self.breakers["model"]
        )
        self._lock = threading.Lock()
        self.answered: dict[Source, int] = {"model": 0, "previous": 0, "rules": 0, "canned": 0}

    def answer(self, question: Question, request_id: str) -> Answer:
        started = self._clock()
        deadline = started + self.settings.deadline_seconds
        instance = {"question": question.question, "context": question.context, "request_id": request_id}
        failures: list[StageFailure] = []
        attempts = 0
        failed_version: str | None = None
        result: tuple[str, Source, str | None] | None = None
        intent: str | None = None
        for stage in ("model", *self.settings.fallback):
            if stage in ("model", "previous"):
                avoid = failed_version if stage == "previous" and self.settings.canary else None
                outcome = self._call_model(stage, instance, deadline, avoid)
                failures += outcome.failures
                attempts += outcome.attempts
                failed_version = failed_version or outcome.failed_version
                if outcome.prediction is not None:
                    result = (outcome.prediction.text, stage, outcome.prediction.model_version)
                    break
            elif stage == "rules":
                assert self.rules is not None  # noqa: S101 - the rules stage is in the chain only with rules
                match = self.rules.match(question.question)
                if match is not None:
                    result, intent = (match.answer, "rules", None), match.intent
                    break
                failures.append(StageFailure("rules", "no_match", "no rule's keywords are in the question"))
            else:
                result = (self.settings.canned_answer, "canned", None)
                break
        assert result is not None  # noqa: S101 - the chain ends with canned
        text, source, version = result
        with self._lock:
            self.answered[source] += 1
        self._sink(
            AnswerRecord(
                request_id=request_id,
                source=source,
                latency_ms=(self._clock() - started) * 1000,
                model_version=version,
                env=self.settings.env,
                endpoint=self.client.target.endpoint,
                attempts=attempts,
                failures=tuple(failures),
                rules_version=self.rules.label if self.rules is not None and source == "rules" else None,
                intent=intent,
                session=question.session,
            )
        )
        return Answer(text, source, version, request_id)

    def _call_model(
        self, stage: Stage, instance: dict[str, str], deadline: float, avoid_version: str | None
    ) -> _Outcome:
        """Attempts at the endpoint within the retry budget and the deadline."""
        outcome = _Outcome()
        breaker = self.breakers[stage]
        for attempt in range(self.settings.retries + 1):
            remaining = deadline - self._clock()
            if remaining < MIN_ATTEMPT_SECONDS:
                outcome.failures.append(StageFailure(stage, "deadline", "the request's deadline has passed"))
                return outcome
            if not breaker.allow():
                outcome.failures.append(StageFailure(stage, "circuit_open", f"breaker {breaker.state}; not called"))
                return outcome
            outcome.attempts += 1
            result = self.client.predict(instance, min(self.settings.attempt_timeout_seconds, remaining))
            if isinstance(result, Prediction):
                breaker.record_success()
                if avoid_version is not None and result.model_version == avoid_version:
                    outcome.failures.append(
                        StageFailure(stage, "same_version", f"answered by {avoid_version}, the version that failed")
                    )
                    continue
                outcome.prediction = result
                return outcome
            failure: PredictFailure = result
            outcome.failures.append(StageFailure(stage, failure.kind, failure.detail))
            outcome.failed_version = outcome.failed_version or failure.model_version
            if avoid_version is not None and failure.model_version == avoid_version:
                breaker.release()  # routed to the version that failed before: says nothing of the one wanted
                continue
            if failure.kind == "blocked":
                breaker.record_success()  # the model is up; this answer was stopped
                return outcome
            breaker.record_failure()
            if not failure.retryable:
                return outcome
            if attempt < self.settings.retries:
                pause = min(self.settings.backoff_seconds * (2**attempt), max(deadline - self._clock(), 0.0))
                if pause > 0:
                    self._sleep(pause)
        return outcome
