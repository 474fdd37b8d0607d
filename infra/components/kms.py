"""Customer-managed encryption keys: one key ring, one key per consuming service, the agents' grants.

Keys are always `protect`ed (destroying a key destroys every byte it encrypted) and rotate at most every
90 days. Each consumer gets its own key so access can be revoked per service.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import Naming, type_token
from infra.components.refs import KeyRefs, ProjectRefs
from infra.config.model import EnvironmentConfig

ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
# key purpose -> the service agent that encrypts with it
KEY_CONSUMERS = {
    "storage": "storage",
    "bigquery": "bigquery",
    "pubsub": "pubsub",
    "vertex": "aiplatform",
    "artifact_registry": "artifactregistry",
    "run": "run",
}


@dataclass(frozen=True)
class KmsArgs:
    """Inputs of the Kms component. Keys live in `cfg.region` (data must be regional when CMEK is on)."""

    cfg: EnvironmentConfig
    naming: Naming
    project: ProjectRefs


class Kms(pulumi.ComponentResource):
    """Key ring, per-service keys and the encrypter/decrypter grants of the service agents."""

    keys: dict[str, gcp.kms.CryptoKey]
    refs: KeyRefs

    def __init__(self, name: str, args: KmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Kms"), name, None, opts)
        cfg, naming, project = args.cfg, args.naming, args.project
        after_apis = pulumi.ResourceOptions(parent=self, depends_on=list(project.services))
        ring = gcp.kms.KeyRing(
            f"{name}-ring",
            name=naming.name("keyring"),
            location=cfg.region,
            project=project.project_id,
            opts=pulumi.ResourceOptions.merge(after_apis, pulumi.ResourceOptions(protect=True)),
        )
        rotation = f"{cfg.encryption.rotation_days * 86_400}s"
        self.keys = {
            purpose: gcp.kms.CryptoKey(
                f"{name}-{purpose.replace('_', '-')}",
                name=naming.name(purpose.replace("_", "-")),
                key_ring=ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=rotation,
                labels=naming.labels("kms"),
                opts=pulumi.ResourceOptions(parent=self, protect=True),
            )
            for purpose in KEY_CONSUMERS
        }
        grants = [
            gcp.kms.CryptoKeyIAMMember(
                f"{name}-{purpose.replace('_', '-')}-agent",
                crypto_key_id=self.keys[purpose].id,
                role=ENCRYPTER_DECRYPTER,
                # the member comes from the agent the Project provisioned: the grant waits for it to exist
                member=project.agent(agent),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for purpose, agent in KEY_CONSUMERS.items()
        ]
        self.refs = KeyRefs(**{purpose: key.id for purpose, key in self.keys.items()}, grants=tuple(grants))
        self.register_outputs({"key_ring": ring.id, "keys": {p: k.id for p, k in self.keys.items()}})
