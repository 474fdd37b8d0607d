"""Datasets are never shared with allUsers or allAuthenticatedUsers, by access entry or by IAM."""

from policies.iam import DATASET_IAM, PUBLIC_PRINCIPALS, check_grants, member_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import DATASET, DATASET_ACCESS


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        member_in(PUBLIC_PRINCIPALS),
        "grant dataset access to a group or service account instead of a public principal",
    )


RULE = ResourceRule(
    id="bigquery-dataset-no-public-access",
    description="BigQuery datasets are not accessible to allUsers or allAuthenticatedUsers.",
    service="bigquery",
    severity=Severity.CRITICAL,
    category=Category.SECURITY,
    source_id="CKV_GCP_15",
    references=("AVD-GCP-0046", "CIS GCP 7.1"),
    resource_types=DATASET_IAM | {DATASET, DATASET_ACCESS},
    check=check,
)
