"""Dataflow workers use private IPs only; public workers are reachable from the internet and bypass Cloud NAT."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import DATAFLOW_FLEX_TEMPLATE_JOB, DATAFLOW_JOB
from policies.values import require_equal

FIX = 'set ip_configuration="WORKER_IP_PRIVATE" (and a subnetwork with Private Google Access)'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_equal(inputs, "ipConfiguration", "WORKER_IP_PRIVATE", FIX)


RULE = ResourceRule(
    id="dataflow-job-no-public-ip",
    description="Dataflow jobs run their workers with private IPs only.",
    service="dataflow",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_94",
    resource_types=frozenset({DATAFLOW_JOB, DATAFLOW_FLEX_TEMPLATE_JOB}),
    check=check,
)
