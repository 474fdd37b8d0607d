"""The CrossGuard side: the pack's exact rule ids and levels, and the rules run through pulumi-policy's own
argument types and analyzer servicer (constructed without starting the gRPC server)."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi_gcp as gcp
import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from policies.discovery import discover_rules
from policies.levels import Exemption, LevelConfig
from policies.model import Level
from policies.pack import EXEMPTIONS_POLICY, build_policies

PRODUCTION = frozenset({"prod"})  # the stacks of tier production in these tests

PROD_MANDATORY = {
    "artifactregistry-docker-immutable-tags",
    "artifactregistry-iam-no-public",
    "artifactregistry-repository-cmek",
    "bigquery-dataset-cmek",
    "bigquery-dataset-no-delete-contents",
    "bigquery-dataset-no-public-access",
    "bigquery-table-cmek",
    "bigquery-table-deletion-protection",
    "bigquery-table-iam-no-public",
    "compute-firewall-no-public-all-ports",
    "compute-firewall-no-public-rdp",
    "compute-firewall-no-public-ssh",
    "compute-instance-no-default-sa-full-access",
    "compute-instance-no-public-ip",
    "compute-instance-no-serial-port",
    "compute-instance-shielded-vm",
    "dataflow-job-cmek",
    "dataflow-job-no-public-ip",
    "dataproc-cluster-cmek",
    "dataproc-cluster-no-public-ip",
    "eventarc-channel-cmek",
    "eventarc-trigger-service-account",
    "iam-conditional-grant-not-privileged",
    "iam-custom-role-no-privilege-escalation",
    "iam-no-admin-roles-for-service-accounts",
    "iam-no-basic-roles",
    "iam-no-consumer-email-domains",
    "iam-no-default-service-accounts",
    "iam-no-project-level-impersonation",
    "iam-no-public-principals",
    "iam-no-user-managed-service-account-keys",
    "iam-wif-no-pool-wide-grants",
    "iam-wif-provider-attribute-condition",
    "iam-wif-provider-pinned-claims",
    "kms-iam-no-public",
    "kms-iam-separation-of-duties",
    "kms-key-protected",
    "kms-key-rotation",
    "logging-audit-config-complete",
    "logging-audit-config-present",
    "project-adopted-not-verifiable",
    "project-deletion-policy-prevent",
    "project-no-default-network",
    "protection-stateful-protected",
    "pubsub-iam-no-public",
    "pubsub-push-oidc",
    "pubsub-subscription-never-expires",
    "pubsub-topic-cmek",
    "run-cmek",
    "run-env-no-plaintext-secrets",
    "run-function-ingress-restricted",
    "run-iam-no-public",
    "run-image-pinned-by-digest",
    "run-no-default-service-account",
    "run-service-invoker-iam-check",
    "run-service-ingress-restricted",
    "secretmanager-iam-no-public",
    "secretmanager-secret-cmek",
    "secretmanager-secret-replication-locations",
    "sql-instance-backups",
    "sql-instance-no-open-authorized-networks",
    "sql-instance-no-public-ip",
    "sql-instance-ssl-required",
    "storage-acl-no-public",
    "storage-bucket-access-logging",
    "storage-bucket-cmek",
    "storage-bucket-iam-no-public",
    "storage-bucket-no-force-destroy",
    "storage-bucket-no-self-logging",
    "storage-bucket-public-access-prevention",
    "storage-bucket-soft-delete",
    "storage-bucket-uniform-access",
    "storage-bucket-versioning",
    "vertex-dataset-cmek",
    "vertex-endpoint-cmek",
    "vertex-endpoint-private",
    "vertex-feature-store-cmek",
    "vertex-feature-store-no-force-destroy",
    "vertex-index-endpoint-private",
    "vertex-metadata-store-cmek",
    "vertex-release-cmek",
    "vertex-tensorboard-cmek",
    "vertex-workbench-cmek",
    "vertex-workbench-no-public-ip",
    "vertex-workbench-secure-boot",
}
PROD_ADVISORY = {
    "run-service-private-egress",
    "iam-no-direct-user-grants",
    "labels-required",
    "monitoring-dead-letter-alert",
    "monitoring-endpoint-error-alert",
    "monitoring-endpoint-latency-alert",
    "pubsub-subscription-dead-letter",
    "vertex-endpoint-request-response-logging",
}
BUCKET = "gcp:storage/bucket:Bucket"
URN = f"urn:pulumi:prod::genai-mlops::{BUCKET}::models"


def levels_of(environment: str, config: LevelConfig | None = None) -> dict[str, str]:
    policies = build_policies(environment, config or LevelConfig(production=PRODUCTION))
    return {p.name: p.enforcement_level.value for p in policies if p.enforcement_level is not None}


def test_pack_has_exactly_these_rules_at_these_levels_in_prod() -> None:
    expected = {
        **dict.fromkeys(PROD_MANDATORY, "mandatory"),
        **dict.fromkeys(PROD_ADVISORY, "advisory"),
        EXEMPTIONS_POLICY: "advisory",
    }
    assert levels_of("prod") == expected
    assert len(discover_rules()) == len(PROD_MANDATORY | PROD_ADVISORY) == 93


@pytest.mark.parametrize("environment", ["dev", "staging"])
def test_every_rule_is_advisory_outside_prod(environment: str) -> None:
    assert set(levels_of(environment).values()) == {"advisory"}


def test_a_level_override_reaches_the_pack() -> None:
    config = LevelConfig(overrides={"dev": {"storage-bucket-versioning": Level.DISABLED}}, production=PRODUCTION)
    assert levels_of("dev", config)["storage-bucket-versioning"] == "disabled"


def _engine_props(args_type: type, **arguments: Any) -> Any:
    """Properties as the analyzer builds them from the engine's Struct: deserialized, behind the unknown proxy."""
    struct = asyncio.run(rpc.serialize_properties(arguments, {}, typ=args_type))
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def _opts(protect: bool) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _policy(name: str, environment: str = "prod", config: LevelConfig | None = None) -> Any:
    return next(p for p in build_policies(environment, config or LevelConfig(production=PRODUCTION)) if p.name == name)


def _validate(policy: Any, args: Any) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    return reported


def test_resource_rule_runs_on_resource_validation_args() -> None:
    policy = _policy("storage-bucket-uniform-access")
    assert isinstance(policy, ResourceValidationPolicy)
    insecure = _engine_props(gcp.storage.BucketArgs, location="EU", uniform_bucket_level_access=False)
    reported = _validate(policy, ResourceValidationArgs(BUCKET, insecure, URN, "models", _opts(True), None))
    assert len(reported) == 1
    assert "uniform_bucket_level_access=True" in reported[0][0]
    secure = _engine_props(gcp.storage.BucketArgs, location="EU", uniform_bucket_level_access=True)
    assert _validate(policy, ResourceValidationArgs(BUCKET, secure, URN, "models", _opts(True), None)) == []


def test_protect_option_is_read_from_args_opts() -> None:
    policy = _policy("protection-stateful-protected")
    props = _engine_props(gcp.storage.BucketArgs, location="EU")
    assert len(_validate(policy, ResourceValidationArgs(BUCKET, props, URN, "models", _opts(False), None))) == 1
    assert _validate(policy, ResourceValidationArgs(BUCKET, props, URN, "models", _opts(True), None)) == []


def test_unknown_preview_value_raises_unknown_value_error_like_crossguard_expects() -> None:
    policy = _policy("storage-bucket-cmek")
    props = unknown_checking_proxy({"location": "EU", "encryption": {"defaultKmsKeyName": UNKNOWN_STRING_VALUE}})
    with pytest.raises(UnknownValueError):
        _validate(policy, ResourceValidationArgs(BUCKET, props, URN, "models", _opts(True), None))


def test_exempted_resource_is_skipped_in_the_pack_and_listed_by_the_exemptions_policy() -> None:
    exemption = Exemption("storage-bucket-versioning", "models", "Model artefacts are immutable and content-addressed.")
    config = LevelConfig(exemptions=(exemption,), production=PRODUCTION)
    props = _engine_props(gcp.storage.BucketArgs, location="EU")
    args = ResourceValidationArgs(BUCKET, props, URN, "models", _opts(True), None)
    assert _validate(_policy("storage-bucket-versioning", config=config), args) == []
    listing = _validate(_policy(EXEMPTIONS_POLICY, config=config), StackValidationArgs([]))
    assert listing == [("storage-bucket-versioning is waived for models: " + exemption.reason, None)]


def test_stack_rule_runs_on_stack_validation_args() -> None:
    policy = _policy("monitoring-endpoint-latency-alert")
    assert isinstance(policy, StackValidationPolicy)
    endpoint_type = "gcp:vertex/aiEndpoint:AiEndpoint"
    endpoint_urn = f"urn:pulumi:prod::genai-mlops::{endpoint_type}::chat"
    endpoint = PolicyResource(
        endpoint_type,
        _engine_props(gcp.vertex.AiEndpointArgs, name="1", location="eu"),
        endpoint_urn,
        "chat",
        _opts(False),
        None,
        None,
        [],
        {},
    )
    reported = _validate(policy, StackValidationArgs([endpoint]))
    assert [urn for _, urn in reported] == [endpoint_urn]


def test_analyzer_servicer_reports_a_mandatory_violation_for_an_engine_request() -> None:
    """The full CrossGuard path short of gRPC: the engine's AnalyzeRequest through pulumi-policy's servicer."""
    policies = build_policies("prod", LevelConfig(production=PRODUCTION))
    servicer = _PolicyAnalyzerServicer("genai-mlops-guardrails", "0.1.0", policies, EnforcementLevel.ADVISORY)
    properties = asyncio.run(
        rpc.serialize_properties(
            {"location": "EU", "public_access_prevention": "inherited"}, {}, typ=gcp.storage.BucketArgs
        )
    )
    request = analyzer_pb2.AnalyzeRequest(
        type=BUCKET,
        properties=properties,
        urn=URN,
        name="models",
        options=analyzer_pb2.AnalyzerResourceOptions(protect=True),
    )
    response = servicer.Analyze(request, None)
    by_policy = {d.policyName: d for d in response.diagnostics}
    assert by_policy["storage-bucket-public-access-prevention"].enforcementLevel == analyzer_pb2.MANDATORY
    assert "public_access_prevention" in by_policy["storage-bucket-public-access-prevention"].message
    assert "protection-stateful-protected" not in by_policy
    assert isinstance(properties, struct_pb2.Struct)
