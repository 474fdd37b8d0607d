"""The Gateway component: its own identity and narrow grants, an internal Cloud Run service that the
container's settings reader accepts, invokers from config, and the policy pack's resource rules clean."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pytest

from infra.components.gateway import Gateway, GatewayArgs
from infra.components.gateway_config import container_environment, endpoint_name
from infra.components.naming import Naming
from infra.components.serving import endpoint_id
from infra.config.model import EnvironmentConfig
from policies.discovery import discover_rules
from policies.engine import evaluate
from policies.levels import LevelConfig
from policies.model import Resource, ResourceOptions, ResourceRule
from serving import settings
from tests.infra.components.env_refs import config, key_id, key_refs, project_refs
from tests.infra.components.mocks import Recording, run

IMAGE = "europe-west4-docker.pkg.dev/acme-genai-artifacts/releases/gateway@sha256:" + "4e" * 32
SERVICE = "gcp:cloudrunv2/service:Service"
INVOKER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
APP = "serviceAccount:support-app@acme-apps.iam.gserviceaccount.com"


def build(cfg: EnvironmentConfig, image: str | None = IMAGE, canary: bool = False) -> Recording:
    def program() -> Any:
        project, keys = project_refs(cfg), key_refs(cfg)
        if cfg.encryption.cmek:
            keys = replace(keys, run=pulumi.Output.from_input(key_id(cfg, "run")))
        naming = Naming(cfg)
        model = cfg.serving.gateway_model
        assert model is not None
        endpoint = gcp.vertex.AiEndpoint(
            "endpoint", name=endpoint_id(naming.prefix, model), display_name=model, location=cfg.region
        )
        gateway = Gateway(
            f"{cfg.prefix}-gateway",
            GatewayArgs(cfg, naming, project, keys, endpoint_id(naming.prefix, model), endpoint, image, canary),
        )
        return gateway.outputs()

    return run(program)


def with_gateway(env: str, **changes: Any) -> EnvironmentConfig:
    cfg = config(env)
    gateway = cfg.serving.gateway.model_copy(update=changes)
    return cfg.model_copy(update={"serving": cfg.serving.model_copy(update={"gateway": gateway})})


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_service_is_internal_runs_as_its_own_account_and_scales_from_config(env: str) -> None:
    cfg = config(env)
    rec = build(cfg)
    (service,) = rec.of_type(SERVICE)
    template = service.inputs["template"]
    assert service.inputs["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY", service.urn
    assert "invokerIamDisabled" not in service.inputs, service.urn
    assert template["serviceAccount"] == f"{cfg.prefix}-gateway@{cfg.project.id}.iam.gserviceaccount.com"
    assert template["scaling"] == {
        "minInstanceCount": cfg.serving.gateway.min_instances,
        "maxInstanceCount": cfg.serving.gateway.max_instances,
    }, service.urn
    assert [c["image"] for c in template["containers"]] == [IMAGE], service.urn
    assert service.inputs["name"] == f"{cfg.prefix}-gateway", "the log metric filters on this service name"
    assert {k: rec.value[k] for k in ("service_account", "url")} == {
        "service_account": template["serviceAccount"],
        "url": None,  # mocks echo no uri
    }


def test_prod_protects_the_service_and_encrypts_it_with_its_own_key() -> None:
    prod, dev = build(config("prod")), build(config("dev"))
    (service,) = prod.of_type(SERVICE)
    assert service.protect, service.urn
    assert service.inputs["deletionProtection"] is True, service.urn
    assert service.inputs["template"]["encryptionKey"].endswith("/cryptoKeys/run"), service.urn
    (unprotected,) = dev.of_type(SERVICE)
    assert not unprotected.protect, unprotected.urn
    assert "encryptionKey" not in unprotected.inputs["template"], unprotected.urn


def test_the_container_reads_back_the_settings_the_component_writes() -> None:
    cfg = config("staging")
    (service,) = build(cfg, canary=True).of_type(SERVICE)
    (container,) = service.inputs["template"]["containers"]
    environ = {e["name"]: e["value"] for e in container["envs"]}
    assert environ == container_environment(cfg, endpoint_id(cfg.prefix, "assistant"), canary=True)
    runtime = settings.from_environment(environ)
    assert runtime.target.endpoint == endpoint_name(cfg, endpoint_id(cfg.prefix, "assistant"))
    assert runtime.target.base_url == "https://europe-west4-aiplatform.googleapis.com"
    assert "vpcAccess" not in service.inputs["template"], "a public endpoint needs no VPC path"
    assert (runtime.auth, runtime.gateway.canary, runtime.gateway.fallback) == (
        "metadata", True, tuple(cfg.serving.gateway.fallback)
    )
    assert runtime.gateway.deadline_seconds * 1000 == cfg.serving.gateway.deadline_ms
    assert "PORT" not in environ, "Cloud Run reserves PORT"


def test_predict_is_granted_on_the_one_endpoint_through_a_role_holding_only_predict() -> None:
    cfg = config("prod")
    rec = build(cfg)
    (role,) = [r for r in rec.of_type("gcp:projects/iAMCustomRole:IAMCustomRole") if r.name.endswith("predict-role")]
    assert role.inputs["permissions"] == ["aiplatform.endpoints.predict"], role.urn
    (grant,) = rec.of_type("gcp:vertex/aiEndpointIamMember:AiEndpointIamMember")
    assert grant.inputs["endpoint"] == endpoint_id(cfg.prefix, "assistant"), grant.urn
    assert grant.inputs["role"] == f"projects/{cfg.project.id}/roles/genai_prod_gateway_predict", grant.urn
    assert role.urn in grant.dependencies, "the grant waits for its role"
    assert grant.inputs["member"] == f"serviceAccount:{cfg.prefix}-gateway@{cfg.project.id}.iam.gserviceaccount.com"
    members = rec.of_type("gcp:projects/iAMMember:IAMMember")
    project_roles = {r.inputs["role"] for r in members if r.inputs["member"] == grant.inputs["member"]}
    assert project_roles == {"roles/logging.logWriter", "roles/monitoring.metricWriter"}


def test_invokers_are_exactly_the_configured_identities_and_all_users_only_by_opt_in() -> None:
    closed = build(config("staging"))
    assert closed.of_type(INVOKER) == []
    listed = build(with_gateway("staging", invokers=[APP]))
    assert [(r.inputs["role"], r.inputs["member"]) for r in listed.of_type(INVOKER)] == [("roles/run.invoker", APP)]
    public = build(with_gateway("dev", allow_unauthenticated=True, ingress="internal_and_load_balancer"))
    assert [r.inputs["member"] for r in public.of_type(INVOKER)] == ["allUsers"]
    (service,) = public.of_type(SERVICE)
    assert service.inputs["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", service.urn


def test_without_a_released_image_only_the_identity_and_its_grants_exist() -> None:
    rec = build(config("dev"), image=None)
    assert rec.of_type(SERVICE) == []
    assert len(rec.of_type("gcp:serviceaccount/account:Account")) == 1
    assert rec.value["url"] is None


def findings(rec: Recording, env: str) -> dict[str, set[str]]:
    resources = [
        Resource(r.urn, r.type, r.name, r.inputs, ResourceOptions(protect=r.protect))
        for r in rec.custom()
        if "genai-mlops:platform:Gateway$" in r.urn  # the Gateway's own resources, not the stand-ins
    ]
    rules = [r for r in discover_rules() if isinstance(r, ResourceRule)]
    report = evaluate(resources, env, LevelConfig(production=frozenset({"prod"})), rules)
    found: dict[str, set[str]] = {}
    for violation in report.violations:
        found.setdefault(violation.rule_id, set()).add(str(violation.urn).rsplit("::", 1)[-1])
    return found


def test_the_prod_gateway_passes_every_resource_rule_and_a_public_one_is_refused() -> None:
    clean = build(config("prod"))
    assert findings(clean, "prod") == {}
    # 8 of the service and its identity, 3 of the path to the PSC endpoint (address, deployer role and grant)
    assert len([r for r in clean.custom() if "genai-mlops:platform:Gateway$" in r.urn]) == 11
    public = findings(build(with_gateway("prod", allow_unauthenticated=True)), "prod")
    assert public == {"run-iam-no-public": {"genai-prod-gateway-invoker-allusers"}}


def test_a_canary_is_running_only_while_the_previous_version_takes_traffic() -> None:
    from infra.components.gateway_config import canary_running
    from infra.release.store import load_manifest
    from tests.checkout import PROJECT

    prod = config("prod")
    manifest = load_manifest("prod", prod, PROJECT)
    split = manifest.models["assistant"].deployment.traffic_split
    assert canary_running(prod, manifest) is (split.previous > 0)
    canary = split.model_copy(update={"current": 90, "previous": 10})
    deployment = manifest.models["assistant"].deployment.model_copy(update={"traffic_split": canary})
    model = manifest.models["assistant"].model_copy(update={"deployment": deployment})
    running = manifest.model_copy(update={"models": {**manifest.models, "assistant": model}})
    assert canary_running(prod, running) is True
    assert canary_running(prod, None) is False
