"""Bucket IAM never grants anything to allUsers or allAuthenticatedUsers."""

from policies.iam import BUCKET_IAM, PUBLIC_PRINCIPALS, check_grants, member_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        member_in(PUBLIC_PRINCIPALS),
        "grant the role to a group or service account instead of a public principal",
    )


RULE = ResourceRule(
    id="storage-bucket-iam-no-public",
    description="Cloud Storage bucket IAM does not grant access to allUsers or allAuthenticatedUsers.",
    service="storage",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_28",
    references=("AVD-GCP-0001", "CIS GCP 5.1"),
    resource_types=BUCKET_IAM,
    check=check,
)
