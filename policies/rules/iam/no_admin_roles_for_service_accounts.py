"""Service accounts hold no admin, owner or editor role at project level (CIS GCP 1.5)."""

from policies.iam import PROJECT_IAM, Grant, check_grants
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import is_unknown


def is_admin_role(role: str) -> bool:
    name = role.rsplit("/", 1)[-1]
    return role in ("roles/owner", "roles/editor") or name.lower().endswith("admin")


def violates(grant: Grant) -> bool | None:
    if is_unknown(grant.member):
        return None if is_unknown(grant.role) or is_admin_role(grant.role) else False
    if not grant.member.startswith("serviceAccount:"):
        return False
    if is_unknown(grant.role):
        return None
    return is_admin_role(grant.role)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        violates,
        "grant the service account the narrow roles its workload uses instead of an admin role",
    )


RULE = ResourceRule(
    id="iam-no-admin-roles-for-service-accounts",
    description="Service accounts are not granted admin, owner or editor roles at project level.",
    service="iam",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_42",
    references=("AVD-GCP-0007", "CIS GCP 1.5"),
    resource_types=PROJECT_IAM,
    check=check,
)
