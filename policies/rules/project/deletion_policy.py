"""Projects keep the PREVENT deletion policy (the provider default), so no update can delete a project."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import PROJECT
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = 'remove deletion_policy or set deletion_policy="PREVENT" on the project'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    value = lookup(inputs, "deletionPolicy")
    if is_unknown(value):
        return [undetermined("deletionPolicy", FIX)]
    if value is not MISSING and value != "PREVENT":
        return [Finding(f"deletionPolicy is {value!r}; {FIX}")]
    return []


RULE = ResourceRule(
    id="project-deletion-policy-prevent",
    description="Projects keep deletion policy PREVENT.",
    service="project",
    severity=Severity.HIGH,
    category=Category.DATA_LOSS,
    resource_types=frozenset({PROJECT}),
    check=check,
)
