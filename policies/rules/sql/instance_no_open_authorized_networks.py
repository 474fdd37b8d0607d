"""No Cloud SQL authorised network admits the whole internet (0.0.0.0/0 or ::/0)."""

from policies.firewall import ANYWHERE
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import SQL_INSTANCE
from policies.values import is_unknown, lookup, undetermined

PATH = "settings.ipConfiguration.authorizedNetworks"
FIX = "authorise only the client ranges that need the instance, or connect through the Cloud SQL Auth Proxy"


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    networks = lookup(inputs, PATH)
    if is_unknown(networks):
        return [undetermined(PATH, FIX)]
    findings = []
    for index, network in enumerate(networks if isinstance(networks, list) else []):
        value = network.get("value") if isinstance(network, dict) else None
        if is_unknown(value):
            findings.append(undetermined(f"{PATH}[{index}].value", FIX))
        elif value in ANYWHERE:
            findings.append(Finding(f"{PATH}[{index}] is {value} (open to the world); {FIX}"))
    return findings


RULE = ResourceRule(
    id="sql-instance-no-open-authorized-networks",
    description="Cloud SQL instances do not authorise 0.0.0.0/0 or ::/0.",
    service="sql",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_11",
    references=("AVD-GCP-0017", "CIS GCP 6.5"),
    resource_types=frozenset({SQL_INSTANCE}),
    check=check,
)
