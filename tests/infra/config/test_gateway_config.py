"""`serving.gateway`: defaults every environment gets, and each bad value named by its key path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config.loader import load_environment
from infra.layout import Project
from serving.rules import load_rules
from tests.checkout import PROJECT, ROOT

from .test_loader import VALID, make_project, problems

PREFIX = "Pulumi.dev.yaml: config.genai-mlops:environment.serving"


def test_every_environment_has_a_gateway_with_a_chain_ending_in_canned() -> None:
    for env in ("dev", "staging", "prod"):
        cfg = load_environment(env, PROJECT)
        assert cfg.serving.gateway_model == "assistant"
        assert cfg.serving.gateway.fallback[-1] == "canned"
        assert load_rules(ROOT / cfg.serving.gateway.rules_file).rules  # the file ships with the code


def test_a_stack_overrides_the_gateway_key_by_key(tmp_path: Path) -> None:
    project = make_project(tmp_path, {**VALID, "serving": {"gateway": {"deadline_ms": 5000, "fallback": ["canned"]}}})
    gateway = load_environment("dev", Project(project)).serving.gateway
    assert (gateway.deadline_ms, gateway.fallback, gateway.retries) == (5000, ["canned"], 1)


@pytest.mark.parametrize(
    ("gateway", "message"),
    [
        ({"fallback": ["previous", "rules"]}, "gateway: fallback must end with 'canned'"),
        ({"fallback": ["rules", "rules", "canned"]}, "gateway: fallback stages must not repeat"),
        ({"fallback": ["model", "canned"]}, "gateway.fallback[0]: Input should be 'previous', 'rules' or 'canned'"),
        ({"attempt_timeout_ms": 9000}, "gateway: attempt_timeout_ms (9000) must not exceed deadline_ms"),
        ({"retries": 9}, "gateway.retries: Input should be less than or equal to 5"),
        ({"breaker": {"failures": 0}}, "gateway.breaker.failures: Input should be greater than or equal to 1"),
        ({"fallback_alert_share": 2}, "gateway.fallback_alert_share: Input should be less than or equal to 1"),
        ({"rules_file": "rules.json"}, "gateway.rules_file: String should match pattern"),
        ({"model": "summarizer"}, ": gateway.model 'summarizer' is not a served model; use one of: "
                                  "assistant"),
        ({"deadline": 5}, "gateway.deadline"),
        ({"invokers": ["allUsers"]}, "gateway.invokers[0]: found 'allUsers'; expected serviceAccount:"),
        ({"invokers": ["user:lee@acme.example"]}, "gateway.invokers[0]: found 'user:lee@acme.example'"),
        ({"ingress": "all"}, "gateway.ingress: Input should be 'internal' or 'internal_and_load_balancer'"),
        ({"min_instances": 5, "max_instances": 2}, "gateway: min_instances (5) must be <= max_instances (2)"),
    ],
)
def test_bad_gateway_values_name_their_key(tmp_path: Path, gateway: dict[str, Any], message: str) -> None:
    (found,) = problems(tmp_path, {**VALID, "serving": {"gateway": gateway}})
    assert found.startswith(f"{PREFIX}{'' if message.startswith(':') else '.'}{message}"), found


def test_a_disabled_gateway_fronts_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path, {**VALID, "serving": {"gateway": {"enabled": False}}})
    assert load_environment("dev", Project(project)).serving.gateway_model is None


NETWORK = {
    "network": "projects/acme-net-prod/global/networks/shared",
    "subnetwork": "projects/acme-net-prod/regions/europe-west4/subnetworks/serving",
}
PRIVATE_MODEL = {"models": [{"name": "assistant", "private_service_connect": True}]}


def test_a_private_endpoint_without_a_network_for_its_gateway_is_refused_naming_the_fix(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, {**VALID, "serving": PRIVATE_MODEL})
    assert found.startswith(f"{PREFIX}: gateway.network is not set, but the gateway's model 'assistant' serves "
                            "through Private Service Connect only"), found
    assert "set gateway.network {network: projects/P/global/networks/N, subnetwork: " in found
    disabled = {**PRIVATE_MODEL, "gateway": {"enabled": False}}
    (tmp_path / "disabled").mkdir()
    project = Project(make_project(tmp_path / "disabled", {**VALID, "serving": disabled}))
    assert load_environment("dev", project).serving.gateway_model is None, "no gateway, nothing to reach"


def test_a_private_endpoint_with_a_network_loads_with_its_defaults(tmp_path: Path) -> None:
    serving = {**PRIVATE_MODEL, "gateway": {"network": NETWORK}}
    network = load_environment("dev", Project(make_project(tmp_path, {**VALID, "serving": serving}))).serving.gateway
    assert network.network is not None
    assert (network.network.egress, network.network.psc_address, network.network.service_attachment) == (
        "private_ranges_only", None, None
    )
    assert network.network.region == "europe-west4"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"network": "acme-net-prod/shared"}, ".network.network: String should match pattern"),
        ({"subnetwork": "projects/acme-net-prod/regions/europe-west4/subnetworks/Serving"},
         ".network.subnetwork: String should match pattern"),
        ({"subnetwork": "projects/acme-other/regions/europe-west4/subnetworks/serving"},
         ".network: subnetwork 'projects/acme-other/regions/europe-west4/subnetworks/serving' is in project "
         "'acme-other' but network"),
        ({"egress": "all"}, ".network.egress: Input should be 'private_ranges_only' or 'all_traffic'"),
        ({"psc_address": "10.0.0"}, ".network.psc_address: String should match pattern"),
        ({"psc_address": "8.8.8.8"}, ".network: psc_address '8.8.8.8' is not an internal address"),
        ({"service_attachment": "gkedpm-1234"}, ".network.service_attachment: String should match pattern"),
        ({"vpc": "x"}, ".network.vpc"),
    ],
)
def test_bad_network_values_name_their_key(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    serving = {**PRIVATE_MODEL, "gateway": {"network": {**NETWORK, **changes}}}
    (found,) = problems(tmp_path, {**VALID, "serving": serving})
    assert found.startswith(f"{PREFIX}.gateway{message}"), found


def test_a_subnetwork_or_attachment_of_another_region_is_refused(tmp_path: Path) -> None:
    other = {**NETWORK, "subnetwork": "projects/acme-net-prod/regions/us-central1/subnetworks/serving"}
    (found,) = problems(tmp_path, {**VALID, "serving": {**PRIVATE_MODEL, "gateway": {"network": other}}})
    assert "network.subnetwork is in region 'us-central1' but the gateway runs in 'europe-west4'" in found
    attachment = {**NETWORK, "service_attachment": "projects/x-tp/regions/us-east1/serviceAttachments/gkedpm-1"}
    (tmp_path / "attachment").mkdir()
    serving = {**PRIVATE_MODEL, "gateway": {"network": attachment}}
    (found,) = problems(tmp_path / "attachment", {**VALID, "serving": serving})
    assert "service_attachment is in region 'us-east1' but the endpoint is in 'europe-west4'" in found


def test_a_network_for_a_public_endpoint_is_refused(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, {**VALID, "serving": {"gateway": {"network": NETWORK}}})
    assert found.startswith(f"{PREFIX}: gateway.network is set, but the gateway's model 'assistant' has a public "
                            "endpoint"), found
