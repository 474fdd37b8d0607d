"""Every online prediction endpoint has a latency alert, so slow serving pages someone."""

from collections.abc import Sequence

from policies.coverage import coverage
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
    findings = []
    for endpoint in (r for r in resources if r.type == ENDPOINT):
        verdict = coverage(resources, endpoint, measures_latency, "endpoint_id")
        if verdict is None:
            findings.append(
                Finding(
                    f"an alert filter that depends on endpoint {endpoint.name} is unknown offline; {FIX}",
                    urn=endpoint.urn,
                    undetermined=True,
                )
            )
        elif not verdict:
            findings.append(Finding(f"endpoint {endpoint.name} has no enabled latency alert; {FIX}", urn=endpoint.urn))
    return findings


RULE = StackRule(
    id="monitoring-endpoint-latency-alert",
    description="Every Vertex AI endpoint has an enabled alert policy on prediction latency.",
    service="monitoring",
    severity=Severity.MEDIUM,
    category=Category.RELIABILITY,
    check_stack=check_stack,
)
