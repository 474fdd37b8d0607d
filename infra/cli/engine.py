"""`mlops preview|up|destroy --env ENV`: the real Pulumi engine (needs the CLI and Google Cloud credentials).

Safe by default: preview and up run the project's policy pack (`policies/`) unless `--no-policy-pack` is given
for a non-production stack; up and destroy of a production-tier stack need `--yes` (no prompt, ever).

Exit code: the engine's (0 ok, non-zero on failure); 2 when a confirmation, the policy pack, the CLI, a
passphrase or credentials are missing, or an option is not allowed for the stack's tier.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from contracts.errors import UserInputError
from infra.cli.console import note
from infra.cli.options import EnvOption, ProjectDirOption, find_project

app = typer.Typer()

BackendOption = Annotated[
    str | None,
    typer.Option(
        "--backend-url",
        help="State backend (default: PULUMI_BACKEND_URL, Pulumi.yaml backend.url, else file://<project>/.pulumi-state).",
    ),
]
SecretsOption = Annotated[
    str,
    typer.Option("--secrets-provider", help="passphrase or gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K."),
]
PackOption = Annotated[
    Path | None,
    typer.Option("--policy-pack", help="CrossGuard pack run with the operation (default: <project>/policies)."),
]
NoPackOption = Annotated[
    bool, typer.Option("--no-policy-pack", help="Run without the policy pack (refused for a production-tier stack).")
]


@dataclass(frozen=True)
class EngineRequest:
    """One engine operation as the user asked for it."""

    operation: str
    env: str
    backend_url: str | None
    secrets_provider: str
    project_dir: Path | None
    policy_pack: Path | None = None
    no_policy_pack: bool = False
    yes: bool = False


def run_engine(request: EngineRequest) -> int:
    """Resolve the stack, apply the tier's safety rules, run the operation streaming its output; its exit code."""
    from infra.engine import resolve_settings, run_operation
    from infra.engine.safety import require_confirmation, resolve_policy_pack, stack_tier

    project = find_project(request.project_dir)
    settings = resolve_settings(request.env, project.root, request.backend_url, request.secrets_provider)
    tier = stack_tier(settings)
    require_confirmation(request.operation, settings, tier, request.yes)
    pack = None
    policy_note = "policy packs do not run on destroy"
    if request.operation != "destroy":
        pack = resolve_policy_pack(settings, tier, request.policy_pack, request.no_policy_pack)
        policy_note = f"policy pack {pack}" if pack else "no policy pack"
    note(
        f"pulumi {request.operation} on {settings.project.name}/{request.env} ({tier.tier} tier; backend "
        f"{settings.backend_url}, {settings.backend_source}; secrets {settings.secrets_provider}; {policy_note})"
    )
    return run_operation(request.operation, settings, _stream, pack)


def _stream(line: str) -> None:
    sys.stdout.write(line if line.endswith("\n") else line + "\n")
    sys.stdout.flush()


@app.command("preview")
def preview(
    env: EnvOption,
    backend_url: BackendOption = None,
    secrets_provider: SecretsOption = "passphrase",
    project_dir: ProjectDirOption = None,
    policy_pack: PackOption = None,
    no_policy_pack: NoPackOption = False,
) -> None:
    """Real `pulumi preview --diff` of ENV through the Automation API, with the policy pack."""
    request = EngineRequest("preview", env, backend_url, secrets_provider, project_dir, policy_pack, no_policy_pack)
    raise typer.Exit(run_engine(request))


@app.command("up")
def up(
    env: EnvOption,
    backend_url: BackendOption = None,
    secrets_provider: SecretsOption = "passphrase",
    project_dir: ProjectDirOption = None,
    policy_pack: PackOption = None,
    no_policy_pack: NoPackOption = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm the update (required for a production-tier stack; never prompted).")
    ] = False,
) -> None:
    """Real `pulumi up` of ENV through the Automation API, with the policy pack (review `mlops preview` first)."""
    request = EngineRequest("up", env, backend_url, secrets_provider, project_dir, policy_pack, no_policy_pack, yes)
    raise typer.Exit(run_engine(request))


@app.command("destroy")
def destroy(
    env: EnvOption,
    backend_url: BackendOption = None,
    secrets_provider: SecretsOption = "passphrase",
    project_dir: ProjectDirOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: delete every resource of ENV.")] = False,
) -> None:
    """Real `pulumi destroy` of ENV (requires --yes; protected resources stop it, as in the CLI)."""
    if not yes:
        raise UserInputError.single(
            "--yes", "", f"destroy deletes every resource of {env}; add --yes to confirm",
            summary="confirmation required",
        )
    raise typer.Exit(run_engine(EngineRequest("destroy", env, backend_url, secrets_provider, project_dir, yes=yes)))
