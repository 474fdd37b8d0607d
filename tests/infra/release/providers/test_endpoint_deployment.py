"""EndpointDeployment against the loopback Vertex AI server, through the real aiplatform REST client."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pytest

from infra.rehearsal.vertex_server import VertexServer
from infra.release.providers.base import ReleaseInputError
from infra.release.providers.endpoint_deployment import Deployment, EndpointDeploymentProvider
from infra.release.providers.model_version import ModelVersionProvider
from tests.infra.release.providers.conftest import FAST_RETRY, LATE, Engine

if TYPE_CHECKING:
    from google.cloud.aiplatform_v1 import EndpointServiceClient

PROJECT, LOCATION, ENDPOINT_ID = "acme-prod", "europe-west4", "support-bot"
ENDPOINT = f"projects/{PROJECT}/locations/{LOCATION}/endpoints/{ENDPOINT_ID}"
IMAGE = "europe-docker.pkg.dev/acme/serving/bot@sha256:" + "b" * 64
DEPLOY = r":deployModel$"
UNDEPLOY = r":undeployModel$"


@pytest.fixture
def versions(vertex_server: VertexServer) -> list[str]:
    """Endpoint plus two versions of one model, registered through ModelVersionProvider."""
    vertex_server.add_endpoint(PROJECT, LOCATION, ENDPOINT_ID)
    provider = ModelVersionProvider(FAST_RETRY)
    names = []
    for release in (1, 2):
        created = provider.create(
            {
                "project": PROJECT,
                "location": LOCATION,
                "model_id": "support-bot",
                "display_name": "support-bot",
                "artifact_uri": f"gs://acme-models/bot/{release}",
                "serving_image_uri": IMAGE,
                "description": f"release {release}",
                "env_alias": "prod",
                "labels": {},
                "api_endpoint": vertex_server.base_url,
            }
        )
        names.append(created.id)
    return names


def inputs(
    server: VertexServer, *deployments: tuple[str, float], machine: str = "n1-standard-4", **extra: Any
) -> dict[str, Any]:
    return {
        "project": PROJECT,
        "location": LOCATION,
        "endpoint_id": ENDPOINT_ID,
        "deployments": [
            {
                "model_version": version,
                "machine_type": machine,
                "min_replicas": extra.get("min_replicas", 1),
                "max_replicas": extra.get("max_replicas", 2),
                "traffic_percent": share,
            }
            for version, share in deployments
        ],
        "api_endpoint": server.base_url,
    }


def served(server: VertexServer) -> dict[str, int]:
    """model version -> traffic share, as the endpoint holds it now."""
    endpoint = server.endpoint(ENDPOINT)
    by_id = {d["id"]: f"{d['model']}@{d['modelVersionId']}" for d in endpoint["deployedModels"]}
    return {by_id[i]: share for i, share in endpoint["trafficSplit"].items()} | {
        v: 0 for i, v in by_id.items() if i not in endpoint["trafficSplit"]
    }


def assert_never_without_capacity(server: VertexServer) -> None:
    """Once the endpoint served traffic, every later state serves 100% from deployed models."""
    history = server.endpoint_history[ENDPOINT]
    serving = False
    for point in history:
        serving = serving or bool(point["split"])
        if serving:
            assert sum(point["split"].values()) == 100, history
            assert set(point["split"]) <= set(point["deployed"]), history


def test_first_deployment_takes_all_traffic(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, _ = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    outs = engine.up(inputs(vertex_server, (v1, 100)))

    assert engine.id == ENDPOINT
    assert served(vertex_server) == {v1: 100}
    deployed_id = outs["deployed_model_ids"][v1]
    assert outs["traffic_split"] == {deployed_id: 100}
    (deployed,) = vertex_server.endpoint(ENDPOINT)["deployedModels"]
    assert deployed["dedicatedResources"]["machineSpec"]["machineType"] == "n1-standard-4"


def test_canary_then_promotion_keeps_serving_throughout(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, (v1, 100)))
    first_id = engine.state["deployed_model_ids"][v1]

    engine.up(inputs(vertex_server, (v1, 90), (v2, 10)))
    assert served(vertex_server) == {v1: 90, v2: 10}
    assert engine.state["deployed_model_ids"][v1] == first_id  # v1 was not redeployed

    engine.up(inputs(vertex_server, (v2, 100)))
    assert served(vertex_server) == {v2: 100}
    assert engine.operations == ["create", "update", "update"]
    assert vertex_server.count(UNDEPLOY) == 1
    assert_never_without_capacity(vertex_server)
    # the new version was deployed at 0% first; the shift came in one endpoint update
    history = vertex_server.endpoint_history[ENDPOINT]
    canary_id = engine.state["deployed_model_ids"][v2]
    assert {"deployed": sorted([first_id, canary_id]), "split": {first_id: 100, canary_id: 0}} in history


def test_rerun_with_the_same_split_changes_nothing(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, v2 = versions
    provider = EndpointDeploymentProvider(FAST_RETRY)
    provider.create(inputs(vertex_server, (v1, 50), (v2, 50)))
    provider.create(inputs(vertex_server, (v1, 50), (v2, 50)))
    assert vertex_server.count(DEPLOY) == 2
    assert served(vertex_server) == {v1: 50, v2: 50}


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ((90, 5), r"traffic_percent must sum to 100, got 95"),
        ((101, -1), r"expected 0\.\.100, got 101"),
        ((50.5, 49.5), r"must be integers"),
    ],
)
def test_split_is_validated_before_any_call(
    vertex_server: VertexServer, versions: list[str], shares: tuple[float, float], message: str
) -> None:
    v1, v2 = versions
    before = len(vertex_server.calls)
    bad = inputs(vertex_server, (v1, shares[0]), (v2, shares[1]))
    provider = EndpointDeploymentProvider(FAST_RETRY)

    assert [f.property for f in provider.check({}, bad).failures]
    with pytest.raises(ReleaseInputError, match=message):
        provider.create(bad)
    assert len(vertex_server.calls) == before


def test_other_invalid_deployments_are_reported_together(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, _ = versions
    bad = inputs(vertex_server, (v1, 50), (v1, 50), min_replicas=3, max_replicas=2)
    bad["deployments"].append({"model_version": "models/x", "traffic_percent": 0})
    by_alias = {**bad["deployments"][0], "model_version": v1.replace("@1", "@prod"), "min_replicas": 1}
    bad["deployments"].append(by_alias)
    failures = EndpointDeploymentProvider(FAST_RETRY).check({}, bad).failures
    reasons = " | ".join(f"{f.property}: {f.reason}" for f in failures)
    assert "appears twice" in reasons
    assert "min_replicas <= max_replicas" in reasons
    assert "missing" in reasons
    assert "deployments[3].model_version: expected projects/.../models/ID@<version number> (not an alias)" in reasons


def test_replica_change_mutates_in_place(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, _ = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, (v1, 100)))
    deployed_id = engine.state["deployed_model_ids"][v1]
    engine.up(inputs(vertex_server, (v1, 100), min_replicas=2, max_replicas=5))

    (deployed,) = vertex_server.endpoint(ENDPOINT)["deployedModels"]
    assert deployed["id"] == deployed_id
    assert (deployed["dedicatedResources"]["minReplicaCount"], deployed["dedicatedResources"]["maxReplicaCount"]) == (
        2,
        5,
    )
    assert vertex_server.count(r":mutateDeployedModel$") == 1


def test_machine_type_change_redeploys_before_undeploying(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, _ = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, (v1, 100)))
    old_id = engine.state["deployed_model_ids"][v1]
    engine.up(inputs(vertex_server, (v1, 100), machine="n1-highmem-8"))

    (deployed,) = vertex_server.endpoint(ENDPOINT)["deployedModels"]
    assert deployed["id"] != old_id
    assert deployed["dedicatedResources"]["machineSpec"]["machineType"] == "n1-highmem-8"
    assert_never_without_capacity(vertex_server)


@pytest.mark.parametrize("status", [500, 503, 429])
@pytest.mark.parametrize("step", [DEPLOY, UNDEPLOY, r"^PATCH /v1/.*/endpoints/", r"^GET /v1/.*/endpoints/"])
def test_transient_errors_are_retried(vertex_server: VertexServer, versions: list[str], status: int, step: str) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, (v1, 100)))
    vertex_server.faults.fail(status, times=2, match=step)
    engine.up(inputs(vertex_server, (v2, 100)))

    assert served(vertex_server) == {v2: 100}
    assert vertex_server.count(step, outcome=f"injected {status}") == 2
    assert_never_without_capacity(vertex_server)


def test_late_deploy_response_does_not_deploy_twice(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, (v1, 100)))
    vertex_server.faults.delay(LATE, times=1, match=DEPLOY)
    engine.up(inputs(vertex_server, (v1, 90), (v2, 10)))

    assert len(vertex_server.endpoint(ENDPOINT)["deployedModels"]) == 2
    assert served(vertex_server) == {v1: 90, v2: 10}


def test_failed_update_leaves_the_previous_release_serving(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, (v1, 100)))
    vertex_server.faults.fail(503, times=100, match=r"^PATCH /v1/.*/endpoints/")

    with pytest.raises(Exception, match="set traffic split"):
        engine.up(inputs(vertex_server, (v2, 100)))
    assert served(vertex_server)[v1] == 100  # v2 deployed at 0%, v1 still takes everything
    assert_never_without_capacity(vertex_server)


def test_deployed_version_cannot_be_deleted_and_delete_undeploys_everything(
    vertex_server: VertexServer, versions: list[str]
) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, (v1, 30), (v2, 70)))
    models = ModelVersionProvider(FAST_RETRY)
    with pytest.raises(RuntimeError, match=r"cannot delete .*@1: .*deployed"):
        models.delete(v1, {"project": PROJECT, "location": LOCATION, "api_endpoint": vertex_server.base_url})

    engine.destroy()
    endpoint = vertex_server.endpoint(ENDPOINT)
    assert endpoint["deployedModels"] == []
    assert endpoint["trafficSplit"] == {}
    assert_never_without_capacity_until_empty(vertex_server)
    models.delete(v1, {"project": PROJECT, "location": LOCATION, "api_endpoint": vertex_server.base_url})


def assert_never_without_capacity_until_empty(server: VertexServer) -> None:
    history = server.endpoint_history[ENDPOINT]
    for point in history[:-1]:
        if point["split"]:
            assert sum(point["split"].values()) == 100, history
    assert history[-1] == {"deployed": [], "split": {}}


def test_dataclass_deployments_and_diff(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, _ = versions
    provider = EndpointDeploymentProvider(FAST_RETRY)
    news = inputs(vertex_server)
    news["deployments"] = [Deployment(v1, "n1-standard-4", 1, 1, 100)]
    created = provider.create(news)
    assert created.outs
    assert created.outs["deployments"][0]["model_version"] == v1
    moved = {**inputs(vertex_server, (v1, 100)), "endpoint_id": "other"}
    assert provider.diff(created.id, created.outs, moved).replaces == ["endpoint_id"]


@pytest.mark.parametrize("crash_after", [DEPLOY, r"^PATCH /v1/.*/endpoints/"])
def test_crash_midway_keeps_serving_and_a_rerun_finishes(
    vertex_server: VertexServer, versions: list[str], crash_after: str
) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, (v1, 100)))
    vertex_server.faults.crash_after(crash_after)

    with pytest.raises(Exception, match="still failing"):
        engine.up(inputs(vertex_server, (v2, 100)))
    assert sum(served(vertex_server).values()) == 100  # whichever step died, the endpoint serves everything
    assert_never_without_capacity(vertex_server)

    vertex_server.faults.recover()
    engine.up(inputs(vertex_server, (v2, 100)))
    assert served(vertex_server) == {v2: 100}
    assert vertex_server.count(DEPLOY) == 2  # v1 once, v2 once: the re-run found the earlier deployment
    assert_never_without_capacity(vertex_server)


SERVING = "genai-prod-serving@acme-prod.iam.gserviceaccount.com"
ROTATED = "genai-prod-serving-v2@acme-prod.iam.gserviceaccount.com"


def out_of_band(server: VertexServer) -> EndpointServiceClient:
    """The real endpoint client, as someone working by hand (console, gcloud) would reach the endpoint."""
    from infra.release.providers.clients import VertexTarget, endpoint_service

    return endpoint_service(VertexTarget(PROJECT, LOCATION, server.base_url))


def identities(server: VertexServer) -> dict[str, str | None]:
    """model version -> the service account its deployed model serves as (None: Vertex's default)."""
    return {
        f"{d['model']}@{d['modelVersionId']}": d.get("serviceAccount")
        for d in server.endpoint(ENDPOINT)["deployedModels"]
    }


def test_deployed_models_serve_as_the_given_service_account(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    outs = engine.up({**inputs(vertex_server, (v1, 90), (v2, 10)), "service_account": SERVING})

    assert identities(vertex_server) == {v1: SERVING, v2: SERVING}
    assert outs["service_account"] == SERVING
    deploys = [c for c in vertex_server.calls if str(c).endswith(":deployModel")]
    assert len(deploys) == 2


def test_without_a_service_account_models_serve_as_the_default_identity(
    vertex_server: VertexServer, versions: list[str]
) -> None:
    v1, _ = versions
    EndpointDeploymentProvider(FAST_RETRY).create(inputs(vertex_server, (v1, 100)))
    assert identities(vertex_server) == {v1: None}


def test_a_new_service_account_redeploys_each_version_without_losing_capacity(
    vertex_server: VertexServer, versions: list[str]
) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up({**inputs(vertex_server, (v1, 90), (v2, 10)), "service_account": SERVING})
    before = dict(engine.state["deployed_model_ids"])

    rotated = {**inputs(vertex_server, (v1, 90), (v2, 10)), "service_account": ROTATED}
    diff = engine.provider.diff(engine.id, engine.state, rotated)
    assert diff.changes
    assert diff.replaces == []
    engine.up(rotated)

    assert engine.operations == ["create", "update"]
    assert engine.id == ENDPOINT
    assert identities(vertex_server) == {v1: ROTATED, v2: ROTATED}
    assert served(vertex_server) == {v1: 90, v2: 10}
    after = engine.state["deployed_model_ids"]
    assert set(after.values()).isdisjoint(before.values())
    assert vertex_server.count(UNDEPLOY) == 2
    assert_never_without_capacity(vertex_server)


def test_an_invalid_service_account_is_rejected_before_any_call(
    vertex_server: VertexServer, versions: list[str]
) -> None:
    v1, _ = versions
    before = len(vertex_server.calls)
    for bad in ("", "serving", "serving@acme.example"):
        failures = (
            EndpointDeploymentProvider(FAST_RETRY)
            .check({}, {**inputs(vertex_server, (v1, 100)), "service_account": bad})
            .failures
        )
        assert [f.property for f in failures] == ["service_account"], bad
    assert len(vertex_server.calls) == before


def test_read_matching_the_declaration_shows_no_drift(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, v2 = versions
    provider = EndpointDeploymentProvider(FAST_RETRY)
    declared = {**inputs(vertex_server, (v2, 10), (v1, 90)), "service_account": SERVING}
    created = provider.create(declared)
    assert created.outs is not None

    read = provider.read(created.id, created.outs)
    assert read.id == ENDPOINT
    assert read.outs
    assert read.inputs
    assert read.outs["deployments"] == created.outs["deployments"]
    assert provider.diff(created.id, read.outs, declared).changes is False


def test_refresh_sees_a_manual_undeploy_and_the_next_update_restores_the_split(
    vertex_server: VertexServer, versions: list[str]
) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    declared = {**inputs(vertex_server, (v1, 90), (v2, 10)), "service_account": SERVING}
    engine.up(declared)
    ids = engine.state["deployed_model_ids"]

    # by hand: v2 undeployed, v1 takes all traffic
    out_of_band(vertex_server).undeploy_model(
        endpoint=ENDPOINT, deployed_model_id=ids[v2], traffic_split={ids[v1]: 100}
    ).result()

    read = engine.provider.read(engine.id, engine.state)
    assert read.outs is not None
    assert read.inputs is not None
    assert [(d["model_version"], d["traffic_percent"]) for d in read.outs["deployments"]] == [(v1, 100)]
    assert read.outs["traffic_split"] == {ids[v1]: 100}
    assert read.outs["deployed_model_ids"] == {v1: ids[v1]}
    assert read.inputs["deployments"] == read.outs["deployments"]
    assert "traffic_split" not in read.inputs

    engine.state = read.outs  # what `pulumi refresh` stores
    diff = engine.provider.diff(engine.id, engine.state, declared)
    assert diff.changes
    assert diff.replaces == []
    engine.up(declared)
    assert served(vertex_server) == {v1: 90, v2: 10}
    assert engine.state["deployed_model_ids"][v1] == ids[v1]  # v1 untouched, v2 deployed again


def test_refresh_sees_a_model_deployed_by_hand_as_another_identity(
    vertex_server: VertexServer, versions: list[str]
) -> None:
    from google.cloud import aiplatform_v1 as v1_types

    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    declared = {**inputs(vertex_server, (v1, 100)), "service_account": SERVING}
    engine.up(declared)

    out_of_band(vertex_server).deploy_model(
        endpoint=ENDPOINT,
        deployed_model=v1_types.DeployedModel(
            model=v2,
            dedicated_resources=v1_types.DedicatedResources(
                machine_spec=v1_types.MachineSpec(machine_type="n1-standard-4"),
                min_replica_count=1,
                max_replica_count=1,
            ),
        ),
        traffic_split={engine.state["deployed_model_ids"][v1]: 100, "0": 0},
    ).result()

    read = engine.provider.read(engine.id, engine.state)
    assert read.outs is not None
    assert [d["model_version"] for d in read.outs["deployments"]] == [v1, v2]
    assert read.outs["service_account"] is None  # v2 serves as Vertex's default identity: drift

    engine.state = read.outs
    engine.up(declared)
    assert identities(vertex_server) == {v1: SERVING}


def test_read_of_a_deleted_endpoint_is_gone(vertex_server: VertexServer, versions: list[str]) -> None:
    v1, _ = versions
    provider = EndpointDeploymentProvider(FAST_RETRY)
    props = inputs(vertex_server, (v1, 100))
    assert provider.read(ENDPOINT, {**props, "endpoint_id": "missing"}).id is None


def test_a_deployment_outliving_the_operation_timeout_is_waited_on_not_repeated(
    vertex_server: VertexServer, versions: list[str]
) -> None:
    v1, v2 = versions
    engine = Engine(EndpointDeploymentProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, (v1, 100)))
    vertex_server.pending_polls = 40  # "not done" across many attempts' 50 ms timeouts
    slow = dataclasses.replace(FAST_RETRY, max_attempts=30, operation_timeout=0.05)
    engine.provider = EndpointDeploymentProvider(slow)
    engine.up(inputs(vertex_server, (v1, 90), (v2, 10)))

    assert vertex_server.count(DEPLOY) == 2  # one per version, the slow one not repeated
    assert len(vertex_server.endpoint(ENDPOINT)["deployedModels"]) == 2
    assert served(vertex_server) == {v1: 90, v2: 10}
