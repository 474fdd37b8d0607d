"""Secret Manager IAM never grants anything to allUsers or allAuthenticatedUsers: a public secret is a leaked one."""

from policies.iam import PUBLIC_PRINCIPALS, SECRET_MANAGER_IAM, check_grants, member_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        member_in(PUBLIC_PRINCIPALS),
        "grant roles/secretmanager.secretAccessor to the workload's service account only",
    )


RULE = ResourceRule(
    id="secretmanager-iam-no-public",
    description=(
        "Secret Manager secrets do not grant roles to allUsers or allAuthenticatedUsers; no Checkov or Trivy "
        "check covers Secret Manager IAM."
    ),
    service="secretmanager",
    severity=Severity.CRITICAL,
    category=Category.SECURITY,
    resource_types=SECRET_MANAGER_IAM,
    check=check,
)
