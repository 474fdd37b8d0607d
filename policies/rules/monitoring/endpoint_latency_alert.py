"""Every online prediction endpoint has a latency alert, so slow serving pages someone."""

from collections.abc import Sequence

from policies.coverage import coverage_findings
from policies.model import Category, Finding, Resource, Severity, StackRule
from policies.types import ENDPOINT

METRIC = "aiplatform.googleapis.com/prediction/online/prediction_latencies"
FIX = (
    f'add a gcp.monitoring.AlertPolicy with a condition_threshold on metric.type="{METRIC}" '
    "(ALIGN_PERCENTILE_99, COMPARISON_GT) for the endpoint"
)


def measures_latency(query: str) -> bool:
    return "prediction/online/prediction_latencies" in query


def check_stack(resources: Sequence[Resource]) -> list[Finding]:
    return coverage_findings(
        resources,
        (r for r in resources if r.type == ENDPOINT),
        kind="endpoint",
        measures=measures_latency,
        id_label="endpoint_id",
        gap="has no enabled latency alert",
        fix=FIX,
    )


RULE = StackRule(
    id="monitoring-endpoint-latency-alert",
    description="Every Vertex AI endpoint has an enabled alert policy on prediction latency.",
    service="monitoring",
    severity=Severity.MEDIUM,
    category=Category.RELIABILITY,
    check_stack=check_stack,
)
