"""No firewall rule opens RDP (tcp 3389) to the whole internet; internet-wide scanners find it within minutes."""

from policies.firewall import Unknown, public_openings
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import FIREWALL
from policies.values import undetermined

FIX = "restrict source_ranges for tcp 3389 to known ranges; use IAP TCP forwarding (35.235.240.0/20) or a bastion"


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    try:
        openings = public_openings(inputs)
    except Unknown as exc:
        return [undetermined(exc.path, FIX)]
    # every-port openings are compute-firewall-no-public-all-ports' findings
    if any(o.opens(3389) and not o.every_port for o in openings):
        return [Finding(f"allows RDP (tcp 3389) from anywhere (0.0.0.0/0 or ::/0); {FIX}")]
    return []


RULE = ResourceRule(
    id="compute-firewall-no-public-rdp",
    description="VPC firewall rules do not allow RDP (tcp 3389) from 0.0.0.0/0 or ::/0.",
    service="compute",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_3",
    references=("AVD-GCP-0070", "CIS GCP 3.7"),
    resource_types=frozenset({FIREWALL}),
    check=check,
)
