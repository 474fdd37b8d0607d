"""Buckets are encrypted with a customer-managed key, so access to the data can be revoked with the key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import BUCKET
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs, "encryption.defaultKmsKeyName", 'set encryption={"default_kms_key_name": <crypto key id>} on the bucket'
    )


RULE = ResourceRule(
    id="storage-bucket-cmek",
    description="Cloud Storage buckets are encrypted with a customer-managed KMS key.",
    service="storage",
    severity=Severity.LOW,
    category=Category.SECURITY,
    source_id="AVD-GCP-0066",
    resource_types=frozenset({BUCKET}),
    check=check,
)
