"""What components hand each other: the project they live in and the encryption keys they use.

Keeping these small typed records (instead of passing component objects around) lets each component be
built and tested on its own under the SDK's mocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from infra.service_agents import agent_email


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
    agents: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    """IAM member per service agent (`pubsub`, `aiplatform`, `storage`, ...) as provisioned by the Project:
    granting to these waits until the agent exists."""

    def agent(self, service: str) -> pulumi.Output[str]:
        """IAM member of a Google-managed service agent (`serviceAccount:...`).

        The provisioned agent when the Project made sure it exists; otherwise derived from the project number.
        """
        if service in self.agents:
            return self.agents[service]
        api = f"{service}.googleapis.com"
        return self.number.apply(lambda n: f"serviceAccount:{agent_email(api, n)}")


@dataclass(frozen=True)
class KeyRefs:
    """CMEK key ids (`projects/.../cryptoKeys/...`) per consumer; all None when the env uses Google-managed keys."""

    storage: pulumi.Output[str] | None = None
    bigquery: pulumi.Output[str] | None = None
    pubsub: pulumi.Output[str] | None = None
    vertex: pulumi.Output[str] | None = None
    artifact_registry: pulumi.Output[str] | None = None
    run: pulumi.Output[str] | None = None
    grants: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """The service agents' encrypter/decrypter grants: encrypted resources depend on them."""
