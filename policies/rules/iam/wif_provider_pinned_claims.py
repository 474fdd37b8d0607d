"""A CI provider's attribute condition pins a claim the outsider cannot choose: the repository or its owner.

On GitHub anyone can create a repository with a workflow named `deploy` run by an actor they control, so a
condition on `workflow`, `actor`, `ref` or `event_name` alone admits strangers. GitHub's `repository`,
`repository_owner` (or their `_id`s, or `sub`, which embeds the repository) and GitLab's `project_path` /
`namespace_path` (or ids, or `sub`) name what only the organisation owns. A condition may test a mapped
`attribute.X`; it counts when the mapping reads a pinning claim.
"""

import re
from collections.abc import Mapping
from typing import Final

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import WIF_PROVIDER
from policies.values import MISSING, is_unknown, lookup, undetermined

PINNING_CLAIMS: Final = {
    "https://token.actions.githubusercontent.com": frozenset(
        {"repository", "repository_id", "repository_owner", "repository_owner_id", "sub"}
    ),
    "https://gitlab.com": frozenset({"project_path", "project_id", "namespace_path", "namespace_id", "sub"}),
    "https://app.terraform.io": frozenset({"terraform_organization_id", "terraform_organization_name", "sub"}),
}
"""Issuers whose tokens anyone can obtain, and the claims that name the owner rather than the caller."""
_ASSERTION = re.compile(r"\bassertion\.([A-Za-z_][A-Za-z0-9_]*)")
_ATTRIBUTE = re.compile(r"\b(attribute\.[A-Za-z_][A-Za-z0-9_]*|google\.subject)\b")


def claims_read(condition: str, mapping: Mapping[str, object]) -> set[str]:
    """The token claims a condition depends on, following `attribute.X` through the attribute mapping."""
    claims = set(_ASSERTION.findall(condition))
    for attribute in _ATTRIBUTE.findall(condition):
        expression = mapping.get(attribute)
        if isinstance(expression, str):
            claims |= set(_ASSERTION.findall(expression))
    return claims


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    issuer = lookup(inputs, "oidc.issuerUri")
    if is_unknown(issuer):
        return [undetermined("oidc.issuerUri", "pin the repository or its owner in attribute_condition")]
    pinning = PINNING_CLAIMS.get(str(issuer).rstrip("/")) if issuer is not MISSING else None
    if pinning is None:
        return []
    fix = f"make attribute_condition test one of {', '.join(sorted(pinning))} (directly or through attribute_mapping)"
    condition = lookup(inputs, "attributeCondition")
    mapping = lookup(inputs, "attributeMapping")
    if is_unknown(condition) or is_unknown(mapping):
        return [undetermined("attributeCondition / attributeMapping", fix)]
    if condition is MISSING or not str(condition).strip():
        return []  # iam-wif-provider-attribute-condition reports a missing condition
    read = claims_read(str(condition), mapping if isinstance(mapping, Mapping) else {})
    if read & pinning:
        return []
    tested = ", ".join(sorted(read)) or "no token claim"
    return [Finding(f"attributeCondition tests {tested}, which anyone with an account at {issuer} controls; {fix}")]


RULE = ResourceRule(
    id="iam-wif-provider-pinned-claims",
    description=(
        "Workload identity providers for GitHub, GitLab and Terraform Cloud pin the repository, project or "
        "organisation in their attribute condition."
    ),
    service="iam",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_125",
    resource_types=frozenset({WIF_PROVIDER}),
    check=check,
)
