"""`mlops serve --env ENV --local [--endpoint-url URL] [--port P]`: the serving gateway on loopback.

Builds the gateway from ENV's `serving.gateway` config and release manifest (a canary running decides what
the `previous` stage means) and serves it on 127.0.0.1 until interrupted. `--endpoint-url` is any server
speaking Vertex AI's `:predict` REST protocol (a loopback fake, a port-forward); without it the gateway calls
the region's Vertex AI API with Application Default Credentials.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from contracts.errors import Problem, UserInputError
from infra.cli.console import note
from infra.cli.options import EnvOption, ProjectDirOption, find_project
from infra.components.gateway_config import canary_running, endpoint_name
from infra.components.gateway_config import gateway_settings as settings_of
from serving.gateway import GatewaySettings
from serving.predict import TokenSource

if TYPE_CHECKING:
    from infra.config.model import EnvironmentConfig
    from infra.layout import Project
    from infra.release.schema import ReleaseManifest
    from serving.predict import PredictClient
    from serving.rules import RuleBook
    from serving.server import GatewayServer

app = typer.Typer()


def endpoint_resource(cfg: EnvironmentConfig) -> str:
    """`projects/P/locations/L/endpoints/E` of the model the gateway fronts (ids are derived, see Serving)."""
    from infra.components.serving import endpoint_id

    model = cfg.serving.gateway_model
    if model is None:
        raise UserInputError.single(
            f"environments/Pulumi.{cfg.name}.yaml", "serving.gateway", f"environment {cfg.name!r} has no gateway: "
            "it serves no model or serving.gateway.enabled is false", summary="nothing to serve",
        )
    return endpoint_name(cfg, endpoint_id(cfg.prefix, model))


def gateway_settings(cfg: EnvironmentConfig, manifest: ReleaseManifest | None) -> GatewaySettings:
    """The settings the environment's Cloud Run gateway runs with (`infra.components.gateway_config`)."""
    return settings_of(cfg, canary_running(cfg, manifest))


def _adc_token_source(cfg: EnvironmentConfig) -> TokenSource:
    """Bearer tokens from Application Default Credentials, refreshed when they expire."""
    import google.auth
    import google.auth.exceptions
    import google.auth.transport.requests

    try:
        credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    except google.auth.exceptions.DefaultCredentialsError:
        raise UserInputError.single(
            "--endpoint-url", "", "no --endpoint-url and no Application Default Credentials to call Vertex AI in "
            f"{cfg.region}; run `gcloud auth application-default login` or pass --endpoint-url http://127.0.0.1:PORT "
            "(any server speaking the :predict protocol)", summary="cannot reach the endpoint",
        ) from None

    def token() -> str:
        if not credentials.valid:
            credentials.refresh(google.auth.transport.requests.Request())
        return str(credentials.token)

    return token


PortOption = Annotated[int, typer.Option("--port", "-p", help="Port on 127.0.0.1 (0 picks a free one).")]
EndpointOption = Annotated[
    str | None, typer.Option("--endpoint-url", help="Base URL of a server speaking Vertex AI's :predict REST.")
]
LocalOption = Annotated[bool, typer.Option("--local", help="Serve on loopback (this command's only mode).")]


def load_gateway_rules(settings: GatewaySettings, path: Path) -> RuleBook | None:
    """The rules file when the fallback chain uses it (exit 2 naming each problem of an invalid file)."""
    from serving.rules import RulesError, load_rules

    if "rules" not in settings.fallback:
        return None
    try:
        return load_rules(path)
    except RulesError as exc:
        raise UserInputError(
            [Problem(str(exc.path), "", p) for p in exc.problems], summary="invalid gateway rules file"
        ) from None


def predict_client(cfg: EnvironmentConfig, endpoint_url: str | None) -> PredictClient:
    """A client of `--endpoint-url`, else of the region's Vertex AI with Application Default Credentials."""
    from serving.predict import EndpointTarget, PredictClient

    base_url = endpoint_url or f"https://{cfg.region}-aiplatform.googleapis.com"
    token = None if endpoint_url else _adc_token_source(cfg)
    try:
        return PredictClient(EndpointTarget(base_url, endpoint_resource(cfg)), token)
    except ValueError as exc:
        raise UserInputError.single("--endpoint-url", "", str(exc)) from None


def local_gateway(project: Project, env: str, endpoint_url: str | None, port: int) -> tuple[GatewayServer, str]:
    """ENV's gateway listening on 127.0.0.1:`port` (not yet serving), and a line saying where it forwards."""
    from infra.config.loader import load_environment
    from infra.release.store import find_manifest
    from serving.answer_log import JsonLineSink
    from serving.gateway import Gateway
    from serving.server import GatewayServer

    if not 0 <= port <= 65535:
        raise UserInputError.single("--port", "", f"found {port}; expected 0-65535 (0 picks a free port)")
    cfg = load_environment(env, project)
    settings = gateway_settings(cfg, find_manifest(env, cfg, project))
    rules = load_gateway_rules(settings, project.root / cfg.serving.gateway.rules_file)
    client = predict_client(cfg, endpoint_url)
    try:
        server = GatewayServer(Gateway(settings, client, rules, JsonLineSink()), "127.0.0.1", port)
    except OSError as exc:
        raise UserInputError.single("--port", "", f"cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None
    canary = "canary running" if settings.canary else "no canary"
    target = client.target
    return server, f"gateway of {env} listening on {server.url} -> {target.base_url} {target.endpoint} ({canary})"


@app.command("serve")
def serve(
    env: EnvOption,
    local: LocalOption = False,
    endpoint_url: EndpointOption = None,
    port: PortOption = 8080,
    project_dir: ProjectDirOption = None,
) -> None:
    """Serve ENV's gateway (`POST /v1/answer`, `GET /healthz`) on 127.0.0.1 until interrupted."""
    if not local:
        raise UserInputError.single(
            "--local", "", "only the loopback gateway runs from the CLI; add --local (in an environment the "
            "gateway runs as its own service)", summary="missing --local",
        )
    server, where = local_gateway(find_project(project_dir), env, endpoint_url, port)
    note(f"{where}; Ctrl-C stops it")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
