"""The Vertex AI scoring path through the real `vertexai.evaluation` client against a loopback service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from pipelines.lib import vertex
from pipelines.lib.metrics import score_example
from pipelines.lib.records import QARecord
from tests.fakes.evaluation_server import EvaluationServer

RECORDS = [
    QARecord("a", "How long does prod keep logs?", "Prod keeps logs for 400 days.", "Prod keeps logs for 400 days."),
    QARecord("b", "Which region?", "All environments run in europe-west4.", "You idiot, it is us-central1."),
]
RAW = {  # what the service rates each metric (b is the bad answer)
    ("groundedness", "a"): 1, ("groundedness", "b"): 0,
    ("safety", "a"): 1, ("safety", "b"): 0,
    ("question_answering_quality", "a"): 5, ("question_answering_quality", "b"): 2,
    ("fluency", "a"): 5, ("fluency", "b"): 3,
    ("factuality", "a"): 1,
}  # fmt: skip


def judge(metric: str, instance: dict[str, Any]) -> float:
    example = "a" if instance["response"] == RECORDS[0].response else "b"
    return RAW[(metric, example)]


@pytest.fixture
def service() -> Iterator[EvaluationServer]:
    with EvaluationServer(judge) as server:
        yield server  # type: ignore[misc]


def score(service: EvaluationServer, references: list[str | None] | None = None) -> list[dict[str, float]]:
    found = vertex.score_with_gen_ai_evaluation(
        "acme-dev",
        "europe-west4",
        RECORDS,
        references,
        api_endpoint=service.base_url,
        credentials=AnonymousCredentials(),
        qps=1000,
        backoff_seconds=0.01,
    )
    return [s.as_dict() for s in found]


def test_service_scores_map_onto_the_local_names_and_ranges(service: EvaluationServer) -> None:
    good, bad = score(service)
    assert good == {"groundedness": 1.0, "toxicity": 0.0, "relevance": 1.0, "fluency": 1.0}
    assert bad == {"groundedness": 0.0, "toxicity": 1.0, "relevance": 0.25, "fluency": 0.5}
    asked = {metric for metric, _ in service.requests}
    assert asked == {"groundedness", "safety", "question_answering_quality", "fluency"}
    # the judge sees the context and the question in the prompt, and the response as given
    prompts = {instance["prompt"] for _, instance in service.requests}
    assert prompts == {vertex.evaluation_prompt(r) for r in RECORDS}
    assert "Context:\nProd keeps logs for 400 days." in vertex.evaluation_prompt(RECORDS[0])


def test_result_shape_equals_the_local_backend_with_and_without_a_reference(service: EvaluationServer) -> None:
    references = ["Prod keeps logs for 400 days.", None]
    remote = score(service, references)
    local = [
        score_example(r.question, r.context, r.response, ref).as_dict()
        for r, ref in zip(RECORDS, references, strict=True)
    ]
    assert [set(row) for row in remote] == [set(row) for row in local]
    assert remote[0]["factuality"] == 1.0
    assert "factuality" not in remote[1]
    factuality = [instance for metric, instance in service.requests if metric == "factuality"]
    assert factuality == [{"prompt": vertex.evaluation_prompt(RECORDS[0]), "response": RECORDS[0].response,
                           "reference": references[0]}]  # fmt: skip
    assert all(0.0 <= value <= 1.0 for row in remote for value in row.values())


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retried(service: EvaluationServer, status: int) -> None:
    service.faults.fail(status, times=3, match=r":evaluateInstances")
    assert score(service)[0]["groundedness"] == 1.0
    assert service.count(r":evaluateInstances", outcome=f"injected {status}") == 3
    assert len(service.requests) == 8  # every (example, metric) answered once in the end


def test_an_example_still_failing_after_every_attempt_is_named(service: EvaluationServer) -> None:
    service.faults.fail(500, times=1000, match=r":evaluateInstances")
    with pytest.raises(RuntimeError, match=r"no score for 8 example metric\(s\) after 4 attempts: a \(groundedness"):
        score(service)
    assert service.count(r":evaluateInstances", outcome="injected 500") == 8 * vertex.EVALUATION_ATTEMPTS
