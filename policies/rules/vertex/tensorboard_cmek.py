"""Vertex AI tensorboards are encrypted with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import TENSORBOARD
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs, "encryptionSpec.kmsKeyName", 'set encryption_spec={"kms_key_name": <crypto key id>} on the tensorboard'
    )


RULE = ResourceRule(
    id="vertex-tensorboard-cmek",
    description="Vertex AI tensorboards are encrypted with a customer-managed KMS key.",
    service="vertex",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV2_GCP_26",
    resource_types=frozenset({TENSORBOARD}),
    check=check,
)
