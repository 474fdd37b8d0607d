"""Table IAM never grants anything to allUsers or allAuthenticatedUsers."""

from policies.iam import PUBLIC_PRINCIPALS, TABLE_IAM, check_grants, member_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        member_in(PUBLIC_PRINCIPALS),
        "grant table access to a group or service account instead of a public principal",
    )


RULE = ResourceRule(
    id="bigquery-table-iam-no-public",
    description="BigQuery table IAM does not grant access to allUsers or allAuthenticatedUsers.",
    service="bigquery",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_100",
    resource_types=TABLE_IAM,
    check=check,
)
