"""The gateway's way to a Private Service Connect endpoint: an address in an adopted VPC, and a forwarding rule.

A PSC-only Vertex AI endpoint has no public predict URL: it is reached at an internal address of a consumer
VPC whose forwarding rule targets the endpoint's service attachment (Vertex AI's "create the PSC endpoint
manually"). The platform creates no VPC: `serving.gateway.network` names an existing network and subnetwork,
and this module reserves the address there and, once the attachment is known, points the rule at it.

Why not the endpoint's own PSC automation (`private_service_connect_config.psc_automation_configs`)? It is
fixed at the endpoint's creation (changing it replaces the endpoint and its deployments), needs a service
connection policy owned by the network, and hands out an address only while a model is deployed, changing it
at the next deployment; the gateway would then call a moving target. A reserved address is stable and known
before the first deployment.

The gateway calls `http://<address>/v1/<endpoint>:predict` (port 80 of the PSC endpoint; 443 carries a
self-signed certificate that names no address, so a client verifying TLS could not use it by address). The
request stays inside the VPC and Google's network, and no bearer token is sent over it (`GATEWAY_AUTH=none`):
a PSC endpoint without the secure option authorizes by its project allowlist and the network, not by IAM.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import Naming, stateful
from infra.components.refs import ProjectRefs
from infra.config.model import EnvironmentConfig, GatewayNetwork

EGRESS = {"private_ranges_only": "PRIVATE_RANGES_ONLY", "all_traffic": "ALL_TRAFFIC"}
PSC_SCHEME = "http"
DEPLOYER_NETWORK_PERMISSIONS = (
    "compute.addresses.createInternal",
    "compute.addresses.deleteInternal",
    "compute.addresses.get",
    "compute.addresses.setLabels",
    "compute.addresses.useInternal",
    "compute.forwardingRules.get",
    "compute.forwardingRules.pscCreate",
    "compute.forwardingRules.pscDelete",
    "compute.forwardingRules.pscSetLabels",
    "compute.forwardingRules.pscUpdate",
    "compute.networks.get",
    "compute.networks.use",
    "compute.regionOperations.get",
    "compute.subnetworks.get",
    "compute.subnetworks.use",
)
"""What the CI deployer needs to reserve the address, point the rule at the endpoint and attach Cloud Run to
the subnetwork, and nothing more (no network, firewall or route administration). With a Shared VPC the host
project's owners grant the `networks.*` / `subnetworks.*` ones on their side (and roles/compute.networkUser to
Cloud Run's service agent); the platform never changes the host project."""


def psc_api_url(address: str) -> str:
    """The base URL the gateway calls through the consumer endpoint (`PredictClient` appends the path)."""
    return f"{PSC_SCHEME}://{address}"


def vpc_access(network: GatewayNetwork) -> gcp.cloudrunv2.ServiceTemplateVpcAccessArgs:
    """Direct VPC egress of the Cloud Run service into the adopted subnetwork (no Serverless VPC connector)."""
    return gcp.cloudrunv2.ServiceTemplateVpcAccessArgs(
        network_interfaces=[
            gcp.cloudrunv2.ServiceTemplateVpcAccessNetworkInterfaceArgs(
                network=network.network, subnetwork=network.subnetwork
            )
        ],
        egress=EGRESS[network.egress],
    )


@dataclass(frozen=True)
class PrivateEndpointPathArgs:
    """Inputs of the path. network: the adopted VPC (`serving.gateway.network`); endpoint: the PSC endpoint
    the rule leads to (its deletion removes the rule first), whose id is endpoint_id."""

    cfg: EnvironmentConfig
    naming: Naming
    project: ProjectRefs
    network: GatewayNetwork
    endpoint: gcp.vertex.AiEndpoint
    endpoint_id: str


class PrivateEndpointPath:
    """The consumer address (protected where the environment protects state: the gateway is configured with
    it), the forwarding rule to the endpoint's service attachment when config names it, and the deployer's
    narrow network role. Children of `parent` (the Gateway)."""

    address: gcp.compute.Address
    forwarding_rule: gcp.compute.ForwardingRule | None
    api_url: pulumi.Output[str]

    def __init__(self, name: str, args: PrivateEndpointPathArgs, parent: pulumi.Resource) -> None:
        cfg, naming, project, network = args.cfg, args.naming, args.project, args.network
        after_apis = pulumi.ResourceOptions(parent=parent, depends_on=list(project.services))
        self.address = gcp.compute.Address(
            f"{name}-psc-address",
            name=naming.name("gateway", "psc"),
            project=project.project_id,
            region=cfg.region,
            subnetwork=network.subnetwork,
            address_type="INTERNAL",
            purpose="GCE_ENDPOINT",
            address=network.psc_address,
            description=f"Where the {cfg.name} gateway reaches its Private Service Connect endpoint.",
            labels=naming.labels("gateway"),
            opts=stateful(cfg, after_apis),
        )
        # a configured address is known at preview; an allocated one once the address exists
        known = network.psc_address
        self.api_url = (
            pulumi.Output.from_input(psc_api_url(known))
            if known is not None
            else self.address.address.apply(psc_api_url)
        )
        self.forwarding_rule = None
        if network.service_attachment is None:
            pulumi.log.warn(
                "serving.gateway.network.service_attachment is not set: the gateway's address "
                f"{network.psc_address or '(allocated)'} is reserved, but no forwarding rule leads to the endpoint "
                "yet, so the gateway answers from its fallbacks only. After the endpoint's first deployment, set it "
                f"to the `serviceAttachment` that `gcloud ai endpoints describe {args.endpoint_id} --region "
                f"{cfg.region} --project {cfg.project.id}` shows.",
                resource=parent,
            )
        else:
            self.forwarding_rule = gcp.compute.ForwardingRule(
                f"{name}-psc-endpoint",
                name=naming.name("gateway", "psc"),
                project=project.project_id,
                region=cfg.region,
                network=network.network,
                # the address's path, which Google derives from its inputs (known at preview; the address is a
                # dependency below)
                ip_address=pulumi.Output.concat(
                    "projects/", self.address.project, "/regions/", self.address.region,
                    "/addresses/", self.address.name,
                ),
                target=network.service_attachment,
                load_balancing_scheme="",
                description=f"Private Service Connect endpoint of {cfg.name}'s served model, for its gateway.",
                labels=naming.labels("gateway"),
                opts=pulumi.ResourceOptions(parent=parent, depends_on=[args.endpoint, self.address]),
            )
        role = gcp.projects.IAMCustomRole(
            f"{name}-network-deployer-role",
            project=project.project_id,
            role_id=naming.underscored("gateway", "network", "deployer"),
            title=f"{naming.prefix} gateway network deployer",
            description="Reserve the gateway's PSC address and rule, and attach Cloud Run to the adopted subnetwork.",
            permissions=list(DEPLOYER_NETWORK_PERMISSIONS),
            stage="GA",
            opts=after_apis,
        )
        gcp.projects.IAMMember(
            f"{name}-network-deployer",
            project=project.project_id,
            role=pulumi.Output.concat("projects/", role.project, "/roles/", role.role_id),
            member=project.deployer_sa.apply(lambda email: f"serviceAccount:{email}"),
            opts=pulumi.ResourceOptions(parent=parent),
        )
