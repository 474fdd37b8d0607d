"""The gateway's path to a Private Service Connect endpoint: Direct VPC egress into the adopted subnetwork, the
consumer address the container is told to call, the forwarding rule once the attachment is known, and the
deployer's narrow network role; the pack's rules hold with the path and catch a service without it."""

from __future__ import annotations

from typing import Any

from infra.components.gateway_config import container_environment
from infra.components.network import DEPLOYER_NETWORK_PERMISSIONS
from infra.components.serving import endpoint_id
from infra.config.model import EnvironmentConfig, GatewayNetwork
from serving import settings
from tests.infra.components.env_refs import config

from .test_gateway import SERVICE, build, findings, with_gateway

ADDRESS = "gcp:compute/address:Address"
RULE = "gcp:compute/forwardingRule:ForwardingRule"
ATTACHMENT = "projects/a1b2c3d4e5f6-tp/regions/europe-west4/serviceAttachments/gkedpm-0123456789abcdef"


def with_network(env: str, **changes: Any) -> EnvironmentConfig:
    network = config("prod").serving.gateway.network
    assert network is not None
    return with_gateway(env, network=network.model_copy(update=changes))


def test_prod_attaches_the_service_to_the_adopted_subnetwork_and_calls_the_reserved_address() -> None:
    cfg = config("prod")
    network = cfg.serving.gateway.network
    assert isinstance(network, GatewayNetwork)
    rec = build(cfg)
    (service,) = rec.of_type(SERVICE)
    assert service.inputs["template"]["vpcAccess"] == {
        "networkInterfaces": [{"network": network.network, "subnetwork": network.subnetwork}],
        "egress": "PRIVATE_RANGES_ONLY",
    }, service.urn
    (address,) = rec.of_type(ADDRESS)
    assert address.inputs["subnetwork"] == network.subnetwork, address.urn
    assert (address.inputs["addressType"], address.inputs["purpose"]) == ("INTERNAL", "GCE_ENDPOINT"), address.urn
    assert address.inputs["address"] == network.psc_address == "10.20.0.10", address.urn
    assert address.protect, "prod keeps the address the gateway is configured with"
    assert address.urn in service.dependencies, "the service starts once its address exists"
    (container,) = service.inputs["template"]["containers"]
    environ = {e["name"]: e["value"] for e in container["envs"]}
    assert environ[settings.API_URL] == "http://10.20.0.10"
    assert environ[settings.AUTH] == "none", "no bearer token over the consumer endpoint's plain-HTTP port"
    expected = container_environment(cfg, endpoint_id(cfg.prefix, "assistant"), canary=False, private=True)
    assert {k: v for k, v in environ.items() if k != settings.API_URL} == expected
    runtime = settings.from_environment(environ)
    assert runtime.target.base_url == "http://10.20.0.10"
    assert runtime.target.path == f"/v1/projects/{cfg.project.id}/locations/europe-west4/endpoints/" + endpoint_id(
        cfg.prefix, "assistant"
    ) + ":predict"
    assert rec.value["predict_url"] == "http://10.20.0.10"


def test_without_the_attachment_no_forwarding_rule_is_invented() -> None:
    assert build(config("prod")).of_type(RULE) == []


def test_the_forwarding_rule_targets_the_attachment_from_the_reserved_address() -> None:
    cfg = with_network("prod", service_attachment=ATTACHMENT, egress="all_traffic")
    rec = build(cfg)
    (rule,) = rec.of_type(RULE)
    (address,) = rec.of_type(ADDRESS)
    assert rule.inputs["target"] == ATTACHMENT, rule.urn
    assert rule.inputs["loadBalancingScheme"] == "", "a PSC endpoint has no load-balancing scheme"
    assert cfg.serving.gateway.network is not None
    assert rule.inputs["network"] == cfg.serving.gateway.network.network, rule.urn
    assert address.urn in rule.dependencies, "the rule takes the reserved address"
    assert any(u.endswith("::endpoint") for u in rule.dependencies), "the rule leads to the endpoint"
    (service,) = rec.of_type(SERVICE)
    assert service.inputs["template"]["vpcAccess"]["egress"] == "ALL_TRAFFIC", service.urn
    assert rule.urn in service.dependencies, "the service starts once its path exists"
    assert findings(rec, "prod") == {}


def test_the_deployer_gets_only_the_network_permissions_the_path_needs() -> None:
    cfg = config("prod")
    rec = build(cfg)
    (role,) = [r for r in rec.of_type("gcp:projects/iAMCustomRole:IAMCustomRole") if "network" in r.name]
    assert role.inputs["permissions"] == list(DEPLOYER_NETWORK_PERMISSIONS), role.urn
    assert not [p for p in DEPLOYER_NETWORK_PERMISSIONS if p.startswith(("compute.firewalls", "compute.routes"))]
    (grant,) = [r for r in rec.of_type("gcp:projects/iAMMember:IAMMember") if "network-deployer" in r.name]
    assert grant.inputs["member"] == f"serviceAccount:{cfg.prefix}-deployer@{cfg.project.id}.iam.gserviceaccount.com"
    assert grant.inputs["role"] == f"projects/{cfg.project.id}/roles/genai_prod_gateway_network_deployer"


def test_an_environment_without_a_network_gets_no_path() -> None:
    rec = build(config("dev"))
    assert rec.of_type(ADDRESS) == rec.of_type(RULE) == []
    assert "predict_url" not in rec.value


def test_the_rule_names_the_address_by_its_path_known_before_it_exists() -> None:
    cfg = with_network("prod", service_attachment=ATTACHMENT)
    (rule,) = build(cfg).of_type(RULE)
    path = f"projects/{cfg.project.id}/regions/europe-west4/addresses/genai-prod-gateway-psc"
    assert rule.inputs["ipAddress"] == path, rule.urn


def test_the_container_runs_with_the_variables_prod_writes_and_sends_no_token_over_the_path() -> None:
    """The prod service's own variables, with the loopback endpoint standing in for the consumer address: the
    entrypoint answers from the model over plain HTTP and never asks the metadata server for a token."""
    from tests.fakes.predict_server import PredictServer
    from tests.serving.metadata_server import MetadataServer
    from tests.serving.test_main import PASSWORD, Entrypoint, free_port

    cfg = config("prod")
    (service,) = build(cfg).of_type(SERVICE)
    (container,) = service.inputs["template"]["containers"]
    environ = {e["name"]: e["value"] for e in container["envs"]}
    with PredictServer() as endpoint, MetadataServer() as metadata:
        endpoint.deploy(environ[settings.ENDPOINT], "assistant", "7")
        running = Entrypoint(
            {**environ, settings.API_URL: endpoint.base_url, "GCE_METADATA_HOST": metadata.host,
             settings.HOST: "127.0.0.1", settings.PORT: str(free_port())}
        )
        running.wait_listening()
        try:
            status, answer = running.post(PASSWORD)
        finally:
            code, _, err = running.terminate()
        assert code == 0, err
        assert (status, answer["source"], answer["model_version"]) == (200, "model", "assistant@7")
        assert metadata.issued == [], "no bearer token is fetched for the plain-HTTP consumer endpoint"
