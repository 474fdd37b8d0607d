"""Vertex AI datasets are encrypted with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import VERTEX_DATASET
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs, "encryptionSpec.kmsKeyName", 'set encryption_spec={"kms_key_name": <crypto key id>} on the dataset'
    )


RULE = ResourceRule(
    id="vertex-dataset-cmek",
    description="Vertex AI datasets are encrypted with a customer-managed KMS key.",
    service="vertex",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_92",
    resource_types=frozenset({VERTEX_DATASET}),
    check=check,
)
