"""One Vertex AI endpoint per served model, logging requests and responses into BigQuery.

Endpoint ids are numeric and derived from the environment prefix and model name, so they are stable across
runs (no random suffix) and known before creation. Deployments onto the endpoints come from the release
manifest (`infra/release`), not from here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import Naming, type_token
from infra.components.refs import KeyRefs, ProjectRefs
from infra.config.model import EnvironmentConfig, ServedModel


def endpoint_id(prefix: str, model: str) -> str:
    """A stable 10-digit endpoint id (no leading zero) for `<prefix>-<model>`."""
    digest = int(hashlib.sha256(f"{prefix}-{model}".encode()).hexdigest(), 16)
    return str(1_000_000_000 + digest % 9_000_000_000)


@dataclass(frozen=True)
class ServingArgs:
    """Inputs of the Serving component.

    prediction_logs_uri: `bq://<project>.<dataset>` receiving request/response logs (Vertex creates the table).
    """

    cfg: EnvironmentConfig
    naming: Naming
    project: ProjectRefs
    keys: KeyRefs
    prediction_logs_uri: pulumi.Input[str]


class Serving(pulumi.ComponentResource):
    """The endpoints of every served model in `cfg.serving.models`."""

    endpoints: dict[str, gcp.vertex.AiEndpoint]

    def __init__(self, name: str, args: ServingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Serving"), name, None, opts)
        self.endpoints = {model.name: self._endpoint(name, args, model) for model in args.cfg.serving.models}
        self.register_outputs({"endpoints": {k: v.name for k, v in self.endpoints.items()}})

    def _endpoint(self, name: str, args: ServingArgs, model: ServedModel) -> gcp.vertex.AiEndpoint:
        cfg, naming, project, keys = args.cfg, args.naming, args.project, args.keys
        psc = None
        if model.private_service_connect:
            psc = gcp.vertex.AiEndpointPrivateServiceConnectConfigArgs(
                enable_private_service_connect=True,
                project_allowlists=model.psc_allowed_projects or [cfg.project.id],
            )
        return gcp.vertex.AiEndpoint(
            f"{name}-{model.name}",
            name=endpoint_id(naming.prefix, model.name),
            display_name=naming.name(model.name),
            description=model.description or f"Serves {model.name} in {cfg.name}.",
            location=cfg.region,
            region=cfg.region,
            project=project.project_id,
            labels=naming.labels("serving", {"model": model.name}),
            encryption_spec=(
                gcp.vertex.AiEndpointEncryptionSpecArgs(kms_key_name=keys.vertex) if keys.vertex is not None else None
            ),
            private_service_connect_config=psc,
            predict_request_response_logging_config=gcp.vertex.AiEndpointPredictRequestResponseLoggingConfigArgs(
                enabled=True,
                sampling_rate=model.logging_sampling_rate,
                bigquery_destination=gcp.vertex.AiEndpointPredictRequestResponseLoggingConfigBigqueryDestinationArgs(
                    output_uri=args.prediction_logs_uri
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*project.services, *keys.grants]),
        )
