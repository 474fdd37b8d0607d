"""Every online prediction endpoint has an error alert, so failing predictions page someone."""

from collections.abc import Sequence

from policies.coverage import coverage_findings
from policies.model import Category, Finding, Resource, Severity, StackRule
from policies.types import ENDPOINT

FIX = (
    'add a gcp.monitoring.AlertPolicy on metric.type="aiplatform.googleapis.com/prediction/online/error_count" '
    '(or the 5xx share of ".../response_count") for the endpoint'
)


def measures_errors(query: str) -> bool:
    if "prediction/online/error_count" in query:
        return True
    return "prediction/online/response_count" in query and ("5xx" in query or "response_code" in query)


def check_stack(resources: Sequence[Resource]) -> list[Finding]:
    return coverage_findings(
        resources,
        (r for r in resources if r.type == ENDPOINT),
        kind="endpoint",
        measures=measures_errors,
        id_label="endpoint_id",
        gap="has no enabled error alert",
        fix=FIX,
    )


RULE = StackRule(
    id="monitoring-endpoint-error-alert",
    description="Every Vertex AI endpoint has an enabled alert policy on prediction errors.",
    service="monitoring",
    severity=Severity.MEDIUM,
    category=Category.RELIABILITY,
    check_stack=check_stack,
)
