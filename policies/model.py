"""The vocabulary every rule shares: metadata, options, resources and findings.

A rule is a pure function of (resource type, camelCase inputs, options) — or, for coverage rules, of the
whole list of resources — so the same code runs in the CrossGuard pack and against an offline snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Category(StrEnum):
    """Why a rule exists; decides its default level (security and data-loss are mandatory in prod)."""

    SECURITY = "security"
    DATA_LOSS = "data-loss"
    RELIABILITY = "reliability"
    HYGIENE = "hygiene"


class Level(StrEnum):
    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    DISABLED = "disabled"


@dataclass(frozen=True)
class ResourceOptions:
    """The resource options a rule may look at (CrossGuard's `args.opts`, the snapshot's option fields)."""

    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resource:
    """One resource as a stack rule sees it."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    options: ResourceOptions = ResourceOptions()
    parent: str | None = None
    dependencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One violation: what is wrong and what to set. `urn` names the resource for stack rules.

    `undetermined` marks a finding raised because a value was unknown ("[unknown]") when the rule ran:
    it is reported, but like CrossGuard's own preview diagnostics it never blocks on its own.
    """

    message: str
    urn: str | None = None
    undetermined: bool = False


Inputs = Mapping[str, Any]
"""A resource's inputs in camelCase, as the engine receives them."""

ResourceCheck = Callable[[str, Inputs, ResourceOptions], list[Finding]]
StackCheck = Callable[[Sequence[Resource]], list[Finding]]


@dataclass(frozen=True)
class Rule:
    """Metadata shared by both kinds of rule.

    `source_id` is the primary scanner id (Checkov CKV_GCP_*, Trivy AVD-GCP-*, CIS GCP x.y) the rule
    implements, `references` the other ids of the same intent; both empty when the rule is the
    platform's own. `mandatory_in_prod` defaults from the category.
    """

    id: str
    description: str
    service: str
    severity: Severity
    category: Category
    source_id: str | None = None
    references: tuple[str, ...] = ()
    mandatory_in_prod: bool | None = None

    @property
    def is_mandatory_in_prod(self) -> bool:
        if self.mandatory_in_prod is not None:
            return self.mandatory_in_prod
        return self.category in (Category.SECURITY, Category.DATA_LOSS)


@dataclass(frozen=True)
class ResourceRule(Rule):
    """A rule that looks at one resource of the listed types at a time."""

    resource_types: frozenset[str] = field(default_factory=frozenset)
    check: ResourceCheck | None = None
    type_filter: Callable[[str], bool] | None = None
    """For rules over an open family of types (every IAM resource), in addition to `resource_types`."""

    def applies_to(self, resource_type: str) -> bool:
        if resource_type in self.resource_types:
            return True
        return self.type_filter is not None and self.type_filter(resource_type)

    def evaluate(self, resource_type: str, inputs: Mapping[str, Any], options: ResourceOptions) -> list[Finding]:
        if not self.applies_to(resource_type) or self.check is None:
            return []
        return self.check(resource_type, inputs, options)


@dataclass(frozen=True)
class StackRule(Rule):
    """A rule that needs the whole snapshot (coverage: every endpoint has its alerts, ...)."""

    check_stack: StackCheck | None = None

    def evaluate(self, resources: Sequence[Resource]) -> list[Finding]:
        if self.check_stack is None:
            return []
        return self.check_stack(resources)
