"""What the serving gateway runs with, derived from the environment's config and release.

Shared by the Gateway component (the Cloud Run service's variables) and `mlops serve --local`, so both run
the same fallback chain. No Pulumi import: the CLI loads it on every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.config.model import EnvironmentConfig
from serving.breaker import BreakerSettings
from serving.gateway import GatewaySettings
from serving.predict import EndpointTarget
from serving.settings import API_URL, RuntimeSettings, environment_of, regional_api_url

if TYPE_CHECKING:
    from infra.release.schema import ReleaseManifest


def canary_running(cfg: EnvironmentConfig, manifest: ReleaseManifest | None) -> bool:
    """Whether the gateway's model serves two versions now (the release's `traffic_split.previous` > 0)."""
    model = cfg.serving.gateway_model
    if manifest is None or model is None or model not in manifest.models:
        return False
    return manifest.models[model].deployment.traffic_split.previous > 0


def gateway_settings(cfg: EnvironmentConfig, canary: bool) -> GatewaySettings:
    """The fallback chain's settings from the environment's `serving.gateway` config."""
    g = cfg.serving.gateway
    return GatewaySettings(
        env=cfg.name,
        fallback=tuple(g.fallback),
        deadline_seconds=g.deadline_ms / 1000,
        attempt_timeout_seconds=g.attempt_timeout_ms / 1000,
        retries=g.retries,
        backoff_seconds=g.backoff_ms / 1000,
        breaker=BreakerSettings(failures=g.breaker.failures, cool_down_seconds=g.breaker.cool_down_seconds),
        canned_answer=g.canned_answer,
        canary=canary,
    )


def endpoint_name(cfg: EnvironmentConfig, endpoint_id: str) -> str:
    """`projects/P/locations/L/endpoints/E`: what the gateway calls (endpoint ids are derived, see Serving)."""
    return f"projects/{cfg.project.id}/locations/{cfg.region}/endpoints/{endpoint_id}"


def container_environment(
    cfg: EnvironmentConfig, endpoint_id: str, canary: bool, private: bool = False
) -> dict[str, str]:
    """The container's `GATEWAY_*` variables: endpoint, API, fallback chain, rules file.

    By default `:predict` goes to the regional Vertex AI API with the service's own token. private: through a
    Private Service Connect endpoint instead; `GATEWAY_API_URL` is then the caller's to set (the consumer
    address, `infra.components.network.psc_api_url`) and no token is sent: the plain-HTTP port of the
    consumer endpoint must not carry one, and the endpoint does not ask for it."""
    endpoint = endpoint_name(cfg, endpoint_id)
    runtime = RuntimeSettings(
        gateway=gateway_settings(cfg, canary),
        target=EndpointTarget(regional_api_url(endpoint), endpoint),
        auth="none" if private else "metadata",
        rules_file=cfg.serving.gateway.rules_file,
    )
    environment = environment_of(runtime)
    if private:
        del environment[API_URL]
    return environment
