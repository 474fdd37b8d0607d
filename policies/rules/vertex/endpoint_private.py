"""Online prediction endpoints are reachable only privately (VPC peering or Private Service Connect)."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import ENDPOINT
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = (
    'set private_service_connect_config={"enable_private_service_connect": True, "project_allowlists": [...]} '
    "or network=<VPC network> on the endpoint, and leave dedicated_endpoint_enabled unset"
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    network = lookup(inputs, "network")
    psc = lookup(inputs, "privateServiceConnectConfig.enablePrivateServiceConnect")
    dedicated = lookup(inputs, "dedicatedEndpointEnabled")
    if any(is_unknown(v) for v in (network, psc, dedicated)):
        return [undetermined("network / privateServiceConnectConfig / dedicatedEndpointEnabled", FIX)]
    findings = []
    if dedicated is True:
        findings.append(Finding(f"dedicatedEndpointEnabled is true (a public dedicated DNS endpoint); {FIX}"))
    if (network is MISSING or network == "") and psc is not True:
        findings.append(Finding(f"neither network nor privateServiceConnectConfig is set (public endpoint); {FIX}"))
    return findings


RULE = ResourceRule(
    id="vertex-endpoint-private",
    description="Vertex AI endpoints use private networking (VPC peering or Private Service Connect).",
    service="vertex",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV2_GCP_33",
    resource_types=frozenset({ENDPOINT}),
    check=check,
)
