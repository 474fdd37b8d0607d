"""The whole program per stack, synthesized offline: every resource registered, the cross-cutting guarantees.

These run `infra/__main__.py` through the offline synth (the SDK's mock runtime), i.e. exactly what
`pulumi up` would register for dev, staging and prod.
"""

from __future__ import annotations

import importlib
import inspect
from functools import cache
from typing import Any

import pytest

from tests.checkout import PROJECT
from tests.synth_cache import shared_document

ENVS = ("dev", "staging", "prod")
PLATFORM_LABELS = ("env", "app", "component", "managed-by")
BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
STATEFUL_TYPES = {
    "gcp:storage/bucket:Bucket",
    "gcp:bigquery/dataset:Dataset",
    "gcp:bigquery/table:Table",
    "gcp:kms/cryptoKey:CryptoKey",
    "gcp:kms/keyRing:KeyRing",
    "gcp:pubsub/topic:Topic",
}


def snapshot(env: str) -> dict[str, Any]:
    return shared_document(env, PROJECT)


def resources(env: str, type_: str | None = None) -> list[dict[str, Any]]:
    return [r for r in snapshot(env)["resources"] if type_ is None or r["type"] == type_]


@cache
def label_argument(type_: str) -> str | None:
    """`userLabels` / `labels` when the pulumi-gcp resource class accepts user labels, else None.

    `user_labels` wins where both exist (a notification channel's `labels` are its channel settings).
    """
    package, module_path, class_name = type_.split(":")
    if package != "gcp":
        return None
    module_name, _ = module_path.split("/")
    cls = getattr(importlib.import_module(f"pulumi_gcp.{module_name}"), class_name)
    parameters = inspect.signature(cls._internal_init).parameters
    for python_name, camel in (("user_labels", "userLabels"), ("labels", "labels")):
        if python_name in parameters:
            return camel
    return None


@pytest.mark.parametrize("env", ENVS)
def test_every_labelable_resource_is_labelled(env: str) -> None:
    checked = 0
    for resource in resources(env):
        argument = label_argument(resource["type"]) if resource["custom"] else None
        if argument is None:
            continue
        labels = resource["inputs"].get(argument) or {}
        missing = [k for k in PLATFORM_LABELS if k not in labels]
        assert not missing, f"{resource['urn']} lacks labels {missing}"
        assert labels["env"] == env, resource["urn"]
        checked += 1
    assert checked >= 20, f"only {checked} labelable resources found in {env}"


@pytest.mark.parametrize("env", ENVS)
def test_no_basic_roles_anywhere(env: str) -> None:
    grants = [r for r in resources(env) if "role" in r["inputs"]]
    assert grants, "the environment grants roles"
    for grant in grants:
        assert grant["inputs"]["role"] not in BASIC_ROLES, grant["urn"]


@pytest.mark.parametrize("env", ENVS)
def test_every_endpoint_has_latency_and_error_alerts(env: str) -> None:
    endpoints = resources(env, "gcp:vertex/aiEndpoint:AiEndpoint")
    assert endpoints
    filters = [
        condition["conditionThreshold"]["filter"]
        for policy in resources(env, "gcp:monitoring/alertPolicy:AlertPolicy")
        for condition in policy["inputs"]["conditions"]
    ]
    for endpoint in endpoints:
        selector = f'resource.labels.endpoint_id = "{endpoint["inputs"]["name"]}"'
        mine = [f for f in filters if selector in f]
        assert any("prediction/online/prediction_latencies" in f for f in mine), f"{endpoint['urn']}: latency alert"
        assert any("prediction/online/response_count" in f for f in mine), f"{endpoint['urn']}: error alert"


@pytest.mark.parametrize("env", ENVS)
def test_every_dead_letter_subscription_has_its_alert(env: str) -> None:
    with_dead_letters = [
        s for s in resources(env, "gcp:pubsub/subscription:Subscription") if s["inputs"].get("deadLetterPolicy")
    ]
    assert len(with_dead_letters) >= 3
    filters = [
        condition["conditionThreshold"]["filter"]
        for policy in resources(env, "gcp:monitoring/alertPolicy:AlertPolicy")
        for condition in policy["inputs"]["conditions"]
    ]
    for subscription in with_dead_letters:
        selector = f'resource.labels.subscription_id = "{subscription["inputs"]["name"]}"'
        assert any(selector in f and "dead_letter_message_count" in f for f in filters), subscription["urn"]


def test_prod_protects_stateful_resources() -> None:
    stateful = [r for r in resources("prod") if r["type"] in STATEFUL_TYPES]
    assert {r["type"] for r in stateful} == STATEFUL_TYPES
    for resource in stateful:
        assert resource["protect"], f"{resource['urn']} must be protected in prod"
    for bucket in resources("prod", "gcp:storage/bucket:Bucket"):
        assert bucket["inputs"]["forceDestroy"] is False, bucket["urn"]
        assert bucket["inputs"]["encryption"]["defaultKmsKeyName"], bucket["urn"]
        if bucket["name"].endswith(("pipeline-root", "retraining-sources")):  # scratch and sources: versioned
            assert bucket["inputs"]["versioning"] == {"enabled": True}, bucket["urn"]
        else:
            assert int(bucket["inputs"]["retentionPolicy"]["retentionPeriod"]) == 30 * 86_400, bucket["urn"]
    for dataset in resources("prod", "gcp:bigquery/dataset:Dataset"):
        assert dataset["inputs"]["deleteContentsOnDestroy"] is False, dataset["urn"]
        assert dataset["inputs"]["defaultEncryptionConfiguration"]["kmsKeyName"], dataset["urn"]
    for table in resources("prod", "gcp:bigquery/table:Table"):
        assert table["inputs"]["deletionProtection"] is True, table["urn"]


def test_dev_allows_teardown_and_expires_data() -> None:
    assert not any(r["protect"] for r in resources("dev") if r["type"] in STATEFUL_TYPES)
    for bucket in resources("dev", "gcp:storage/bucket:Bucket"):
        assert bucket["inputs"]["forceDestroy"] is True, bucket["urn"]
    for dataset in resources("dev", "gcp:bigquery/dataset:Dataset"):
        assert dataset["inputs"]["defaultTableExpirationMs"] == 30 * 86_400_000, dataset["urn"]
    assert resources("dev", "gcp:kms/cryptoKey:CryptoKey") == []


@pytest.mark.parametrize("env", ENVS)
def test_outputs_tell_a_user_where_things_are(env: str) -> None:
    outputs = snapshot(env)["outputs"]
    assert outputs["project_id"] == f"acme-genai-{env}"
    assert outputs["kfp_repository"] == f"https://europe-west4-kfp.pkg.dev/acme-genai-{env}/genai-{env}-pipelines"
    assert set(outputs["buckets"]) == {"pipeline_root", "datasets", "model_artifacts"}
    assert set(outputs["datasets"]) == {"evaluation", "prediction_logs", "feedback"}
    assert outputs["endpoints"]["assistant"].isdigit()
    assert {"dashboard_url", "topics", "images_repository", "service_accounts"} <= set(outputs)


def test_components_nest_under_the_environment() -> None:
    by_urn = {r["urn"]: r for r in resources("prod")}
    (bucket,) = [r for r in resources("prod", "gcp:storage/bucket:Bucket") if r["name"].endswith("pipeline-root")]
    assert bucket["urn"] == (
        "urn:pulumi:prod::genai-mlops::genai-mlops:platform:Environment$genai-mlops:platform:Data"
        "$gcp:storage/bucket:Bucket::genai-prod-data-pipeline-root"
    )
    data = by_urn[bucket["parent"]]
    assert data["type"] == "genai-mlops:platform:Data"
    assert by_urn[data["parent"]]["type"] == "genai-mlops:platform:Environment"


@pytest.mark.parametrize("env", ENVS)
def test_release_registers_what_the_manifest_pins(env: str) -> None:
    from infra.config.loader import load_environment
    from infra.release.store import load_manifest

    manifest = load_manifest(env, load_environment(env, PROJECT), PROJECT)
    dynamic = {r["name"]: r for r in resources(env) if r["type"].startswith("pulumi-python:dynamic/release:")}
    for pipeline, spec in manifest.pipelines.items():
        template = dynamic[f"genai-{env}-release-{pipeline}-template"]
        assert template["inputs"]["expected_digest"] == spec.digest, template["urn"]
        schedule = dynamic[f"genai-{env}-release-{pipeline}-schedule"]
        assert template["urn"] in schedule["dependencies"], f"{schedule['urn']} waits for its template"
    deployment = dynamic[f"genai-{env}-release-assistant-deployment"]
    assert deployment["inputs"]["endpoint_id"] == snapshot(env)["outputs"]["endpoints"]["assistant"]
    assert snapshot(env)["outputs"]["release"] == manifest.release


@pytest.mark.parametrize("env", ENVS)
def test_release_serves_as_the_serving_account_and_encrypts_with_the_vertex_key(env: str) -> None:
    """Deployed models run as the environment's serving account; with CMEK, model versions and scheduled
    runs use the Vertex AI key, and wait for the Vertex AI agent's grant on it."""
    dynamic = [r for r in resources(env) if r["type"].startswith("pulumi-python:dynamic/release:")]
    serving = snapshot(env)["outputs"]["service_accounts"]["serving"]
    deployments = [r for r in dynamic if r["type"].endswith(":EndpointDeployment")]
    assert deployments
    assert {r["inputs"]["service_account"] for r in deployments} == {serving}
    encrypted = [r for r in dynamic if r["type"].endswith((":ModelVersion", ":PipelineSchedule"))]
    assert encrypted
    keys = [r for r in resources(env, "gcp:kms/cryptoKey:CryptoKey") if r["name"].endswith("-vertex")]
    if not keys:
        assert all("kms_key_name" not in r["inputs"] for r in encrypted), env
        return
    (key,) = keys
    grant = next(r for r in resources(env) if r["name"] == f"{key['name']}-agent")
    for resource in encrypted:
        assert resource["inputs"]["kms_key_name"] == f"{key['inputs']['keyRing']}/cryptoKeys/{key['inputs']['name']}"
        assert grant["urn"] in resource["dependencies"], resource["urn"]


def test_grants_to_service_agents_wait_for_the_agents() -> None:
    """A new project has no service agents until asked: every grant to one depends on its provisioning."""
    by_urn = {r["urn"]: r for r in resources("dev")}
    identities = {r["inputs"]["service"]: r for r in resources("dev", "gcp:projects/serviceIdentity:ServiceIdentity")}
    assert set(identities) == {
        "pubsub.googleapis.com", "aiplatform.googleapis.com", "artifactregistry.googleapis.com",
        "monitoring.googleapis.com",
    }
    grants = [
        r for r in resources("dev") if r["inputs"].get("member", "").endswith("@gcp-sa-pubsub.iam.gserviceaccount.com")
    ]
    assert grants, "the Pub/Sub agent is granted dead-letter and BigQuery-subscription roles"
    for grant in grants:
        waits_for = {by_urn[d]["type"] for d in grant["dependencies"] if d in by_urn}
        assert "gcp:projects/serviceIdentity:ServiceIdentity" in waits_for, grant["urn"]


def test_cmek_grants_name_each_agent() -> None:
    members = {r["inputs"]["member"] for r in resources("prod", "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    domains = {m.split("@", 1)[1] for m in members}
    assert domains == {
        "gs-project-accounts.iam.gserviceaccount.com",
        "bigquery-encryption.iam.gserviceaccount.com",
        "gcp-sa-pubsub.iam.gserviceaccount.com",
        "gcp-sa-aiplatform.iam.gserviceaccount.com",
        "gcp-sa-artifactregistry.iam.gserviceaccount.com",
        "serverless-robot-prod.iam.gserviceaccount.com",  # Cloud Run (the gateway, the retraining function)
        "gcf-admin-robot.iam.gserviceaccount.com",  # Cloud Functions (the retraining subscriber)
    }


@pytest.mark.parametrize("env", ENVS)
def test_alert_incidents_go_to_their_own_topic(env: str) -> None:
    """Automation hears about incidents on `<prefix>-alerts`, never mixed into the model-events stream."""
    (channel,) = [
        r for r in resources(env, "gcp:monitoring/notificationChannel:NotificationChannel")
        if r["inputs"]["type"] == "pubsub"
    ]
    assert channel["inputs"]["labels"] == {"topic": f"projects/acme-genai-{env}/topics/genai-{env}-alerts"}
    topics = {r["inputs"]["name"] for r in resources(env, "gcp:pubsub/topic:Topic")}
    assert {f"genai-{env}-alerts", f"genai-{env}-alerts-dead-letter"} <= topics


@pytest.mark.parametrize("env", ENVS)
def test_identities_read_the_shared_release_artifacts(env: str) -> None:
    """Vertex AI's agent (uploads, image pulls) and the serving account read the shared release location."""
    bucket_readers = {
        r["inputs"]["member"]
        for r in resources(env, "gcp:storage/bucketIAMMember:BucketIAMMember")
        if r["inputs"]["bucket"] == "acme-genai-releases"
    }
    image_readers = {
        r["inputs"]["member"]
        for r in resources(env, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember")
        if (r["inputs"]["project"], r["inputs"]["repository"]) == ("acme-genai-artifacts", "releases")
    }
    serving = f"serviceAccount:genai-{env}-serving@acme-genai-{env}.iam.gserviceaccount.com"
    assert serving in bucket_readers
    assert serving in image_readers
    assert any(m.endswith("@gcp-sa-aiplatform.iam.gserviceaccount.com") for m in bucket_readers & image_readers)
    # Cloud Run's agent pulls the gateway image and reads nothing else
    (run_agent,) = image_readers - bucket_readers
    assert run_agent.endswith("@serverless-robot-prod.iam.gserviceaccount.com")
    pipelines = f"serviceAccount:genai-{env}-pipelines@acme-genai-{env}.iam.gserviceaccount.com"
    assert bucket_readers == {serving, pipelines, *(m for m in bucket_readers & image_readers)}
    assert len(bucket_readers) == 3


@pytest.mark.parametrize("env", ENVS)
def test_the_pipelines_identity_may_add_candidates_to_the_shared_bucket_but_not_replace_them(env: str) -> None:
    """The register step copies a candidate there; objectCreator cannot delete or overwrite a released object."""
    pipelines = f"serviceAccount:genai-{env}-pipelines@acme-genai-{env}.iam.gserviceaccount.com"
    roles = {
        r["inputs"]["role"]
        for r in resources(env, "gcp:storage/bucketIAMMember:BucketIAMMember")
        if r["inputs"]["bucket"] == "acme-genai-releases" and r["inputs"]["member"] == pipelines
    }
    assert roles == {"roles/storage.objectViewer", "roles/storage.objectCreator"}
