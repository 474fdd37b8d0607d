"""Topics are encrypted with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import TOPIC
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(inputs, "kmsKeyName", "set kms_key_name=<crypto key id> on the topic")


RULE = ResourceRule(
    id="pubsub-topic-cmek",
    description="Pub/Sub topics are encrypted with a customer-managed KMS key.",
    service="pubsub",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_83",
    resource_types=frozenset({TOPIC}),
    check=check,
)
