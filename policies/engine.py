"""Evaluate every rule against a snapshot for one environment: the offline half of the guardrails.

Levels come from `policies.levels`; a finding on an exempted resource is moved to the report's
exemption list (never dropped); an undetermined finding (unknown value) is reported at most advisory,
as CrossGuard does for values unknown during preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from policies.discovery import discover_rules
from policies.levels import Exemption, LevelConfig
from policies.model import Finding, Level, Resource, ResourceRule, Rule, StackRule


@dataclass(frozen=True)
class Violation:
    rule_id: str
    source_id: str | None
    severity: str
    category: str
    level: Level
    urn: str | None
    message: str
    undetermined: bool = False


@dataclass(frozen=True)
class ExemptionUse:
    exemption: Exemption
    suppressed: tuple[Violation, ...]


@dataclass(frozen=True)
class Report:
    """What the pack found on one snapshot at one stack's levels: the one outcome every caller reads."""

    environment: str
    rules_evaluated: int
    resources_evaluated: int
    violations: tuple[Violation, ...]
    exemptions: tuple[ExemptionUse, ...] = field(default_factory=tuple)
    source: str = ""
    """What was checked (a snapshot file, `synth of ENV`), as reports name it."""

    @property
    def mandatory(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.level is Level.MANDATORY)

    @property
    def advisory(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.level is not Level.MANDATORY)

    @property
    def failed(self) -> bool:
        return bool(self.mandatory)

    @property
    def exit_code(self) -> int:
        return 1 if self.mandatory else 0

    def exemption_lines(self) -> list[str]:
        """Each exemption in scope with its written reason and how many findings it waived."""
        return [
            f"[{use.exemption.rule_id}] {use.exemption.resource}: {use.exemption.reason} "
            f"({len(use.suppressed)} finding(s) waived)"
            for use in self.exemptions
        ]


def finding_line(violation: Violation) -> str:
    """`[rule] resource-name: message`, the one-line form plans and gates list."""
    where = violation.urn.rsplit("::", 1)[-1] if violation.urn else "<stack>"
    return f"[{violation.rule_id}] {where}: {violation.message}"


def split_finding_line(line: str) -> tuple[str, str, str]:
    """(rule id, resource name, message) of a line written by `finding_line` (or `exemption_lines`)."""
    rule, _, rest = line.partition("] ")
    where, _, message = rest.partition(": ")
    return rule.lstrip("["), where, message


def rule_findings(rule: Rule, resources: Sequence[Resource]) -> list[tuple[Finding, Resource | None]]:
    """Raw findings of one rule, each with the resource it is about (None: the whole stack)."""
    by_urn = {r.urn: r for r in resources}
    if isinstance(rule, ResourceRule):
        return [
            (finding, resource)
            for resource in resources
            for finding in rule.evaluate(resource.type, resource.inputs, resource.options)
        ]
    if isinstance(rule, StackRule):
        return [(finding, by_urn.get(finding.urn or "")) for finding in rule.evaluate(resources)]
    return []


def evaluate(
    resources: Sequence[Resource],
    environment: str,
    levels: LevelConfig,
    rules: Sequence[Rule] | None = None,
    source: str = "",
) -> Report:
    """Every rule at `environment`'s level on `resources` (callers go through `policies.check.check`)."""
    active_rules = discover_rules() if rules is None else rules
    violations: list[Violation] = []
    suppressed: dict[Exemption, list[Violation]] = {}
    evaluated = 0
    for rule in active_rules:
        level = levels.level(rule, environment)
        if level is Level.DISABLED:
            continue
        evaluated += 1
        for finding, resource in rule_findings(rule, resources):
            urn = resource.urn if resource is not None else finding.urn
            effective = Level.ADVISORY if finding.undetermined and level is Level.MANDATORY else level
            violation = Violation(
                rule.id,
                rule.source_id,
                rule.severity.value,
                rule.category.value,
                effective,
                urn,
                finding.message,
                finding.undetermined,
            )
            exemption = levels.exemption_for(rule.id, urn, resource.name if resource else None, environment)
            if exemption is not None:
                suppressed.setdefault(exemption, []).append(violation)
            else:
                violations.append(violation)
    uses = tuple(
        ExemptionUse(e, tuple(suppressed.get(e, ())))
        for e in levels.exemptions
        if not e.environments or environment in e.environments
    )
    violations.sort(key=lambda v: (v.level is not Level.MANDATORY, v.rule_id, v.urn or ""))
    return Report(environment, evaluated, len(resources), tuple(violations), uses, source)
