"""VM instances (and their templates) have no external IP address: reach them through IAP, a NAT or a load balancer."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import INSTANCE, INSTANCE_TEMPLATE
from policies.values import is_unknown, lookup, undetermined

FIX = (
    "remove access_configs and ipv6_access_configs from network_interfaces; use Cloud NAT for egress and IAP for access"
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    interfaces = lookup(inputs, "networkInterfaces")
    if is_unknown(interfaces):
        return [undetermined("networkInterfaces", FIX)]
    findings = []
    for index, interface in enumerate(interfaces if isinstance(interfaces, list) else []):
        for key in ("accessConfigs", "ipv6AccessConfigs"):
            value = interface.get(key) if isinstance(interface, dict) else None
            if is_unknown(value):
                findings.append(undetermined(f"networkInterfaces[{index}].{key}", FIX))
            elif value:
                findings.append(Finding(f"networkInterfaces[{index}].{key} gives the VM an external IP; {FIX}"))
    return findings


RULE = ResourceRule(
    id="compute-instance-no-public-ip",
    description="Compute Engine instances and instance templates have no external IP address.",
    service="compute",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_40",
    references=("AVD-GCP-0031", "CIS GCP 4.9"),
    resource_types=frozenset({INSTANCE, INSTANCE_TEMPLATE}),
    check=check,
)
