"""Stateful resources carry the protect option, so Pulumi refuses any plan that would delete them."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import STATEFUL


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    if options.protect:
        return []
    return [Finding("the resource holds data and is not protected; set opts=pulumi.ResourceOptions(protect=True)")]


RULE = ResourceRule(
    id="protection-stateful-protected",
    description="Stateful resources (buckets, datasets, tables, topics, subscriptions, keys, ...) are protected.",
    service="protection",
    severity=Severity.HIGH,
    category=Category.DATA_LOSS,
    resource_types=STATEFUL,
    check=check,
)
