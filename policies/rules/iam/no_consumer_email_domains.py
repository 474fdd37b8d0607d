"""IAM grants name corporate identities, never consumer e-mail accounts (gmail.com, outlook.com, ...)."""

from policies.iam import CONSUMER_EMAIL_DOMAINS, Grant, check_grants, email_domain, is_iam_type
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import DATASET, DATASET_ACCESS
from policies.values import is_unknown


def violates(grant: Grant) -> bool | None:
    if is_unknown(grant.member):
        return None
    return email_domain(grant.member) in CONSUMER_EMAIL_DOMAINS


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type, inputs, violates, "grant the role to an account or group of the organisation's own domain"
    )


RULE = ResourceRule(
    id="iam-no-consumer-email-domains",
    description="IAM grants anywhere do not name users or groups of consumer e-mail domains.",
    service="iam",
    severity=Severity.LOW,
    category=Category.SECURITY,
    source_id="AVD-GCP-0069",
    references=("CIS GCP 1.1",),
    resource_types=frozenset({DATASET, DATASET_ACCESS}),
    type_filter=is_iam_type,
    check=check,
)
