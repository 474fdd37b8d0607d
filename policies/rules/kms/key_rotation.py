"""Symmetric keys rotate at least every 90 days, limiting how much data one key version protects."""

import re

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import CRYPTO_KEY
from policies.values import MISSING, is_unknown, lookup, undetermined

MAX_ROTATION_SECONDS = 90 * 24 * 3600
FIX = 'set rotation_period="7776000s" (90 days) or shorter on the key'
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    purpose = lookup(inputs, "purpose")
    if is_unknown(purpose):
        return [undetermined("purpose", FIX)]
    if purpose is not MISSING and purpose != "ENCRYPT_DECRYPT":
        return []  # asymmetric and MAC keys cannot rotate automatically
    period = lookup(inputs, "rotationPeriod")
    if is_unknown(period):
        return [undetermined("rotationPeriod", FIX)]
    if period is MISSING:
        return [Finding(f"rotationPeriod is unset (the key never rotates); {FIX}")]
    match = _DURATION.match(str(period))
    if match is None:
        return [Finding(f"rotationPeriod is {period!r}, not a duration in seconds like '7776000s'; {FIX}")]
    if float(match.group(1)) > MAX_ROTATION_SECONDS:
        return [Finding(f"rotationPeriod is {period} (more than 90 days); {FIX}")]
    return []


RULE = ResourceRule(
    id="kms-key-rotation",
    description="Cloud KMS encryption keys rotate within 90 days.",
    service="kms",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_43",
    references=("AVD-GCP-0065", "CIS GCP 1.10"),
    resource_types=frozenset({CRYPTO_KEY}),
    check=check,
)
