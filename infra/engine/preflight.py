"""What must be true before the real engine can run, each failing with the step that fixes it (exit 2)."""

from __future__ import annotations

import os
import shutil

from contracts.errors import UserInputError
from infra.engine.settings import EngineSettings

INSTALL_HINT = (
    "install the Pulumi CLI (https://www.pulumi.com/docs/install/: `curl -fsSL https://get.pulumi.com | sh` "
    "or `brew install pulumi/tap/pulumi`), make sure `pulumi` is on PATH, then retry; "
    "without it, `mlops plan` and `mlops diff` review changes offline"
)
CREDENTIALS_HINT = (
    "run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS to a service-account "
    "key file; in CI use Workload Identity Federation with google-github-actions/auth)"
)


def require_cli() -> str:
    path = shutil.which("pulumi")
    if path is None:
        raise UserInputError.single("pulumi", "", f"the Pulumi CLI is not installed: {INSTALL_HINT}",
                                    summary="Pulumi CLI not found")
    return path


def require_passphrase(settings: EngineSettings) -> None:
    if settings.secrets_provider != "passphrase":
        return
    if os.environ.get("PULUMI_CONFIG_PASSPHRASE") is None and not os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        raise UserInputError.single(
            "PULUMI_CONFIG_PASSPHRASE", "",
            "the passphrase secrets provider needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE; "
            "set one, or pass --secrets-provider gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K",
            summary="no secrets passphrase",
        )


def require_gcp_credentials() -> None:
    """Application Default Credentials must resolve (the gcp provider, gs:// backends and gcpkms:// need them)."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        google.auth.default()
    except DefaultCredentialsError as exc:
        raise UserInputError.single(
            "Google Cloud credentials", "", f"none found ({str(exc).splitlines()[0]}): {CREDENTIALS_HINT}",
            summary="not logged in to Google Cloud",
        ) from None
