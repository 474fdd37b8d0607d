"""Topic and subscription IAM never grants anything to allUsers or allAuthenticatedUsers."""

from policies.iam import PUBLIC_PRINCIPALS, PUBSUB_IAM, check_grants, member_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        member_in(PUBLIC_PRINCIPALS),
        "grant the Pub/Sub role to a group or service account instead of a public principal",
    )


RULE = ResourceRule(
    id="pubsub-iam-no-public",
    description="Pub/Sub topic and subscription IAM does not grant access to allUsers or allAuthenticatedUsers.",
    service="pubsub",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_99",
    resource_types=PUBSUB_IAM,
    check=check,
)
