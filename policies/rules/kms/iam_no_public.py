"""Key and key-ring IAM never grants anything to allUsers or allAuthenticatedUsers."""

from policies.iam import KMS_IAM, PUBLIC_PRINCIPALS, check_grants, member_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        member_in(PUBLIC_PRINCIPALS),
        "grant the KMS role to a specific service account instead of a public principal",
    )


RULE = ResourceRule(
    id="kms-iam-no-public",
    description="Cloud KMS crypto key and key ring IAM does not grant access to allUsers or allAuthenticatedUsers.",
    service="kms",
    severity=Severity.CRITICAL,
    category=Category.SECURITY,
    source_id="CKV_GCP_112",
    references=("CKV2_GCP_6", "CKV2_GCP_8", "CIS GCP 1.9"),
    resource_types=KMS_IAM,
    check=check,
)
