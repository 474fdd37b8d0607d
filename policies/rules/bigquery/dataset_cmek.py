"""Datasets default to a customer-managed key, so every new table in them is CMEK-encrypted."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import DATASET
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs,
        "defaultEncryptionConfiguration.kmsKeyName",
        'set default_encryption_configuration={"kms_key_name": <crypto key id>} on the dataset',
    )


RULE = ResourceRule(
    id="bigquery-dataset-cmek",
    description="BigQuery datasets set a default customer-managed encryption key.",
    service="bigquery",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_81",
    references=("CIS GCP 7.3",),
    resource_types=frozenset({DATASET}),
    check=check,
)
