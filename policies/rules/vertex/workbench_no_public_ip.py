"""Vertex AI Workbench instances have no public IP: notebooks hold credentials and data; use the proxy."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import WORKBENCH_INSTANCE
from policies.values import require_true

FIX = 'set gce_setup={"disable_public_ip": True, ...} on the instance (access goes through the Workbench proxy)'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_true(inputs, "gceSetup.disablePublicIp", FIX)


RULE = ResourceRule(
    id="vertex-workbench-no-public-ip",
    description="Vertex AI Workbench instances do not have a public IP address.",
    service="vertex",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV2_GCP_28",
    references=("CKV_GCP_89",),
    resource_types=frozenset({WORKBENCH_INSTANCE}),
    check=check,
)
