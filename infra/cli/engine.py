"""`mlops preview|up|destroy --env ENV`: the real Pulumi engine (needs the CLI and Google Cloud credentials).

Safe by default: preview and up run the project's policy pack (`policies/`) unless `--no-policy-pack` is given
for a non-production stack; up and destroy of a production-tier stack need `--yes` (no prompt, ever).

Exit code: the engine's (0 ok, non-zero on failure); 2 when a confirmation, the policy pack, the CLI, a
passphrase or credentials are missing, or an option is not allowed for the stack's tier.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from infra.cli.options import find_project


def _run(
    operation: str,
    env: str,
    backend_url: str | None,
    secrets_provider: str,
    project_dir: Path | None,
    policy_pack: Path | None,
    no_policy_pack: bool,
    yes: bool,
) -> None:
    from infra.engine import resolve_settings, run_operation
    from infra.engine.safety import require_confirmation, resolve_policy_pack, stack_tier

    settings = resolve_settings(env, find_project(project_dir).root, backend_url, secrets_provider)
    tier = stack_tier(settings)
    require_confirmation(operation, settings, tier, yes)
    pack = None if operation == "destroy" else resolve_policy_pack(settings, tier, policy_pack, no_policy_pack)
    policy_note = f"policy pack {pack}" if pack else "no policy pack"
    if operation == "destroy":
        policy_note = "policy packs do not run on destroy"
    print(
        f"pulumi {operation} on {settings.project.name}/{env} ({tier.tier} tier; backend {settings.backend_url}, "
        f"{settings.backend_source}; secrets {settings.secrets_provider}; {policy_note})",
        file=sys.stderr,
    )

    def stream(line: str) -> None:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")
        sys.stdout.flush()

    code = run_operation(operation, settings, stream, pack)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    env_opt = typer.Option(..., "--env", "-e", help="Environment (stack) name: dev, staging, prod.")
    backend_opt = typer.Option(
        None,
        "--backend-url",
        help="State backend (default: PULUMI_BACKEND_URL, Pulumi.yaml backend.url, else file://<project>/.pulumi-state).",
    )
    secrets_opt = typer.Option(
        "passphrase",
        "--secrets-provider",
        help="passphrase or gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K.",
    )
    dir_opt = typer.Option(None, "--project-dir", help="Directory holding Pulumi.yaml (default: this repository).")
    pack_opt = typer.Option(
        None, "--policy-pack", help="CrossGuard pack run with the operation (default: <project>/policies)."
    )
    no_pack_opt = typer.Option(
        False, "--no-policy-pack", help="Run without the policy pack (refused for a production-tier stack)."
    )

    @app.command()
    def preview(
        env: str = env_opt,
        backend_url: str | None = backend_opt,
        secrets_provider: str = secrets_opt,
        project_dir: Path | None = dir_opt,
        policy_pack: Path | None = pack_opt,
        no_policy_pack: bool = no_pack_opt,
    ) -> None:
        """Real `pulumi preview --diff` of ENV through the Automation API, with the policy pack."""
        _run("preview", env, backend_url, secrets_provider, project_dir, policy_pack, no_policy_pack, yes=False)

    @app.command()
    def up(
        env: str = env_opt,
        backend_url: str | None = backend_opt,
        secrets_provider: str = secrets_opt,
        project_dir: Path | None = dir_opt,
        policy_pack: Path | None = pack_opt,
        no_policy_pack: bool = no_pack_opt,
        yes: bool = typer.Option(
            False, "--yes", help="Confirm the update (required for a production-tier stack; never prompted)."
        ),
    ) -> None:
        """Real `pulumi up` of ENV through the Automation API, with the policy pack (review `mlops preview` first)."""
        _run("up", env, backend_url, secrets_provider, project_dir, policy_pack, no_policy_pack, yes)

    @app.command()
    def destroy(
        env: str = env_opt,
        backend_url: str | None = backend_opt,
        secrets_provider: str = secrets_opt,
        project_dir: Path | None = dir_opt,
        yes: bool = typer.Option(False, "--yes", help="Confirm: delete every resource of ENV."),
    ) -> None:
        """Real `pulumi destroy` of ENV (requires --yes; protected resources stop it, as in the CLI)."""
        if not yes:
            from contracts.errors import UserInputError

            raise UserInputError.single(
                "--yes",
                "",
                f"destroy deletes every resource of {env}; add --yes to confirm",
                summary="confirmation required",
            )
        _run("destroy", env, backend_url, secrets_provider, project_dir, None, False, yes)
