"""Project roles go to groups, not to individual users, so access follows group membership."""

from policies.iam import PROJECT_IAM, Grant, check_grants
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import is_unknown


def violates(grant: Grant) -> bool | None:
    if is_unknown(grant.member):
        return None
    return grant.member.startswith("user:")


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(resource_type, inputs, violates, "grant the role to a group:... the user belongs to")


RULE = ResourceRule(
    id="iam-no-direct-user-grants",
    description="Project IAM grants roles to groups or service accounts rather than directly to users.",
    service="iam",
    severity=Severity.MEDIUM,
    category=Category.HYGIENE,
    source_id="AVD-GCP-0003",
    resource_types=PROJECT_IAM,
    check=check,
)
