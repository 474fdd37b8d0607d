"""A bucket does not write its access logs into itself: every log write would be logged again, and whoever can
delete the data can delete the evidence with it."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import BUCKET
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = 'set logging={"log_bucket": <a separate, locked-down log bucket>}'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    target = lookup(inputs, "logging.logBucket")
    if target is MISSING:
        return []
    name = lookup(inputs, "name")
    if is_unknown(target) or is_unknown(name):
        return [undetermined("logging.logBucket / name", FIX)]
    if name is MISSING:
        return [undetermined("name (auto-named bucket)", FIX)]
    if str(target).removeprefix("gs://").rstrip("/") == name:
        return [Finding(f"logging.logBucket is the bucket itself ({name}); {FIX}")]
    return []


RULE = ResourceRule(
    id="storage-bucket-no-self-logging",
    description="Cloud Storage buckets do not log their access into themselves.",
    service="storage",
    severity=Severity.LOW,
    category=Category.SECURITY,
    source_id="CKV_GCP_63",
    resource_types=frozenset({BUCKET}),
    check=check,
)
