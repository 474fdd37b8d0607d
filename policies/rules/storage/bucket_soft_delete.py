"""Buckets keep soft-deleted objects: a zero soft-delete retention makes every delete final at once."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import BUCKET
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = 'remove soft_delete_policy or set soft_delete_policy={"retention_duration_seconds": 604800} (7 days) or more'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    value = lookup(inputs, "softDeletePolicy.retentionDurationSeconds")
    if is_unknown(value):
        return [undetermined("softDeletePolicy.retentionDurationSeconds", FIX)]
    if value is not MISSING and float(value) == 0:
        return [Finding(f"softDeletePolicy.retentionDurationSeconds is 0 (soft delete disabled); {FIX}")]
    return []


RULE = ResourceRule(
    id="storage-bucket-soft-delete",
    description="Cloud Storage buckets keep the soft-delete window (the cloud's 7-day default or longer).",
    service="storage",
    severity=Severity.MEDIUM,
    category=Category.DATA_LOSS,
    resource_types=frozenset({BUCKET}),
    check=check,
)
