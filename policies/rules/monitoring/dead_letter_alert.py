"""Every subscription that dead-letters has an alert on dead-lettered messages, so none rot unseen."""

from collections.abc import Sequence

from policies.coverage import coverage_findings
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
    return coverage_findings(
        resources,
        (r for r in resources if r.type == SUBSCRIPTION and lookup(r.inputs, "deadLetterPolicy") is not MISSING),
        kind="subscription",
        measures=measures_dead_letters,
        id_label="subscription_id",
        gap="dead-letters but has no enabled dead-letter alert",
        fix=FIX,
    )


RULE = StackRule(
    id="monitoring-dead-letter-alert",
    description="Every Pub/Sub subscription with a dead-letter policy has an enabled dead-letter alert.",
    service="monitoring",
    severity=Severity.MEDIUM,
    category=Category.RELIABILITY,
    check_stack=check_stack,
)
