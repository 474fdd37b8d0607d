"""No IAM resource of any other service grants anything to allUsers or allAuthenticatedUsers.

Services with their own public-access rule (storage, BigQuery, Pub/Sub, Artifact Registry, KMS) are left
to it, so one grant gives one finding.
"""

from policies.iam import PUBLIC_PRINCIPALS, SERVICE_SPECIFIC_PUBLIC_RULE_TYPES, check_grants, is_iam_type, member_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def applies(resource_type: str) -> bool:
    return is_iam_type(resource_type) and resource_type not in SERVICE_SPECIFIC_PUBLIC_RULE_TYPES


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        member_in(PUBLIC_PRINCIPALS),
        "grant the role to a group or service account instead of a public principal",
    )


RULE = ResourceRule(
    id="iam-no-public-principals",
    description="IAM of any resource does not grant roles to allUsers or allAuthenticatedUsers.",
    service="iam",
    severity=Severity.CRITICAL,
    category=Category.SECURITY,
    source_id="CKV_GCP_113",
    type_filter=applies,
    check=check,
)
