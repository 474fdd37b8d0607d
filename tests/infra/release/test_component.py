"""The Release component under the SDK's mocks: which dynamic resources a manifest declares, with what inputs
and dependencies."""

from __future__ import annotations

import os
from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks

from contracts.errors import UserInputError
from infra.config.loader import load_environment, read_yaml
from infra.release.component import Release, ReleaseArgs, model_version_name
from infra.release.schema import PreviousVersion, ReleaseManifest, TrafficSplit
from infra.release.store import parse_manifest
from tests.checkout import PROJECT, ROOT
from tests.infra.components.mocks import Recorded, RecordingMocks, RecordingMonitor
from tests.infra.release.release_project import FIXTURES

KFP_HOST = "https://europe-west4-kfp.pkg.dev/acme-genai-{env}/genai-{env}-pipelines"
COMPONENT = "genai-mlops:platform:Release"


class ReleaseMocks(RecordingMocks):
    """Answers the release providers with the outputs their real create returns (shape and naming)."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        _, outs = super().new_resource(args)
        inputs = args.inputs
        if "expected_digest" in inputs:
            uri = f"{inputs['host']}/{inputs['package_name']}/{inputs['expected_digest']}"
            return uri, {**outs, "version": inputs["expected_digest"], "template_uri": uri}
        if "cron" in inputs:
            name = f"projects/{inputs['project']}/locations/{inputs['location']}/schedules/{args.name}"
            return name, {**outs, "schedule_name": name, "state": "PAUSED" if inputs["paused"] else "ACTIVE"}
        if "artifact_uri" in inputs:
            model = f"projects/{inputs['project']}/locations/{inputs['location']}/models/{inputs['model_id']}"
            version = args.name.rsplit("-", 1)[-1]  # the release's sequence number stands in for the version id
            return f"{model}@{version}", {
                **outs,
                "model_resource_name": model,
                "version_id": version,
                "version_resource_name": f"{model}@{version}",
            }
        if "deployments" in inputs:
            return f"endpoint-{args.name}", {**outs, "deployed_model_ids": {}, "traffic_split": {}}
        return f"{args.name}_id", outs


def fixture_manifest(env: str) -> ReleaseManifest:
    """The test's release manifest of `env` (tests/infra/release/fixtures), validated against the real config."""
    path = FIXTURES / f"release.{env}.yaml"
    return parse_manifest(read_yaml(path), path, load_environment(env, PROJECT), PROJECT)


def declare(env: str, manifest: ReleaseManifest | None = None, **overrides: Any) -> tuple[list[Recorded], Any]:
    """Run a program declaring the Release of `env` (its shipped manifest unless given); return registrations."""
    cfg = load_environment(env, PROJECT)
    manifest = manifest or fixture_manifest(env)
    recorder = ReleaseMocks()
    monitor = RecordingMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, project="genai-mlops", stack=env, preview=False, monitor=monitor)
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        fields: dict[str, Any] = {
            "cfg": cfg,
            "manifest": manifest,
            "project_id": cfg.project.id,
            "kfp_host": KFP_HOST.format(env=env),
            "endpoint_ids": {"assistant": "1234567890"},
            "pipelines_service_account": f"genai-{env}-pipelines@acme-genai-{env}.iam.gserviceaccount.com",
            "pipeline_root": f"gs://acme-genai-{env}-pipeline-root",
            "source_dir": ROOT,
        }
        fields.update(overrides)
        release = Release(f"genai-{env}-release", ReleaseArgs(**fields))
        return pulumi.Output.from_input(release.outputs()).apply(lambda v: resolved.setdefault("outputs", v))

    program()
    by_key = {r.name: r for r in recorder.resources}
    records = []
    for urn, opts in monitor.options.items():
        record = by_key.get(opts["name"]) or Recorded(type=opts["type"], name=opts["name"], inputs={})
        record.custom, record.urn, record.parent = opts["custom"], urn, opts["parent"]
        record.dependencies = opts["dependencies"]
        records.append(record)
    return records, resolved.get("outputs")


def named(records: list[Recorded], name: str) -> Recorded:
    found = [r for r in records if r.name == name]
    assert len(found) == 1, f"expected one {name!r}, found {[r.name for r in records]}"
    return found[0]


def version_of(env: str, manifest: ReleaseManifest | None = None, previous: bool = False) -> str:
    """The ModelVersion's resource name: after its content (artifact, image), not its release."""
    model = (manifest or fixture_manifest(env)).models["assistant"]
    content = model.previous if previous and model.previous is not None else model
    return model_version_name(f"genai-{env}-release", "assistant", content)


def declared(inputs: dict[str, Any]) -> dict[str, Any]:
    """The declared inputs without the serialized provider."""
    return {k: v for k, v in inputs.items() if k != "__provider"}


def test_dev_manifest_declares_templates_schedules_version_and_deployment() -> None:
    records, outputs = declare("dev")
    component = named(records, "genai-dev-release")
    assert component.type == COMPONENT
    assert not component.custom
    children = sorted(r.name for r in records if r.parent == component.urn)
    assert children == sorted([
        "genai-dev-release-assistant-deployment",
        version_of("dev"),
        "genai-dev-release-evaluation-schedule",
        "genai-dev-release-evaluation-template",
        "genai-dev-release-tuning-schedule",
        "genai-dev-release-tuning-template",
    ])
    for record in records:
        if record.custom:
            assert record.type.startswith("pulumi-python:dynamic"), record.urn

    tuning_digest = fixture_manifest("dev").pipelines["tuning"].digest
    template = named(records, "genai-dev-release-tuning-template")
    assert declared(template.inputs) == {
        "host": KFP_HOST.format(env="dev"),
        "package_name": "genai-tuning",
        "template_path": os.path.relpath(ROOT / "build/pipelines/tuning.yaml"),
        "expected_digest": tuning_digest,
        "tags": ["r2026-11-25-1", "dev"],
    }, template.urn

    schedule = named(records, "genai-dev-release-tuning-schedule")
    inputs = declared(schedule.inputs)
    assert inputs["template_uri"] == f"{KFP_HOST.format(env='dev')}/genai-tuning/{tuning_digest}", schedule.urn
    assert inputs["template_path"] == os.path.relpath(ROOT / "build/pipelines/tuning.yaml")
    assert (inputs["cron"], inputs["time_zone"], inputs["paused"]) == ("0 3 * * 1", "Europe/Amsterdam", False)
    assert inputs["display_name"] == "genai-dev-tuning"
    assert inputs["parameter_values"] == {
        "backend": "vertex-gemini-sft",
        "project": "acme-genai-dev",
        "location": "europe-west4",
        "dataset_uri": "gs://acme-genai-dev-datasets/tuning/train.jsonl",
        "events_uri": "projects/acme-genai-dev/topics/genai-dev-model-events",
    }, schedule.urn
    assert inputs["service_account"] == "genai-dev-pipelines@acme-genai-dev.iam.gserviceaccount.com"
    assert inputs["pipeline_root"] == "gs://acme-genai-dev-pipeline-root"
    assert template.urn in schedule.dependencies, schedule.urn

    version = named(records, version_of("dev"))
    dev_id = version_of("dev").rsplit("-", 1)[-1]  # the mocks number a version after its resource name
    inputs = declared(version.inputs)
    assert inputs["model_id"] == inputs["display_name"] == "genai-dev-assistant", version.urn
    assert inputs["env_alias"] == "dev"
    assert inputs["artifact_uri"] == "gs://acme-genai-releases/assistant/r2026-11-25-1"
    assert inputs["serving_image_uri"].endswith(
        "@sha256:9b2e7d4c1a8f3e6b0d5c2a9f7e4b1d8c6a3f0e9b2d7c4a1f8e5b3d0c6a9f2e7b"
    )
    assert inputs["labels"]["release"] == "r2026-11-25-1"
    assert inputs["labels"]["env"] == "dev"
    assert inputs["project"] == "acme-genai-dev"
    assert inputs["location"] == "europe-west4"

    deployment = named(records, "genai-dev-release-assistant-deployment")
    inputs = declared(deployment.inputs)
    assert inputs["endpoint_id"] == "1234567890", deployment.urn
    assert inputs["deployments"] == [
        {
            "model_version": f"projects/acme-genai-dev/locations/europe-west4/models/genai-dev-assistant@{dev_id}",
            "machine_type": "n1-standard-4",
            "min_replicas": 1,
            "max_replicas": 1,
            "traffic_percent": 100,
        }
    ], deployment.urn
    assert version.urn in deployment.dependencies, deployment.urn

    assert outputs["release"] == "r2026-11-25-1"
    assert outputs["model_versions"] == {
        "assistant": f"projects/acme-genai-dev/locations/europe-west4/models/genai-dev-assistant@{dev_id}"
    }
    assert set(outputs["pipeline_schedules"]) == {"tuning", "evaluation"}


def canary_manifest() -> ReleaseManifest:
    prod = fixture_manifest("prod")
    model = prod.models["assistant"]
    previous = PreviousVersion(
        release="r2026-11-11-2",
        artifact_uri="gs://acme-genai-releases/assistant/r2026-11-11-2",
        serving_image=model.serving_image.replace("4f1c", "0000"),
        description="Assistant tuned on the September documentation.",
    )
    split = model.deployment.model_copy(update={"traffic_split": TrafficSplit(current=90, previous=10)})
    return prod.model_copy(
        update={"models": {"assistant": model.model_copy(update={"previous": previous, "deployment": split})}}
    )


def test_canary_keeps_the_previous_version_declared_with_its_own_alias() -> None:
    records, _ = declare("prod", canary_manifest())
    current = named(records, version_of("prod", canary_manifest()))
    previous = named(records, version_of("prod", canary_manifest(), previous=True))
    assert declared(current.inputs)["env_alias"] == "prod"
    assert declared(previous.inputs)["env_alias"] == "prod-previous", previous.urn
    assert declared(previous.inputs)["artifact_uri"].endswith("/r2026-11-11-2")
    assert declared(previous.inputs)["labels"]["release"] == "r2026-11-11-2"
    # The previous version changes alias only after the new version holds the environment alias.
    assert current.urn in previous.dependencies, previous.urn

    deployment = named(records, "genai-prod-release-assistant-deployment")
    split = declared(deployment.inputs)["deployments"]
    model = "projects/acme-genai-prod/locations/europe-west4/models/genai-prod-assistant"
    ids = [version_of("prod", canary_manifest(), previous=p).rsplit("-", 1)[-1] for p in (False, True)]
    assert [(d["model_version"], d["traffic_percent"]) for d in split] == [
        (f"{model}@{ids[0]}", 90), (f"{model}@{ids[1]}", 10)
    ], deployment.urn
    assert {(d["machine_type"], d["min_replicas"], d["max_replicas"]) for d in split} == {("n1-standard-4", 2, 6)}
    assert {current.urn, previous.urn} <= set(deployment.dependencies)


def test_a_finished_canary_no_longer_declares_the_previous_version() -> None:
    manifest = canary_manifest()
    model = manifest.models["assistant"]
    done = model.deployment.model_copy(update={"traffic_split": TrafficSplit(current=100, previous=0)})
    manifest = manifest.model_copy(update={"models": {"assistant": model.model_copy(update={"deployment": done})}})
    records, _ = declare("prod", manifest)
    assert version_of("prod", canary_manifest(), previous=True) not in [r.name for r in records]
    deployment = named(records, "genai-prod-release-assistant-deployment")
    assert [d["traffic_percent"] for d in declared(deployment.inputs)["deployments"]] == [100]


def test_paused_schedule_with_its_own_account_and_an_unscheduled_pipeline() -> None:
    dev = fixture_manifest("dev")
    tuning = dev.pipelines["tuning"]
    assert tuning.schedule is not None
    paused = tuning.schedule.model_copy(
        update={"paused": True, "service_account": "tuner@acme-genai-dev.iam.gserviceaccount.com"}
    )
    manifest = dev.model_copy(
        update={
            "pipelines": {
                "tuning": tuning.model_copy(update={"schedule": paused}),
                "evaluation": dev.pipelines["evaluation"].model_copy(update={"schedule": None}),
            }
        }
    )
    records, outputs = declare("dev", manifest)
    schedule = declared(named(records, "genai-dev-release-tuning-schedule").inputs)
    assert schedule["paused"] is True
    assert schedule["service_account"] == "tuner@acme-genai-dev.iam.gserviceaccount.com"
    assert [r.name for r in records if r.name.endswith("evaluation-schedule")] == []
    assert named(records, "genai-dev-release-evaluation-template")
    assert set(outputs["pipeline_schedules"]) == {"tuning"}


def test_release_waits_for_what_the_environment_says() -> None:
    cfg = load_environment("dev", PROJECT)
    recorder = ReleaseMocks()
    monitor = RecordingMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, project="genai-mlops", stack="dev", preview=False, monitor=monitor)

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        api = pulumi.CustomResource("gcp:projects/service:Service", "aiplatform-api", {"service": "aiplatform"})
        release = Release(
            "genai-dev-release",
            ReleaseArgs(
                cfg=cfg,
                manifest=fixture_manifest("dev"),
                project_id=cfg.project.id,
                kfp_host=KFP_HOST.format(env="dev"),
                endpoint_ids={"assistant": "1"},
                pipelines_service_account="p@acme-genai-dev.iam.gserviceaccount.com",
                pipeline_root="gs://acme-genai-dev-pipeline-root",
                depends_on=[api],
                source_dir=ROOT,
            ),
        )
        return pulumi.Output.all(api.urn, release.urn)

    program()
    api_urn = next(u for u, o in monitor.options.items() if o["name"] == "aiplatform-api")
    children = [o for o in monitor.options.values() if o["custom"] and o["name"].startswith("genai-dev-release-")]
    assert len(children) == 6
    for child in children:
        assert api_urn in child["dependencies"], child["name"]


def test_serving_account_and_vertex_key_reach_the_release_resources() -> None:
    key = "projects/acme-genai-prod/locations/europe-west4/keyRings/genai-prod-keyring/cryptoKeys/genai-prod-vertex"
    serving = "genai-prod-serving@acme-genai-prod.iam.gserviceaccount.com"
    records, _ = declare("prod", canary_manifest(), serving_service_account=serving, kms_key_name=key)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_type.setdefault(record.type.rsplit(":", 1)[-1], []).append(declared(record.inputs))
    assert [d["service_account"] for d in by_type["EndpointDeployment"]] == [serving]
    assert len(by_type["ModelVersion"]) == 2
    assert len(by_type["PipelineSchedule"]) == 2
    for inputs in by_type["ModelVersion"] + by_type["PipelineSchedule"]:
        assert inputs["kms_key_name"] == key
    assert all(not d.get("kms_key_name") for d in by_type["PipelineTemplate"])


def test_without_a_key_or_serving_account_the_defaults_are_left_to_vertex() -> None:
    records, _ = declare("dev")
    custom = [r for r in records if r.custom]
    assert custom
    for record in custom:
        assert declared(record.inputs).get("kms_key_name") is None, record.urn
    deployment = named(records, "genai-dev-release-assistant-deployment")
    assert declared(deployment.inputs).get("service_account") is None, deployment.urn


def test_a_model_without_an_endpoint_is_invalid_input() -> None:
    with pytest.raises(UserInputError) as caught:
        declare("dev", endpoint_ids={})
    problem = caught.value.problems[0]
    assert problem.key_path == "models.assistant"
    assert problem.message.startswith("no endpoint for served model(s) assistant in environment 'dev'")
