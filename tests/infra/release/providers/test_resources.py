"""Each Resource class registers under the SDK's mock runtime with its provider serialized in `__provider`."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pulumi
import pytest

from infra.release.providers import (
    EndpointDeployment,
    EndpointDeploymentProvider,
    ModelVersion,
    ModelVersionProvider,
    PipelineSchedule,
    PipelineScheduleProvider,
    PipelineTemplate,
    PipelineTemplateProvider,
)
from infra.release.providers.retry import RetryPolicy


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


@pytest.fixture
def mocks() -> RecordingMocks:
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="genai", stack="dev", preview=False)
    return recording


def unwrap_secret(value: Any) -> Any:
    """The mock monitor hands secrets over in their wire form: {<secret signature>: ..., "value": v}."""
    from infra.synth.values import SECRET_SIG, SIG_KEY  # the protocol's constants

    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return value["value"]
    return value


def provider_of(args: pulumi.runtime.MockResourceArgs) -> Any:
    return dill.loads(base64.b64decode(unwrap_secret(args.inputs["__provider"])))


VERSION = "projects/acme/locations/europe-west4/models/bot@3"
URI = "https://europe-west4-kfp.pkg.dev/acme/pipelines/train-pipeline/sha256:" + "0" * 64


def build_all() -> list[pulumi.CustomResource]:
    return [
        PipelineTemplate(
            "train-template",
            host="https://europe-west4-kfp.pkg.dev/acme/pipelines",
            package_name="train-pipeline",
            template_path="pipelines/compiled/train.yaml",
            expected_digest="sha256:" + "0" * 64,
            tags=["rel-1", "dev"],
        ),
        PipelineSchedule(
            "train-schedule",
            project="acme",
            location="europe-west4",
            display_name="train-nightly",
            template_uri=URI,
            cron="0 3 * * *",
            time_zone="UTC",
            parameter_values={"times": 1},
            service_account="sa@acme.iam.gserviceaccount.com",
            pipeline_root="gs://acme/root",
            paused=False,
        ),
        ModelVersion(
            "bot-version",
            project="acme",
            location="europe-west4",
            model_id="bot",
            display_name="bot",
            artifact_uri="gs://acme/bot/3",
            serving_image_uri="europe-docker.pkg.dev/acme/serving/bot@sha256:" + "1" * 64,
            description="release 1",
            env_alias="dev",
            labels={"release": "rel-1"},
            opts=pulumi.ResourceOptions(retain_on_delete=True),
            retry=RetryPolicy(max_attempts=2),
        ),
        EndpointDeployment(
            "bot-deployment",
            project="acme",
            location="europe-west4",
            endpoint_id="bot",
            deployments=[
                {
                    "model_version": VERSION,
                    "machine_type": "n1-standard-4",
                    "min_replicas": 1,
                    "max_replicas": 2,
                    "traffic_percent": 100,
                }
            ],
        ),
    ]


@pulumi.runtime.test
def test_resources_register_with_their_serialized_providers(mocks: RecordingMocks) -> pulumi.Output[None]:
    resources = build_all()

    def verify(_ids: list[Any]) -> None:
        by_name = {args.name: args for args in mocks.registered}
        expected = {
            "train-template": ("pulumi-python:dynamic/release:PipelineTemplate", PipelineTemplateProvider),
            "train-schedule": ("pulumi-python:dynamic/release:PipelineSchedule", PipelineScheduleProvider),
            "bot-version": ("pulumi-python:dynamic/release:ModelVersion", ModelVersionProvider),
            "bot-deployment": ("pulumi-python:dynamic/release:EndpointDeployment", EndpointDeploymentProvider),
        }
        assert set(by_name) == set(expected)
        for name, (type_, provider_class) in expected.items():
            args = by_name[name]
            assert args.typ == type_, name
            assert args.inputs["__provider"] != unwrap_secret(args.inputs["__provider"]), "provider is a secret"
            provider = provider_of(args)
            assert isinstance(provider, provider_class), name
        assert provider_of(by_name["bot-version"]).retry.max_attempts == 2
        assert by_name["bot-deployment"].inputs["deployments"][0]["traffic_percent"] == 100
        assert by_name["train-template"].inputs["tags"] == ["rel-1", "dev"]

    return pulumi.Output.all(*[r.id for r in resources]).apply(verify)


def test_serialized_provider_loads_in_a_fresh_interpreter() -> None:
    """The provider host unpickles `__provider` in another process: it must refer to importable classes."""
    import subprocess
    import sys

    from pulumi.dynamic.dynamic import serialize_provider

    blob = serialize_provider(ModelVersionProvider(RetryPolicy(max_attempts=3)))
    code = (
        "import base64, sys, dill; p = dill.loads(base64.b64decode(sys.stdin.read())); "
        "print(type(p).__module__, type(p).__name__, p.retry.max_attempts)"
    )
    out = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["infra.release.providers.model_version", "ModelVersionProvider", "3"]
