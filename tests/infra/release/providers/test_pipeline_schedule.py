"""PipelineSchedule against the loopback Vertex AI server (and the KFP registry for the template)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from infra.rehearsal.kfp_registry_server import KfpRegistryServer
from infra.rehearsal.vertex_server import VertexServer
from infra.release.providers.base import ReleaseInputError
from infra.release.providers.pipeline_schedule import PipelineScheduleProvider
from infra.release.providers.pipeline_template import PipelineTemplateProvider
from tests.infra.release.providers.conftest import FAST_RETRY, LATE, Engine, Template

PROJECT, LOCATION = "acme-dev", "europe-west4"
CREATE = r"^POST /v1/projects/acme-dev/locations/europe-west4/schedules$"


def register(registry: KfpRegistryServer, template: Template) -> str:
    """Upload a template through PipelineTemplateProvider; its template_uri."""
    created = PipelineTemplateProvider(FAST_RETRY).create(
        {
            "host": registry.host(),
            "package_name": "train-pipeline",
            "template_path": template.path,
            "expected_digest": template.digest,
            "tags": ["dev"],
        }
    )
    return str((created.outs or {})["template_uri"])


def inputs(server: VertexServer, uri: str, template: Template | None, **overrides: Any) -> dict[str, Any]:
    return {
        "project": PROJECT,
        "location": LOCATION,
        "display_name": "train-nightly",
        "template_uri": uri,
        "template_path": template.path if template else None,
        "cron": "0 3 * * *",
        "time_zone": "Europe/Amsterdam",
        "parameter_values": {"name": "acme", "times": 2},
        "service_account": "pipelines@acme-dev.iam.gserviceaccount.com",
        "pipeline_root": "gs://acme-dev-pipelines/root",
        "paused": False,
        "api_endpoint": server.base_url,
        **overrides,
    }


def stored(server: VertexServer, name: str) -> dict[str, Any]:
    with server._lock:
        copy: dict[str, Any] = json.loads(json.dumps(server.schedules[name]))
    return copy


def test_create_pins_the_template_version(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    uri = register(kfp_registry, v1)
    engine = Engine(PipelineScheduleProvider(FAST_RETRY))
    outs = engine.up(inputs(vertex_server, uri, v1))

    assert outs["state"] == "ACTIVE"
    assert outs["schedule_name"] == engine.id
    assert engine.id.startswith(f"projects/{PROJECT}/locations/{LOCATION}/")
    schedule = stored(vertex_server, engine.id)
    assert schedule["cron"] == "TZ=Europe/Amsterdam 0 3 * * *"
    job = schedule["createPipelineJobRequest"]["pipelineJob"]
    assert job["templateUri"] == uri
    assert uri.endswith(v1.digest)
    with open(v1.path) as handle:
        assert job["pipelineSpec"] == yaml.safe_load(handle)
    assert job["runtimeConfig"] == {
        "gcsOutputDirectory": "gs://acme-dev-pipelines/root",
        "parameterValues": {"name": "acme", "times": 2.0},
    }
    assert job["serviceAccount"] == "pipelines@acme-dev.iam.gserviceaccount.com"


def test_spec_is_downloaded_from_the_registry_without_a_local_file(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    uri = register(kfp_registry, v1)
    outs = PipelineScheduleProvider(FAST_RETRY).create(inputs(vertex_server, uri, None)).outs or {}

    job = stored(vertex_server, outs["schedule_name"])["createPipelineJobRequest"]["pipelineJob"]
    with open(v1.path) as handle:
        assert job["pipelineSpec"] == yaml.safe_load(handle)
    assert kfp_registry.count(rf"^GET /proj/pipelines/train-pipeline/{v1.digest}$") == 1


def test_local_file_must_match_the_pinned_digest(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, v2 = templates
    uri = register(kfp_registry, v1)
    with pytest.raises(ReleaseInputError, match=rf"pinned to {v1.digest}"):
        PipelineScheduleProvider(FAST_RETRY).create(inputs(vertex_server, uri, v2))
    assert vertex_server.calls == []


def test_new_template_version_replaces_the_schedule(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, v2 = templates
    engine = Engine(PipelineScheduleProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, register(kfp_registry, v1), v1))
    first = engine.id
    uri2 = register(kfp_registry, v2)

    diff = engine.provider.diff(first, engine.state, inputs(vertex_server, uri2, v2))
    assert diff.replaces == ["template_uri"]
    engine.up(inputs(vertex_server, uri2, v2))

    assert engine.operations == ["create", "replace"]
    assert engine.id != first
    assert list(vertex_server.schedules) == [engine.id]
    job = stored(vertex_server, engine.id)["createPipelineJobRequest"]["pipelineJob"]
    assert job["templateUri"] == uri2


def test_cron_and_parameters_are_patched_in_place(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    uri = register(kfp_registry, v1)
    engine = Engine(PipelineScheduleProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, uri, v1))
    first = engine.id
    engine.up(inputs(vertex_server, uri, v1, cron="30 4 * * 1", parameter_values={"name": "acme", "times": 3}))

    assert engine.operations == ["create", "update"]
    assert engine.id == first
    schedule = stored(vertex_server, first)
    assert schedule["cron"] == "TZ=Europe/Amsterdam 30 4 * * 1"
    assert schedule["createPipelineJobRequest"]["pipelineJob"]["runtimeConfig"]["parameterValues"]["times"] == 3.0
    assert vertex_server.count(r"^PATCH /v1/.*/schedules/") == 1


def test_pause_and_resume_follow_the_manifest(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    uri = register(kfp_registry, v1)
    engine = Engine(PipelineScheduleProvider(FAST_RETRY))
    assert engine.up(inputs(vertex_server, uri, v1, paused=True))["state"] == "PAUSED"
    assert stored(vertex_server, engine.id)["state"] == 2

    assert engine.up(inputs(vertex_server, uri, v1, paused=False))["state"] == "ACTIVE"
    assert engine.up(inputs(vertex_server, uri, v1, paused=True))["state"] == "PAUSED"
    assert engine.operations == ["create", "update", "update"]
    assert vertex_server.count(r":pause$") == 2
    assert vertex_server.count(r":resume$") == 1
    assert vertex_server.count(r"^PATCH ") == 0  # pausing is not a patch


def test_rerun_adopts_the_schedule_a_lost_response_created(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    uri = register(kfp_registry, v1)
    vertex_server.faults.delay(LATE, times=1, match=CREATE)
    outs = PipelineScheduleProvider(FAST_RETRY).create(inputs(vertex_server, uri, v1)).outs or {}

    assert list(vertex_server.schedules) == [outs["schedule_name"]]
    assert vertex_server.count(CREATE, outcome="delayed") == 1
    assert vertex_server.count(CREATE) == 0


@pytest.mark.parametrize("status", [500, 503, 429])
@pytest.mark.parametrize("step", [CREATE, r":pause$", r"^GET /v1/.*/schedules"])
def test_transient_errors_are_retried(
    vertex_server: VertexServer,
    kfp_registry: KfpRegistryServer,
    templates: tuple[Template, Template],
    status: int,
    step: str,
) -> None:
    v1, _ = templates
    uri = register(kfp_registry, v1)
    vertex_server.faults.fail(status, times=2, match=step)
    outs = PipelineScheduleProvider(FAST_RETRY).create(inputs(vertex_server, uri, v1, paused=True)).outs or {}

    assert outs["state"] == "PAUSED"
    assert len(vertex_server.schedules) == 1
    assert vertex_server.count(step, outcome=f"injected {status}") == 2


def test_delete_and_read(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    provider = PipelineScheduleProvider(FAST_RETRY)
    props = inputs(vertex_server, register(kfp_registry, v1), v1)
    created = provider.create(props)
    assert (provider.read(created.id, props).outs or {})["state"] == "ACTIVE"
    provider.delete(created.id, props)
    assert vertex_server.schedules == {}
    assert provider.read(created.id, props).id is None
    provider.delete(created.id, props)  # already gone: no error


def test_check_rejects_unpinned_templates_and_bad_cron(vertex_server: VertexServer) -> None:
    bad = inputs(
        vertex_server,
        "https://x-kfp.pkg.dev/p/r/train/latest",
        None,
        cron="TZ=UTC 0 3 * * *",
        time_zone="Mars/Olympus",
    )
    failures = PipelineScheduleProvider(FAST_RETRY).check({}, bad).failures
    assert sorted(f.property for f in failures) == ["cron", "template_uri", "time_zone"]


KEY = f"projects/{PROJECT}/locations/{LOCATION}/keyRings/genai-dev-keyring/cryptoKeys/genai-dev-vertex"


def test_scheduled_runs_carry_the_customer_managed_key(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    uri = register(kfp_registry, v1)
    outs = PipelineScheduleProvider(FAST_RETRY).create(inputs(vertex_server, uri, v1, kms_key_name=KEY)).outs or {}

    job = stored(vertex_server, outs["schedule_name"])["createPipelineJobRequest"]["pipelineJob"]
    assert job["encryptionSpec"] == {"kmsKeyName": KEY}
    assert outs["kms_key_name"] == KEY


def test_without_a_key_the_runs_carry_no_encryption_spec(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    outs = PipelineScheduleProvider(FAST_RETRY).create(inputs(vertex_server, register(kfp_registry, v1), v1)).outs
    job = stored(vertex_server, (outs or {})["schedule_name"])["createPipelineJobRequest"]["pipelineJob"]
    assert "encryptionSpec" not in job


def test_a_new_key_is_patched_for_the_runs_to_come(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    uri = register(kfp_registry, v1)
    engine = Engine(PipelineScheduleProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, uri, v1))
    first = engine.id
    assert engine.provider.diff(first, engine.state, inputs(vertex_server, uri, v1, kms_key_name=KEY)).replaces == []
    engine.up(inputs(vertex_server, uri, v1, kms_key_name=KEY))

    assert engine.operations == ["create", "update"]
    assert engine.id == first
    job = stored(vertex_server, first)["createPipelineJobRequest"]["pipelineJob"]
    assert job["encryptionSpec"] == {"kmsKeyName": KEY}
    assert vertex_server.count(r"^PATCH /v1/.*/schedules/") == 1


def test_an_invalid_key_is_rejected(vertex_server: VertexServer) -> None:
    bad = inputs(vertex_server, "https://x-kfp.pkg.dev/p/r/train/sha256:" + "0" * 64, None, kms_key_name="vertex")
    failures = PipelineScheduleProvider(FAST_RETRY).check({}, bad).failures
    assert [f.property for f in failures] == ["kms_key_name"]


def test_read_reports_the_key_the_schedule_runs_with(
    vertex_server: VertexServer, kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    provider = PipelineScheduleProvider(FAST_RETRY)
    props = inputs(vertex_server, register(kfp_registry, v1), v1, kms_key_name=KEY)
    created = provider.create(props)
    with vertex_server._lock:  # by hand: the key dropped from the schedule's job
        del vertex_server.schedules[created.id]["createPipelineJobRequest"]["pipelineJob"]["encryptionSpec"]

    read = provider.read(created.id, created.outs or {})
    assert read.outs is not None
    assert read.inputs is not None
    assert read.outs["kms_key_name"] is None
    assert read.inputs["kms_key_name"] is None
    assert provider.diff(created.id, read.outs, props).changes is True
