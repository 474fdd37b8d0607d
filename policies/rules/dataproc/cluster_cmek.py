"""Dataproc cluster disks and job arguments are encrypted with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import DATAPROC_CLUSTER
from policies.values import require_non_empty


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_non_empty(
        inputs,
        "clusterConfig.encryptionConfig.kmsKeyName",
        'set cluster_config.encryption_config={"kms_key_name": <crypto key id>}',
    )


RULE = ResourceRule(
    id="dataproc-cluster-cmek",
    description="Dataproc clusters are encrypted with a customer-managed KMS key.",
    service="dataproc",
    severity=Severity.LOW,
    category=Category.SECURITY,
    source_id="CKV_GCP_91",
    resource_types=frozenset({DATAPROC_CLUSTER}),
    check=check,
)
