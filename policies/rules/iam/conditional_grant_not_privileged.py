"""An IAM condition does not make an admin or impersonation grant safe.

A condition narrows when or on which resources a role applies, but the grantee still holds every permission
of the role while it does, and conditions on resource attributes are ignored by services that do not report
them. Grants the other IAM rules already report (basic roles, project-level impersonation, admin roles of
service accounts) are left to them, so one grant gives one finding.
"""

import json
from collections.abc import Mapping

from policies.iam import BASIC_ROLES, IMPERSONATION_ROLES, PROJECT_IAM, Grant, grants, is_iam_type
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import MISSING, UNKNOWN, is_unknown, lookup

FIX = "grant a narrower predefined role instead; a condition does not reduce what the role can do"


def privileged(role: str) -> bool:
    return role in IMPERSONATION_ROLES or role.rsplit("/", 1)[-1].lower().endswith("admin")


def reported_elsewhere(resource_type: str, grant: Grant) -> bool:
    if grant.role in BASIC_ROLES:
        return True  # iam-no-basic-roles
    if resource_type in PROJECT_IAM:
        # iam-no-project-level-impersonation / iam-no-admin-roles-for-service-accounts
        return grant.role in IMPERSONATION_ROLES or grant.member.startswith("serviceAccount:")
    return False


def conditional_grants(resource_type: str, inputs: Inputs) -> list[Grant]:
    """The grants made under a condition: the resource's own `condition`, or conditional policy bindings."""
    if "policyData" in inputs:
        policy = inputs["policyData"]
        if not isinstance(policy, str) or is_unknown(policy):
            return [Grant(UNKNOWN, UNKNOWN)]
        try:
            bindings = json.loads(policy).get("bindings") or []
        except (json.JSONDecodeError, AttributeError):
            return [Grant(UNKNOWN, UNKNOWN)]
        conditional = [b for b in bindings if isinstance(b, Mapping) and b.get("condition")]
        return grants(resource_type, {"policyData": json.dumps({"bindings": conditional})})
    if lookup(inputs, "condition") is MISSING:
        return []
    return grants(resource_type, inputs)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    findings = []
    for grant in conditional_grants(resource_type, inputs):
        if grant.is_unknown:
            if is_unknown(grant.role) or privileged(grant.role):
                findings.append(
                    Finding(
                        f"a conditional grant is unknown offline ({grant.describe()}), so it cannot be verified; {FIX}",
                        undetermined=True,
                    )
                )
        elif privileged(grant.role) and not reported_elsewhere(resource_type, grant):
            findings.append(Finding(f"grants {grant.describe()} under a condition; {FIX}"))
    return findings


RULE = ResourceRule(
    id="iam-conditional-grant-not-privileged",
    description=(
        "Conditional IAM grants do not hand out admin or impersonation roles; no Checkov or Trivy check "
        "looks at IAM conditions."
    ),
    service="iam",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    type_filter=is_iam_type,
    check=check,
)
