"""Subscriptions dead-letter poison messages instead of redelivering them forever."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import SUBSCRIPTION
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs,
        "deadLetterPolicy.deadLetterTopic",
        'set dead_letter_policy={"dead_letter_topic": <topic id>, "max_delivery_attempts": 5}',
    )


RULE = ResourceRule(
    id="pubsub-subscription-dead-letter",
    description="Pub/Sub subscriptions have a dead-letter topic.",
    service="pubsub",
    severity=Severity.MEDIUM,
    category=Category.RELIABILITY,
    resource_types=frozenset({SUBSCRIPTION}),
    check=check,
)
