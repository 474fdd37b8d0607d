"""`mlops serve --env ENV --local [--endpoint-url URL] [--port P]`: the serving gateway on loopback.

Builds the gateway from ENV's `serving.gateway` config and release manifest (a canary running decides what
the `previous` stage means) and serves it on 127.0.0.1 until interrupted. `--endpoint-url` is any server
speaking Vertex AI's `:predict` REST protocol (a loopback fake, a port-forward); without it the gateway calls
the region's Vertex AI API with Application Default Credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from contracts.errors import UserInputError
from infra.cli.options import ProjectDirOption, find_project
from infra.components.gateway_config import canary_running, endpoint_name
from infra.components.gateway_config import gateway_settings as settings_of
from serving.gateway import GatewaySettings
from serving.predict import TokenSource

if TYPE_CHECKING:
    from infra.config.model import EnvironmentConfig
    from infra.release.schema import ReleaseManifest



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


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        env: Annotated[str, typer.Option("--env", "-e", help="Environment (stack) name: dev, staging, prod.")],
        local: Annotated[bool, typer.Option("--local", help="Serve on loopback (this command's only mode).")] = False,
        endpoint_url: Annotated[
            str | None, typer.Option("--endpoint-url", help="Base URL of a server speaking Vertex AI's :predict REST.")
        ] = None,
        port: Annotated[int, typer.Option("--port", "-p", help="Port on 127.0.0.1 (0 picks a free one).")] = 8080,
        project_dir: ProjectDirOption = None,
    ) -> None:
        """Serve ENV's gateway (`POST /v1/answer`, `GET /healthz`) on 127.0.0.1 until interrupted."""
        from rich.console import Console

        from infra.config.loader import load_environment
        from infra.release.store import find_manifest
        from serving.answer_log import JsonLineSink
        from serving.gateway import Gateway
        from serving.predict import EndpointTarget, PredictClient
        from serving.rules import RulesError, load_rules
        from serving.server import GatewayServer

        if not local:
            raise UserInputError.single(
                "--local", "", "only the loopback gateway runs from the CLI; add --local (in an environment the "
                "gateway runs as its own service)", summary="missing --local",
            )
        if not 0 <= port <= 65535:
            raise UserInputError.single("--port", "", f"found {port}; expected 0-65535 (0 picks a free port)")
        project = find_project(project_dir)
        cfg = load_environment(env, project)
        manifest = find_manifest(env, cfg, project)
        settings = gateway_settings(cfg, manifest)
        rules_path = project.root / cfg.serving.gateway.rules_file
        rules = None
        if "rules" in settings.fallback:
            try:
                rules = load_rules(rules_path)
            except RulesError as exc:
                from contracts.errors import Problem

                raise UserInputError(
                    [Problem(str(exc.path), "", p) for p in exc.problems], summary="invalid gateway rules file"
                ) from None
        base_url = endpoint_url or f"https://{cfg.region}-aiplatform.googleapis.com"
        token = None if endpoint_url else _adc_token_source(cfg)
        try:
            client = PredictClient(EndpointTarget(base_url, endpoint_resource(cfg)), token)
        except ValueError as exc:
            raise UserInputError.single("--endpoint-url", "", str(exc)) from None
        gateway = Gateway(settings, client, rules, JsonLineSink())
        try:
            server = GatewayServer(gateway, "127.0.0.1", port)
        except OSError as exc:
            raise UserInputError.single("--port", "", f"cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None
        err = Console(stderr=True)
        canary = "canary running" if settings.canary else "no canary"
        err.print(
            f"gateway of {env} listening on {server.url} -> {base_url} {client.target.endpoint} ({canary}); "
            "Ctrl-C stops it",
            soft_wrap=True, highlight=False, markup=False,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
