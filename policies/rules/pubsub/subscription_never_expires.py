"""Subscriptions never expire: by default Pub/Sub deletes a subscription after 31 days without activity."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import SUBSCRIPTION
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = 'set expiration_policy={"ttl": ""} on the subscription (never expire)'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    ttl = lookup(inputs, "expirationPolicy.ttl")
    if is_unknown(ttl):
        return [undetermined("expirationPolicy.ttl", FIX)]
    if ttl is MISSING:
        return [Finding(f"expirationPolicy is unset (the default deletes the subscription after 31 idle days); {FIX}")]
    if ttl != "":
        return [Finding(f"expirationPolicy.ttl is {ttl!r}, the subscription is deleted when idle that long; {FIX}")]
    return []


RULE = ResourceRule(
    id="pubsub-subscription-never-expires",
    description="Pub/Sub subscriptions set an empty expiration TTL so an idle subscription is never deleted.",
    service="pubsub",
    severity=Severity.MEDIUM,
    category=Category.DATA_LOSS,
    resource_types=frozenset({SUBSCRIPTION}),
    check=check,
)
