"""Cloud Run services accept traffic only from inside the VPC or through a load balancer.

The default ingress (`INGRESS_TRAFFIC_ALL`) publishes the service's `run.app` URL to the internet: anyone
can reach it (and, with the invoker check off or a public grant, call it). Internal services such as the
serving gateway take `INGRESS_TRAFFIC_INTERNAL_ONLY`; a public entry point goes through a load balancer
(`INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER`) with IAP or Cloud Armor in front.
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import RUN_SERVICE
from policies.values import MISSING, is_unknown, lookup, undetermined

ALLOWED = ("INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER")
FIX = 'set ingress to "INGRESS_TRAFFIC_INTERNAL_ONLY" or "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" on the service'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    value = lookup(inputs, "ingress")
    if is_unknown(value):
        return [undetermined("ingress", FIX)]
    if value is MISSING:
        return [Finding(f"ingress is unset (the default INGRESS_TRAFFIC_ALL takes traffic from the internet); {FIX}")]
    if value not in ALLOWED:
        return [Finding(f"ingress is {value!r} (traffic from the internet); {FIX}")]
    return []


RULE = ResourceRule(
    id="run-service-ingress-restricted",
    description=(
        "Cloud Run services take ingress only from the VPC or a load balancer, not from all sources "
        "(the intent of CKV_GCP_124 for functions; Google's Cloud Run ingress guidance)."
    ),
    service="run",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    references=("CKV_GCP_124",),
    resource_types=frozenset({RUN_SERVICE}),
    check=check,
)
