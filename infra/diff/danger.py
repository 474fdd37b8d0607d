"""Changes a reviewer must see first: data or keys lost, messages dropped, traffic cut, access widened.

- A replace or delete of a stateful resource (buckets, datasets, tables, KMS keys and key rings, Artifact
  Registry repositories, the metadata store, secrets, the project, subscriptions, topics that retain messages),
  of any protected resource, or of a model version an endpoint deployment serves from.
- A new public principal (`allUsers`, `allAuthenticatedUsers`) or a new service account of another project
  in an IAM grant (created, or its member changed).

A replace destroys the old object after creating the new one, so for these types it loses what the old one
held exactly like a delete does.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from infra.diff.model import StackDiff, Step

STATEFUL_TYPES: dict[str, str] = {
    "gcp:storage/bucket:Bucket": "bucket objects",
    "gcp:bigquery/dataset:Dataset": "dataset tables",
    "gcp:bigquery/table:Table": "table rows",
    "gcp:kms/cryptoKey:CryptoKey": "key versions (data encrypted with them becomes unreadable)",
    "gcp:kms/keyRing:KeyRing": "key ring",
    "gcp:artifactregistry/repository:Repository": "stored images and templates",
    "gcp:vertex/aiMetadataStore:AiMetadataStore": "lineage metadata",
    "gcp:secretmanager/secret:Secret": "secret versions",
    "gcp:organizations/project:Project": "the whole project",
    "gcp:pubsub/subscription:Subscription": "unacknowledged messages",
}
RETAINING_TOPIC = "gcp:pubsub/topic:Topic"
MODEL_VERSION = "pulumi-python:dynamic/release:ModelVersion"
ENDPOINT_DEPLOYMENT = "pulumi-python:dynamic/release:EndpointDeployment"
PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
_SERVICE_ACCOUNT = re.compile(r"^serviceAccount:[^@]+@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com$")


@dataclass(frozen=True)
class Danger:
    stack: str
    urn: str
    name: str
    type: str
    change: str
    """replace | delete | grant"""
    why: str


def _what_is_lost(step: Step, served: set[str]) -> str | None:
    state = step.old or {}
    inputs = state.get("inputs") or {}
    reasons = []
    if step.type in STATEFUL_TYPES:
        reasons.append(STATEFUL_TYPES[step.type])
    if step.type == RETAINING_TOPIC and inputs.get("messageRetentionDuration"):
        reasons.append(f"retained messages ({inputs['messageRetentionDuration']})")
    if step.type == MODEL_VERSION and step.urn in served:
        reasons.append("a model version serving traffic")
    if state.get("protect"):
        reasons.append("protected")
    return ", ".join(reasons) or None


def _served_versions(diff: StackDiff) -> set[str]:
    """Model versions an endpoint deployment depended on at the base (it routes traffic to them)."""
    return {
        dependency
        for step in diff.steps
        if step.type == ENDPOINT_DEPLOYMENT and step.old is not None
        for dependency in step.old.get("dependencies") or []
    }


def _members(inputs: dict[str, Any]) -> set[str]:
    found = set()
    if isinstance(inputs.get("member"), str):
        found.add(inputs["member"])
    for member in inputs.get("members") or []:
        if isinstance(member, str):
            found.add(member)
    return found


def home_project(document: dict[str, Any] | None) -> str | None:
    """The project most resources of a snapshot name: the environment's own."""
    counts = Counter(
        r["inputs"]["project"]
        for r in (document or {}).get("resources", [])
        if isinstance((r.get("inputs") or {}).get("project"), str)
    )
    return counts.most_common(1)[0][0] if counts else None


def _widened(member: str, home: str | None) -> str | None:
    if member in PUBLIC_MEMBERS:
        return f"public principal {member}"
    match = _SERVICE_ACCOUNT.match(member)
    if match and home and match.group(1) != home:
        return f"principal of another project ({match.group(1)}): {member}"
    return None


def dangers(diff: StackDiff, home: str | None) -> list[Danger]:
    """Every dangerous step of one stack's diff (see module docstring), in URN order."""
    served = _served_versions(diff)
    found: list[Danger] = []
    for step in diff.steps:
        if step.op in ("replace", "delete"):
            lost = _what_is_lost(step, served)
            if lost:
                found.append(Danger(diff.stack, step.urn, step.name, step.type, step.op, lost))
        if step.op in ("create", "update", "replace") and step.new is not None:
            before = _members((step.old or {}).get("inputs") or {})
            for member in sorted(_members(step.new.get("inputs") or {}) - before):
                widened = _widened(member, home)
                if widened:
                    found.append(Danger(diff.stack, step.urn, step.name, step.type, "grant", widened))
    return found
