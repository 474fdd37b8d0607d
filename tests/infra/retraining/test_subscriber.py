"""The retraining subscriber over HTTP: real push / CloudEvent deliveries, the real aiplatform client against
loopback Vertex AI, KFP registry and Pub/Sub servers. One request id makes one pipeline run."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from infra.rehearsal.kfp_registry_server import KfpRegistryServer
from infra.release.providers.clients import registry_client
from infra.retraining.budget import Budget
from infra.retraining.request import RetrainingRequest, SubscriberSettings
from infra.retraining.subscriber import PUBLISHED, entry, make_app
from pipelines.catalog import PIPELINES
from pipelines.compile import compile_bytes
from tests.fakes.pipeline_jobs_server import PipelineJobsServer
from tests.fakes.pubsub_server import PubSubServer

PROJECT, LOCATION = "acme-genai-dev", "europe-west4"
EVENTS = f"projects/{PROJECT}/topics/genai-dev-model-events"
FAST = Budget(seconds=3.0, base_delay=0.01, max_delay=0.05, call_timeout=1.5)
"""A delivery budget of seconds, so fault tests run fast."""
PARAMETERS = {"backend": "vertex-gemini-sft", "project": PROJECT, "dataset_uri": "gs://acme-genai-dev-datasets/t.jsonl"}


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: ARG002 - the test servers log nothing
        return


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("template") / "tuning.yaml"
    path.write_bytes(compile_bytes(PIPELINES["tuning"]))
    return path, "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def world(template: tuple[Path, str]) -> Iterator[tuple[str, PipelineJobsServer, PubSubServer, SubscriberSettings]]:
    registry, vertex, pubsub = KfpRegistryServer(), PipelineJobsServer(), PubSubServer()
    for server in (registry, vertex, pubsub):
        server.start()
    host = registry.host(PROJECT, "genai-dev-pipelines")
    registry_client(host).upload_pipeline(file_name=str(template[0]), tags=["release"])
    settings = SubscriberSettings(
        env="dev",
        project=PROJECT,
        location=LOCATION,
        template_uri=f"{host}/genai-tuning/{template[1]}",
        pipeline_root=f"gs://{PROJECT}-pipeline-root/runs",
        service_account=f"pipelines@{PROJECT}.iam.gserviceaccount.com",
        events_topic=EVENTS,
        parameter_values=PARAMETERS,
        vertex_endpoint=vertex.base_url,
        pubsub_endpoint=pubsub.base_url,
    )
    httpd: WSGIServer = make_server("127.0.0.1", 0, make_app(settings, FAST), handler_class=_Quiet)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/", vertex, pubsub, settings
    finally:
        httpd.shutdown()
        for server in (registry, vertex, pubsub):
            server.stop()


def request_data(request_id: str = "feedback-2026-12-01T06:00Z", env: str = "dev") -> dict[str, str]:
    return {
        "request_id": request_id,
        "env": env,
        "reason": "negative feedback share 0.21 > 0.15 over 24 h",
        "requested_at": "2026-12-01T06:00:00Z",
    }


def envelope(data: object, message_id: str = "1", attempt: int | None = None) -> dict[str, object]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    document: dict[str, object] = {
        "message": {"data": base64.b64encode(raw).decode(), "messageId": message_id},
        "subscription": f"projects/{PROJECT}/subscriptions/genai-dev-retraining-requests",
    }
    if attempt is not None:
        document["deliveryAttempt"] = attempt
    return document


def post(url: str, body: object, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def cloud_event(url: str, body: object, message_id: str = "1") -> tuple[int, dict[str, Any]]:
    """Binary-mode CloudEvent, as Eventarc delivers a Pub/Sub message to a Cloud Run function."""
    return post(
        url,
        body,
        {
            "Content-Type": "application/json",
            "ce-id": message_id,
            "ce-specversion": "1.0",
            "ce-type": PUBLISHED,
            "ce-source": f"//pubsub.googleapis.com/{EVENTS}",
        },
    )


def test_a_request_delivered_twice_submits_one_run_and_records_it_once(
    world: tuple[str, PipelineJobsServer, PubSubServer, SubscriberSettings],
) -> None:
    url, vertex, pubsub, settings = world
    first = cloud_event(url, envelope(request_data(), "101"), "101")
    again = cloud_event(url, envelope(request_data(), "102"), "102")  # redelivery: same request, new message
    assert first[0] == again[0] == 200, (first, again)
    assert first[1]["duplicate"] is False
    assert again[1]["duplicate"] is True
    job_name = f"projects/{PROJECT}/locations/{LOCATION}/pipelineJobs/retrain-feedback-2026-12-01t06-00z"
    assert first[1]["job"] == again[1]["job"] == job_name
    assert list(vertex.pipeline_jobs) == [job_name]
    assert vertex.count(r"POST .*/pipelineJobs", outcome=None) == 2  # the second create met ALREADY_EXISTS
    job = vertex.pipeline_jobs[job_name]
    assert job["templateUri"] == settings.template_uri
    assert job["serviceAccount"] == settings.service_account
    assert job["pipelineSpec"]["pipelineInfo"]["name"] == "genai-tuning"
    assert job["runtimeConfig"]["parameterValues"]["dataset_uri"] == PARAMETERS["dataset_uri"]
    [event] = pubsub.published[EVENTS]
    assert json.loads(event["data"]) == {**request_data(), "event": "retraining_submitted", "job": job_name}


def test_structured_cloud_events_and_plain_push_requests_are_accepted(
    world: tuple[str, PipelineJobsServer, PubSubServer, SubscriberSettings],
) -> None:
    url, vertex, _, _ = world
    structured = {
        "specversion": "1.0",
        "id": "7",
        "type": PUBLISHED,
        "source": "//pubsub",
        "data": envelope(request_data("drift-1")),
    }
    assert post(url, structured, {"Content-Type": "application/cloudevents+json"})[0] == 200
    assert post(url, envelope(request_data("quality-1")), {"Content-Type": "application/json"})[0] == 200
    assert len(vertex.pipeline_jobs) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "message data is not JSON"),
        ({"request_id": "x"}, "lacks string field(s) env, reason, requested_at"),
        ({**request_data(), "request_id": "no spaces allowed"}, "request_id 'no spaces allowed' must be"),
        (request_data(env="prod"), "request for environment 'prod' reached the subscriber of 'dev'"),
    ],
)
def test_a_malformed_request_is_refused_for_the_dead_letters(
    world: tuple[str, PipelineJobsServer, PubSubServer, SubscriberSettings], data: object, message: str
) -> None:
    url, vertex, pubsub, _ = world
    status, answer = cloud_event(url, envelope(data))
    assert status == 400
    assert message in answer["error"]
    assert vertex.pipeline_jobs == {}
    assert pubsub.published == {}


def test_an_unavailable_vertex_asks_for_redelivery_and_the_redelivery_submits(
    world: tuple[str, PipelineJobsServer, PubSubServer, SubscriberSettings],
) -> None:
    url, vertex, pubsub, _ = world
    vertex.faults.fail(503, times=1000, match="pipelineJobs")
    status, answer = cloud_event(url, envelope(request_data()))
    assert status == 503
    assert "BudgetSpent" in answer["error"]
    assert f"{FAST.seconds:g} s budget" in answer["error"]
    # the creates were refused until the budget ran out (on a loaded machine the last error may be a timeout)
    assert vertex.count(r"POST .*/pipelineJobs", outcome=None) >= 1
    assert vertex.pipeline_jobs == {}
    assert pubsub.published == {}
    vertex.faults.clear()
    assert cloud_event(url, envelope(request_data()))[0] == 200
    assert len(vertex.pipeline_jobs) == 1


def test_a_template_that_does_not_match_its_pinned_digest_is_not_run(
    world: tuple[str, PipelineJobsServer, PubSubServer, SubscriberSettings],
) -> None:
    _, vertex, _, settings = world
    host = settings.template_uri.rsplit("/", 2)[0]
    wrong = make_app(replace(settings, template_uri=f"{host}/genai-tuning/sha256:{'0' * 64}"), FAST)
    responses: list[str] = []
    body = json.dumps(envelope(request_data())).encode()
    import io

    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": "application/json",
    }
    answer = json.loads(b"".join(wrong(environ, lambda status, _headers: responses.append(status))))
    assert responses == ["503 Service Unavailable"]
    assert "sha256:" + "0" * 64 in answer["error"]
    assert vertex.pipeline_jobs == {}


def test_job_ids_are_deterministic_and_valid() -> None:
    request = RetrainingRequest("Quality:Run_42.b", "dev", "r", "t")
    assert (
        request.job_id()
        == "retrain-quality-run-42-b"
        == RetrainingRequest.from_json(
            json.dumps({"request_id": "Quality:Run_42.b", "env": "dev", "reason": "r", "requested_at": "t"}).encode()
        ).job_id()
    )


def test_a_create_that_timed_out_after_taking_effect_is_found_and_recorded_once(
    world: tuple[str, PipelineJobsServer, PubSubServer, SubscriberSettings],
) -> None:
    url, vertex, pubsub, _ = world
    vertex.faults.delay(3.5, times=1, match="POST .*pipelineJobs")  # created, but the answer comes too late
    status, answer = post(url, envelope(request_data()), {"Content-Type": "application/json"})
    assert status == 200, answer
    assert answer["duplicate"] is False
    assert len(vertex.pipeline_jobs) == 1
    assert len(pubsub.published[EVENTS]) == 1


def test_a_run_not_recorded_is_recorded_by_the_redelivery_and_only_then(
    world: tuple[str, PipelineJobsServer, PubSubServer, SubscriberSettings],
) -> None:
    url, vertex, pubsub, _ = world
    pubsub.faults.fail(503, times=1000)
    status, answer = post(url, envelope(request_data(), "5", attempt=1), {"Content-Type": "application/json"})
    assert status == 503
    assert "started but not recorded" in answer["error"]
    assert len(vertex.pipeline_jobs) == 1
    assert pubsub.published == {}
    pubsub.faults.clear()
    redelivered = post(url, envelope(request_data(), "5", attempt=2), {"Content-Type": "application/json"})
    assert redelivered[0] == 200
    assert redelivered[1]["duplicate"] is True
    assert len(pubsub.published[EVENTS]) == 1
    # The same request published again later (a new message, first attempt): no second run, no second record.
    assert post(url, envelope(request_data(), "6", attempt=1), {"Content-Type": "application/json"})[0] == 200
    assert len(vertex.pipeline_jobs) == 1
    assert len(pubsub.published[EVENTS]) == 1


class _FrameworkRequest:
    """The three members the Functions Framework's (flask) request offers the entry point."""

    def __init__(self, method: str, body: bytes, headers: dict[str, str]) -> None:
        self.method, self._body, self.headers = method, body, headers

    def get_data(self) -> bytes:
        return self._body


def test_the_deployed_entry_point_reads_its_settings_from_the_environment(
    world: tuple[str, PipelineJobsServer, PubSubServer, SubscriberSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, vertex, pubsub, settings = world
    for key, value in {
        "ENV": "dev",
        "PROJECT": PROJECT,
        "LOCATION": LOCATION,
        "TEMPLATE_URI": settings.template_uri,
        "PIPELINE_ROOT": settings.pipeline_root,
        "SERVICE_ACCOUNT": settings.service_account,
        "EVENTS_TOPIC": EVENTS,
        "PARAMETER_VALUES": json.dumps(PARAMETERS),
        "VERTEX_ENDPOINT": vertex.base_url,
        "PUBSUB_ENDPOINT": pubsub.base_url,
    }.items():
        monkeypatch.setenv(f"RETRAINING_{key}", value)
    body = json.dumps(envelope(request_data("entry-1"))).encode()
    text, status, headers = entry(_FrameworkRequest("POST", body, {"Content-Type": "application/json"}))
    assert status == 200
    assert headers == {"Content-Type": "application/json"}
    assert json.loads(text)["job"].endswith("/pipelineJobs/retrain-entry-1")
    assert entry(_FrameworkRequest("GET", b"", {}))[1] == 405
