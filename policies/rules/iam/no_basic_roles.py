"""No basic roles (owner, editor, viewer) at project level: they grant thousands of permissions."""

from policies.iam import BASIC_ROLES, PROJECT_IAM, check_grants, role_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        role_in(BASIC_ROLES),
        "grant a predefined or custom role scoped to the job instead of a basic role",
    )


RULE = ResourceRule(
    id="iam-no-basic-roles",
    description="Project IAM does not grant the basic roles owner, editor or viewer.",
    service="iam",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_117",
    resource_types=PROJECT_IAM,
    check=check,
)
