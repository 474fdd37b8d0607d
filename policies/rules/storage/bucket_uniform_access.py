"""Buckets use uniform bucket-level access, so object ACLs cannot grant access around IAM."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import BUCKET
from policies.values import require_true


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_true(inputs, "uniformBucketLevelAccess", "set uniform_bucket_level_access=True on the bucket")


RULE = ResourceRule(
    id="storage-bucket-uniform-access",
    description="Cloud Storage buckets have uniform bucket-level access enabled (ACLs disabled).",
    service="storage",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_29",
    references=("AVD-GCP-0002", "CIS GCP 5.2"),
    resource_types=frozenset({BUCKET}),
    check=check,
)
