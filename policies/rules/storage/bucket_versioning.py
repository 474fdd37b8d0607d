"""Buckets keep object versions, so an overwrite or delete can be undone."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import BUCKET
from policies.values import require_true


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_true(inputs, "versioning.enabled", 'set versioning={"enabled": True} on the bucket')


RULE = ResourceRule(
    id="storage-bucket-versioning",
    description="Cloud Storage buckets have object versioning enabled.",
    service="storage",
    severity=Severity.MEDIUM,
    category=Category.DATA_LOSS,
    source_id="CKV_GCP_78",
    references=("AVD-GCP-0078",),
    resource_types=frozenset({BUCKET}),
    check=check,
)
