"""Vector Search index endpoints are private: no public endpoint, peered or Private Service Connect."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import INDEX_ENDPOINT
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = (
    "leave public_endpoint_enabled unset and set network=<VPC network> or "
    'private_service_connect_config={"enable_private_service_connect": True, ...} on the index endpoint'
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    public = lookup(inputs, "publicEndpointEnabled")
    network = lookup(inputs, "network")
    psc = lookup(inputs, "privateServiceConnectConfig.enablePrivateServiceConnect")
    if any(is_unknown(v) for v in (public, network, psc)):
        return [undetermined("publicEndpointEnabled / network / privateServiceConnectConfig", FIX)]
    findings = []
    if public is True:
        findings.append(Finding(f"publicEndpointEnabled is true; {FIX}"))
    if (network is MISSING or network == "") and psc is not True:
        findings.append(Finding(f"neither network nor privateServiceConnectConfig is set; {FIX}"))
    return findings


RULE = ResourceRule(
    id="vertex-index-endpoint-private",
    description="Vertex AI index endpoints have no public endpoint and use private networking.",
    service="vertex",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV2_GCP_34",
    resource_types=frozenset({INDEX_ENDPOINT}),
    check=check,
)
