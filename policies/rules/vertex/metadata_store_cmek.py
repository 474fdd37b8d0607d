"""Vertex AI metadata stores are encrypted with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import METADATA_STORE
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs,
        "encryptionSpec.kmsKeyName",
        'set encryption_spec={"kms_key_name": <crypto key id>} on the metadata store',
    )


RULE = ResourceRule(
    id="vertex-metadata-store-cmek",
    description="Vertex AI metadata stores are encrypted with a customer-managed KMS key.",
    service="vertex",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_96",
    resource_types=frozenset({METADATA_STORE}),
    check=check,
)
