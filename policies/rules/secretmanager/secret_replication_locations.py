"""Secrets are replicated only to locations the team chose, never wherever Google decides.

Automatic replication may place copies in any region, outside the environment's data-residency boundary;
user-managed replication names every location (and regional secrets live in exactly one).
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import SECRET
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = (
    'set replication={"user_managed": {"replicas": [{"location": "<region>"}, ...]}} with the environment\'s '
    "regions, or use gcp.secretmanager.RegionalSecret"
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    replication = lookup(inputs, "replication")
    if is_unknown(replication):
        return [undetermined("replication", FIX)]
    if lookup(inputs, "replication.auto") is not MISSING:
        return [Finding(f"replication is automatic (copies in any Google region); {FIX}")]
    replicas = lookup(inputs, "replication.userManaged.replicas")
    if is_unknown(replicas):
        return [undetermined("replication.userManaged.replicas", FIX)]
    locations = [r.get("location") for r in replicas] if isinstance(replicas, list) else []
    if any(is_unknown(location) for location in locations):
        return [undetermined("a replica location", FIX)]
    if not locations:
        return [Finding(f"replication names no replica location; {FIX}")]
    return []


RULE = ResourceRule(
    id="secretmanager-secret-replication-locations",
    description=(
        "Secret Manager secrets use user-managed replication to named locations (or are regional); no "
        "Checkov or Trivy check covers secret replication."
    ),
    service="secretmanager",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    resource_types=frozenset({SECRET}),
    check=check,
)
