"""Secrets reach Cloud Run services, jobs and functions as Secret Manager references, never as plain values.

A plain environment variable is part of the service's configuration: anyone with `run.services.get` (viewer
roles, the console, the Pulumi state) reads it, and it cannot be rotated without a redeploy. A value marked
secret in Pulumi, or a variable named like a credential, with a literal value is reported.
"""

import re

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import SECRET_KEY, is_unknown
from policies.workloads import WORKLOADS, plain_env_vars

SECRET_NAME = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH_?KEY)", re.IGNORECASE
)
REFERENCE_SUFFIX = re.compile(r"(_NAME|_ID|_URI|_URL|_PATH|_FILE|_VERSION|_REF|_RESOURCE)$", re.IGNORECASE)
"""Names that hold where a secret lives (SECRET_NAME, TOKEN_URI), not the secret itself."""
FIX = (
    "pass the value as a Secret Manager reference (Cloud Run: envs value_source.secret_key_ref; functions: "
    "service_config.secret_environment_variables) and grant the runtime service account "
    "roles/secretmanager.secretAccessor on that secret"
)


def _looks_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not REFERENCE_SUFFIX.search(name)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    findings = []
    for env in plain_env_vars(resource_type, inputs):
        if is_unknown(env.name):
            findings.append(
                Finding(
                    f"{env.path} is unknown until the resources it depends on exist, so its variables cannot be "
                    f"verified; {FIX}",
                    undetermined=True,
                )
            )
        elif isinstance(env.value, dict) and env.value.get(SECRET_KEY) is True:
            findings.append(Finding(f"{env.path} ({env.name}) holds a Pulumi secret as a plain value; {FIX}"))
        elif _looks_secret(env.name) and env.value != "":
            findings.append(Finding(f"{env.path} ({env.name}) is named like a credential and has a plain value; {FIX}"))
    return findings


RULE = ResourceRule(
    id="run-env-no-plaintext-secrets",
    description=(
        "Cloud Run services, jobs and functions take secrets from Secret Manager, not from plain environment "
        "variables. No Checkov or Trivy GCP check covers this; it is Google's Secret Manager guidance for "
        "Cloud Run and Cloud Functions."
    ),
    service="run",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    resource_types=frozenset(WORKLOADS),
    check=check,
)
