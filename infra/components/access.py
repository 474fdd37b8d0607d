"""Resource-level grants of the runtime identities: each gets exactly the buckets, datasets and topics it uses.

Kept apart from the resources themselves so the whole access model of the environment reads in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import type_token
from infra.components.refs import ProjectRefs
from infra.config.model import ReleaseArtifacts

if TYPE_CHECKING:
    from infra.components.data import Data
    from infra.components.messaging import Messaging
    from infra.components.registry import Registry

# (identity, bucket purpose, role)
BUCKET_GRANTS = (
    ("pipelines", "pipeline_root", "roles/storage.objectAdmin"),
    ("pipelines", "datasets", "roles/storage.objectViewer"),
    ("pipelines", "model_artifacts", "roles/storage.objectAdmin"),
    ("serving", "model_artifacts", "roles/storage.objectViewer"),
)
# (identity, dataset purpose, role)
DATASET_GRANTS = (
    ("pipelines", "evaluation", "roles/bigquery.dataEditor"),
    ("pipelines", "prediction_logs", "roles/bigquery.dataViewer"),
    ("pipelines", "feedback", "roles/bigquery.dataViewer"),
)
# (identity, topic, role)
TOPIC_GRANTS = (
    ("pipelines", "model-events", "roles/pubsub.publisher"),
    ("pipelines", "retraining-requests", "roles/pubsub.publisher"),
)
# (identity, repository attribute, role)
REPOSITORY_GRANTS = (
    ("pipelines", "pipelines_repo", "roles/artifactregistry.reader"),
    ("pipelines", "images_repo", "roles/artifactregistry.reader"),
    ("serving", "images_repo", "roles/artifactregistry.reader"),
)


@dataclass(frozen=True)
class RuntimeAccessArgs:
    """The identities (from `project`) and the resources they are granted on."""

    project: ProjectRefs
    data: Data
    messaging: Messaging
    registry: Registry
    artifacts: ReleaseArtifacts | None = None
    """The shared release artifacts location; None: no grants there."""


class RuntimeAccess(pulumi.ComponentResource):
    """Grants of the pipelines and serving service accounts on the environment's own resources."""

    def __init__(self, name: str, args: RuntimeAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("RuntimeAccess"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        members = {
            "pipelines": args.project.pipelines_sa.apply(lambda e: f"serviceAccount:{e}"),
            "serving": args.project.serving_sa.apply(lambda e: f"serviceAccount:{e}"),
        }
        for identity, purpose, role in BUCKET_GRANTS:
            gcp.storage.BucketIAMMember(
                f"{name}-{identity}-{purpose.replace('_', '-')}-{_short(role)}",
                bucket=args.data.buckets[purpose].name,
                role=role,
                member=members[identity],
                opts=child,
            )
        for identity, purpose, role in DATASET_GRANTS:
            dataset = args.data.datasets[purpose]
            gcp.bigquery.DatasetIamMember(
                f"{name}-{identity}-{purpose.replace('_', '-')}-{_short(role)}",
                project=dataset.project,
                dataset_id=dataset.dataset_id,
                role=role,
                member=members[identity],
                opts=child,
            )
        for identity, topic, role in TOPIC_GRANTS:
            gcp.pubsub.TopicIAMMember(
                f"{name}-{identity}-{topic}-{_short(role)}",
                project=args.messaging.topics[topic].project,
                topic=args.messaging.topics[topic].name,
                role=role,
                member=members[identity],
                opts=child,
            )
        for identity, attribute, role in REPOSITORY_GRANTS:
            repository: gcp.artifactregistry.Repository = getattr(args.registry, attribute)
            gcp.artifactregistry.RepositoryIamMember(
                f"{name}-{identity}-{attribute.removesuffix('_repo')}-{_short(role)}",
                project=repository.project,
                location=repository.location,
                repository=repository.name,
                role=role,
                member=members[identity],
                opts=child,
            )
        if args.artifacts is not None:
            self._release_artifacts(name, args.artifacts, args.project, members["serving"], child)
            self._candidates(name, args.artifacts, members["pipelines"], child)
        self.register_outputs({})

    @staticmethod
    def _release_artifacts(
        name: str,
        artifacts: ReleaseArtifacts,
        project: ProjectRefs,
        serving: pulumi.Output[str],
        child: pulumi.ResourceOptions,
    ) -> None:
        """Vertex AI's service agent uploads models and pulls images, the serving account reads at run time:
        both may read the shared release artifacts (the deployer needs IAM rights there to grant it)."""
        _, repo_project, _, location, _, repository = artifacts.images_repository.split("/")
        readers = {"vertex-agent": project.agent("aiplatform"), "serving": serving}
        for who, member in readers.items():
            gcp.storage.BucketIAMMember(
                f"{name}-{who}-release-artifacts-objectviewer",
                bucket=artifacts.bucket,
                role="roles/storage.objectViewer",
                member=member,
                opts=child,
            )
            gcp.artifactregistry.RepositoryIamMember(
                f"{name}-{who}-release-images-reader",
                project=repo_project,
                location=location,
                repository=repository,
                role="roles/artifactregistry.reader",
                member=member,
                opts=child,
            )


    @staticmethod
    def _candidates(
        name: str, artifacts: ReleaseArtifacts, pipelines: pulumi.Output[str], child: pulumi.ResourceOptions
    ) -> None:
        """The tuning pipeline's register step copies a candidate into the shared bucket
        (pipelines/lib/candidate_bundle.py): it lists and reads there, and creates objects. objectCreator has
        no delete, so it cannot overwrite or remove anything already released."""
        for role in CANDIDATE_ROLES:
            gcp.storage.BucketIAMMember(
                f"{name}-pipelines-release-artifacts-{_short(role)}",
                bucket=artifacts.bucket,
                role=role,
                member=pipelines,
                opts=child,
            )


CANDIDATE_ROLES = ("roles/storage.objectViewer", "roles/storage.objectCreator")
"""The pipelines identity's roles on the shared release bucket: read, and create (never replace) candidates."""


def _short(role: str) -> str:
    """`roles/storage.objectAdmin` -> `objectadmin`: the part of a role that tells grants apart in names."""
    return role.rsplit(".", 1)[-1].lower()
