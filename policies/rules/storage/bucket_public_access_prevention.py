"""Buckets enforce public access prevention, so no IAM grant or ACL can ever make them public."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import BUCKET
from policies.values import require_equal


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_equal(
        inputs, "publicAccessPrevention", "enforced", 'set public_access_prevention="enforced" on the bucket'
    )


RULE = ResourceRule(
    id="storage-bucket-public-access-prevention",
    description="Cloud Storage buckets enforce public access prevention.",
    service="storage",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_114",
    resource_types=frozenset({BUCKET}),
    check=check,
)
