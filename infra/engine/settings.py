"""Where the real engine keeps state and secrets for a stack, decided before anything runs.

Backend: `--backend-url`, else `PULUMI_BACKEND_URL`, else `Pulumi.yaml` `backend.url`, else a project-local
`file://<project>/.pulumi-state` (created on first use; keep it out of git). Secrets provider: `passphrase`
(needs `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE`) or a Cloud KMS key
`gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from contracts.errors import UserInputError
from infra.synth.project import ProjectSpec, load_project, load_stack_config

LOCAL_STATE_DIR = ".pulumi-state"
GCPKMS = re.compile(r"^gcpkms://projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$")
BACKEND_SCHEMES = ("file://", "gs://", "s3://", "azblob://", "https://", "http://")


@dataclass(frozen=True)
class EngineSettings:
    project: ProjectSpec
    stack: str
    backend_url: str
    backend_source: str
    secrets_provider: str

    @property
    def uses_gcp_backend_or_kms(self) -> bool:
        return self.backend_url.startswith("gs://") or self.secrets_provider.startswith("gcpkms://")


def resolve_backend(project: ProjectSpec, explicit: str | None = None) -> tuple[str, str]:
    """(backend URL, where it came from)."""
    if explicit:
        url, source = explicit, "--backend-url"
    elif os.environ.get("PULUMI_BACKEND_URL"):
        url, source = os.environ["PULUMI_BACKEND_URL"], "PULUMI_BACKEND_URL"
    elif project.backend_url:
        url, source = project.backend_url, "Pulumi.yaml backend.url"
    else:
        return (project.root / LOCAL_STATE_DIR).resolve().as_uri(), "project-local default"
    if not url.startswith(BACKEND_SCHEMES):
        raise UserInputError.single(
            source, "", f"{url!r} is not a backend URL; use file://<dir>, gs://<bucket>/<prefix> or https://api.pulumi.com"
        )
    return url, source


def validate_secrets_provider(value: str) -> str:
    if value == "passphrase" or GCPKMS.match(value):
        return value
    raise UserInputError.single(
        "--secrets-provider", "", f"found {value!r}; expected `passphrase` or "
        "gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K",
    )


def resolve_settings(
    stack: str,
    project_dir: Path,
    backend_url: str | None = None,
    secrets_provider: str = "passphrase",
) -> EngineSettings:
    """Check the stack exists (its stack file) and pick backend and secrets provider; no CLI needed."""
    project = load_project(project_dir.resolve())
    load_stack_config(project, stack)  # unknown stack -> UserInputError naming the missing stack file
    url, source = resolve_backend(project, backend_url)
    return EngineSettings(project, stack, url, source, validate_secrets_provider(secrets_provider))
