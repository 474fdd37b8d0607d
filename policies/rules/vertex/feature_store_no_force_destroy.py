"""Feature stores are not force-destroyed together with their entity types and feature views."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import FEATURE_ONLINE_STORE, FEATURE_STORE
from policies.values import forbid_true


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return forbid_true(inputs, "forceDestroy", "remove force_destroy (or set it to False) on the feature store")


RULE = ResourceRule(
    id="vertex-feature-store-no-force-destroy",
    description="Vertex AI feature stores do not set forceDestroy.",
    service="vertex",
    severity=Severity.HIGH,
    category=Category.DATA_LOSS,
    resource_types=frozenset({FEATURE_STORE, FEATURE_ONLINE_STORE}),
    check=check,
)
