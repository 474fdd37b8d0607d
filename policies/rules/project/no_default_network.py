"""Projects do not auto-create the default network, whose firewall rules open SSH and RDP to the world."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import PROJECT
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = "set auto_create_network=False on the project"


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    value = lookup(inputs, "autoCreateNetwork")
    if is_unknown(value):
        return [undetermined("autoCreateNetwork", FIX)]
    if value is MISSING:
        return [Finding(f"autoCreateNetwork is unset (the default creates the 'default' network); {FIX}")]
    if value is not False:
        return [Finding(f"autoCreateNetwork is {value!r}; {FIX}")]
    return []


RULE = ResourceRule(
    id="project-no-default-network",
    description="Projects are created without the auto-created default network.",
    service="project",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_27",
    references=("AVD-GCP-0010", "CIS GCP 3.1"),
    resource_types=frozenset({PROJECT}),
    check=check,
)
