"""Impersonation roles are granted on one service account, never on the whole project.

At project level, Service Account User or Token Creator lets the grantee act as every service account
in the project, including the most privileged one.
"""

from policies.iam import IMPERSONATION_ROLES, PROJECT_IAM, check_grants, role_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        role_in(IMPERSONATION_ROLES),
        "grant the role on the one service account that needs it (gcp.serviceaccount.IAMMember)",
    )


RULE = ResourceRule(
    id="iam-no-project-level-impersonation",
    description="Service-account impersonation and management roles are not granted at project level.",
    service="iam",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_41",
    references=("CKV_GCP_49", "AVD-GCP-0011", "CIS GCP 1.6"),
    resource_types=PROJECT_IAM,
    check=check,
)
