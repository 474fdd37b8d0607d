"""Vertex AI feature stores (legacy and online) are encrypted with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import FEATURE_ONLINE_STORE, FEATURE_STORE
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs,
        "encryptionSpec.kmsKeyName",
        'set encryption_spec={"kms_key_name": <crypto key id>} on the feature store',
    )


RULE = ResourceRule(
    id="vertex-feature-store-cmek",
    description="Vertex AI feature stores are encrypted with a customer-managed KMS key.",
    service="vertex",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV2_GCP_25",
    resource_types=frozenset({FEATURE_STORE, FEATURE_ONLINE_STORE}),
    check=check,
)
