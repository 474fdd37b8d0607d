"""Dataflow jobs encrypt their state and shuffle data with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import DATAFLOW_FLEX_TEMPLATE_JOB, DATAFLOW_JOB
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(inputs, "kmsKeyName", "set kms_key_name to the environment's crypto key id")


RULE = ResourceRule(
    id="dataflow-job-cmek",
    description="Dataflow jobs are encrypted with a customer-managed KMS key.",
    service="dataflow",
    severity=Severity.LOW,
    category=Category.SECURITY,
    source_id="CKV_GCP_90",
    resource_types=frozenset({DATAFLOW_JOB, DATAFLOW_FLEX_TEMPLATE_JOB}),
    check=check,
)
