"""Custom roles hold no permission that hands out more access than the role itself.

`*.setIamPolicy` lets the holder grant themselves any role on the resource; creating service account keys or
minting its tokens lets them become the service account. A custom role carrying one is an admin role under
another name, and reviews of predefined roles never see it.
"""

from typing import Final

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import ORGANIZATION_CUSTOM_ROLE, PROJECT_CUSTOM_ROLE
from policies.values import is_unknown, lookup, undetermined

ESCALATING: Final = frozenset(
    {
        "iam.serviceAccountKeys.create",
        "iam.serviceAccounts.getAccessToken",
        "iam.serviceAccounts.getOpenIdToken",
        "iam.serviceAccounts.implicitDelegation",
        "iam.serviceAccounts.signBlob",
        "iam.serviceAccounts.signJwt",
        "iam.roles.update",
        "resourcemanager.projects.setIamPolicy",
    }
)
FIX = "remove the permission and grant the predefined role that needs it on the one resource that needs it"


def escalates(permission: str) -> bool:
    return permission in ESCALATING or permission.endswith(".setIamPolicy")


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    permissions = lookup(inputs, "permissions")
    if is_unknown(permissions):
        return [undetermined("permissions", FIX)]
    if not isinstance(permissions, list):
        return []
    findings = []
    if any(is_unknown(p) for p in permissions):
        findings.append(undetermined("a permission", FIX))
    found = sorted(p for p in permissions if isinstance(p, str) and not is_unknown(p) and escalates(p))
    if found:
        findings.append(Finding(f"permissions include {', '.join(found)} (privilege escalation); {FIX}"))
    return findings


RULE = ResourceRule(
    id="iam-custom-role-no-privilege-escalation",
    description=(
        "Custom roles hold no setIamPolicy, service-account key creation or token-minting permission; no "
        "Checkov or Trivy check covers custom role permissions."
    ),
    service="iam",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    resource_types=frozenset({PROJECT_CUSTOM_ROLE, ORGANIZATION_CUSTOM_ROLE}),
    check=check,
)
