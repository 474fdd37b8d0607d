"""Cloud Run functions accept traffic only from inside the VPC or through a load balancer.

The default ingress (`ALLOW_ALL`) exposes the function's URL to the internet; event-driven functions never
need it, and HTTP functions should sit behind a load balancer (IAP, Cloud Armor).
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import FUNCTION_V1, FUNCTION_V2
from policies.values import MISSING, is_unknown, lookup, undetermined

ALLOWED = ("ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB")
PATHS = {FUNCTION_V2: "serviceConfig.ingressSettings", FUNCTION_V1: "ingressSettings"}


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    path = PATHS[resource_type]
    fix = f'set {path} to "ALLOW_INTERNAL_ONLY" or "ALLOW_INTERNAL_AND_GCLB" on the function'
    value = lookup(inputs, path)
    if is_unknown(value):
        return [undetermined(path, fix)]
    if value is MISSING:
        return [Finding(f"{path} is unset (the default ALLOW_ALL takes traffic from the internet); {fix}")]
    if value not in ALLOWED:
        return [Finding(f"{path} is {value!r} (traffic from the internet); {fix}")]
    return []


RULE = ResourceRule(
    id="run-function-ingress-restricted",
    description="Cloud Run functions take ingress only from the VPC or a load balancer, not from all sources.",
    service="run",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_124",
    resource_types=frozenset(PATHS),
    check=check,
)
