"""Repositories are encrypted with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import REPOSITORY
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(inputs, "kmsKeyName", "set kms_key_name=<crypto key id> on the repository")


RULE = ResourceRule(
    id="artifactregistry-repository-cmek",
    description="Artifact Registry repositories are encrypted with a customer-managed KMS key.",
    service="artifactregistry",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_84",
    resource_types=frozenset({REPOSITORY}),
    check=check,
)
