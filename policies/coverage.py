"""Does an alert policy in the snapshot watch a given resource? Shared by the coverage rules.

A policy covers a resource when one of its conditions queries the right metric and either names the
resource (its `name` input appears in the filter), depends on it (the filter was built from its outputs),
or is not restricted to one resource at all (no `<id_label>` in the filter: it watches every one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from policies.model import Finding, Resource
from policies.types import ALERT_POLICY
from policies.values import MISSING, is_unknown, lookup

_QUERY_PATHS = (
    "conditionThreshold.filter",
    "conditionThreshold.denominatorFilter",
    "conditionAbsent.filter",
    "conditionMonitoringQueryLanguage.query",
    "conditionPrometheusQueryLanguage.query",
)


def enabled_alert_policies(resources: Sequence[Resource]) -> list[Resource]:
    return [r for r in resources if r.type == ALERT_POLICY and lookup(r.inputs, "enabled") is not False]


def condition_queries(policy: Resource) -> list[Any]:
    """Every filter/query text of the policy's conditions; UNKNOWN entries stay as they are."""
    conditions = lookup(policy.inputs, "conditions")
    if is_unknown(conditions):
        return [conditions]
    queries: list[Any] = []
    for condition in conditions if isinstance(conditions, list) else []:
        for path in _QUERY_PATHS:
            value = lookup(condition, path) if isinstance(condition, dict) else MISSING
            if value is not MISSING:
                queries.append(value)
    return queries


def covers(policy: Resource, target: Resource, measures: Callable[[str], bool], id_label: str) -> bool | None:
    """True/False, or None when an unknown query of a policy that depends on the target hides the answer."""
    target_name = lookup(target.inputs, "name")
    hidden = False
    for query in condition_queries(policy):
        if is_unknown(query):
            hidden = hidden or target.urn in policy.dependencies
            continue
        if not isinstance(query, str) or not measures(query):
            continue
        if target.urn in policy.dependencies:
            return True
        if isinstance(target_name, str) and target_name and target_name in query:
            return True
        if id_label not in query:
            return True
    return None if hidden else False


def coverage(
    resources: Sequence[Resource], target: Resource, measures: Callable[[str], bool], id_label: str
) -> bool | None:
    verdicts = [covers(p, target, measures, id_label) for p in enabled_alert_policies(resources)]
    if True in verdicts:
        return True
    return None if None in verdicts else False


def coverage_findings(
    resources: Sequence[Resource],
    targets: Iterable[Resource],
    *,
    kind: str,
    measures: Callable[[str], bool],
    id_label: str,
    gap: str,
    fix: str,
) -> list[Finding]:
    """The findings of a coverage rule: one per target no enabled alert policy is known to watch.

    `kind` names the target in messages ("endpoint"), `gap` says what it lacks ("has no enabled error
    alert"); a target whose coverage hides behind an unknown filter gets an undetermined finding instead.
    """
    findings = []
    for target in targets:
        verdict = coverage(resources, target, measures, id_label)
        if verdict is None:
            findings.append(
                Finding(
                    f"an alert filter that depends on {kind} {target.name} is unknown offline; {fix}",
                    urn=target.urn,
                    undetermined=True,
                )
            )
        elif not verdict:
            findings.append(Finding(f"{kind} {target.name} {gap}; {fix}", urn=target.urn))
    return findings
