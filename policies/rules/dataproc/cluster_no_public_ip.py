"""Dataproc cluster nodes have internal IPs only (the default depends on the image version, so unset fails)."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import DATAPROC_CLUSTER
from policies.values import require_true

FIX = 'set cluster_config.gce_cluster_config={"internal_ip_only": True, "subnetwork": <subnet>}'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return require_true(inputs, "clusterConfig.gceClusterConfig.internalIpOnly", FIX)


RULE = ResourceRule(
    id="dataproc-cluster-no-public-ip",
    description="Dataproc clusters do not give their nodes public IP addresses.",
    service="dataproc",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_103",
    resource_types=frozenset({DATAPROC_CLUSTER}),
    check=check,
)
