"""URNs and provider names as the Pulumi engine builds them (not as the SDK's stock mock does).

Engine rule (`resource.NewURN`, upstream pulumi#8637): a child's type segment is its parent's full qualified
type chain, `$`-joined, then its own type; the root `pulumi:pulumi:Stack` is never part of a child's URN.
Default providers are named `default_<version with non-alphanumerics as '_'>` (plain `default` without a
version) under type `pulumi:providers:<package>`.
"""

from __future__ import annotations

import re

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"


def qualified_type(urn: str) -> str:
    """The `$`-joined type chain of a URN (third `::` segment)."""
    return urn.split("::")[2]


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def make_urn(stack: str, project: str, parent_urn: str, type_: str, name: str) -> str:
    """The engine's URN for a resource registered with `parent_urn` (empty for none)."""
    if parent_urn:
        parent_type = qualified_type(parent_urn)
        if parent_type != STACK_TYPE:
            type_ = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def package_of(type_: str) -> str:
    """`gcp:storage/bucket:Bucket` -> `gcp`; `pulumi:providers:gcp` -> `gcp`."""
    if type_.startswith(PROVIDER_TYPE_PREFIX):
        return type_[len(PROVIDER_TYPE_PREFIX) :]
    return type_.split(":", 1)[0]


def default_provider_name(version: str) -> str:
    return "default_" + re.sub(r"[^A-Za-z0-9]", "_", version) if version else "default"


def default_provider_urn(stack: str, project: str, package: str, version: str) -> str:
    return make_urn(stack, project, "", f"{PROVIDER_TYPE_PREFIX}{package}", default_provider_name(version))


def strip_provider_id(reference: str) -> str:
    """A provider reference is `<urn>::<id>`; the snapshot keeps the URN (ids are unknown offline)."""
    if reference.count("::") >= 4:
        return reference.rsplit("::", 1)[0]
    return reference


def with_stack(urn: str, stack: str) -> str:
    """The same URN in another stack (to compare two environments' resources by identity)."""
    if not urn.startswith("urn:pulumi:"):
        return urn
    head, rest = urn[len("urn:pulumi:") :].split("::", 1)
    del head
    return f"urn:pulumi:{stack}::{rest}"
