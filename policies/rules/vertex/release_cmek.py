"""Model versions and scheduled pipeline runs of a release are encrypted with a customer-managed key.

These are the platform's own dynamic resources (no pulumi-gcp type, so no scanner knows them); their inputs
reach the engine with the provider's snake_case names, `kms_key_name` included.
"""

from typing import Final

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import require_non_empty

MODEL_VERSION: Final = "pulumi-python:dynamic/release:ModelVersion"
PIPELINE_SCHEDULE: Final = "pulumi-python:dynamic/release:PipelineSchedule"
"""Type tokens of `infra.release.providers` (dynamic resources register as `pulumi-python:dynamic/<module>:<name>`)."""

_WHAT = {MODEL_VERSION: "model version", PIPELINE_SCHEDULE: "pipeline schedule's runs"}


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs,
        "kms_key_name",
        f"encrypt the {_WHAT[resource_type]} with the environment's Vertex AI key: pass "
        "ReleaseArgs.kms_key_name (the Environment does so when encryption.cmek is on)",
    )


RULE = ResourceRule(
    id="vertex-release-cmek",
    description=(
        "Release model versions and scheduled pipeline runs are encrypted with a customer-managed KMS key: "
        "the intent of Checkov's Vertex AI CMEK checks (CKV_GCP_96 style) carried to the platform's own "
        "release resources, so CMEK does not stop at the endpoint."
    ),
    service="vertex",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    resource_types=frozenset({MODEL_VERSION, PIPELINE_SCHEDULE}),
    check=check,
)
