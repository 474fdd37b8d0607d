"""Tables keep deletion protection (the provider's default), so a replace or destroy cannot drop data."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import TABLE
from policies.values import is_unknown, lookup, undetermined

FIX = "remove deletion_protection=False from the table (the provider default is True)"


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    value = lookup(inputs, "deletionProtection")
    if is_unknown(value):
        return [undetermined("deletionProtection", FIX)]
    if value is False:
        return [Finding(f"deletionProtection is false; {FIX}")]
    return []


RULE = ResourceRule(
    id="bigquery-table-deletion-protection",
    description="BigQuery tables keep deletion protection enabled.",
    service="bigquery",
    severity=Severity.HIGH,
    category=Category.DATA_LOSS,
    source_id="CKV_GCP_121",
    resource_types=frozenset({TABLE}),
    check=check,
)
