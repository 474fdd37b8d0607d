"""Every resource rule: a compliant baseline per resource type, and one mutation per way of failing.

Resources are written with pulumi-gcp argument names and converted to camelCase by the SDK's own
serializer (`policies.testing.engine_inputs`). Each mutation must add exactly its rule's id to the
findings of the baseline, which itself passes every rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi_gcp as gcp
import pytest

from policies import types as t
from policies.discovery import discover_rules
from policies.engine import evaluate
from policies.levels import LevelConfig
from policies.model import Finding, Level, Resource, ResourceOptions, ResourceRule
from policies.testing import engine_inputs
from policies.values import UNKNOWN

PRODUCTION = frozenset({"prod"})  # the stacks of tier production in these tests

KEY = "projects/acme-prod/locations/europe-west4/keyRings/platform/cryptoKeys/data"
LABELS = {"env": "prod", "app": "genai", "component": "data", "managed-by": "pulumi"}
SA = "serviceAccount:trainer@acme-prod.iam.gserviceaccount.com"
GROUP = "group:ml-engineers@acme.example"
REMOVE = object()
RUNTIME_SA = "genai-prod-serving@acme-prod.iam.gserviceaccount.com"
DEFAULT_COMPUTE_SA = "123456789012-compute@developer.gserviceaccount.com"
IMAGE = "europe-docker.pkg.dev/acme-prod/images/gateway@sha256:" + "0" * 64
SECRET_ENV = {"name": "API_KEY", "value_source": {"secret_key_ref": {"secret": "api-key", "version": "latest"}}}
CONTAINER = {"image": IMAGE, "envs": [{"name": "LOG_LEVEL", "value": "info"}, SECRET_ENV]}
RUN_TEMPLATE = {"service_account": RUNTIME_SA, "encryption_key": KEY, "containers": [CONTAINER]}
SERVICE_CONFIG = {
    "service_account_email": RUNTIME_SA,
    "ingress_settings": "ALLOW_INTERNAL_ONLY",
    "environment_variables": {"LOG_LEVEL": "info"},
    "secret_environment_variables": [
        {"key": "API_KEY", "project_id": "acme-prod", "secret": "api-key", "version": "1"}
    ],
}
POOL = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci"
GITHUB = {"issuer_uri": "https://token.actions.githubusercontent.com"}
GITHUB_MAPPING = {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository"}
CONDITION = {"title": "business hours", "expression": "request.time.getHours('Europe/Amsterdam') < 18"}


IMAGE_URI = "projects/debian-cloud/global/images/family/debian-12"
SUBNET = "projects/acme-prod/regions/europe-west4/subnetworks/platform"
SHIELDED = {"enable_secure_boot": True, "enable_vtpm": True, "enable_integrity_monitoring": True}
VM = {
    "machine_type": "e2-standard-2",
    "network_interfaces": [{"subnetwork": SUBNET}],
    "service_account": {"email": RUNTIME_SA, "scopes": ["cloud-platform"]},
    "shielded_instance_config": SHIELDED,
    "metadata": {"enable-oslogin": "TRUE"},
}
IAP_RANGE = "35.235.240.0/20"
SQL_IP = {
    "ipv4_enabled": False,
    "private_network": "projects/acme-prod/global/networks/platform",
    "ssl_mode": "ENCRYPTED_ONLY",
}
SQL_SETTINGS = {"tier": "db-custom-2-7680", "ip_configuration": SQL_IP, "backup_configuration": {"enabled": True}}
CMEK_DISK = {"disk_encryption": "CMEK", "kms_key": KEY}
WORKBENCH = {
    "disable_public_ip": True,
    "boot_disk": CMEK_DISK,
    "data_disks": CMEK_DISK,
    "shielded_instance_config": SHIELDED,
}
REPLICA = {"location": "europe-west4", "customer_managed_encryption": {"kms_key_name": KEY}}


def sql(**ip: Any) -> dict[str, Any]:
    return {**SQL_SETTINGS, "ip_configuration": {k: v for k, v in {**SQL_IP, **ip}.items() if v is not REMOVE}}


def with_image(image: str) -> dict[str, Any]:
    return {**RUN_TEMPLATE, "containers": [{**CONTAINER, "image": image}]}


def with_env(name: str, value: object) -> dict[str, Any]:
    return {**RUN_TEMPLATE, "containers": [{**CONTAINER, "envs": [*CONTAINER["envs"], {"name": name, "value": value}]}]}


@dataclass(frozen=True)
class Baseline:
    token: str
    args: type | None
    """pulumi-gcp's `*Args` class; None for the platform's dynamic resources, whose inputs reach the engine
    as declared (snake_case)."""
    arguments: dict[str, Any]
    protect: bool = False


BASELINES: dict[str, Baseline] = {
    "bucket": Baseline(
        t.BUCKET,
        gcp.storage.BucketArgs,
        {
            "location": "EU",
            "uniform_bucket_level_access": True,
            "public_access_prevention": "enforced",
            "versioning": {"enabled": True},
            "encryption": {"default_kms_key_name": KEY},
            "labels": LABELS,
            "soft_delete_policy": {"retention_duration_seconds": 604800},
        },
        protect=True,
    ),
    "bucket_iam_member": Baseline(
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        gcp.storage.BucketIAMMemberArgs,
        {"bucket": "b", "role": "roles/storage.objectViewer", "member": SA},
    ),
    "bucket_iam_binding": Baseline(
        "gcp:storage/bucketIAMBinding:BucketIAMBinding",
        gcp.storage.BucketIAMBindingArgs,
        {"bucket": "b", "role": "roles/storage.objectViewer", "members": [SA, GROUP]},
    ),
    "bucket_access_control": Baseline(
        t.BUCKET_ACCESS_CONTROL,
        gcp.storage.BucketAccessControlArgs,
        {"bucket": "b", "entity": "group-ml-engineers@acme.example", "role": "READER"},
    ),
    "bucket_acl": Baseline(
        t.BUCKET_ACL,
        gcp.storage.BucketACLArgs,
        {"bucket": "b", "role_entities": ["READER:group-ml-engineers@acme.example"]},
    ),
    "dataset": Baseline(
        t.DATASET,
        gcp.bigquery.DatasetArgs,
        {
            "dataset_id": "features",
            "location": "EU",
            "labels": LABELS,
            "default_encryption_configuration": {"kms_key_name": KEY},
            "accesses": [{"role": "OWNER", "group_by_email": "data-owners@acme.example"}],
        },
        protect=True,
    ),
    "dataset_access": Baseline(
        t.DATASET_ACCESS,
        gcp.bigquery.DatasetAccessInitArgs,
        {"dataset_id": "features", "role": "READER", "group_by_email": "analysts@acme.example"},
    ),
    "dataset_iam_member": Baseline(
        "gcp:bigquery/datasetIamMember:DatasetIamMember",
        gcp.bigquery.DatasetIamMemberArgs,
        {"dataset_id": "features", "role": "roles/bigquery.dataViewer", "member": SA},
    ),
    "table": Baseline(
        t.TABLE,
        gcp.bigquery.TableArgs,
        {
            "dataset_id": "features",
            "table_id": "predictions",
            "labels": LABELS,
            "encryption_configuration": {"kms_key_name": KEY},
        },
        protect=True,
    ),
    "table_iam_member": Baseline(
        "gcp:bigquery/iamMember:IamMember",
        gcp.bigquery.IamMemberArgs,
        {"dataset_id": "features", "table_id": "predictions", "role": "roles/bigquery.dataViewer", "member": SA},
    ),
    "topic": Baseline(
        t.TOPIC, gcp.pubsub.TopicArgs, {"name": "events", "kms_key_name": KEY, "labels": LABELS}, protect=True
    ),
    "topic_iam_member": Baseline(
        "gcp:pubsub/topicIAMMember:TopicIAMMember",
        gcp.pubsub.TopicIAMMemberArgs,
        {"topic": "events", "role": "roles/pubsub.publisher", "member": SA},
    ),
    "subscription": Baseline(
        t.SUBSCRIPTION,
        gcp.pubsub.SubscriptionArgs,
        {
            "topic": "events",
            "labels": LABELS,
            "expiration_policy": {"ttl": ""},
            "dead_letter_policy": {
                "dead_letter_topic": "projects/acme-prod/topics/events-dlq",
                "max_delivery_attempts": 5,
            },
        },
        protect=True,
    ),
    "subscription_iam_binding": Baseline(
        "gcp:pubsub/subscriptionIAMBinding:SubscriptionIAMBinding",
        gcp.pubsub.SubscriptionIAMBindingArgs,
        {"subscription": "events-worker", "role": "roles/pubsub.subscriber", "members": [SA]},
    ),
    "repository": Baseline(
        t.REPOSITORY,
        gcp.artifactregistry.RepositoryArgs,
        {
            "repository_id": "serving",
            "location": "europe-west4",
            "format": "DOCKER",
            "kms_key_name": KEY,
            "docker_config": {"immutable_tags": True},
            "labels": LABELS,
        },
        protect=True,
    ),
    "repository_iam_member": Baseline(
        "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
        gcp.artifactregistry.RepositoryIamMemberArgs,
        {"repository": "serving", "location": "europe-west4", "role": "roles/artifactregistry.reader", "member": SA},
    ),
    "crypto_key": Baseline(
        t.CRYPTO_KEY,
        gcp.kms.CryptoKeyArgs,
        {
            "key_ring": "projects/acme-prod/locations/europe-west4/keyRings/platform",
            "name": "data",
            "rotation_period": "7776000s",
            "labels": LABELS,
        },
        protect=True,
    ),
    "crypto_key_iam_member": Baseline(
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
        gcp.kms.CryptoKeyIAMMemberArgs,
        {"crypto_key_id": KEY, "role": "roles/cloudkms.cryptoKeyEncrypterDecrypter", "member": SA},
    ),
    "key_ring_iam_binding": Baseline(
        "gcp:kms/keyRingIAMBinding:KeyRingIAMBinding",
        gcp.kms.KeyRingIAMBindingArgs,
        {"key_ring_id": "acme-prod/europe-west4/platform", "role": "roles/cloudkms.viewer", "members": [GROUP]},
    ),
    "project": Baseline(
        t.PROJECT,
        gcp.organizations.ProjectArgs,
        {"name": "acme-prod", "project_id": "acme-prod", "auto_create_network": False, "labels": LABELS},
        protect=True,
    ),
    "project_iam_member": Baseline(
        "gcp:projects/iAMMember:IAMMember",
        gcp.projects.IAMMemberArgs,
        {"project": "acme-prod", "role": "roles/aiplatform.user", "member": GROUP},
    ),
    "project_iam_binding": Baseline(
        "gcp:projects/iAMBinding:IAMBinding",
        gcp.projects.IAMBindingArgs,
        {"project": "acme-prod", "role": "roles/logging.viewer", "members": [GROUP]},
    ),
    "project_iam_policy": Baseline(
        "gcp:projects/iAMPolicy:IAMPolicy",
        gcp.projects.IAMPolicyArgs,
        {
            "project": "acme-prod",
            "policy_data": json.dumps({"bindings": [{"role": "roles/monitoring.viewer", "members": [GROUP]}]}),
        },
    ),
    "audit_config": Baseline(
        t.AUDIT_CONFIG,
        gcp.projects.IAMAuditConfigArgs,
        {
            "project": "acme-prod",
            "service": "allServices",
            "audit_log_configs": [{"log_type": "ADMIN_READ"}, {"log_type": "DATA_READ"}, {"log_type": "DATA_WRITE"}],
        },
    ),
    "service_account_iam_member": Baseline(
        "gcp:serviceaccount/iAMMember:IAMMember",
        gcp.serviceaccount.IAMMemberArgs,
        {
            "service_account_id": "projects/acme-prod/serviceAccounts/trainer@acme-prod.iam.gserviceaccount.com",
            "role": "roles/iam.serviceAccountUser",
            "member": GROUP,
        },
    ),
    "endpoint_iam_member": Baseline(
        "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember",
        gcp.vertex.AiEndpointIamMemberArgs,
        {"endpoint": "123", "location": "europe-west4", "role": "roles/aiplatform.user", "member": SA},
    ),
    "service_account": Baseline(
        "gcp:serviceaccount/account:Account", gcp.serviceaccount.AccountArgs, {"account_id": "trainer"}
    ),
    "endpoint": Baseline(
        t.ENDPOINT,
        gcp.vertex.AiEndpointArgs,
        {
            "name": "1234567890",
            "display_name": "chat",
            "location": "europe-west4",
            "labels": LABELS,
            "encryption_spec": {"kms_key_name": KEY},
            "private_service_connect_config": {
                "enable_private_service_connect": True,
                "project_allowlists": ["acme-prod"],
            },
            "predict_request_response_logging_config": {
                "enabled": True,
                "sampling_rate": 0.1,
                "bigquery_destination": {"output_uri": "bq://acme-prod.serving.log"},
            },
        },
    ),
    "index_endpoint": Baseline(
        t.INDEX_ENDPOINT,
        gcp.vertex.AiIndexEndpointArgs,
        {
            "display_name": "retrieval",
            "region": "europe-west4",
            "labels": LABELS,
            "network": "projects/123456789/global/networks/platform",
        },
    ),
    "vertex_dataset": Baseline(
        t.VERTEX_DATASET,
        gcp.vertex.AiDatasetArgs,
        {
            "display_name": "docs",
            "region": "europe-west4",
            "labels": LABELS,
            "encryption_spec": {"kms_key_name": KEY},
            "metadata_schema_uri": "gs://google-cloud-aiplatform/schema/dataset/metadata/text_1.0.0.yaml",
        },
        protect=True,
    ),
    "metadata_store": Baseline(
        t.METADATA_STORE,
        gcp.vertex.AiMetadataStoreArgs,
        {"name": "default", "region": "europe-west4", "encryption_spec": {"kms_key_name": KEY}},
        protect=True,
    ),
    "tensorboard": Baseline(
        t.TENSORBOARD,
        gcp.vertex.AiTensorboardArgs,
        {
            "display_name": "training",
            "region": "europe-west4",
            "labels": LABELS,
            "encryption_spec": {"kms_key_name": KEY},
        },
        protect=True,
    ),
    "feature_store": Baseline(
        t.FEATURE_STORE,
        gcp.vertex.AiFeatureStoreArgs,
        {"name": "features", "region": "europe-west4", "labels": LABELS, "encryption_spec": {"kms_key_name": KEY}},
        protect=True,
    ),
    "model_version": Baseline(
        "pulumi-python:dynamic/release:ModelVersion",
        None,
        {
            "project": "acme-prod",
            "location": "europe-west4",
            "model_id": "genai-prod-assistant",
            "display_name": "genai-prod-assistant",
            "artifact_uri": "gs://acme-prod-model-artifacts/assistant/r1",
            "serving_image_uri": "europe-docker.pkg.dev/acme-prod/images/assistant@sha256:" + "0" * 64,
            "description": "release r1",
            "env_alias": "prod",
            "labels": LABELS,
            "kms_key_name": KEY,
        },
    ),
    "pipeline_schedule": Baseline(
        "pulumi-python:dynamic/release:PipelineSchedule",
        None,
        {
            "project": "acme-prod",
            "location": "europe-west4",
            "display_name": "genai-prod-tuning",
            "template_uri": "https://europe-west4-kfp.pkg.dev/acme-prod/pipelines/tuning/sha256:" + "0" * 64,
            "cron": "0 3 * * 1",
            "time_zone": "Europe/Amsterdam",
            "parameter_values": {},
            "service_account": "genai-prod-pipelines@acme-prod.iam.gserviceaccount.com",
            "pipeline_root": "gs://acme-prod-pipeline-root",
            "paused": False,
            "kms_key_name": KEY,
        },
    ),
    "feature_online_store": Baseline(
        t.FEATURE_ONLINE_STORE,
        gcp.vertex.AiFeatureOnlineStoreArgs,
        {
            "name": "online",
            "region": "europe-west4",
            "labels": LABELS,
            "optimized": {},
            "encryption_spec": {"kms_key_name": KEY},
        },
        protect=True,
    ),
    "run_service": Baseline(
        t.RUN_SERVICE,
        gcp.cloudrunv2.ServiceArgs,
        {"location": "europe-west4", "ingress": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "template": RUN_TEMPLATE},
    ),
    "run_job": Baseline(
        t.RUN_JOB, gcp.cloudrunv2.JobArgs, {"location": "europe-west4", "template": {"template": RUN_TEMPLATE}}
    ),
    "function_v2": Baseline(
        t.FUNCTION_V2,
        gcp.cloudfunctionsv2.FunctionArgs,
        {"location": "europe-west4", "kms_key_name": KEY, "service_config": SERVICE_CONFIG},
    ),
    "run_service_iam_member": Baseline(
        "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
        gcp.cloudrunv2.ServiceIamMemberArgs,
        {"name": "gateway", "location": "europe-west4", "role": "roles/run.invoker", "member": SA},
    ),
    "function_v2_iam_member": Baseline(
        "gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember",
        gcp.cloudfunctionsv2.FunctionIamMemberArgs,
        {"cloud_function": "ingest", "location": "europe-west4", "role": "roles/cloudfunctions.invoker", "member": SA},
    ),
    "eventarc_trigger": Baseline(
        t.EVENTARC_TRIGGER,
        gcp.eventarc.TriggerArgs,
        {
            "location": "europe-west4",
            "matching_criterias": [{"attribute": "type", "value": "google.cloud.pubsub.topic.v1.messagePublished"}],
            "destination": {"cloud_run_service": {"service": "gateway", "region": "europe-west4"}},
            "service_account": RUNTIME_SA,
        },
    ),
    "eventarc_channel": Baseline(
        t.EVENTARC_CHANNEL, gcp.eventarc.ChannelArgs, {"location": "europe-west4", "crypto_key_name": KEY}
    ),
    "google_channel_config": Baseline(
        t.EVENTARC_GOOGLE_CHANNEL_CONFIG,
        gcp.eventarc.GoogleChannelConfigArgs,
        {"location": "europe-west4", "crypto_key_name": KEY},
    ),
    "wif_provider": Baseline(
        t.WIF_PROVIDER,
        gcp.iam.WorkloadIdentityPoolProviderArgs,
        {
            "workload_identity_pool_id": "ci",
            "workload_identity_pool_provider_id": "github",
            "attribute_mapping": GITHUB_MAPPING,
            "attribute_condition": "attribute.repository == 'acme/genai-mlops' && assertion.ref == 'refs/heads/main'",
            "oidc": GITHUB,
        },
    ),
    "wif_service_account_iam_member": Baseline(
        "gcp:serviceaccount/iAMMember:IAMMember",
        gcp.serviceaccount.IAMMemberArgs,
        {
            "service_account_id": "projects/acme-prod/serviceAccounts/deployer@acme-prod.iam.gserviceaccount.com",
            "role": "roles/iam.workloadIdentityUser",
            "member": f"{POOL}/attribute.repository/acme/genai-mlops",
        },
    ),
    "custom_role": Baseline(
        t.PROJECT_CUSTOM_ROLE,
        gcp.projects.IAMCustomRoleArgs,
        {"role_id": "predictor", "title": "Predictor", "permissions": ["aiplatform.endpoints.predict"]},
    ),
    "conditional_project_iam_member": Baseline(
        "gcp:projects/iAMMember:IAMMember",
        gcp.projects.IAMMemberArgs,
        {"project": "acme-prod", "role": "roles/aiplatform.user", "member": GROUP, "condition": CONDITION},
    ),
    "secret": Baseline(
        t.SECRET,
        gcp.secretmanager.SecretArgs,
        {"secret_id": "api-key", "replication": {"user_managed": {"replicas": [REPLICA]}}},
    ),
    "regional_secret": Baseline(
        t.REGIONAL_SECRET,
        gcp.secretmanager.RegionalSecretArgs,
        {"secret_id": "api-key", "location": "europe-west4", "customer_managed_encryption": {"kms_key_name": KEY}},
    ),
    "secret_iam_member": Baseline(
        "gcp:secretmanager/secretIamMember:SecretIamMember",
        gcp.secretmanager.SecretIamMemberArgs,
        {"secret_id": "api-key", "role": "roles/secretmanager.secretAccessor", "member": SA},
    ),
    "firewall": Baseline(
        t.FIREWALL,
        gcp.compute.FirewallArgs,
        {
            "network": "platform",
            "direction": "INGRESS",
            "source_ranges": [IAP_RANGE],
            "allows": [{"protocol": "tcp", "ports": ["22", "3389"]}, {"protocol": "all"}],
        },
    ),
    "public_https_firewall": Baseline(
        t.FIREWALL,
        gcp.compute.FirewallArgs,
        {"network": "platform", "source_ranges": ["0.0.0.0/0"], "allows": [{"protocol": "tcp", "ports": ["443"]}]},
    ),
    "instance": Baseline(
        t.INSTANCE,
        gcp.compute.InstanceArgs,
        {**VM, "zone": "europe-west4-a", "boot_disk": {"initialize_params": {"image": IMAGE_URI}}},
    ),
    "instance_template": Baseline(
        t.INSTANCE_TEMPLATE, gcp.compute.InstanceTemplateArgs, {**VM, "disks": [{"source_image": IMAGE_URI}]}
    ),
    "sql_instance": Baseline(
        t.SQL_INSTANCE,
        gcp.sql.DatabaseInstanceArgs,
        {"database_version": "POSTGRES_16", "region": "europe-west4", "settings": SQL_SETTINGS},
    ),
    "workbench": Baseline(
        t.WORKBENCH_INSTANCE, gcp.workbench.InstanceArgs, {"location": "europe-west4-a", "gce_setup": WORKBENCH}
    ),
    "dataflow_job": Baseline(
        t.DATAFLOW_JOB,
        gcp.dataflow.JobArgs,
        {
            "template_gcs_path": "gs://dataflow-templates/latest/Word_Count",
            "temp_gcs_location": "gs://acme-prod-tmp/dataflow",
            "ip_configuration": "WORKER_IP_PRIVATE",
            "kms_key_name": KEY,
        },
    ),
    "dataflow_flex_job": Baseline(
        t.DATAFLOW_FLEX_TEMPLATE_JOB,
        gcp.dataflow.FlexTemplateJobArgs,
        {
            "container_spec_gcs_path": "gs://acme-prod-templates/embed.json",
            "ip_configuration": "WORKER_IP_PRIVATE",
            "kms_key_name": KEY,
        },
    ),
    "dataproc_cluster": Baseline(
        t.DATAPROC_CLUSTER,
        gcp.dataproc.ClusterArgs,
        {
            "region": "europe-west4",
            "cluster_config": {
                "gce_cluster_config": {"internal_ip_only": True, "subnetwork": SUBNET},
                "encryption_config": {"kms_key_name": KEY},
            },
        },
    ),
    "retained_bucket": Baseline(
        t.BUCKET,
        gcp.storage.BucketArgs,
        {
            "location": "EU",
            "uniform_bucket_level_access": True,
            "public_access_prevention": "enforced",
            "versioning": {"enabled": False},
            "retention_policy": {"retention_period": 2592000},
            "encryption": {"default_kms_key_name": KEY},
            "labels": LABELS,
        },
        protect=True,
    ),
}


@dataclass(frozen=True)
class Mutation:
    rule: str
    baseline: str
    label: str
    changes: dict[str, Any] = field(default_factory=dict)
    protect: bool | None = None


def M(rule: str, baseline: str, label: str, protect: bool | None = None, **changes: Any) -> Mutation:
    return Mutation(rule, baseline, label, changes, protect)


PUBLIC = ["allUsers", "allAuthenticatedUsers"]
MUTATIONS: list[Mutation] = [
    M("storage-bucket-uniform-access", "bucket", "unset", uniform_bucket_level_access=REMOVE),
    M("storage-bucket-uniform-access", "bucket", "false", uniform_bucket_level_access=False),
    M("storage-bucket-public-access-prevention", "bucket", "unset", public_access_prevention=REMOVE),
    M("storage-bucket-public-access-prevention", "bucket", "inherited", public_access_prevention="inherited"),
    M("storage-bucket-versioning", "bucket", "unset", versioning=REMOVE),
    M("storage-bucket-versioning", "bucket", "false", versioning={"enabled": False}),
    M("storage-bucket-cmek", "bucket", "unset", encryption=REMOVE),
    M("storage-bucket-cmek", "bucket", "empty", encryption={"default_kms_key_name": ""}),
    M("storage-bucket-no-force-destroy", "bucket", "true", force_destroy=True),
    M("storage-bucket-soft-delete", "bucket", "zero", soft_delete_policy={"retention_duration_seconds": 0}),
    M("protection-stateful-protected", "bucket", "unprotected", protect=False),
    M("labels-required", "bucket", "unset", labels=REMOVE),
    M("labels-required", "bucket", "missing key", labels={k: v for k, v in LABELS.items() if k != "managed-by"}),
    M("labels-required", "bucket", "empty value", labels={**LABELS, "app": ""}),
    *[M("storage-bucket-iam-no-public", "bucket_iam_member", m, member=m) for m in PUBLIC],
    *[M("storage-bucket-iam-no-public", "bucket_iam_binding", m, members=[SA, m]) for m in PUBLIC],
    *[M("storage-acl-no-public", "bucket_access_control", m, entity=m) for m in PUBLIC],
    M("storage-acl-no-public", "bucket_acl", "allUsers", role_entities=["READER:allUsers"]),
    *[
        M(
            "bigquery-dataset-no-public-access",
            "dataset",
            m,
            accesses=[{"role": "READER", "special_group": m}]
            if m == "allAuthenticatedUsers"
            else [{"role": "READER", "iam_member": m}],
        )
        for m in PUBLIC
    ],
    M(
        "bigquery-dataset-no-public-access",
        "dataset_access",
        "allAuthenticatedUsers",
        group_by_email=REMOVE,
        special_group="allAuthenticatedUsers",
    ),
    *[M("bigquery-dataset-no-public-access", "dataset_iam_member", m, member=m) for m in PUBLIC],
    M("bigquery-dataset-cmek", "dataset", "unset", default_encryption_configuration=REMOVE),
    M("bigquery-dataset-no-delete-contents", "dataset", "true", delete_contents_on_destroy=True),
    M("bigquery-table-deletion-protection", "table", "false", deletion_protection=False),
    *[M("bigquery-table-iam-no-public", "table_iam_member", m, member=m) for m in PUBLIC],
    M(
        "iam-no-consumer-email-domains",
        "dataset",
        "gmail user",
        accesses=[{"role": "READER", "user_by_email": "someone@gmail.com"}],
    ),
    M("pubsub-topic-cmek", "topic", "unset", kms_key_name=REMOVE),
    *[M("pubsub-iam-no-public", "topic_iam_member", m, member=m) for m in PUBLIC],
    *[M("pubsub-iam-no-public", "subscription_iam_binding", m, members=[m]) for m in PUBLIC],
    M("pubsub-subscription-dead-letter", "subscription", "unset", dead_letter_policy=REMOVE),
    M("pubsub-push-oidc", "subscription", "no token", push_config={"push_endpoint": "https://sub-abc-ew.a.run.app"}),
    M(
        "pubsub-push-oidc",
        "subscription",
        "empty token account",
        push_config={"push_endpoint": "https://sub-abc-ew.a.run.app", "oidc_token": {"service_account_email": ""}},
    ),
    M("pubsub-subscription-never-expires", "subscription", "unset", expiration_policy=REMOVE),
    M("pubsub-subscription-never-expires", "subscription", "31 days", expiration_policy={"ttl": "2678400s"}),
    M("artifactregistry-repository-cmek", "repository", "unset", kms_key_name=REMOVE),
    M("artifactregistry-docker-immutable-tags", "repository", "unset", docker_config=REMOVE),
    M("artifactregistry-docker-immutable-tags", "repository", "false", docker_config={"immutable_tags": False}),
    *[M("artifactregistry-iam-no-public", "repository_iam_member", m, member=m) for m in PUBLIC],
    M("kms-key-rotation", "crypto_key", "unset", rotation_period=REMOVE),
    M("kms-key-rotation", "crypto_key", "one year", rotation_period="31536000s"),
    M("kms-key-rotation", "crypto_key", "not a duration", rotation_period="90d"),
    M("kms-key-protected", "crypto_key", "unprotected", protect=False),
    *[M("kms-iam-no-public", "crypto_key_iam_member", m, member=m) for m in PUBLIC],
    *[M("kms-iam-no-public", "key_ring_iam_binding", m, members=[GROUP, m]) for m in PUBLIC],
    M("project-no-default-network", "project", "unset", auto_create_network=REMOVE),
    M("project-no-default-network", "project", "true", auto_create_network=True),
    M("project-deletion-policy-prevent", "project", "delete", deletion_policy="DELETE"),
    M("project-deletion-policy-prevent", "project", "abandon", deletion_policy="ABANDON"),
    *[M("iam-no-basic-roles", "project_iam_member", r, role=r) for r in ("roles/viewer",)],
    M("iam-no-basic-roles", "project_iam_binding", "editor", role="roles/editor"),
    M(
        "iam-no-basic-roles",
        "project_iam_policy",
        "viewer in policy",
        policy_data=json.dumps({"bindings": [{"role": "roles/viewer", "members": [GROUP]}]}),
    ),
    M(
        "iam-no-admin-roles-for-service-accounts",
        "project_iam_member",
        "storage admin",
        member=SA,
        role="roles/storage.admin",
    ),
    M(
        "iam-no-admin-roles-for-service-accounts",
        "project_iam_binding",
        "aiplatform admin",
        members=[GROUP, SA],
        role="roles/aiplatform.admin",
    ),
    *[
        M("iam-no-project-level-impersonation", "project_iam_member", r.rsplit(".", 1)[-1], role=r)
        for r in (
            "roles/iam.serviceAccountUser",
            "roles/iam.serviceAccountTokenCreator",
            "roles/iam.workloadIdentityUser",
        )
    ],
    M(
        "iam-no-default-service-accounts",
        "project_iam_member",
        "compute default",
        member="serviceAccount:123456789012-compute@developer.gserviceaccount.com",
    ),
    M(
        "iam-no-default-service-accounts",
        "project_iam_binding",
        "app engine default",
        members=["serviceAccount:acme-prod@appspot.gserviceaccount.com"],
    ),
    M("iam-no-consumer-email-domains", "project_iam_binding", "gmail group", members=["group:friends@gmail.com"]),
    M("iam-no-direct-user-grants", "project_iam_member", "corporate user", member="user:ana@acme.example"),
    *[M("iam-no-public-principals", "service_account_iam_member", m, member=m) for m in PUBLIC],
    M("iam-no-public-principals", "endpoint_iam_member", "allUsers", member="allUsers"),
    M(
        "logging-audit-config-complete",
        "audit_config",
        "missing data read",
        audit_log_configs=[{"log_type": "ADMIN_READ"}, {"log_type": "DATA_WRITE"}],
    ),
    M(
        "logging-audit-config-complete",
        "audit_config",
        "exempted member",
        audit_log_configs=[
            {"log_type": "ADMIN_READ"},
            {"log_type": "DATA_READ", "exempted_members": [GROUP]},
            {"log_type": "DATA_WRITE"},
        ],
    ),
    M("vertex-endpoint-cmek", "endpoint", "unset", encryption_spec=REMOVE),
    M("vertex-endpoint-private", "endpoint", "public", private_service_connect_config=REMOVE),
    M(
        "vertex-endpoint-private",
        "endpoint",
        "psc disabled",
        private_service_connect_config={"enable_private_service_connect": False},
    ),
    M("vertex-endpoint-private", "endpoint", "dedicated public DNS", dedicated_endpoint_enabled=True),
    M("vertex-endpoint-request-response-logging", "endpoint", "unset", predict_request_response_logging_config=REMOVE),
    M(
        "vertex-endpoint-request-response-logging",
        "endpoint",
        "disabled",
        predict_request_response_logging_config={"enabled": False},
    ),
    M("vertex-index-endpoint-private", "index_endpoint", "public endpoint", public_endpoint_enabled=True),
    M("vertex-index-endpoint-private", "index_endpoint", "no network", network=REMOVE),
    M("vertex-dataset-cmek", "vertex_dataset", "unset", encryption_spec=REMOVE),
    M("vertex-metadata-store-cmek", "metadata_store", "unset", encryption_spec=REMOVE),
    M("vertex-tensorboard-cmek", "tensorboard", "unset", encryption_spec=REMOVE),
    M("vertex-feature-store-cmek", "feature_store", "unset", encryption_spec=REMOVE),
    M("vertex-feature-store-cmek", "feature_online_store", "unset", encryption_spec=REMOVE),
    M("vertex-feature-store-no-force-destroy", "feature_store", "true", force_destroy=True),
    M("vertex-feature-store-no-force-destroy", "feature_online_store", "true", force_destroy=True),
    M("bigquery-dataset-cmek", "dataset", "empty key", default_encryption_configuration={"kms_key_name": ""}),
    M("pubsub-topic-cmek", "topic", "empty key", kms_key_name=""),
    M("pubsub-subscription-dead-letter", "subscription", "empty topic", dead_letter_policy={"dead_letter_topic": ""}),
    M("artifactregistry-repository-cmek", "repository", "empty key", kms_key_name=""),
    M("vertex-endpoint-cmek", "endpoint", "empty key", encryption_spec={"kms_key_name": ""}),
    M("vertex-dataset-cmek", "vertex_dataset", "empty key", encryption_spec={"kms_key_name": ""}),
    M("vertex-metadata-store-cmek", "metadata_store", "empty key", encryption_spec={"kms_key_name": ""}),
    M("vertex-tensorboard-cmek", "tensorboard", "empty key", encryption_spec={"kms_key_name": ""}),
    M("vertex-feature-store-cmek", "feature_store", "empty key", encryption_spec={"kms_key_name": ""}),
    M("vertex-release-cmek", "model_version", "unset", kms_key_name=REMOVE),
    M("vertex-release-cmek", "model_version", "null", kms_key_name=None),
    M("vertex-release-cmek", "pipeline_schedule", "unset", kms_key_name=REMOVE),
    M("vertex-release-cmek", "pipeline_schedule", "empty key", kms_key_name=""),
    M("protection-stateful-protected", "dataset", "unprotected", protect=False),
    M("protection-stateful-protected", "metadata_store", "unprotected", protect=False),
    *[M("run-iam-no-public", "run_service_iam_member", m, member=m) for m in PUBLIC],
    M("run-iam-no-public", "function_v2_iam_member", "allUsers", member="allUsers"),
    M("run-service-invoker-iam-check", "run_service", "internal ingress", invoker_iam_disabled=True),
    M(
        "run-service-invoker-iam-check",
        "run_service",
        "internal-only ingress",
        invoker_iam_disabled=True,
        ingress="INGRESS_TRAFFIC_INTERNAL_ONLY",
    ),
    M(
        "run-function-ingress-restricted",
        "function_v2",
        "unset",
        service_config={k: v for k, v in SERVICE_CONFIG.items() if k != "ingress_settings"},
    ),
    M(
        "run-function-ingress-restricted",
        "function_v2",
        "allow all",
        service_config={**SERVICE_CONFIG, "ingress_settings": "ALLOW_ALL"},
    ),
    M("run-env-no-plaintext-secrets", "run_service", "password literal", template=with_env("DB_PASSWORD", "hunter2")),
    M(
        "run-env-no-plaintext-secrets",
        "run_service",
        "pulumi secret",
        template=with_env("UPSTREAM", {"[secret]": True}),
    ),
    M(
        "run-env-no-plaintext-secrets",
        "run_job",
        "token literal",
        template={"template": with_env("HF_TOKEN", "hf_0123456789")},
    ),
    M(
        "run-env-no-plaintext-secrets",
        "function_v2",
        "api key literal",
        service_config={**SERVICE_CONFIG, "environment_variables": {"OPENAI_API_KEY": "sk-0123"}},
    ),
    M("run-cmek", "run_service", "unset", template={k: v for k, v in RUN_TEMPLATE.items() if k != "encryption_key"}),
    M("run-cmek", "run_job", "empty", template={"template": {**RUN_TEMPLATE, "encryption_key": ""}}),
    M("run-cmek", "function_v2", "unset", kms_key_name=REMOVE),
    M(
        "run-no-default-service-account",
        "run_service",
        "unset",
        template={k: v for k, v in RUN_TEMPLATE.items() if k != "service_account"},
    ),
    M(
        "run-no-default-service-account",
        "run_job",
        "compute default",
        template={"template": {**RUN_TEMPLATE, "service_account": DEFAULT_COMPUTE_SA}},
    ),
    M(
        "run-no-default-service-account",
        "function_v2",
        "compute default",
        service_config={**SERVICE_CONFIG, "service_account_email": DEFAULT_COMPUTE_SA},
    ),
    M("run-service-ingress-restricted", "run_service", "unset", ingress=REMOVE),
    M("run-service-ingress-restricted", "run_service", "all", ingress="INGRESS_TRAFFIC_ALL"),
    M("run-service-private-egress", "run_service", "internal url", template=with_env("GATEWAY_API_URL", "http://10.20.0.10")),
    M("run-image-pinned-by-digest", "run_service", "tag", template=with_image("europe-docker.pkg.dev/a/b/gw:latest")),
    M("run-image-pinned-by-digest", "run_service", "untagged", template=with_image("europe-docker.pkg.dev/a/b/gw")),
    M("run-image-pinned-by-digest", "run_service", "short digest", template=with_image(IMAGE.rsplit("0", 1)[0])),
    M(
        "run-image-pinned-by-digest",
        "run_job",
        "no containers",
        template={"template": {**RUN_TEMPLATE, "containers": []}},
    ),
    M("eventarc-channel-cmek", "eventarc_channel", "unset", crypto_key_name=REMOVE),
    M("eventarc-channel-cmek", "google_channel_config", "empty", crypto_key_name=""),
    M("eventarc-trigger-service-account", "eventarc_trigger", "unset", service_account=REMOVE),
    M("eventarc-trigger-service-account", "eventarc_trigger", "compute default", service_account=DEFAULT_COMPUTE_SA),
    M("iam-wif-provider-attribute-condition", "wif_provider", "unset", attribute_condition=REMOVE),
    M("iam-wif-provider-attribute-condition", "wif_provider", "blank", attribute_condition="  "),
    M(
        "iam-wif-provider-pinned-claims",
        "wif_provider",
        "workflow only",
        attribute_condition="assertion.workflow == 'deploy'",
    ),
    M(
        "iam-wif-provider-pinned-claims",
        "wif_provider",
        "mapped actor",
        attribute_mapping={**GITHUB_MAPPING, "attribute.actor": "assertion.actor"},
        attribute_condition="attribute.actor == 'ana'",
    ),
    M(
        "iam-wif-provider-pinned-claims",
        "wif_provider",
        "gitlab ref",
        oidc={"issuer_uri": "https://gitlab.com"},
        attribute_condition="assertion.ref == 'main'",
    ),
    M("iam-wif-no-pool-wide-grants", "wif_service_account_iam_member", "whole pool", member=f"{POOL}/*"),
    M(
        "iam-custom-role-no-privilege-escalation",
        "custom_role",
        "key creation",
        permissions=["aiplatform.endpoints.predict", "iam.serviceAccountKeys.create"],
    ),
    M(
        "iam-custom-role-no-privilege-escalation",
        "custom_role",
        "setIamPolicy",
        permissions=["storage.buckets.get", "storage.buckets.setIamPolicy"],
    ),
    M("iam-conditional-grant-not-privileged", "conditional_project_iam_member", "admin", role="roles/storage.admin"),
    M(
        "iam-conditional-grant-not-privileged",
        "service_account_iam_member",
        "conditional impersonation",
        role="roles/iam.serviceAccountTokenCreator",
        condition=CONDITION,
    ),
    M(
        "iam-conditional-grant-not-privileged",
        "project_iam_policy",
        "conditional admin binding",
        policy_data=json.dumps(
            {"bindings": [{"role": "roles/aiplatform.admin", "members": [GROUP], "condition": CONDITION}]}
        ),
    ),
    *[M("secretmanager-iam-no-public", "secret_iam_member", m, member=m) for m in PUBLIC],
    M(
        "secretmanager-secret-cmek",
        "secret",
        "replica without key",
        replication={"user_managed": {"replicas": [{"location": "europe-west4"}]}},
    ),
    M(
        "secretmanager-secret-cmek",
        "regional_secret",
        "unset",
        customer_managed_encryption=REMOVE,
    ),
    M(
        "secretmanager-secret-replication-locations",
        "secret",
        "automatic",
        replication={"auto": {"customer_managed_encryption": {"kms_key_name": KEY}}},
    ),
    M(
        "compute-firewall-no-public-ssh",
        "firewall",
        "ssh from anywhere",
        source_ranges=["0.0.0.0/0"],
        allows=[{"protocol": "tcp", "ports": ["22"]}],
    ),
    M(
        "compute-firewall-no-public-ssh",
        "firewall",
        "range over 22 from ::/0",
        source_ranges=["::/0"],
        allows=[{"protocol": "tcp", "ports": ["20-30"]}],
    ),
    M(
        "compute-firewall-no-public-ssh",
        "firewall",
        "no source at all",
        source_ranges=REMOVE,
        allows=[{"protocol": "tcp", "ports": ["22"]}],
    ),
    M(
        "compute-firewall-no-public-rdp",
        "firewall",
        "rdp from anywhere",
        source_ranges=[IAP_RANGE, "0.0.0.0/0"],
        allows=[{"protocol": "tcp", "ports": ["3389"]}],
    ),
    M(
        "compute-firewall-no-public-all-ports",
        "firewall",
        "all protocols",
        source_ranges=["0.0.0.0/0"],
        allows=[{"protocol": "all"}],
    ),
    M(
        "compute-firewall-no-public-all-ports",
        "firewall",
        "tcp every port",
        source_ranges=["0.0.0.0/0"],
        allows=[{"protocol": "tcp"}],
    ),
    M(
        "compute-instance-no-public-ip",
        "instance",
        "ephemeral ip",
        network_interfaces=[{"subnetwork": SUBNET, "access_configs": [{"network_tier": "PREMIUM"}]}],
    ),
    M(
        "compute-instance-no-public-ip",
        "instance_template",
        "ipv6 external",
        network_interfaces=[{"subnetwork": SUBNET, "ipv6_access_configs": [{"network_tier": "PREMIUM"}]}],
    ),
    M("compute-instance-no-serial-port", "instance", "enabled", metadata={"serial-port-enable": "TRUE"}),
    M("compute-instance-no-serial-port", "instance_template", "enabled 1", metadata={"serial-port-enable": "1"}),
    M(
        "compute-instance-no-default-sa-full-access",
        "instance",
        "default account",
        service_account={"scopes": ["cloud-platform"]},
    ),
    M(
        "compute-instance-no-default-sa-full-access",
        "instance_template",
        "default email full url",
        service_account={"email": DEFAULT_COMPUTE_SA, "scopes": ["https://www.googleapis.com/auth/cloud-platform"]},
    ),
    M("compute-instance-shielded-vm", "instance", "no config", shielded_instance_config=REMOVE),
    M(
        "compute-instance-shielded-vm",
        "instance_template",
        "vtpm off",
        shielded_instance_config={**SHIELDED, "enable_vtpm": False},
    ),
    M("sql-instance-no-public-ip", "sql_instance", "unset", settings=sql(ipv4_enabled=REMOVE)),
    M("sql-instance-no-public-ip", "sql_instance", "true", settings=sql(ipv4_enabled=True)),
    M(
        "sql-instance-no-open-authorized-networks",
        "sql_instance",
        "world",
        settings=sql(authorized_networks=[{"name": "anyone", "value": "0.0.0.0/0"}]),
    ),
    M("sql-instance-ssl-required", "sql_instance", "unset", settings=sql(ssl_mode=REMOVE)),
    M(
        "sql-instance-ssl-required",
        "sql_instance",
        "plaintext allowed",
        settings=sql(ssl_mode="ALLOW_UNENCRYPTED_AND_ENCRYPTED"),
    ),
    M(
        "sql-instance-backups",
        "sql_instance",
        "unset",
        settings={k: v for k, v in SQL_SETTINGS.items() if k != "backup_configuration"},
    ),
    M(
        "sql-instance-backups",
        "sql_instance",
        "false",
        settings={**SQL_SETTINGS, "backup_configuration": {"enabled": False}},
    ),
    M(
        "vertex-workbench-no-public-ip",
        "workbench",
        "unset",
        gce_setup={k: v for k, v in WORKBENCH.items() if k != "disable_public_ip"},
    ),
    M("vertex-workbench-no-public-ip", "workbench", "false", gce_setup={**WORKBENCH, "disable_public_ip": False}),
    M(
        "vertex-workbench-cmek",
        "workbench",
        "boot gmek",
        gce_setup={**WORKBENCH, "boot_disk": {"disk_encryption": "GMEK"}},
    ),
    M(
        "vertex-workbench-cmek",
        "workbench",
        "data disk unset",
        gce_setup={**WORKBENCH, "data_disks": {"disk_size_gb": 100}},
    ),
    M(
        "vertex-workbench-secure-boot",
        "workbench",
        "unset",
        gce_setup={k: v for k, v in WORKBENCH.items() if k != "shielded_instance_config"},
    ),
    M(
        "vertex-workbench-secure-boot",
        "workbench",
        "integrity off",
        gce_setup={**WORKBENCH, "shielded_instance_config": {**SHIELDED, "enable_integrity_monitoring": False}},
    ),
    M("dataflow-job-no-public-ip", "dataflow_job", "unset", ip_configuration=REMOVE),
    M("dataflow-job-no-public-ip", "dataflow_flex_job", "public", ip_configuration="WORKER_IP_PUBLIC"),
    M("dataflow-job-cmek", "dataflow_job", "unset", kms_key_name=REMOVE),
    M("dataflow-job-cmek", "dataflow_flex_job", "empty", kms_key_name=""),
    M(
        "dataproc-cluster-no-public-ip",
        "dataproc_cluster",
        "unset",
        cluster_config={"encryption_config": {"kms_key_name": KEY}},
    ),
    M(
        "dataproc-cluster-cmek",
        "dataproc_cluster",
        "unset",
        cluster_config={"gce_cluster_config": {"internal_ip_only": True}},
    ),
    M(
        "storage-bucket-no-self-logging",
        "bucket",
        "logs to itself",
        name="acme-prod-datasets",
        logging={"log_bucket": "acme-prod-datasets"},
    ),
    M("storage-bucket-versioning", "retained_bucket", "retention removed", retention_policy=REMOVE),
]
RESOURCE_RULES = [r for r in discover_rules() if isinstance(r, ResourceRule)]


def build(baseline: Baseline, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    arguments = {**baseline.arguments, **(changes or {})}
    kept = {k: v for k, v in arguments.items() if v is not REMOVE}
    return dict(kept) if baseline.args is None else engine_inputs(baseline.args, **kept)


def findings(resource_type: str, inputs: dict[str, Any], protect: bool) -> dict[str, list[Finding]]:
    options = ResourceOptions(protect=protect)
    found = {rule.id: rule.evaluate(resource_type, inputs, options) for rule in RESOURCE_RULES}
    return {rule_id: f for rule_id, f in found.items() if f}


@pytest.mark.parametrize("key", sorted(BASELINES))
def test_compliant_baseline_passes_every_rule(key: str) -> None:
    baseline = BASELINES[key]
    assert findings(baseline.token, build(baseline), baseline.protect) == {}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m.rule}[{m.baseline}:{m.label}]")
def test_insecure_mutation_is_reported_by_its_rule(mutation: Mutation) -> None:
    baseline = BASELINES[mutation.baseline]
    protect = baseline.protect if mutation.protect is None else mutation.protect
    found = findings(baseline.token, build(baseline, mutation.changes), protect)
    assert set(found) == {mutation.rule}, found
    assert all(not f.undetermined and f.message for f in found[mutation.rule])


def test_service_account_key_is_always_reported() -> None:
    rule_id = "iam-no-user-managed-service-account-keys"
    key = engine_inputs(gcp.serviceaccount.KeyArgs, service_account_id="trainer@acme-prod.iam.gserviceaccount.com")
    assert set(findings(t.SERVICE_ACCOUNT_KEY, key, protect=False)) == {rule_id}
    account = BASELINES["service_account"]
    assert findings(account.token, build(account), protect=False) == {}


def test_every_resource_rule_has_a_mutation() -> None:
    covered = {m.rule for m in MUTATIONS} | {"iam-no-user-managed-service-account-keys"}
    assert {r.id for r in RESOURCE_RULES} - covered == set()


@pytest.mark.parametrize(
    ("key", "path", "rule_id"),
    [
        ("bucket", "uniformBucketLevelAccess", "storage-bucket-uniform-access"),
        ("bucket", "encryption", "storage-bucket-cmek"),
        ("topic", "kmsKeyName", "pubsub-topic-cmek"),
        ("project_iam_member", "member", "iam-no-direct-user-grants"),
        ("crypto_key", "rotationPeriod", "kms-key-rotation"),
        ("model_version", "kms_key_name", "vertex-release-cmek"),
        ("run_service", "invokerIamDisabled", "run-service-invoker-iam-check"),
        ("firewall", "sourceRanges", "compute-firewall-no-public-ssh"),
        ("sql_instance", "settings", "sql-instance-no-public-ip"),
        ("secret", "replication", "secretmanager-secret-replication-locations"),
        ("retained_bucket", "retentionPolicy", "storage-bucket-versioning"),
        ("run_service", "template", "run-env-no-plaintext-secrets"),
        ("run_service", "ingress", "run-service-ingress-restricted"),
        ("wif_provider", "attributeCondition", "iam-wif-provider-attribute-condition"),
        ("custom_role", "permissions", "iam-custom-role-no-privilege-escalation"),
    ],
)
def test_unknown_value_is_reported_as_undetermined_and_never_blocks(key: str, path: str, rule_id: str) -> None:
    baseline = BASELINES[key]
    inputs = {**build(baseline), path: UNKNOWN}
    found = findings(baseline.token, inputs, baseline.protect)
    assert rule_id in found
    assert all(f.undetermined for f in found[rule_id])
    resource = Resource(
        f"urn:pulumi:prod::genai-mlops::{baseline.token}::r",
        baseline.token,
        "r",
        inputs,
        ResourceOptions(protect=baseline.protect),
    )
    report = evaluate([resource], "prod", LevelConfig(production=PRODUCTION), RESOURCE_RULES)
    assert {v.level for v in report.violations if v.rule_id == rule_id} == {Level.ADVISORY}
    assert report.exit_code == 0 or any(not v.undetermined for v in report.mandatory)


def test_release_rule_types_are_what_the_release_resources_register() -> None:
    """The rule's type tokens are the ones the dynamic resources register under (`pulumi-python:` + their own)."""
    from infra.release.providers import ModelVersion, PipelineSchedule
    from policies.rules.vertex import release_cmek

    assert f"pulumi-python:{ModelVersion._resource_type_name}" == release_cmek.MODEL_VERSION
    assert f"pulumi-python:{PipelineSchedule._resource_type_name}" == release_cmek.PIPELINE_SCHEDULE
