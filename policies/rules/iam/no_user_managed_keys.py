"""No user-managed service account keys: a downloaded key is a long-lived credential that leaks.

Workloads use attached service accounts or Workload Identity Federation instead.
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import SERVICE_ACCOUNT_KEY


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return [
        Finding(
            "a user-managed service account key is created; remove the gcp.serviceaccount.Key and use "
            "an attached service account or Workload Identity Federation"
        )
    ]


RULE = ResourceRule(
    id="iam-no-user-managed-service-account-keys",
    description="No user-managed service account keys are created (only Google-managed keys).",
    service="iam",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV2_GCP_3",
    references=("CIS GCP 1.4",),
    resource_types=frozenset({SERVICE_ACCOUNT_KEY}),
    check=check,
)
