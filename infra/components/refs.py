"""What components hand each other: the project they live in and the encryption keys they use.

Keeping these small typed records (instead of passing component objects around) lets each component be
built and tested on its own under the SDK's mocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi

# Google-managed service agents, by the API they act for; each is `service-<project number>@<domain>`
# except BigQuery's encryption agent. Their e-mails are derived from the project number, no look-up needed.
SERVICE_AGENT_DOMAINS = {
    "storage": "gs-project-accounts.iam.gserviceaccount.com",
    "pubsub": "gcp-sa-pubsub.iam.gserviceaccount.com",
    "aiplatform": "gcp-sa-aiplatform.iam.gserviceaccount.com",
    "artifactregistry": "gcp-sa-artifactregistry.iam.gserviceaccount.com",
    "monitoring": "gcp-sa-monitoring-notification.iam.gserviceaccount.com",
}


@dataclass(frozen=True)
class ProjectRefs:
    """The environment's project as the other components need it."""

    project_id: pulumi.Output[str]
    number: pulumi.Output[str]
    pipelines_sa: pulumi.Output[str]
    """E-mail of the service account pipeline runs execute as."""
    serving_sa: pulumi.Output[str]
    """E-mail of the service account endpoints serve as."""
    deployer_sa: pulumi.Output[str]
    """E-mail of the CI deployer service account."""
    services: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """Enabled APIs: resources that call an API depend on these."""

    def agent(self, service: str) -> pulumi.Output[str]:
        """IAM member of a Google-managed service agent (`serviceAccount:...`)."""
        if service == "bigquery":
            return self.number.apply(lambda n: f"serviceAccount:bq-{n}@bigquery-encryption.iam.gserviceaccount.com")
        domain = SERVICE_AGENT_DOMAINS[service]
        return self.number.apply(lambda n: f"serviceAccount:service-{n}@{domain}")


@dataclass(frozen=True)
class KeyRefs:
    """CMEK key ids (`projects/.../cryptoKeys/...`) per consumer; all None when the env uses Google-managed keys."""

    storage: pulumi.Output[str] | None = None
    bigquery: pulumi.Output[str] | None = None
    pubsub: pulumi.Output[str] | None = None
    vertex: pulumi.Output[str] | None = None
    artifact_registry: pulumi.Output[str] | None = None
    grants: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """The service agents' encrypter/decrypter grants: encrypted resources depend on them."""
