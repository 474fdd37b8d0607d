"""The providers behind Pulumi's own dynamic-provider host, as the engine runs them.

The test starts `python -m pulumi.dynamic` (the plugin the engine launches for dynamic resources) in its own
process and speaks the ResourceProvider gRPC protocol to it: serialized property bags whose `__provider` holds
the dill-pickled provider, Check / Create / Diff / Update / Delete / Read as the engine sends them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from infra.rehearsal.vertex_server import VertexServer
from infra.release.providers.model_version import ModelVersionProvider
from infra.release.providers.pipeline_schedule import PipelineScheduleProvider
from tests.infra.release.providers.conftest import FAST_RETRY

PROJECT, LOCATION = "acme-dev", "europe-west4"
MODEL = f"projects/{PROJECT}/locations/{LOCATION}/models/support-bot"


REPO_ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def host() -> Iterator[Any]:
    """A ResourceProvider stub connected to a `python -m pulumi.dynamic` process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi.dynamic"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().decode().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        process.terminate()
        process.wait(timeout=10)


def wire(props: dict[str, Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def unwire(struct: Any) -> dict[str, Any]:
    props: dict[str, Any] = rpc.deserialize_properties(struct)
    return props


def model_inputs(server: VertexServer, provider_blob: str, **overrides: Any) -> dict[str, Any]:
    return {
        "project": PROJECT,
        "location": LOCATION,
        "model_id": "support-bot",
        "display_name": "support-bot",
        "artifact_uri": "gs://acme-models/bot/1",
        "serving_image_uri": "europe-docker.pkg.dev/acme/serving/bot@sha256:" + "c" * 64,
        "description": "release 1",
        "env_alias": "dev",
        "labels": {"release": "rel-1"},
        "api_endpoint": server.base_url,
        "__provider": provider_blob,
        **overrides,
    }


def test_model_version_lifecycle_through_the_provider_host(vertex_server: VertexServer, host: Any) -> None:
    blob = serialize_provider(ModelVersionProvider(FAST_RETRY))
    urn = "urn:pulumi:dev::genai::pulumi-python:dynamic/release:ModelVersion::bot"
    news = model_inputs(vertex_server, blob)

    checked = host.Check(provider_pb2.CheckRequest(urn=urn, olds=wire({}), news=wire(news)))
    assert list(checked.failures) == []
    created = host.Create(provider_pb2.CreateRequest(urn=urn, properties=checked.inputs))
    state = unwire(created.properties)
    assert created.id == f"{MODEL}@1"
    assert state["version_resource_name"] == f"{MODEL}@1"
    assert state["__provider"] == blob

    same = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=urn, olds=created.properties, news=wire(news)))
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    moved = model_inputs(vertex_server, blob, env_alias="canary")
    diff = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=urn, olds=created.properties, news=wire(moved)))
    assert (diff.changes, list(diff.replaces)) == (provider_pb2.DiffResponse.DIFF_SOME, [])
    updated = host.Update(provider_pb2.UpdateRequest(id=created.id, urn=urn, olds=created.properties, news=wire(moved)))
    assert unwire(updated.properties)["env_alias"] == "canary"
    assert vertex_server.aliases(MODEL) == {"1": ["default", "canary"]}

    new_artifact = model_inputs(vertex_server, blob, artifact_uri="gs://acme-models/bot/2")
    replace = host.Diff(
        provider_pb2.DiffRequest(id=created.id, urn=urn, olds=updated.properties, news=wire(new_artifact))
    )
    assert list(replace.replaces) == ["artifact_uri"]

    host.Delete(provider_pb2.DeleteRequest(id=created.id, urn=urn, properties=updated.properties))
    assert MODEL not in vertex_server.models
    read = host.Read(provider_pb2.ReadRequest(id=created.id, urn=urn, properties=updated.properties))
    assert read.id == ""  # gone: the engine drops it from state on refresh


def test_invalid_input_is_a_check_failure_and_a_failed_create_aborts(vertex_server: VertexServer, host: Any) -> None:
    blob = serialize_provider(ModelVersionProvider(FAST_RETRY))
    urn = "urn:pulumi:dev::genai::pulumi-python:dynamic/release:ModelVersion::bot"
    bad = model_inputs(vertex_server, blob, serving_image_uri="bot:latest")

    checked = host.Check(provider_pb2.CheckRequest(urn=urn, olds=wire({}), news=wire(bad)))
    assert [f.property for f in checked.failures] == ["serving_image_uri"]
    with pytest.raises(grpc.RpcError, match="pin the serving image by digest"):
        host.Create(provider_pb2.CreateRequest(urn=urn, properties=wire(bad)))
    assert vertex_server.calls == []


def test_preview_with_an_unknown_template_uri_checks_and_plans_a_replacement(
    vertex_server: VertexServer, host: Any
) -> None:
    """In a preview the template_uri of a template being replaced is unknown: no failure, a replace."""
    blob = serialize_provider(PipelineScheduleProvider(FAST_RETRY))
    urn = "urn:pulumi:dev::genai::pulumi-python:dynamic/release:PipelineSchedule::train"
    olds = {
        "project": PROJECT,
        "location": LOCATION,
        "display_name": "train-nightly",
        "template_uri": "https://europe-west4-kfp.pkg.dev/acme/pipelines/train/sha256:" + "1" * 64,
        "template_path": None,
        "cron": "0 3 * * *",
        "time_zone": "UTC",
        "parameter_values": {},
        "service_account": "sa@acme-dev.iam.gserviceaccount.com",
        "pipeline_root": "gs://acme-dev/root",
        "paused": False,
        "api_endpoint": vertex_server.base_url,
        "schedule_name": f"projects/{PROJECT}/locations/{LOCATION}/schedules/1",
        "state": "ACTIVE",
        "__provider": blob,
    }
    news = {k: v for k, v in olds.items() if k not in ("schedule_name", "state")}
    news["template_uri"] = rpc.UNKNOWN

    checked = host.Check(provider_pb2.CheckRequest(urn=urn, olds=wire(olds), news=wire(news)))
    assert list(checked.failures) == []
    diff = host.Diff(provider_pb2.DiffRequest(id=olds["schedule_name"], urn=urn, olds=wire(olds), news=checked.inputs))
    assert list(diff.replaces) == ["template_uri"]
    assert vertex_server.calls == []


def test_endpoint_deployment_through_the_provider_host_where_numbers_arrive_as_floats(
    vertex_server: VertexServer, host: Any
) -> None:
    """The engine hands every number over as a protobuf double: 100 arrives as 100.0."""
    from infra.release.providers.endpoint_deployment import EndpointDeploymentProvider
    from infra.release.providers.model_version import ModelVersionProvider

    vertex_server.add_endpoint(PROJECT, LOCATION, "bot")
    version = (
        ModelVersionProvider(FAST_RETRY)
        .create(
            model_inputs(vertex_server, "", **{"__provider": None})  # registered directly: only the version matters
        )
        .id
    )
    blob = serialize_provider(EndpointDeploymentProvider(FAST_RETRY))
    urn = "urn:pulumi:dev::genai::pulumi-python:dynamic/release:EndpointDeployment::bot"
    news = {
        "project": PROJECT,
        "location": LOCATION,
        "endpoint_id": "bot",
        "deployments": [
            {
                "model_version": version,
                "machine_type": "n1-standard-4",
                "min_replicas": 1,
                "max_replicas": 2,
                "traffic_percent": 100,
            }
        ],
        "api_endpoint": vertex_server.base_url,
        "__provider": blob,
    }
    checked = host.Check(provider_pb2.CheckRequest(urn=urn, olds=wire({}), news=wire(news)))
    assert unwire(checked.inputs)["deployments"][0]["traffic_percent"] == 100.0
    assert list(checked.failures) == []
    created = host.Create(provider_pb2.CreateRequest(urn=urn, properties=checked.inputs))

    state = unwire(created.properties)
    (deployed_id,) = state["traffic_split"]
    assert state["deployed_model_ids"] == {version: deployed_id}
    assert vertex_server.endpoint(f"projects/{PROJECT}/locations/{LOCATION}/endpoints/bot")["trafficSplit"] == {
        deployed_id: 100
    }
    same = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=urn, olds=created.properties, news=checked.inputs))
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
