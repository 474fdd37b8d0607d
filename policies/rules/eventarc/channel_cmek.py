"""Eventarc channels encrypt the events they hold with a customer-managed key.

Events carry the payloads of the systems that emit them (prompts, feedback, model events): the same data the
platform keeps under CMEK at rest elsewhere.
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import EVENTARC_CHANNEL, EVENTARC_GOOGLE_CHANNEL_CONFIG
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(inputs, "cryptoKeyName", "set crypto_key_name to the environment's crypto key id")


RULE = ResourceRule(
    id="eventarc-channel-cmek",
    description=(
        "Eventarc channels and Google channel configs use a customer-managed KMS key; no Checkov or Trivy "
        "check covers Eventarc."
    ),
    service="eventarc",
    severity=Severity.LOW,
    category=Category.SECURITY,
    resource_types=frozenset({EVENTARC_CHANNEL, EVENTARC_GOOGLE_CHANNEL_CONFIG}),
    check=check,
)
