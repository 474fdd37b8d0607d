"""Cloud Run services, jobs and functions encrypt their container images and sources with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import require_non_empty
from policies.workloads import WORKLOADS

TYPES = frozenset(resource_type for resource_type, w in WORKLOADS.items() if w.kms_key is not None)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    path = WORKLOADS[resource_type].kms_key
    assert path is not None  # noqa: S101 - every type this rule applies to has a key path
    return require_non_empty(inputs, path, f"set {path} to the environment's crypto key id")


RULE = ResourceRule(
    id="run-cmek",
    description=(
        "Cloud Run services, jobs and functions are encrypted with a customer-managed KMS key, like every "
        "other data-holding service of the platform; no Checkov or Trivy check covers Cloud Run keys."
    ),
    service="run",
    severity=Severity.LOW,
    category=Category.SECURITY,
    resource_types=TYPES,
    check=check,
)
