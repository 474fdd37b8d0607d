"""Wrap the discovered rules as CrossGuard policies, so `pulumi preview --policy-pack policies` runs them.

The validators hand each rule exactly what the offline engine hands it: plain camelCase inputs with
unknown preview values as "[unknown]", and `ResourceOptions` built from `args.opts`. Levels and
exemptions come from the same `policies/levels.yaml`. Undetermined findings raise `UnknownValueError`,
which CrossGuard reports as an advisory "can't run during preview" diagnostic — the offline engine caps
them at advisory the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, _is_unknown

from policies.discovery import discover_rules
from policies.levels import LevelConfig
from policies.model import Finding, Level, Resource, ResourceOptions, ResourceRule, Rule, StackRule
from policies.values import UNKNOWN

EXEMPTIONS_POLICY = "policy-exemptions"
_LEVELS = {
    Level.MANDATORY: EnforcementLevel.MANDATORY,
    Level.ADVISORY: EnforcementLevel.ADVISORY,
    Level.DISABLED: EnforcementLevel.DISABLED,
}
_SEVERITIES = {s.value: s for s in Severity}


def plain(value: Any) -> Any:
    """Unwrap pulumi-policy's unknown-checking proxies into plain data, unknowns as "[unknown]"."""
    if _is_unknown(value):
        return UNKNOWN
    if isinstance(value, Mapping):
        target = value["__target"] if _has_target(value) else value
        return {key: plain(target[key]) for key in target}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        target = value["__target"] if _has_target(value) else value  # type: ignore[call-overload]
        return [plain(item) for item in target]
    return value


def _has_target(value: Any) -> bool:
    return type(value).__name__ in ("_DictProxy", "_ListProxy", "_DictSecretsProxy", "_ListSecretsProxy")


def options_of(opts: Any) -> ResourceOptions:
    if opts is None:
        return ResourceOptions()
    return ResourceOptions(
        protect=bool(getattr(opts, "protect", False)), ignore_changes=tuple(getattr(opts, "ignore_changes", None) or ())
    )


def _report(findings: list[Finding], report_violation: ReportViolation, urn_of: Any = None) -> None:
    undetermined = []
    for finding in findings:
        if finding.undetermined:
            undetermined.append(finding)
            continue
        if urn_of is None:
            report_violation(finding.message, None)
        else:
            report_violation(finding.message, urn_of(finding))
    if undetermined:
        raise UnknownValueError(UNKNOWN_STRING_VALUE, [undetermined[0].message])


def _resource_validator(rule: ResourceRule, levels: LevelConfig, environment: str) -> Any:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not rule.applies_to(args.resource_type):
            return
        if levels.exemption_for(rule.id, args.urn, args.name, environment) is not None:
            return
        findings = rule.evaluate(args.resource_type, plain(args.props), options_of(args.opts))
        _report(findings, report_violation)

    return validate


def to_resource(resource: PolicyResource) -> Resource:
    return Resource(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        inputs=plain(resource.props),
        options=options_of(resource.opts),
        parent=resource.parent.urn if resource.parent is not None else None,
        dependencies=tuple(d.urn for d in resource.dependencies),
    )


def _stack_validator(rule: StackRule, levels: LevelConfig, environment: str) -> Any:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [to_resource(r) for r in args.resources]
        names = {r.urn: r.name for r in resources}
        findings = [
            f
            for f in rule.evaluate(resources)
            if levels.exemption_for(rule.id, f.urn, names.get(f.urn or ""), environment) is None
        ]
        _report(findings, report_violation, urn_of=lambda f: f.urn)

    return validate


def _metadata(rule: Rule, levels: LevelConfig, environment: str) -> dict[str, Any]:
    sources = ", ".join(filter(None, (rule.source_id, *rule.references)))
    return {
        "name": rule.id,
        "description": rule.description + (f" [{sources}]" if sources else ""),
        "enforcement_level": _LEVELS[levels.level(rule, environment)],
        "severity": _SEVERITIES[rule.severity.value],
        "tags": [rule.service, rule.category.value],
    }


def _exemptions_policy(levels: LevelConfig, environment: str) -> StackValidationPolicy:
    def validate(_args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for exemption in levels.exemptions:
            if not exemption.environments or environment in exemption.environments:
                report_violation(f"{exemption.rule_id} is waived for {exemption.resource}: {exemption.reason}", None)

    return StackValidationPolicy(
        name=EXEMPTIONS_POLICY,
        description="Lists every exemption from policies/levels.yaml in force for this stack, with its reason.",
        validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY,
    )


def build_policies(environment: str, levels: LevelConfig, rules: Sequence[Rule] | None = None) -> list[Policy]:
    """One CrossGuard policy per rule, at the environment's level, plus the exemptions listing."""
    policies: list[Policy] = []
    for rule in discover_rules() if rules is None else rules:
        if isinstance(rule, ResourceRule):
            policies.append(
                ResourceValidationPolicy(
                    validate=_resource_validator(rule, levels, environment), **_metadata(rule, levels, environment)
                )
            )
        elif isinstance(rule, StackRule):
            policies.append(
                StackValidationPolicy(
                    validate=_stack_validator(rule, levels, environment), **_metadata(rule, levels, environment)
                )
            )
    policies.append(_exemptions_policy(levels, environment))
    return policies
