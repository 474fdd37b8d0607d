"""Endpoints log prediction requests and responses to BigQuery, the record evaluation and audits use."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import ENDPOINT
from policies.values import require_non_empty, require_true

FIX = (
    'set predict_request_response_logging_config={"enabled": True, "sampling_rate": ..., '
    '"bigquery_destination": {"output_uri": "bq://project.dataset.table"}} on the endpoint'
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_true(inputs, "predictRequestResponseLoggingConfig.enabled", FIX) or require_non_empty(
        inputs, "predictRequestResponseLoggingConfig.bigqueryDestination.outputUri", FIX
    )


RULE = ResourceRule(
    id="vertex-endpoint-request-response-logging",
    description="Vertex AI endpoints log requests and responses to a BigQuery table.",
    service="vertex",
    severity=Severity.LOW,
    category=Category.RELIABILITY,
    resource_types=frozenset({ENDPOINT}),
    check=check,
)
