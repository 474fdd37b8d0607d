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
