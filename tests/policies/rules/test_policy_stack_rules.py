"""Stack (coverage) rules: a compliant snapshot, and one mutation per way of failing."""

from __future__ import annotations

from dataclasses import replace

import pulumi_gcp as gcp
import pytest

from policies import types as t
from policies.discovery import discover_rules
from policies.model import Resource, ResourceOptions, StackRule
from policies.testing import engine_inputs
from policies.values import UNKNOWN

KEY = "projects/acme-prod/locations/europe-west4/keyRings/platform/cryptoKeys/data"
PREFIX = "urn:pulumi:prod::genai-mlops::"
LATENCY = (
    'metric.type="aiplatform.googleapis.com/prediction/online/prediction_latencies" '
    'AND resource.type="aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id="1234567890"'
)
ERRORS = (
    'metric.type="aiplatform.googleapis.com/prediction/online/response_count" '
    'AND metric.labels.response_code=starts_with("5") AND resource.labels.endpoint_id="1234567890"'
)
DEAD_LETTERS = 'metric.type="pubsub.googleapis.com/subscription/dead_letter_message_count"'


def resource(
    type_: str, logical_name: str, args: type, dependencies: tuple[str, ...] = (), **arguments: object
) -> Resource:
    return Resource(
        f"{PREFIX}{type_}::{logical_name}",
        type_,
        logical_name,
        engine_inputs(args, **arguments),
        ResourceOptions(protect=True),
        dependencies=dependencies,
    )


def alert(name: str, query: str, enabled: bool = True, dependencies: tuple[str, ...] = ()) -> Resource:
    return resource(
        t.ALERT_POLICY,
        name,
        gcp.monitoring.AlertPolicyArgs,
        dependencies,
        display_name=name,
        combiner="OR",
        enabled=enabled,
        conditions=[
            {
                "display_name": name,
                "condition_threshold": {
                    "filter": query,
                    "comparison": "COMPARISON_GT",
                    "duration": "300s",
                    "threshold_value": 1,
                },
            }
        ],
    )


ENDPOINT = resource(
    t.ENDPOINT, "chat", gcp.vertex.AiEndpointArgs, name="1234567890", display_name="chat", location="europe-west4"
)
SUBSCRIPTION = resource(
    t.SUBSCRIPTION,
    "events-worker",
    gcp.pubsub.SubscriptionArgs,
    topic="events",
    dead_letter_policy={"dead_letter_topic": "projects/acme-prod/topics/events-dlq"},
)
DATASET = resource(
    t.DATASET,
    "serving",
    gcp.bigquery.DatasetArgs,
    dataset_id="serving",
    default_encryption_configuration={"kms_key_name": KEY},
)
TABLE = resource(t.TABLE, "prediction-log", gcp.bigquery.TableArgs, dataset_id="serving", table_id="log")
AUDIT = resource(
    t.AUDIT_CONFIG,
    "audit",
    gcp.projects.IAMAuditConfigArgs,
    project="acme-prod",
    service="allServices",
    audit_log_configs=[{"log_type": "ADMIN_READ"}, {"log_type": "DATA_READ"}, {"log_type": "DATA_WRITE"}],
)
KMS_USER = resource(
    "gcp:projects/iAMMember:IAMMember",
    "kms-user",
    gcp.projects.IAMMemberArgs,
    project="acme-prod",
    role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
    member="serviceAccount:app@acme.iam.gserviceaccount.com",
)
LOG_BUCKET = resource(t.BUCKET, "logs", gcp.storage.BucketArgs, name="acme-prod-logs", location="EU")
LOGGED_BUCKET = resource(
    t.BUCKET,
    "datasets",
    gcp.storage.BucketArgs,
    name="acme-prod-datasets",
    location="EU",
    logging={"log_bucket": "acme-prod-logs"},
)
UNLOGGED_BUCKET = resource(t.BUCKET, "datasets", gcp.storage.BucketArgs, name="acme-prod-datasets", location="EU")
ADMIN_READ_ONLY = resource(
    t.AUDIT_CONFIG,
    "audit",
    gcp.projects.IAMAuditConfigArgs,
    project="acme-prod",
    service="allServices",
    audit_log_configs=[{"log_type": "ADMIN_READ"}],
)
COMPLIANT = [
    LOG_BUCKET,
    LOGGED_BUCKET,
    ENDPOINT,
    SUBSCRIPTION,
    DATASET,
    TABLE,
    AUDIT,
    KMS_USER,
    alert("latency", LATENCY),
    alert("errors", ERRORS),
    alert("dead-letters", DEAD_LETTERS),
]
STACK_RULES = {r.id: r for r in discover_rules() if isinstance(r, StackRule)}
PROJECT_RESOURCE = resource(
    t.PROJECT, "project", gcp.organizations.ProjectArgs, project_id="acme-prod", name="acme-prod",
    auto_create_network=False,
)
"""The project the compliant stack's resources live in, created by the stack (so its settings are visible)."""


def failing(resources: list[Resource]) -> dict[str, list[str | None]]:
    found = {rule_id: rule.evaluate(resources) for rule_id, rule in STACK_RULES.items()}
    return {rule_id: [f.urn for f in fs] for rule_id, fs in found.items() if fs}


def without(name: str) -> list[Resource]:
    return [PROJECT_RESOURCE, *(r for r in COMPLIANT if r.name != name)]


def test_compliant_stack_passes_every_stack_rule() -> None:
    assert failing([PROJECT_RESOURCE, *COMPLIANT]) == {}


MUTATIONS = {
    "monitoring-endpoint-latency-alert": {
        "no alert": without("latency"),
        "alert disabled": [*without("latency"), alert("latency-off", LATENCY, enabled=False)],
        "alert for another endpoint": [*without("latency"), alert("other", LATENCY.replace("1234567890", "42"))],
    },
    "monitoring-endpoint-error-alert": {
        "no alert": without("errors"),
        "response_count without 5xx": [
            *without("errors"),
            alert("all-responses", 'metric.type="aiplatform.googleapis.com/prediction/online/response_count"'),
        ],
    },
    "monitoring-dead-letter-alert": {
        "no alert": without("dead-letters"),
        "alert on another metric": [
            *without("dead-letters"),
            alert("backlog", 'metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages"'),
        ],
    },
    "bigquery-table-cmek": {
        "dataset without default key": [
            *without("serving"),
            resource(t.DATASET, "serving", gcp.bigquery.DatasetArgs, dataset_id="serving"),
        ],
        "table in another dataset": [
            *without("prediction-log"),
            resource(t.TABLE, "prediction-log", gcp.bigquery.TableArgs, dataset_id="scratch", table_id="log"),
        ],
    },
    "logging-audit-config-present": {
        "no audit config": without("audit"),
        "service-specific only": [
            *without("audit"),
            resource(
                t.AUDIT_CONFIG,
                "audit",
                gcp.projects.IAMAuditConfigArgs,
                project="acme-prod",
                service="storage.googleapis.com",
                audit_log_configs=[{"log_type": "DATA_READ"}],
            ),
        ],
    },
    "storage-bucket-access-logging": {
        "no usage logs and no data-access audit logs": [
            PROJECT_RESOURCE,
            *[r for r in COMPLIANT if r.name not in ("audit", "datasets")],
            ADMIN_READ_ONLY,
            UNLOGGED_BUCKET,
        ],
    },
    "project-adopted-not-verifiable": {"no project resource for the project the stack uses": COMPLIANT},
    "kms-iam-separation-of-duties": {
        "admin and user": [
            PROJECT_RESOURCE,
            *COMPLIANT,
            resource(
                "gcp:projects/iAMMember:IAMMember",
                "kms-admin",
                gcp.projects.IAMMemberArgs,
                project="acme-prod",
                role="roles/cloudkms.admin",
                member="serviceAccount:app@acme.iam.gserviceaccount.com",
            ),
        ],
    },
}


@pytest.mark.parametrize(("rule_id", "label"), [(r, label) for r, cases in MUTATIONS.items() for label in cases])
def test_stack_mutation_is_reported_by_its_rule(rule_id: str, label: str) -> None:
    found = failing(MUTATIONS[rule_id][label])
    assert set(found) == {rule_id}, found
    stack_level = ("logging-audit-config-present", "project-adopted-not-verifiable")
    assert all(urn is not None or rule_id in stack_level for urn in found[rule_id])


def test_a_created_project_is_verifiable_and_an_adopted_one_is_reported_undetermined() -> None:
    rule = STACK_RULES["project-adopted-not-verifiable"]
    assert rule.evaluate([PROJECT_RESOURCE, *COMPLIANT]) == []
    [finding] = rule.evaluate(COMPLIANT)  # every resource lives in acme-prod; nothing creates it
    assert finding.undetermined, "never a pass and never a blocking violation: a hand check"
    assert "project acme-prod is used but not created" in finding.message
    assert "gcloud compute networks describe default --project acme-prod" in finding.message


def test_every_stack_rule_has_a_mutation() -> None:
    assert set(STACK_RULES) == set(MUTATIONS)


def test_alert_without_endpoint_filter_covers_every_endpoint() -> None:
    project_wide = LATENCY.replace(' AND resource.labels.endpoint_id="1234567890"', "")
    assert failing([*without("latency"), alert("all-endpoints", project_wide)]) == {}


def test_alert_built_from_the_endpoint_outputs_covers_it_through_dependencies() -> None:
    by_dependency = alert("latency-dep", LATENCY.replace("1234567890", "9"), dependencies=(ENDPOINT.urn,))
    assert failing([*without("latency"), by_dependency]) == {}


def test_unknown_filter_of_a_dependent_alert_is_undetermined() -> None:
    hidden = alert("latency-dep", LATENCY, dependencies=(ENDPOINT.urn,))
    conditions = [{**hidden.inputs["conditions"][0], "conditionThreshold": {"filter": UNKNOWN}}]
    hidden = replace(hidden, inputs={**hidden.inputs, "conditions": conditions})
    findings = STACK_RULES["monitoring-endpoint-latency-alert"].evaluate([*without("latency"), hidden])
    assert [(f.urn, f.undetermined) for f in findings] == [(ENDPOINT.urn, True)]


def test_data_access_audit_logs_satisfy_bucket_access_logging() -> None:
    assert failing([*without("datasets"), UNLOGGED_BUCKET]) == {}


def test_unknown_audit_config_leaves_bucket_logging_undetermined() -> None:
    hidden = replace(AUDIT, inputs={**AUDIT.inputs, "auditLogConfigs": UNKNOWN})
    stack = [*[r for r in COMPLIANT if r.name not in ("audit", "datasets")], hidden, UNLOGGED_BUCKET]
    findings = STACK_RULES["storage-bucket-access-logging"].evaluate(stack)
    assert {(f.urn, f.undetermined) for f in findings} == {(LOG_BUCKET.urn, True), (UNLOGGED_BUCKET.urn, True)}
