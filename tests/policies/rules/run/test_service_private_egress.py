"""A service told to call an internal address needs VPC egress: reported without it, quiet with either kind of
path, and undetermined while the path is unknown."""

from __future__ import annotations

from typing import Any

import pulumi_gcp as gcp
import pytest

from policies import types as t
from policies.model import ResourceOptions
from policies.rules.run import service_private_egress
from policies.testing import engine_inputs
from policies.values import UNKNOWN

NETWORK = {
    "network": "projects/acme-net/global/networks/shared",
    "subnetwork": "projects/acme-net/regions/europe-west4/subnetworks/run",
}


def inputs(url: str = "http://10.20.0.10", vpc_access: dict[str, Any] | None = None) -> dict[str, object]:
    template: dict[str, Any] = {
        "service_account": "genai-prod-gateway@acme-prod.iam.gserviceaccount.com",
        "containers": [{"image": "x", "envs": [{"name": "GATEWAY_ENV", "value": "prod"},
                                               {"name": "GATEWAY_API_URL", "value": url}]}],
    }
    if vpc_access is not None:
        template["vpc_access"] = vpc_access
    return engine_inputs(gcp.cloudrunv2.ServiceArgs, location="europe-west4", template=template)


def evaluate(found: dict[str, object]) -> list[Any]:
    return service_private_egress.RULE.evaluate(t.RUN_SERVICE, found, ResourceOptions())


@pytest.mark.parametrize(
    "url", ["http://10.20.0.10", "https://172.16.4.2:8443/v1", "http://192.168.1.9", "http://100.64.0.7"]
)
def test_an_internal_address_without_vpc_egress_is_reported(url: str) -> None:
    (finding,) = evaluate(inputs(url))
    assert "template.containers[0].envs[1] (GATEWAY_API_URL) points at internal address" in finding.message
    assert "has no VPC egress, so no call there can arrive" in finding.message
    assert not finding.undetermined


@pytest.mark.parametrize(
    "vpc_access",
    [
        {"network_interfaces": [NETWORK], "egress": "PRIVATE_RANGES_ONLY"},
        {"network_interfaces": [NETWORK], "egress": "ALL_TRAFFIC"},
        {"connector": "projects/acme-net/locations/europe-west4/connectors/run", "egress": "PRIVATE_RANGES_ONLY"},
    ],
)
def test_direct_vpc_egress_or_a_connector_is_a_path(vpc_access: dict[str, Any]) -> None:
    assert evaluate(inputs(vpc_access=vpc_access)) == []


@pytest.mark.parametrize(
    "url",
    ["https://europe-west4-aiplatform.googleapis.com", "http://127.0.0.1:8080", "http://169.254.169.254", "10.0.0.1"],
)
def test_public_loopback_link_local_and_non_url_values_need_no_path(url: str) -> None:
    assert evaluate(inputs(url)) == []


def test_an_empty_vpc_access_is_no_path_and_an_unknown_one_is_undetermined() -> None:
    (empty,) = evaluate(inputs(vpc_access={"egress": "PRIVATE_RANGES_ONLY"}))
    assert "has no VPC egress" in empty.message
    (unknown,) = evaluate(inputs(vpc_access={"network_interfaces": UNKNOWN}))
    assert unknown.undetermined
    assert "template.vpcAccess is unknown until apply" in unknown.message


def test_the_rule_is_advisory_and_looks_only_at_services() -> None:
    assert not service_private_egress.RULE.is_mandatory_in_prod, "reliability: the config model stops the gateway case"
    assert evaluate(inputs()) != []
    assert service_private_egress.RULE.evaluate(t.RUN_JOB, inputs(), ResourceOptions()) == []
