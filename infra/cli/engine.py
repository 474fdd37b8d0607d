"""`mlops preview|up|destroy --env ENV`: the real Pulumi engine (needs the CLI and Google Cloud credentials).

Exit code: the engine's (0 ok, non-zero on failure); 2 when the CLI, a passphrase or credentials are missing.
"""

from __future__ import annotations

from pathlib import Path

import typer


def _run(operation: str, env: str, backend_url: str | None, secrets_provider: str, project_dir: Path | None,
         policy_pack: Path | None) -> None:
    import sys

    from infra.engine import resolve_settings, run_operation
    from infra.synth import default_project_dir

    settings = resolve_settings(env, Path(project_dir or default_project_dir()), backend_url, secrets_provider)
    print(f"pulumi {operation} on {settings.project.name}/{env} (backend {settings.backend_url}, "
          f"{settings.backend_source}; secrets {settings.secrets_provider})", file=sys.stderr)

    def stream(line: str) -> None:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")
        sys.stdout.flush()

    code = run_operation(operation, settings, stream, policy_pack)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    env_opt = typer.Option(..., "--env", "-e", help="Environment (stack) name: dev, staging, prod.")
    backend_opt = typer.Option(None, "--backend-url", help="State backend (default: PULUMI_BACKEND_URL, "
                               "Pulumi.yaml backend.url, else file://<project>/.pulumi-state).")
    secrets_opt = typer.Option("passphrase", "--secrets-provider",
                               help="passphrase or gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K.")
    dir_opt = typer.Option(None, "--project-dir", help="Directory holding Pulumi.yaml (default: this repository).")
    pack_opt = typer.Option(None, "--policy-pack", help="Run this CrossGuard pack with the operation (e.g. policies).")

    @app.command()
    def preview(env: str = env_opt, backend_url: str | None = backend_opt, secrets_provider: str = secrets_opt,
                project_dir: Path | None = dir_opt, policy_pack: Path | None = pack_opt) -> None:
        """Real `pulumi preview --diff` of ENV through the Automation API."""
        _run("preview", env, backend_url, secrets_provider, project_dir, policy_pack)

    @app.command()
    def up(env: str = env_opt, backend_url: str | None = backend_opt, secrets_provider: str = secrets_opt,
           project_dir: Path | None = dir_opt, policy_pack: Path | None = pack_opt) -> None:
        """Real `pulumi up` of ENV through the Automation API (no prompt: review `mlops plan` first)."""
        _run("up", env, backend_url, secrets_provider, project_dir, policy_pack)

    @app.command()
    def destroy(env: str = env_opt, backend_url: str | None = backend_opt, secrets_provider: str = secrets_opt,
                project_dir: Path | None = dir_opt,
                yes: bool = typer.Option(False, "--yes", help="Confirm: delete every resource of ENV.")) -> None:
        """Real `pulumi destroy` of ENV (requires --yes; protected resources stop it, as in the CLI)."""
        if not yes:
            from infra.errors import UserInputError

            raise UserInputError.single("--yes", "", f"destroy deletes every resource of {env}; add --yes to confirm",
                                        summary="confirmation required")
        _run("destroy", env, backend_url, secrets_provider, project_dir, None)
