"""Vertex AI endpoints are encrypted with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import ENDPOINT
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs, "encryptionSpec.kmsKeyName", 'set encryption_spec={"kms_key_name": <crypto key id>} on the endpoint'
    )


RULE = ResourceRule(
    id="vertex-endpoint-cmek",
    description="Vertex AI endpoints are encrypted with a customer-managed KMS key.",
    service="vertex",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV2_GCP_24",
    resource_types=frozenset({ENDPOINT}),
    check=check,
)
