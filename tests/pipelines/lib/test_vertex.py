"""The Vertex AI paths through the real clients against loopback services: scoring (`vertexai.evaluation`) and
the candidate's Model Registry version (aiplatform, in its own interpreter: `aiplatform.init` is process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from infra.rehearsal.vertex_server import VertexServer
from pipelines.lib import vertex
from pipelines.lib.metrics import score_example
from pipelines.lib.records import QARecord
from tests.fakes.evaluation_server import EvaluationServer
from tests.fakes.fixtures import vertex_server  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[3]

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


REGISTER = """
import json, sys
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform
from pipelines.lib.vertex import register_candidate
endpoint, mode = sys.argv[1], sys.argv[2]
aiplatform.init(project="genai-dev-1234", location="europe-west4", api_endpoint=endpoint, api_transport="rest",
                credentials=AnonymousCredentials())
earlier = aiplatform.Model.upload(display_name="genai-assistant", artifact_uri="gs://acme-genai-releases/assistant/r1",
                                  serving_container_image_uri="img", labels={"team": "ml"})
tuned = {"model": earlier.resource_name} if mode == "gemini" else {"artifact_uri": "gs://root/run/model"}
print(json.dumps([
    register_candidate("genai-dev-1234", "europe-west4", "genai-assistant", tuned, "img",
                       {"pipeline-run": "genai-tuning-20261201030000"},
                       artifact_uri="gs://acme-genai-releases/assistant/candidates/genai-tuning-20261201030000/model",
                       api_endpoint=endpoint, credentials=AnonymousCredentials())
    for _ in range(2)
]))
"""


def register_twice(server: VertexServer, mode: str) -> list[dict[str, str]]:
    done = subprocess.run(  # this interpreter, fixed arguments; aiplatform.init is process-wide
        [sys.executable, "-c", REGISTER, server.base_url, mode],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    result: list[dict[str, str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


CANDIDATE_LABELS = {"pipeline-run": "genai-tuning-20261201030000", "release-stage": "candidate"}


def test_a_lora_candidate_is_uploaded_once_from_the_releases_bucket_and_labelled(
    vertex_server: VertexServer,  # noqa: F811 - the fixture
) -> None:
    first, second = register_twice(vertex_server, "lora")
    assert first == second  # the second run finds the version its run uploaded
    (name,) = vertex_server.models
    earlier, candidate = vertex_server.versions(name)
    assert first == {"model": name, "version": candidate["versionId"]}
    assert candidate["artifactUri"] == (
        "gs://acme-genai-releases/assistant/candidates/genai-tuning-20261201030000/model"
    )
    assert candidate["labels"] == CANDIDATE_LABELS
    assert vertex_server.aliases(name) == {earlier["versionId"]: ["default"], candidate["versionId"]: ["candidate"]}
    assert vertex_server.count(r"POST .*/models:upload") == 2  # the earlier release and this candidate


def test_a_gemini_tuned_model_gets_the_alias_and_labels_once(
    vertex_server: VertexServer,  # noqa: F811 - the fixture
) -> None:
    first, second = register_twice(vertex_server, "gemini")
    assert first == second
    (name,) = vertex_server.models
    (version,) = vertex_server.versions(name)
    assert version["labels"] == {"team": "ml", **CANDIDATE_LABELS}  # the model's own labels kept
    assert sorted(version["versionAliases"]) == ["candidate", "default"]
    assert vertex_server.count(r"PATCH .*/models/") == 1  # already labelled the second time
    assert vertex_server.count(r"POST .*:mergeVersionAliases") == 1
