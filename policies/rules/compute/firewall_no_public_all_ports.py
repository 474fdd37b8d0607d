"""No firewall rule opens every port, or every protocol, to the whole internet (0.0.0.0/0 or ::/0).

Such a rule exposes every service the targets run, including SSH and RDP; those are reported here, not again
by the SSH and RDP rules, so one opening gives one finding.
"""

from policies.firewall import Unknown, public_openings
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import FIREWALL
from policies.values import undetermined

FIX = (
    "allow only the protocols and ports the targets serve, from the ranges that need them "
    "(or use IAP / a load balancer)"
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    try:
        openings = public_openings(inputs)
    except Unknown as exc:
        return [undetermined(exc.path, FIX)]
    wide = [o.describe() for o in openings if o.every_port]
    if wide:
        return [Finding(f"allows {', '.join(wide)} from anywhere (0.0.0.0/0 or ::/0); {FIX}")]
    return []


RULE = ResourceRule(
    id="compute-firewall-no-public-all-ports",
    description="VPC firewall rules do not allow every port or protocol from 0.0.0.0/0 or ::/0.",
    service="compute",
    severity=Severity.CRITICAL,
    category=Category.SECURITY,
    source_id="CKV2_GCP_12",
    references=("AVD-GCP-0027",),
    resource_types=frozenset({FIREWALL}),
    check=check,
)
