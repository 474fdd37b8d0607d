"""A candidate published into the shared releases bucket: files copied server-side, report and record beside
them; a second run of the step leaves one copy and the same record. The real google-cloud-storage client
against the loopback Cloud Storage server (JSON API)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage  # type: ignore[attr-defined, unused-ignore]

from pipelines.lib.candidate import candidate_record
from pipelines.lib.candidate_bundle import candidate_prefix, publish_candidate
from tests.fakes.gcs_server import GcsServer

ROOT, RELEASES = "genai-dev-1234-pipeline-root", "acme-genai-releases"
SOURCE = f"gs://{ROOT}/runs/genai-tuning-20261201030000/tune/model"
REPORT = json.dumps({"passed": True, "metrics": {"groundedness": 0.91234, "toxicity": 0.0}}).encode()
RUN = "genai-tuning-20261201030000"


@pytest.fixture
def gcs() -> Iterator[GcsServer]:
    server = GcsServer()
    server.start()
    try:
        server.put(ROOT, "runs/genai-tuning-20261201030000/tune/model/tuned.json", b'{"model": "m"}')
        server.put(ROOT, "runs/genai-tuning-20261201030000/tune/model/adapter/weights.bin", b"\x00\x01" * 512)
        server.put(ROOT, "runs/genai-tuning-20261201030000/tune/model-other/x", b"not part of the model")
        server.put(RELEASES, "README", b"the shared releases bucket")
        yield server
    finally:
        server.stop()


def client_of(server: GcsServer) -> Any:
    return storage.Client(
        project="acme-genai-artifacts",
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call, unused-ignore]
        client_options={"api_endpoint": server.base_url},
    )


def record_for(artifact_uri: str, report: str) -> dict[str, Any]:
    return candidate_record(
        model="assistant", artifact_uri=artifact_uri, serving_image="img@sha256:" + "a" * 64, tuning_run=RUN,
        pipeline_digest="sha256:" + "b" * 64, dataset_uri="gs://d/train.jsonl", dataset_bytes=b"rows\n",
        report_bytes=REPORT, report=report,
    )


def publish(server: GcsServer) -> Any:
    return publish_candidate(
        source_uri=SOURCE, prefix=candidate_prefix(RELEASES, "assistant", RUN), record_for=record_for,
        report_bytes=REPORT, client=client_of(server),
    )


def released(server: GcsServer) -> dict[str, bytes]:
    return {name: data for (bucket, name), data in server.objects.items() if bucket == RELEASES and name != "README"}


def test_the_files_report_and_record_land_in_the_releases_bucket(gcs: GcsServer) -> None:
    published = publish(gcs)
    base = f"assistant/candidates/{RUN}"
    assert published.artifact_uri == f"gs://{RELEASES}/{base}/model"
    assert sorted(released(gcs)) == [
        f"{base}/candidate.json",
        f"{base}/model/adapter/weights.bin",
        f"{base}/model/tuned.json",
        f"{base}/report.json",
    ]
    assert released(gcs)[f"{base}/model/adapter/weights.bin"] == b"\x00\x01" * 512
    assert released(gcs)[f"{base}/report.json"] == REPORT  # the exact bytes the digest covers
    record = json.loads(released(gcs)[f"{base}/candidate.json"])
    assert record == published.record
    assert record["artifact_uri"] == published.artifact_uri
    assert record["evaluation"]["report"] == f"gs://{RELEASES}/{base}/report.json"
    assert (published.copied, published.kept) == (2, 0)
    assert gcs.count(r"POST .*/rewriteTo/") == 2  # copied server-side, never through the step


def test_a_second_run_of_the_step_leaves_one_copy_and_the_same_record(gcs: GcsServer) -> None:
    first = publish(gcs)
    before = dict(released(gcs))
    second = publish(gcs)
    assert released(gcs) == before
    assert second.record == first.record  # `created` of the first record kept
    assert (second.copied, second.kept) == (0, 2)
    assert gcs.count(r"POST .*/rewriteTo/") == 2
    assert gcs.count(r"POST /upload/") == 2  # report and record, written once each


def test_a_different_candidate_under_the_same_run_is_refused_not_overwritten(gcs: GcsServer) -> None:
    publish(gcs)
    base = f"assistant/candidates/{RUN}"
    gcs.put(ROOT, "runs/genai-tuning-20261201030000/tune/model/tuned.json", b'{"model": "another"}')
    with pytest.raises(RuntimeError, match=rf"gs://{RELEASES}/{base}/model/tuned.json already exists with other"):
        publish(gcs)
    assert released(gcs)[f"{base}/model/tuned.json"] == b'{"model": "m"}'


def test_no_files_at_the_source_is_an_error_naming_it(gcs: GcsServer) -> None:
    with pytest.raises(RuntimeError, match=r"no objects under gs://genai-dev-1234-pipeline-root/elsewhere/"):
        publish_candidate(
            source_uri=f"gs://{ROOT}/elsewhere", prefix=candidate_prefix(RELEASES, "assistant", RUN),
            record_for=record_for, report_bytes=REPORT, client=client_of(gcs),
        )
    assert released(gcs) == {}


def test_the_prefix_is_one_place_per_run() -> None:
    assert candidate_prefix("b", "assistant", "genai tuning/1") == "gs://b/assistant/candidates/genai-tuning-1"
    with pytest.raises(ValueError, match="needs a bucket"):
        candidate_prefix("", "assistant", RUN)
