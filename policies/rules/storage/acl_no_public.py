"""Bucket and object ACLs never name allUsers or allAuthenticatedUsers (ACLs bypass bucket IAM)."""

from typing import Any

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import BUCKET_ACCESS_CONTROL, BUCKET_ACL, DEFAULT_OBJECT_ACCESS_CONTROL, OBJECT_ACCESS_CONTROL
from policies.values import is_unknown, undetermined

FIX = "remove the public ACL entry and grant access through bucket IAM to a group or service account"
PUBLIC_ENTITIES = ("allUsers", "allAuthenticatedUsers")


def _entities(resource_type: str, inputs: Inputs) -> list[Any]:
    if resource_type == BUCKET_ACL:
        acls = inputs.get("roleEntities") or []
        if is_unknown(acls):
            return [acls]
        # role entities read "READER:allUsers"
        return [entry.split(":", 1)[-1] if isinstance(entry, str) else entry for entry in acls]
    return [inputs.get("entity")]


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    findings = []
    for entity in _entities(resource_type, inputs):
        if is_unknown(entity):
            findings.append(undetermined("entity", FIX))
        elif entity in PUBLIC_ENTITIES:
            findings.append(Finding(f"ACL entity is {entity}; {FIX}"))
    return findings


RULE = ResourceRule(
    id="storage-acl-no-public",
    description="Cloud Storage bucket and object ACLs do not grant access to allUsers or allAuthenticatedUsers.",
    service="storage",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CIS GCP 5.1",
    references=("AVD-GCP-0001",),
    resource_types=frozenset({BUCKET_ACL, BUCKET_ACCESS_CONTROL, DEFAULT_OBJECT_ACCESS_CONTROL, OBJECT_ACCESS_CONTROL}),
    check=check,
)
