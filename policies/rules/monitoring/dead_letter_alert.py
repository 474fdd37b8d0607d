"""Every subscription that dead-letters has an alert on dead-lettered messages, so none rot unseen."""

from collections.abc import Sequence

from policies.coverage import coverage
from policies.model import Category, Finding, Resource, Severity, StackRule
from policies.types import SUBSCRIPTION
from policies.values import MISSING, lookup

FIX = (
    'add a gcp.monitoring.AlertPolicy on metric.type="pubsub.googleapis.com/subscription/dead_letter_message_count" '
    "for the subscription"
)


def measures_dead_letters(query: str) -> bool:
    return "subscription/dead_letter_message_count" in query


def check_stack(resources: Sequence[Resource]) -> list[Finding]:
    findings = []
    for subscription in (r for r in resources if r.type == SUBSCRIPTION):
        if lookup(subscription.inputs, "deadLetterPolicy") is MISSING:
            continue
        verdict = coverage(resources, subscription, measures_dead_letters, "subscription_id")
        if verdict is None:
            findings.append(
                Finding(
                    f"an alert filter that depends on subscription {subscription.name} is unknown offline; {FIX}",
                    urn=subscription.urn,
                    undetermined=True,
                )
            )
        elif not verdict:
            findings.append(
                Finding(
                    f"subscription {subscription.name} dead-letters but has no enabled dead-letter alert; {FIX}",
                    urn=subscription.urn,
                )
            )
    return findings


RULE = StackRule(
    id="monitoring-dead-letter-alert",
    description="Every Pub/Sub subscription with a dead-letter policy has an enabled dead-letter alert.",
    service="monitoring",
    severity=Severity.MEDIUM,
    category=Category.RELIABILITY,
    check_stack=check_stack,
)
