"""Repository IAM never grants anything to allUsers or allAuthenticatedUsers."""

from policies.iam import ARTIFACT_REGISTRY_IAM, PUBLIC_PRINCIPALS, check_grants, member_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        member_in(PUBLIC_PRINCIPALS),
        "grant the repository role to a group or service account instead of a public principal",
    )


RULE = ResourceRule(
    id="artifactregistry-iam-no-public",
    description="Artifact Registry repository IAM does not grant access to allUsers or allAuthenticatedUsers.",
    service="artifactregistry",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_101",
    resource_types=ARTIFACT_REGISTRY_IAM,
    check=check,
)
