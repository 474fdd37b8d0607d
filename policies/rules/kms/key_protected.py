"""Keys are protected from deletion: destroying a key makes everything encrypted with it unreadable."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import CRYPTO_KEY


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    if options.protect:
        return []
    return [Finding("the key is not protected; set opts=pulumi.ResourceOptions(protect=True) on the crypto key")]


RULE = ResourceRule(
    id="kms-key-protected",
    description="Cloud KMS crypto keys carry the protect option so no update or destroy can delete them.",
    service="kms",
    severity=Severity.HIGH,
    category=Category.DATA_LOSS,
    source_id="CKV_GCP_82",
    resource_types=frozenset({CRYPTO_KEY}),
    check=check,
)
