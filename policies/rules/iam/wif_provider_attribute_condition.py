"""Workload identity pool providers restrict which external identities they accept (attribute_condition).

Without a condition, every token the issuer signs is accepted: for GitHub or GitLab, any workflow of any
repository on the platform can federate into the pool and act as every service account the pool may use.
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import WIF_PROVIDER
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = (
    "set attribute_condition to a CEL expression on a claim only your organisation controls, e.g. "
    "\"assertion.repository_owner == 'acme' && assertion.ref == 'refs/heads/main'\" for GitHub"
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    condition = lookup(inputs, "attributeCondition")
    if is_unknown(condition):
        return [undetermined("attributeCondition", FIX)]
    if condition is MISSING or not str(condition).strip():
        return [Finding(f"attributeCondition is unset (every token the issuer signs is accepted); {FIX}")]
    return []


RULE = ResourceRule(
    id="iam-wif-provider-attribute-condition",
    description="Workload identity pool providers set an attribute condition.",
    service="iam",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_118",
    references=("AVD-GCP-0068",),
    resource_types=frozenset({WIF_PROVIDER}),
    check=check,
)
