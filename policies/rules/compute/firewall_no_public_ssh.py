"""No firewall rule opens SSH (tcp 22) to the whole internet; internet-wide scanners find it within minutes."""

from policies.firewall import Unknown, public_openings
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import FIREWALL
from policies.values import undetermined

FIX = (
    "restrict source_ranges for tcp 22 to known ranges; use IAP TCP forwarding (35.235.240.0/20) "
    "or OS Login through a bastion"
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    try:
        openings = public_openings(inputs)
    except Unknown as exc:
        return [undetermined(exc.path, FIX)]
    # every-port openings are compute-firewall-no-public-all-ports' findings
    if any(o.opens(22) and not o.every_port for o in openings):
        return [Finding(f"allows SSH (tcp 22) from anywhere (0.0.0.0/0 or ::/0); {FIX}")]
    return []


RULE = ResourceRule(
    id="compute-firewall-no-public-ssh",
    description="VPC firewall rules do not allow SSH (tcp 22) from 0.0.0.0/0 or ::/0.",
    service="compute",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_2",
    references=("AVD-GCP-0071", "CIS GCP 3.6"),
    resource_types=frozenset({FIREWALL}),
    check=check,
)
