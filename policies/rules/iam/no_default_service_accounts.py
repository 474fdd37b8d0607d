"""The default Compute Engine and App Engine service accounts are granted nothing at project level."""

from policies.iam import DEFAULT_SERVICE_ACCOUNT, PROJECT_IAM, Grant, check_grants
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import is_unknown


def violates(grant: Grant) -> bool | None:
    if is_unknown(grant.member):
        return None
    return bool(DEFAULT_SERVICE_ACCOUNT.match(grant.member))


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type, inputs, violates, "create a dedicated service account for the workload and grant the role to it"
    )


RULE = ResourceRule(
    id="iam-no-default-service-accounts",
    description="Project IAM grants nothing to the default Compute Engine or App Engine service accounts.",
    service="iam",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_46",
    references=("AVD-GCP-0006",),
    resource_types=PROJECT_IAM,
    check=check,
)
