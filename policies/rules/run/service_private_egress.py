"""A Cloud Run service configured to call an internal address has a VPC path to it.

Without VPC egress a Cloud Run instance reaches only the internet and Google APIs: a variable that points it
at an internal address (a Private Service Connect endpoint such as the serving gateway's `GATEWAY_API_URL`,
an internal load balancer, a database) names a host it can never connect to. The service deploys and starts,
and every such call times out: for the gateway, every answer comes from a fallback. Direct VPC egress
(`template.vpcAccess.networkInterfaces`) or a Serverless VPC Access connector (`template.vpcAccess.connector`)
gives it the path; egress `PRIVATE_RANGES_ONLY` (the default) sends exactly the internal ranges through it.
A reliability rule, so advisory (the pack makes only security and data-loss rules mandatory); for the
gateway itself the config model already refuses a Private Service Connect model without `serving.gateway.network`.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import RUN_SERVICE
from policies.values import MISSING, is_unknown, lookup
from policies.workloads import plain_env_vars

FIX = (
    "give the service VPC egress into the network that holds that address: template.vpcAccess with "
    "networkInterfaces [{network, subnetwork}] (Direct VPC egress) or a connector (for the serving gateway: "
    "serving.gateway.network)"
)


def internal_host(value: object) -> str | None:
    """The host of an http(s) URL when it is an internal (RFC 1918 / RFC 6598 / ULA) address, else None."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return None
    try:
        host = urlsplit(value).hostname
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return None
    shared = ipaddress.ip_network("100.64.0.0/10")
    internal = address.is_private or (address.version == 4 and address in shared)
    return host if internal and not address.is_loopback and not address.is_link_local else None


def _has_vpc_path(vpc_access: object) -> bool | None:
    """True with interfaces or a connector, False without, None when not known before apply."""
    if vpc_access is MISSING or vpc_access is None:
        return False
    if is_unknown(vpc_access) or not isinstance(vpc_access, dict):
        return None
    interfaces, connector = vpc_access.get("networkInterfaces"), vpc_access.get("connector")
    if is_unknown(interfaces) or is_unknown(connector):
        return None
    return bool(interfaces) or bool(connector)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    targets = [(env, host) for env in plain_env_vars(resource_type, inputs) if (host := internal_host(env.value))]
    if not targets:
        return []
    path = _has_vpc_path(lookup(inputs, "template.vpcAccess"))
    if path is None:
        return [Finding(f"template.vpcAccess is unknown until apply, so the path to {targets[0][1]} cannot be "
                        f"verified; {FIX}", undetermined=True)]
    if path:
        return []
    return [
        Finding(f"{env.path} ({env.name}) points at internal address {host}, but the service has no VPC egress, "
                f"so no call there can arrive; {FIX}")
        for env, host in targets
    ]


RULE = ResourceRule(
    id="run-service-private-egress",
    description=(
        "Cloud Run services that call an internal address have VPC egress to it (Direct VPC egress or a "
        "connector). No Checkov or Trivy check covers this; it is Google's Cloud Run VPC egress guidance "
        "for reaching Private Service Connect endpoints and internal services."
    ),
    service="run",
    severity=Severity.HIGH,
    category=Category.RELIABILITY,
    resource_types=frozenset({RUN_SERVICE}),
    check=check,
)
