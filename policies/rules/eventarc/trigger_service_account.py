"""Eventarc triggers deliver events as a dedicated service account, not the Compute Engine default.

The trigger's identity is what the destination authenticates: without one, delivery to Cloud Run uses the
default compute account, and whoever may act as it (Editor holders) may forge events.
"""

from policies.iam import is_default_service_account_email
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import EVENTARC_TRIGGER
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = "set service_account to a service account created for this trigger, with roles/run.invoker on its destination"


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    value = lookup(inputs, "serviceAccount")
    if is_unknown(value):
        return [undetermined("serviceAccount", FIX)]
    if value is MISSING or value == "":
        return [Finding(f"serviceAccount is unset (events are delivered as the default compute account); {FIX}")]
    if is_default_service_account_email(str(value)):
        return [Finding(f"serviceAccount is the default service account {value}; {FIX}")]
    return []


RULE = ResourceRule(
    id="eventarc-trigger-service-account",
    description=(
        "Eventarc triggers name a dedicated, non-default service account; no Checkov or Trivy check covers Eventarc."
    ),
    service="eventarc",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    resource_types=frozenset({EVENTARC_TRIGGER}),
    check=check,
)
