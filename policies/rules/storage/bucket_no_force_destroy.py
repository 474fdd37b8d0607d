"""Buckets are not force-destroyed: deleting the resource must never delete the objects in it."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import BUCKET
from policies.values import forbid_true


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return forbid_true(inputs, "forceDestroy", "remove force_destroy (or set force_destroy=False) on the bucket")


RULE = ResourceRule(
    id="storage-bucket-no-force-destroy",
    description="Cloud Storage buckets do not set forceDestroy, which deletes every object with the bucket.",
    service="storage",
    severity=Severity.HIGH,
    category=Category.DATA_LOSS,
    resource_types=frozenset({BUCKET}),
    check=check,
)
