"""The stack configures data-access audit logs for all services of its project.

A stack rule: what matters is that one `IAMAuditConfig` with service "allServices" exists.
"""

from collections.abc import Sequence

from policies.model import Category, Finding, Resource, Severity, StackRule
from policies.types import AUDIT_CONFIG
from policies.values import is_unknown, lookup

FIX = (
    'add gcp.projects.IAMAuditConfig(service="allServices", audit_log_configs=[ADMIN_READ, DATA_READ, '
    "DATA_WRITE]) for the project"
)


def check_stack(resources: Sequence[Resource]) -> list[Finding]:
    services = [lookup(r.inputs, "service") for r in resources if r.type == AUDIT_CONFIG]
    if "allServices" in services:
        return []
    if any(is_unknown(s) for s in services):
        return [Finding(f"an audit config's service is unknown offline; {FIX}", undetermined=True)]
    return [Finding(f"no audit config covers allServices; {FIX}")]


RULE = StackRule(
    id="logging-audit-config-present",
    description="The project has an audit config for allServices.",
    service="logging",
    severity=Severity.LOW,
    category=Category.SECURITY,
    source_id="CIS GCP 2.1",
    references=("CKV2_GCP_5", "AVD-GCP-0079"),
    check_stack=check_stack,
)
