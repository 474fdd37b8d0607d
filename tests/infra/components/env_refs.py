"""Stand-ins for what the Project and KMS components hand the others, built inside a mocked program.

The enabled services and key grants are real (mock-registered) resources, so tests can check that components
depend on them; ids and e-mails are plain `Output.from_input` values derived from the config.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import Naming
from infra.components.refs import KeyRefs, ProjectRefs
from infra.config.loader import load_environment
from infra.config.model import EnvironmentConfig
from tests.checkout import PROJECT

PROJECT_NUMBER = "123456789012"
SERVICES = ("storage.googleapis.com", "bigquery.googleapis.com", "pubsub.googleapis.com", "monitoring.googleapis.com")


def config(env: str) -> EnvironmentConfig:
    return load_environment(env, PROJECT)


def project_refs(cfg: EnvironmentConfig) -> ProjectRefs:
    """Refs of the environment's project with one registered `gcp.projects.Service` per API in SERVICES."""
    services = [
        gcp.projects.Service(f"api-{api.split('.')[0]}", project=cfg.project.id, service=api) for api in SERVICES
    ]
    naming = Naming(cfg)

    def sa(role: str) -> pulumi.Output[str]:
        return pulumi.Output.from_input(f"{naming.account_id(role)}@{cfg.project.id}.iam.gserviceaccount.com")

    return ProjectRefs(
        project_id=pulumi.Output.from_input(cfg.project.id),
        number=pulumi.Output.from_input(PROJECT_NUMBER),
        pipelines_sa=sa("pipelines"),
        serving_sa=sa("serving"),
        deployer_sa=sa("deployer"),
        services=services,
    )


def key_id(cfg: EnvironmentConfig, consumer: str) -> str:
    return (
        f"projects/{cfg.project.id}/locations/{cfg.data.location.lower()}/keyRings/{cfg.prefix}/cryptoKeys/{consumer}"
    )


def key_refs(cfg: EnvironmentConfig) -> KeyRefs:
    """Keys and one registered encrypter/decrypter grant per consumer when the env uses CMEK; none otherwise."""
    if not cfg.encryption.cmek:
        return KeyRefs()
    consumers = ("storage", "bigquery", "pubsub", "vertex", "artifact_registry")
    grants = [
        gcp.kms.CryptoKeyIAMMember(
            f"grant-{c.replace('_', '-')}",
            crypto_key_id=key_id(cfg, c),
            role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
            member=f"serviceAccount:agent-{c.replace('_', '-')}@example.iam.gserviceaccount.com",
        )
        for c in consumers
    ]
    keys = {c: pulumi.Output.from_input(key_id(cfg, c)) for c in consumers}
    return KeyRefs(grants=grants, **keys)
