"""Cloud Run services keep the invoker IAM check, so every request must carry an authorised identity.

`invoker_iam_disabled=True` makes the service public without any IAM grant: with ingress `all` (the default)
anyone on the internet can call it unauthenticated.
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import RUN_SERVICE
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = (
    "leave invoker_iam_disabled unset and grant roles/run.invoker to the callers; put a public entry point "
    "behind a load balancer with IAP"
)
PUBLIC_INGRESS = "INGRESS_TRAFFIC_ALL"


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    disabled = lookup(inputs, "invokerIamDisabled")
    if is_unknown(disabled):
        return [undetermined("invokerIamDisabled", FIX)]
    if disabled is not True:
        return []
    ingress = lookup(inputs, "ingress")
    if is_unknown(ingress):
        return [Finding(f"invokerIamDisabled is true (ingress unknown offline); {FIX}")]
    if ingress is MISSING or ingress == PUBLIC_INGRESS:
        reach = "ingress is all, so anyone on the internet can call it without authentication"
    else:
        reach = f"ingress is {ingress}, so any caller that reaches it needs no identity"
    return [Finding(f"invokerIamDisabled is true and {reach}; {FIX}")]


RULE = ResourceRule(
    id="run-service-invoker-iam-check",
    description=(
        "Cloud Run services keep the invoker IAM check (no unauthenticated access, whatever the ingress). "
        "No Checkov or Trivy check covers invoker_iam_disabled; CKV_GCP_102 covers the allUsers grant."
    ),
    service="run",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    resource_types=frozenset({RUN_SERVICE}),
    check=check,
)
