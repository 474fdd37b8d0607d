"""Buckets keep object versions, so an overwrite or delete can be undone.

A retention policy satisfies the rule: it already forbids deleting or replacing an object before it expires,
and Cloud Storage refuses Object Versioning on a bucket that has one.
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import BUCKET
from policies.values import MISSING, is_unknown, lookup, require_true, undetermined

FIX = 'set versioning={"enabled": True} (or a retention_policy) on the bucket'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    retention = lookup(inputs, "retentionPolicy.retentionPeriod")
    if is_unknown(retention):
        return [undetermined("retentionPolicy.retentionPeriod", FIX)]
    if retention is not MISSING:
        try:
            if float(retention) > 0:
                return []
        except (TypeError, ValueError):
            return [Finding(f"retentionPolicy.retentionPeriod is {retention!r}, not a number of seconds; {FIX}")]
    return require_true(inputs, "versioning.enabled", FIX)


RULE = ResourceRule(
    id="storage-bucket-versioning",
    description="Cloud Storage buckets have object versioning enabled, or a retention policy.",
    service="storage",
    severity=Severity.MEDIUM,
    category=Category.DATA_LOSS,
    source_id="CKV_GCP_78",
    references=("AVD-GCP-0078",),
    resource_types=frozenset({BUCKET}),
    check=check,
)
