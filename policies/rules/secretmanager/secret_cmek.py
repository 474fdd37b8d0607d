"""Secrets are encrypted with a customer-managed key, in every replica, so revoking the key revokes the secret."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import REGIONAL_SECRET, SECRET
from policies.values import MISSING, is_unknown, lookup, require_non_empty, undetermined

FIX = (
    'set replication={"auto": {"customer_managed_encryption": {"kms_key_name": <key>}}} or a '
    "customer_managed_encryption on every user-managed replica"
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    if resource_type == REGIONAL_SECRET:
        return require_non_empty(
            inputs, "customerManagedEncryption.kmsKeyName", "set customer_managed_encryption.kms_key_name"
        )
    replication = lookup(inputs, "replication")
    if is_unknown(replication):
        return [undetermined("replication", FIX)]
    if lookup(inputs, "replication.auto") is not MISSING:
        return require_non_empty(inputs, "replication.auto.customerManagedEncryption.kmsKeyName", FIX)
    replicas = lookup(inputs, "replication.userManaged.replicas")
    if is_unknown(replicas):
        return [undetermined("replication.userManaged.replicas", FIX)]
    findings = []
    for index, replica in enumerate(replicas if isinstance(replicas, list) else []):
        key = lookup(replica if isinstance(replica, dict) else {}, "customerManagedEncryption.kmsKeyName")
        if is_unknown(key):
            findings.append(undetermined(f"replica {index} kmsKeyName", FIX))
        elif key is MISSING or key == "":
            findings.append(Finding(f"replica {index} ({replica.get('location', '?')}) has no kmsKeyName; {FIX}"))
    return findings


RULE = ResourceRule(
    id="secretmanager-secret-cmek",
    description=(
        "Secret Manager secrets are encrypted with a customer-managed KMS key in every replica; no Checkov or "
        "Trivy check covers Secret Manager keys."
    ),
    service="secretmanager",
    severity=Severity.LOW,
    category=Category.SECURITY,
    resource_types=frozenset({SECRET, REGIONAL_SECRET}),
    check=check,
)
