"""No role is granted to a whole workload identity pool (`principalSet://.../workloadIdentityPools/POOL/*`).

A pool-wide member means every identity any provider of the pool accepts — today and after the next provider
is added — may impersonate the service account or use the resource. Grant to the attribute that names the
caller instead (`.../attribute.repository/acme/app`).
"""

from policies.iam import Grant, check_grants, is_iam_type, is_whole_workload_identity_pool
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import is_unknown


def violates(grant: Grant) -> bool | None:
    if is_unknown(grant.member):
        return None
    return is_whole_workload_identity_pool(grant.member)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        violates,
        "grant the role to principalSet://.../workloadIdentityPools/POOL/attribute.repository/OWNER/REPO "
        "(or another attribute that names the caller), not to the whole pool",
    )


RULE = ResourceRule(
    id="iam-wif-no-pool-wide-grants",
    description=(
        "No IAM grant (workloadIdentityUser above all) names a whole workload identity pool; no Checkov or "
        "Trivy check covers pool-wide principal sets."
    ),
    service="iam",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    type_filter=is_iam_type,
    check=check,
)
