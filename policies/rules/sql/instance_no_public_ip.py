"""Cloud SQL instances have no public IPv4 address; clients connect over private IP or Private Service Connect.

The API turns a public IP on unless `ipv4_enabled` is false, so unset fails.
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import SQL_INSTANCE
from policies.values import MISSING, is_unknown, lookup, undetermined

PATH = "settings.ipConfiguration.ipv4Enabled"
FIX = 'set settings.ip_configuration={"ipv4_enabled": False, "private_network": <VPC>} (or psc_configs)'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    value = lookup(inputs, PATH)
    if is_unknown(value):
        return [undetermined(PATH, FIX)]
    if value is MISSING:
        return [Finding(f"{PATH} is unset (the instance gets a public IP by default); {FIX}")]
    if value is not False:
        return [Finding(f"{PATH} is {value!r}; {FIX}")]
    return []


RULE = ResourceRule(
    id="sql-instance-no-public-ip",
    description="Cloud SQL instances do not have a public IP address.",
    service="sql",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_60",
    references=("AVD-GCP-0017", "CIS GCP 6.6"),
    resource_types=frozenset({SQL_INSTANCE}),
    check=check,
)
